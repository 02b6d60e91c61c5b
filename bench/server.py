"""The production server as the benchmarks run it: `make serve` in its own process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The served process's key; a benchmark that signs a session for it sets the same before Django.
SECRET_KEY = "benchmark-only-" + "k" * 60


# `make serve`'s gunicorn settings, for serving another tool the same way in a comparison.
GUNICORN_SETTINGS = [
    "--worker-class", "gthread", "--workers", "4", "--threads", "4",
    "--worker-connections", "4", "--keep-alive", "0", "--access-logfile", "-", "--timeout", "120",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(database_url: str, port: int, **env: str) -> subprocess.Popen:
    """Start `make serve` on the port and wait until it answers."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        **env,
    }
    return launch(["make", "--no-print-directory", "serve"], ROOT, environment, port)


def launch(
    command: list[str],
    cwd: Path,
    environment: dict[str, str],
    port: int,
    path: str = "/accounts/login/",
) -> subprocess.Popen:
    """Start a server in its own process group and wait until `path` answers on the port."""
    server = subprocess.Popen(
        command,
        cwd=cwd,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)
            return server
        except urllib.error.HTTPError:  # it answers, if not with a 200
            return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    raise RuntimeError("the server did not start")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
