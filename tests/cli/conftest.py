from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg_scratch import scratch_database


@pytest.fixture
def scratch_pg_url() -> Iterator[str]:
    yield from scratch_database("cli")
