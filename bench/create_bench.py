"""Creates under load, the workbench against doccano, in one run on this machine (issue 18).

Usage: python bench/create_bench.py [--clients 50] [--seconds 20] [--doccano VENV]
Fifty clients, each logged in with its own session, create span annotations on 20 articles of
the load test's text as fast as they can, through each tool's API with its CSRF token; both
servers run under the same gunicorn settings as `make serve` (server.GUNICORN_SETTINGS)
against PostgreSQL on 127.0.0.1. The workbench's database is bench/load_test.py's.

doccano is measured when --doccano names a virtualenv holding it (`pip install doccano==1.8.4
'marshmallow<3.20' 'numpy<2' psycopg2-binary`; the project's own files never install it): the script
creates its database (DOCCANO_DATABASE_URL), a sequence-labelling project with overlapping
spans allowed, the same 50 users, articles and label, then serves it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

import load_test
import psycopg
import server

DOCCANO_URL = os.environ.get(
    "DOCCANO_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/doccano_load"
)
DOCCANO_SETUP = f"""
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from examples.models import Example
from label_types.models import SpanType
from projects.models import Member, SequenceLabelingProject
from roles.models import Role
admin = User.objects.create_superuser("admin", password="admin-password")
project = SequenceLabelingProject.objects.create(
    name="Load", description="load", project_type="SequenceLabeling", created_by=admin,
    allow_overlapping=True)
password = make_password("load-test-password")
role = Role.objects.get(name="annotator")
for n in range({{clients}}):
    user = User.objects.create(username=f"editor{{{{n}}}}", password=password)
    Member.objects.create(user=user, project=project, role=role)
examples = [Example.objects.create(project=project, text={load_test.BODY!r}) for _ in range(20)]
label = SpanType.objects.create(project=project, text="claim")
print(project.id, label.id, *[e.id for e in examples])
"""


class DoccanoEditor(load_test.Editor):
    """The same client against doccano's API: log in, then create spans."""

    project = label = 0

    def log_in(self) -> None:
        response = self.session.post(
            f"{self.base}/v1/auth/login/",
            json={"username": f"editor{self.number}", "password": "load-test-password"},
        )
        response.raise_for_status()
        self.csrf = self.session.cookies.get("csrftoken", "")

    def create(self, article: int) -> None:
        start = self.rng.randrange(0, len(load_test.BODY) - 40)
        url = f"{self.base}/v1/projects/{self.project}/examples/{article}/spans"
        body = {"label": self.label, "start_offset": start, "end_offset": start + 30}
        headers = {"X-CSRFToken": self.csrf, "Referer": f"{self.base}/"}
        self.timed("create", lambda: self.session.post(url, json=body, headers=headers))


def prepare_doccano(venv: Path, clients: int) -> tuple[dict[str, str], int, int, list[int]]:
    name = DOCCANO_URL.rsplit("/", 1)[1]
    with psycopg.connect(DOCCANO_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": DOCCANO_URL + "?sslmode=disable",
        "DEBUG": "False",
        "SECRET_KEY": "benchmark-only-doccano",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "http://127.0.0.1",
    }
    doccano = str(venv / "bin" / "doccano")
    subprocess.run([doccano, "init"], env=env, check=True, capture_output=True)
    backend = next((venv / "lib").glob("python3*/site-packages/backend"))
    script = DOCCANO_SETUP.format(clients=clients)
    shell = [str(venv / "bin" / "python"), "manage.py", "shell", "-c", script]
    out = subprocess.run(shell, cwd=backend, env=env, check=True, capture_output=True, text=True)
    project, label, *examples = (int(n) for n in out.stdout.split()[-22:])
    env["BACKEND"] = str(backend)
    return env, project, label, examples


def serve_doccano(venv: Path, env: dict[str, str], port: int) -> subprocess.Popen:
    """doccano's WSGI app under `make serve`'s gunicorn settings."""
    command = [str(venv / "bin" / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += server.GUNICORN_SETTINGS
    return server.launch(command, Path(env["BACKEND"]), env, port, "/v1/auth/login/")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=1, help="each tool in turn, this often")
    parser.add_argument("--doccano", type=Path, help="a virtualenv with doccano installed")
    args = parser.parse_args()

    load_test.prepare(args.clients)
    with psycopg.connect(load_test.URL) as conn:
        articles = [row[0] for row in conn.execute("SELECT id FROM annotations_article")]
    redis_url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/3")
    throttle = {"API_WRITE_THROTTLE": "100000/minute", "REDIS_URL": redis_url}
    tools = {"workbench": (lambda port: server.start(load_test.URL, port, **throttle), articles)}
    if args.doccano:
        env, project, label, examples = prepare_doccano(args.doccano, args.clients)
        DoccanoEditor.project, DoccanoEditor.label = project, label
        tools["doccano 1.8.4"] = (lambda port: serve_doccano(args.doccano, env, port), examples)

    # The machine is shared and its speed drifts: the tools take turns, so drift hits both.
    rates: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(args.rounds):
        for name, (start, targets) in tools.items():
            port = server.free_port()
            process = start(port)
            kind = DoccanoEditor if name.startswith("doccano") else load_test.Editor
            try:
                base = f"http://127.0.0.1:{port}"
                stats = load_test.run_editors(
                    base, args.clients, args.seconds, targets, True, kind=kind
                )
            finally:
                server.stop(process)
            rates[name].append(report(name, stats, args.seconds))
    if args.doccano:
        ratios = [w / d for w, d in zip(rates["workbench"], rates["doccano 1.8.4"], strict=True)]
        print("\nworkbench / doccano per round: " + ", ".join(f"{r:.2f}x" for r in ratios))
        print(f"median: {statistics.median(ratios):.2f}x")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")


def report(title: str, stats, seconds: float) -> float:
    load_test.report(f"{title}: creates, {seconds:.0f} s", stats, seconds)
    return sum(1 for _, ok in stats["create"] if ok) / seconds


if __name__ == "__main__":
    main()
