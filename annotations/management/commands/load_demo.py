from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotations import demo


class Command(BaseCommand):
    help = "Load demo articles, users and annotations (idempotent). Development only."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off: this creates users with published passwords.",
        )

    def handle(self, *args, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to create demo users with published passwords. "
                "Use --force if this really is a throwaway installation."
            )
        logins = demo.load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Log in with:"))
        for username, password in logins.items():
            self.stdout.write(f"  {username:<12} {password}")
