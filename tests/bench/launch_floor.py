"""The launch benchmark's floor: the same toolkit with nothing of Kitdesk in it.

A bare pywebview window on Qt WebEngine, with Kitdesk's Qt defaults
(``qt_tuning.apply_qt_defaults``: the same Chromium flags), titled "Kitdesk",
showing a page from a loopback HTTP server that holds only the composer's
textarea. The launch benchmark measures it exactly as it measures Kitdesk, so
Kitdesk's own start-up cost is the difference, on whatever machine runs it.

    python tests/bench/launch_floor.py
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import webview
from kitdesk.window.qt_tuning import apply_qt_defaults

PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>Kitdesk</title></head>"
    b"<body><textarea class='ck-input' placeholder='Message'></textarea></body></html>"
)


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    apply_qt_defaults()
    webview.create_window("Kitdesk", f"http://127.0.0.1:{server.server_address[1]}/")
    webview.start(gui="qt", private_mode=True)
    server.shutdown()


if __name__ == "__main__":
    main()
