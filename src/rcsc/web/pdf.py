"""HTML documents to PDF with WeasyPrint: the same Jinja2 template serves the page and the
printed report, so the two never drift apart. Stylesheets and images resolve against the
package's own static folder only: rendering a document never fetches from the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).parent / "static"


def _local_fetcher() -> Any:
    """Only `data:` URLs and files under static/; anything else is refused. (WeasyPrint is
    imported when a document is printed: it takes half a second to load.)"""
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(url.split("?")[0].removeprefix("file://")).resolve()
                if not path.is_relative_to(STATIC_DIR.resolve()):
                    raise ValueError(f"documents may embed only static files, not {url}")
            return super().fetch(url, headers)

    return LocalFetcher()


def html_to_pdf(html: str) -> bytes:
    """Render a complete HTML document (with its own `@page` CSS) to PDF bytes.

    Relative links such as `rcsc.css` or `/static/rcsc.css` resolve to the static folder.
    """
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = html.replace('"/static/', '"')
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/",
                    url_fetcher=_local_fetcher())
    return bytes(document.write_pdf())
