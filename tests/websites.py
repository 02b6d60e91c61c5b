"""A local web server for the ingest tests: news pages written for the project (tests/pages/),
a feed, and the awkward cases (redirects, a slow page, a huge page, a PDF, an outage)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).parent / "pages"


class Site:
    """What the server answers: path -> (status, headers, body or a callable giving chunks)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes | object]] = {}
        self.hits: dict[str, int] = {}
        self.page("/news/bridge.html", "bridge.html", "text/html; charset=utf-8")
        self.page("/news/noticia.html", "noticia.html", "text/html")  # charset in <meta>
        self.page("/news/most.html", "most.html", "text/html; charset=windows-1251")
        self.page("/news/hashi.html", "hashi.html", "text/html")  # Shift_JIS in <meta>
        self.page("/news/video.html", "video.html", "text/html; charset=utf-8")
        self.page("/feed.xml", "feed.xml", "application/rss+xml")
        self.routes["/doc.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n")
        self.routes["/down.html"] = (503, {"Content-Type": "text/html"}, b"busy")
        self.routes["/to-bridge"] = (302, {"Location": "/news/bridge.html"}, b"")
        self.routes["/to-metadata"] = (
            302,
            {"Location": "http://169.254.169.254/latest/meta-data/"},
            b"",
        )
        self.routes["/to-private"] = (301, {"Location": "http://10.0.0.7/admin"}, b"")
        self.routes["/loop"] = (302, {"Location": "/loop"}, b"")

    def page(self, path: str, name: str, content_type: str) -> None:
        self.routes[path] = (200, {"Content-Type": content_type}, (PAGES / name).read_bytes())

    def serve_text(self, path: str, html: str) -> None:
        self.routes[path] = (200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())

    def serve_stream(self, path: str, chunks, content_type: str = "text/html") -> None:
        self.routes[path] = (200, {"Content-Type": content_type}, chunks)


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            site.hits[path] = site.hits.get(path, 0) + 1
            status, headers, body = site.routes.get(path, (404, {}, b"not here"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if callable(body):
                self.end_headers()
                try:
                    for chunk in body():
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what a size limit does
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    return Handler


class Server:
    def __init__(self) -> None:
        self.site = Site()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.site))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path


def slow(seconds: float):
    def chunks():
        yield b"<html><body><p>"
        time.sleep(seconds)
        yield b"late</p></body></html>"

    return chunks


def huge(megabytes: int):
    def chunks():
        block = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
        for _ in range(megabytes):
            yield block

    return chunks
