"""Translations: the committed catalogues match the sources (`make i18n`), every language's
catalogue is complete and well-formed, and a user sees pages in their language and time zone.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from rcsc import errors
from rcsc.accounts import users
from rcsc.accounts.auth import system
from rcsc.accounts.validate import SUPPORTED_LOCALES
from rcsc.config import load_settings
from rcsc.storage import Database
from rcsc.web.app import create_app
from rcsc.web.i18n import load_catalogues
from tests.web.page_support import assert_html, csrf_of, logged_in, post_form

if TYPE_CHECKING:
    from tests.conftest import World

ROOT = Path(__file__).parents[2]
LOCALE_DIR = ROOT / "src" / "rcsc" / "locale"
POT = LOCALE_DIR / "messages.pot"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _msgids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id for m in catalog if m.id}


@pytest.fixture(scope="module")
def pot() -> Catalog:
    return _read(POT)


# --- the catalogues --------------------------------------------------------------------

def test_committed_pot_matches_the_sources(tmp_path: Path, pot: Catalog) -> None:
    """Fails when a string is added to or removed from the sources without `make i18n`."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-o", str(fresh), "--no-location", "--sort-output", "--project", "RCSC", "."],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )
    extracted = _msgids(_read(fresh))
    committed = _msgids(pot)
    assert extracted, "the extraction found no messages at all"
    assert extracted - committed == set(), "new strings: run `make i18n` and commit"
    assert committed - extracted == set(), "strings gone from the sources: run `make i18n`"


@pytest.mark.parametrize("lang", SUPPORTED_LOCALES)
def test_every_language_has_a_complete_well_formed_catalogue(pot: Catalog, lang: str) -> None:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    catalog = _read(path, locale=lang)
    assert str(catalog.locale) == lang
    missing = _msgids(pot) - _msgids(catalog)
    assert missing == set(), f"{path} lacks {sorted(map(str, missing))}: run `make i18n`"
    problems = {str(message.id): [str(e) for e in found] for message, found in catalog.check()}
    assert problems == {}, f"{path}: placeholders differ from the msgid"


def test_every_supported_language_is_loaded() -> None:
    catalogues = load_catalogues()
    assert set(SUPPORTED_LOCALES) <= set(catalogues)
    assert catalogues["lt"].gettext("Log out") == "Atsijungti"


def _error_classes(cls: type[errors.RcscError]) -> list[type[errors.RcscError]]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _error_classes(child))]


def test_every_error_title_is_in_the_catalogue(pot: Catalog) -> None:
    """HTML error pages translate the domain errors' titles, so `make i18n` must see them."""
    titles = {cls.title for cls in _error_classes(errors.RcscError)}
    assert titles - _msgids(pot) == set()


# --- pages in the user's language and time zone ----------------------------------------

def _set_preferences(client: TestClient, timezone: str, locale: str) -> None:
    response = post_form(client, "/account", {"timezone": timezone, "locale": locale})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account?saved=preferences"


def test_a_lithuanian_user_sees_lithuanian_navigation(client: TestClient, world: World) -> None:
    logged_in(client, world.admin.email, world.admin.password)
    _set_preferences(client, "Europe/Vilnius", "lt")
    html = assert_html(client.get("/"), 200)
    assert '<html lang="lt">' in html
    for text in ("Pradžia", "API raktai", "Organizacijos", "Naudotojai", "Bendruomenės",
                 "Audito žurnalas", "Atsijungti", "Sveiki, admin"):
        assert text in html
    assert ">Log out<" not in html and ">Users<" not in html


@pytest.mark.parametrize(("lang", "log_out", "users_label"), [
    ("uk", "Вийти", "Користувачі"), ("pl", "Wyloguj się", "Użytkownicy"),
    ("en", "Log out", "Users"),
])
def test_the_language_set_by_an_admin_applies_at_the_next_page(
    client: TestClient, world: World, db: Database, lang: str, log_out: str,
    users_label: str,
) -> None:
    with db.transaction() as uow:
        admin = users.by_email(uow, world.admin.email)
        users.update(uow, system("test"), admin.id, locale=lang)
    html = assert_html(logged_in(client, world.admin.email, world.admin.password).get("/"), 200)
    assert f'<html lang="{lang}">' in html
    assert f">{log_out}<" in html and f">{users_label}<" in html


def test_the_login_page_follows_the_node_language(
    tmp_path: Path, db_url: str, db: Database, world: World
) -> None:
    settings = load_settings(data_dir=tmp_path / "lt", database_url=db_url, default_locale="lt")
    with TestClient(create_app(settings, db=db), base_url="http://127.0.0.1") as client:
        page = assert_html(client.get("/login"), 200)
        assert "Prisijungti" in page and "Slaptažodis" in page and "El. paštas" in page
        failed = client.post("/login", data={
            "email": world.viewer.email, "password": "wrong password, twelve+",
            "csrf_token": csrf_of(page)})
        assert "Neteisingas el. pašto adresas arba slaptažodis." in assert_html(failed, 401)


def test_error_pages_are_translated(client: TestClient, world: World, db: Database) -> None:
    with db.transaction() as uow:
        viewer = users.by_email(uow, world.viewer.email)
        users.update(uow, system("test"), viewer.id, locale="lt")
    logged_in(client, world.viewer.email, world.viewer.password)
    html = assert_html(client.get("/admin/users"), 403)
    assert '<html lang="lt">' in html and ">Pradžia<" in html
    assert "<h1>Draudžiama <small>(403)</small></h1>" in html
    missing = assert_html(post_form(client, f"/tokens/{uuid.uuid4()}/revoke", {},
                                    page="/tokens"), 404)
    assert "<h1>Nerasta <small>(404)</small></h1>" in missing


@pytest.mark.parametrize(("timezone", "locale", "shown"), [
    ("Asia/Tbilisi", "lt", "2026-11-23 13:00:00 +04"),
    ("Asia/Tbilisi", "en", "Nov 23, 2026, 1:00:00\u202fPM +04"),
    ("Europe/Vilnius", "lt", "2026-11-23 11:00:00 EET"),
    ("UTC", "pl", "23 lis 2026, 09:00:00 UTC"),
])
def test_times_are_shown_in_the_users_zone_and_language(
    client: TestClient, world: World, timezone: str, locale: str, shown: str
) -> None:
    """The frozen clock is 2026-11-23 09:00 UTC, when every test account was created."""
    logged_in(client, world.analyst.email, world.analyst.password)
    _set_preferences(client, timezone, locale)
    assert shown in assert_html(client.get("/account"), 200)


def test_token_expiry_is_shown_in_the_users_zone(client: TestClient, world: World) -> None:
    logged_in(client, world.analyst.email, world.analyst.password)
    _set_preferences(client, "Asia/Tbilisi", "lt")
    response = post_form(client, "/tokens", {"name": "feed", "scopes": ["read"],
                                             "expires_days": "30"})
    assert "2026-12-23 13:00:00 +04" in assert_html(response, 201)
