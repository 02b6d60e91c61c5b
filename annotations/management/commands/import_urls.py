from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations.ingest import ingesting
from annotations.models import Project


class Command(BaseCommand):
    help = (
        "Add articles from the web addresses in a file (one per line; blank lines and lines "
        "starting with # are skipped). Every line is checked first: a bad one is named "
        "(FILE:LINE) and nothing is queued. The pages are fetched by `manage.py worker`, or "
        "here and now with --now."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--as", dest="username", required=True, help="Who adds them.")
        parser.add_argument("--tracked", action="store_true", help="Re-fetch them daily.")
        parser.add_argument("--now", action="store_true", help="Fetch here, not in a worker.")

    def handle(self, *args, file: Path, project: str, username: str, **options) -> None:
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"--project {project}: no such project")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--as {username}: no such user")
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: cannot be read ({exc})") from exc
        urls: list[tuple[int, str]] = []
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                urls.append((number, ingesting.clean_url(text)))
            except ValidationError as exc:
                raise CommandError(f"{file}:{number}: {'; '.join(exc.messages)}") from exc
        queued, existing = [], 0
        try:
            with transaction.atomic():
                for _number, url in urls:
                    _article, fetch = ingesting.add_url(
                        user=user, project=target, url=url, tracked=options["tracked"]
                    )
                    if fetch is None:
                        existing += 1
                    else:
                        queued.append(fetch)
        except PermissionDenied as exc:
            raise CommandError(f"--as {username}: {exc}") from exc
        self.stdout.write(f"{file}: {len(queued)} queued, {existing} already in {target.slug}")
        if options["now"]:
            for fetch in queued:
                self.stdout.write(f"{fetch.url}: {ingesting.run_fetch(fetch.pk)}")
