from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.transfer.archive import TransferError, import_all


class Command(BaseCommand):
    help = "Load a file written by export_all into an empty database, all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--unverified",
            action="store_true",
            help="Load a file of the previous format (fact-check-workbench/1), which has no "
            "closing record to check it is whole.",
        )

    def handle(self, *args, file: Path, unverified: bool, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            counts = import_all(file, unverified=unverified)
        except TransferError as exc:
            raise CommandError(f"{exc} (nothing was imported)") from exc
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if kind != "format")
        self.stdout.write(f"{file}: imported {summary}")
