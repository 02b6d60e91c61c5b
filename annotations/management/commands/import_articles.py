from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.importing import ImportFileError, import_file


class Command(BaseCommand):
    help = (
        "Import articles from .txt files (first line the title, the rest the body) and .jsonl "
        "files (one JSON object per line: title, body, publisher, url, byline, published). "
        "Each file is imported whole or not at all; articles already stored are skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files: list[Path], **options) -> None:
        failed = 0
        for path in files:
            try:
                result = import_file(path)
            except ImportFileError as exc:
                failed += 1
                self.stderr.write(f"error: {exc} (nothing imported from this file)")
                continue
            self.stdout.write(
                f"{path}: {len(result.created)} imported, {len(result.existing)} already present"
            )
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be imported")
