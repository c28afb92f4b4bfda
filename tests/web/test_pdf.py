"""Documents render to real PDFs with the node's own stylesheet, and a document cannot make
the renderer read files outside static/ or reach the network."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pypdfium2

from rcsc.web.pdf import html_to_pdf

PAGE = """<!doctype html><html><head><link rel="stylesheet" href="/static/rcsc.css">
<style>@page {{ size: A4; }}</style></head><body><h1>Situation report</h1>{extra}</body></html>"""


def _text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_html_renders_to_a_pdf_with_its_text() -> None:
    pdf = html_to_pdf(PAGE.format(extra="<p>TLP:AMBER</p>"))
    assert pdf.startswith(b"%PDF-")
    assert "Situation report" in _text(pdf) and "TLP:AMBER" in _text(pdf)


def test_a_file_outside_static_is_not_embedded() -> None:
    with_secret = html_to_pdf(PAGE.format(
        extra='<object data="file:///etc/hostname" type="text/plain"></object>'
              '<img src="file:///etc/passwd"><img src="/static/favicon.svg">'))
    plain = html_to_pdf(PAGE.format(extra='<img src="/static/favicon.svg">'))
    assert abs(len(with_secret) - len(plain)) < 200  # nothing from /etc was embedded


def test_a_remote_url_is_never_fetched() -> None:
    hits: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        pdf = html_to_pdf(PAGE.format(
            extra=f'<img src="{url}/x.png"><link rel="stylesheet" href="{url}/s.css">'))
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF-") and hits == []
