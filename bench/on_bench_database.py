"""Import first: sets Django up against the benchmark database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/workbench_bench) for the scripts that time pages and queries."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault(
    "DATABASE_URL",
    os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workbench_bench"),
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

import django

django.setup()
