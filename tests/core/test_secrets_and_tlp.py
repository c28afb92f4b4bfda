from __future__ import annotations

import pytest

from rcsc.core.countries import country_name, normalise_country
from rcsc.core.secrets import (
    TOKEN_PREFIX,
    digest,
    hash_password,
    new_token,
    same,
    verify_password,
)
from rcsc.core.tlp import COLOURS, Tlp, parse_tlp


def test_password_hash_is_argon2_and_verifies_only_the_password() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "Correct horse battery staple")


def test_unknown_account_never_verifies() -> None:
    assert not verify_password(None, "anything at all")


def test_tokens_are_random_and_stored_only_as_digest() -> None:
    first, second = new_token(), new_token()
    assert first != second and first.startswith(TOKEN_PREFIX)
    assert len(first) >= len(TOKEN_PREFIX) + 43
    assert digest(first) != first and len(digest(first)) == 64
    assert same(digest(first), digest(first)) and not same(digest(first), digest(second))


@pytest.mark.parametrize(
    ("text", "level"),
    [("TLP:CLEAR", Tlp.CLEAR), ("white", Tlp.CLEAR), ("tlp:amber+strict", Tlp.AMBER_STRICT),
     ("RED", Tlp.RED), ("purple", None)],
)
def test_parse_tlp(text: str, level: Tlp | None) -> None:
    assert parse_tlp(text) is level


def test_tlp_order_and_first_colours() -> None:
    assert [t.rank for t in Tlp] == [0, 1, 2, 3, 4]
    assert COLOURS[Tlp.RED].foreground == "#FF2B2B"
    assert COLOURS[Tlp.AMBER].foreground == COLOURS[Tlp.AMBER_STRICT].foreground == "#FFC000"
    assert COLOURS[Tlp.GREEN].foreground == "#33FF00"
    assert all(c.background == "#000000" for c in COLOURS.values())
    assert Tlp.AMBER_STRICT.label == "TLP:AMBER+STRICT"


@pytest.mark.parametrize(("code", "ok"), [("lt", "LT"), ("UA", "UA"), ("ZZ", None),
                                          ("LTU", None), ("1A", None)])
def test_countries_are_iso_alpha2(code: str, ok: str | None) -> None:
    assert normalise_country(code) == ok
    if ok:
        assert country_name(ok)
