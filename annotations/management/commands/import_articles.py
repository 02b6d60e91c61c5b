from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.ingest.importing import ImportFileError, import_file
from annotations.models import Project


class Command(BaseCommand):
    help = (
        "Import articles from .txt files (first line the title, the rest the body) and .jsonl "
        "files (one JSON object per line: title, body, publisher, url, byline, published). "
        "Each file is imported whole or not at all; articles already stored are skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--project", help="The project's slug; may be left out when there is one project."
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="Who records what the files add: corrected texts of stored articles (the same "
            "URL or title) become new revisions in their name.",
        )

    def handle(
        self, *args, files: list[Path], project: str | None, username: str | None, **options
    ) -> None:
        target = self._project(project)
        user = None
        if username is not None:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"--as {username}: no such user")
        failed = 0
        for path in files:
            try:
                result = import_file(path, project=target, created_by=user)
            except ImportFileError as exc:
                failed += 1
                self.stderr.write(f"error: {exc} (nothing imported from this file)")
                continue
            self.stdout.write(
                f"{path}: {len(result.created)} imported, {len(result.revised)} corrected "
                f"(a new revision each), {len(result.existing)} already present"
            )
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be imported")

    def _project(self, slug: str | None) -> Project:
        if slug is not None:
            found = Project.objects.filter(slug=slug).first()
            if found is None:
                known = ", ".join(Project.objects.values_list("slug", flat=True)) or "none"
                raise CommandError(f"--project {slug}: no such project (projects: {known})")
            return found
        projects = list(Project.objects.order_by("slug")[:2])
        if len(projects) != 1:
            raise CommandError("--project SLUG is needed: say which project to import into")
        return projects[0]
