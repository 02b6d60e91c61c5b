from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from annotations.transfer.archive import export_all


class Command(BaseCommand):
    help = (
        "Write everything (users, articles, evidence, annotations, links, review history) to a "
        "JSON Lines file that import_all loads into an empty database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        with file.open("w", encoding="utf-8") as out:
            count = export_all(out)
        self.stdout.write(f"{file}: {count} records written")
