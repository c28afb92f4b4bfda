"""Observable normalisation: CVE ids follow the CVE JSON 5 form (ASCII digits; a number of
five or more digits has no leading zero), so what we accept is what STIX consumers accept."""

from __future__ import annotations

import idna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rcsc.core.observables import ObservableType, normalise
from rcsc.errors import ValidationFailed


@pytest.mark.parametrize(("given", "expected"), [
    ("CVE-2024-3094", "CVE-2024-3094"), ("cve-2024-0001", "CVE-2024-0001"),
    (" CVE-2021-44228 ", "CVE-2021-44228"), ("CVE-2024-1234567", "CVE-2024-1234567"),
])
def test_cve_ids_are_normalised(given: str, expected: str) -> None:
    assert normalise(ObservableType.CVE, given) == expected


@pytest.mark.parametrize("given", [
    "CVE-2024-01234",  # five digits with a leading zero
    "CVE-0000-\u0660000",  # Arabic-Indic digits are digits to Python's \d, not to CVE
    "CVE-2024-123", "CVE-24-1234", "2024-3094",
])
def test_malformed_cve_ids_are_refused_by_name(given: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise(ObservableType.CVE, given, field="cves.0")
    assert caught.value.errors[0].field == "cves.0"


_LABELS = st.one_of(st.text(alphabet="abcXYZ019-", min_size=1, max_size=8),
                    st.sampled_from(["xn--", "ab--c", "xn--p1ai", "-a", "a-", "ą"]))


@settings(max_examples=2000, deadline=None)
@given(st.lists(_LABELS, min_size=2, max_size=4))
def test_the_plain_domain_fast_path_agrees_with_idna(labels: list[str]) -> None:
    """Names the fast path accepts come out exactly as the IDNA codec makes them."""
    from rcsc.core.observables import _PLAIN_DOMAIN

    text = ".".join(labels)
    lowered = text.lower()
    if not _PLAIN_DOMAIN.match(lowered):
        return
    expected = idna.encode(lowered, uts46=True).decode("ascii")
    assert normalise(ObservableType.DOMAIN, text) == expected
