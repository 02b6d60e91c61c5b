"""`manage.py worker`: run background jobs, and queue the scheduled ones when they fall due.

The jobs are django-tasks' (database backend): this is its `db_worker`, plus a thread that
every `--schedule-every` seconds queues the feeds and tracked articles whose time has come
(ingesting.enqueue_due) and folds the annotations' tally (tallying.compact), so that an
export's count sums a few rows per group rather than one per write. Run as many workers as
you like, on as many machines: each job is claimed by one worker, each scheduled row by one
scheduler.
"""

from __future__ import annotations

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from annotations.export import tallying
from annotations.ingest import ingesting

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run background jobs (fetching pages, polling feeds) and their schedule."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--schedule-every", type=float, default=30.0, metavar="SECONDS")
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run what is due and queued, fold the tally, then exit.",
        )

    def handle(self, *args, schedule_every: float, batch: bool, **options) -> None:
        stop = threading.Event()
        if batch:
            ingesting.enqueue_due()
            tallying.compact()
        else:
            threading.Thread(
                target=self._schedule, args=(stop, schedule_every), daemon=True
            ).start()
        try:
            call_command(
                "db_worker",
                "--queue-name=*",
                "--no-reload",
                *(["--batch", "--no-startup-delay"] if batch else []),
                verbosity=options["verbosity"],
            )
        finally:
            stop.set()

    def _schedule(self, stop: threading.Event, every: float) -> None:
        while not stop.wait(every):
            try:
                close_old_connections()
                feeds, articles = ingesting.enqueue_due()
                if feeds or articles:
                    logger.info("queued %s feed polls and %s re-fetches", feeds, articles)
                tallying.compact()
            except Exception:  # a database hiccup must not end the schedule
                logger.exception("the schedule could not queue due jobs or fold the tally")
            finally:
                close_old_connections()
