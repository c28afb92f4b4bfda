from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.stix.support import Verdict, validator, write_schemas


@pytest.fixture(scope="session")
def validate(tmp_path_factory: pytest.TempPathFactory) -> Callable[[dict[str, Any]], Verdict]:
    """stix2-validator with RCSC's extension schemas (as tests/stix uses it)."""
    return validator(write_schemas(tmp_path_factory.mktemp("stix-schemas")))
