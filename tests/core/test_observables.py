"""Observable normalisation: CVE ids follow the CVE JSON 5 form (ASCII digits; a number of
five or more digits has no leading zero), so what we accept is what STIX consumers accept."""

from __future__ import annotations

import pytest

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
