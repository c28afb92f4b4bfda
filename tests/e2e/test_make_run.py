"""`make run` as a newcomer types it: it initialises a node, loads the demo world, prints
the admin's login and serves the login page, where that login works."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import REPO, Process, child_env, free_port, start

pytestmark = pytest.mark.e2e
START_TIMEOUT = 300  # the first `make run` of a checkout may still install the package


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[Process, str, Path]]:
    port = free_port()
    data_dir = tmp_path / "var"
    process = start(["make", "--no-print-directory", "run", f"PORT={port}"],
                    child_env(data_dir=str(data_dir)), tmp_path / "logs", cwd=REPO,
                    name="make-run")
    try:
        yield process, f"http://127.0.0.1:{port}", data_dir
    finally:
        process.kill_group()


def _printed(output: str, label: str) -> str:
    match = re.search(rf"^{label}:\s+(\S+)\s*$", output, re.MULTILINE)
    assert match, f"no {label!r} line in the output of make run:\n{output}"
    return match.group(1)


def test_make_run_serves_the_login_page_and_the_printed_admin_login_works(
    make_run: tuple[Process, str, Path],
) -> None:
    process, base, data_dir = make_run
    page = process.wait_for_http(f"{base}/login", timeout=START_TIMEOUT)
    assert 'name="csrf_token"' in page.text

    output = process.stdout()
    email, password = _printed(output, "Email"), _printed(output, "Password")
    assert email == "admin@rcsc.example"
    assert _printed(output, "URL") == f"{base}/login"  # the port actually served
    assert "analyst@cert-ua.example" in output  # the demo world was loaded and its logins shown
    assert password in (data_dir / "credentials.txt").read_text()
    assert (data_dir / "rcsc.sqlite3").is_file()

    with httpx.Client(base_url=base, timeout=10) as browser:
        form = browser.get("/login")
        assert form.status_code == 200
        assert browser.cookies.get("rcsc_csrf")
        match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert match, form.text
        login = browser.post("/login", data={
            "email": email, "password": password, "csrf_token": match.group(1), "next": "/",
        })
        assert login.status_code == 303, login.text
        assert login.headers["location"] == "/"
        assert browser.cookies.get("rcsc_session")
        home = browser.get("/")
        assert home.status_code == 200
        assert "CERT-UA" in home.text  # the member organisations of the demo world
