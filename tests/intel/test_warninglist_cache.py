"""The warninglist index kept on disk between processes (intel/warninglists.py `cached`)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from rcsc.core.intel import IndexedValue
from rcsc.core.observables import ObservableType as T
from rcsc.intel import warninglists
from rcsc.intel.warninglists import Warninglists

LISTS = [{"name": "Resolvers", "type": "string", "matching_attributes": ["ip-dst"],
          "description": "public resolvers", "list": ["8.8.8.8"]},
         {"name": "Private", "type": "cidr", "matching_attributes": ["ip-dst"],
          "description": "RFC 1918", "list": ["10.0.0.0/8"]}]


def _build() -> Warninglists:
    return Warninglists(LISTS)


def _never() -> Warninglists:
    raise AssertionError("built again although the cache holds the index")


def _file(folder: Path) -> Path:
    return folder / f"warninglists-{warninglists.cache_key()}.pickle"


def _verdicts(index: Warninglists) -> dict[IndexedValue, list[str]]:
    return index.verdicts([IndexedValue(T.IPV4, "8.8.8.8"), IndexedValue(T.IPV4, "10.1.2.3"),
                           IndexedValue(T.IPV4, "192.0.2.1")])


def test_built_once_then_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    first = warninglists.cached(folder, _build)
    assert _file(folder).is_file()
    assert [p.name for p in folder.iterdir()] == [_file(folder).name]  # no temporary left
    again = warninglists.cached(folder, _never)
    assert again is not first
    assert _verdicts(again) == _verdicts(first) == {
        IndexedValue(T.IPV4, "8.8.8.8"): ["Resolvers"],
        IndexedValue(T.IPV4, "10.1.2.3"): ["Private"]}


@pytest.mark.parametrize("content", [b"not a pickle", b"", pickle.dumps({"a": 1})])
def test_a_damaged_or_foreign_file_is_rebuilt(tmp_path: Path, content: bytes) -> None:
    _file(tmp_path).write_bytes(content)
    index = warninglists.cached(tmp_path, _build)
    assert _verdicts(index)[IndexedValue(T.IPV4, "8.8.8.8")] == ["Resolvers"]
    assert isinstance(pickle.loads(_file(tmp_path).read_bytes()), Warninglists)  # noqa: S301


def test_an_unwritable_folder_still_gives_the_index(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    index = warninglists.cached(blocked / "cache", _build)
    assert _verdicts(index)[IndexedValue(T.IPV4, "10.1.2.3")] == ["Private"]


def test_the_key_follows_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another version of the module (or of the lists) reads another file."""
    warninglists.cached(tmp_path, _build)
    before = warninglists.cache_key()
    source = tmp_path / "warninglists.py"
    source.write_text(Path(warninglists.__file__).read_text() + "\n# changed\n")
    monkeypatch.setattr(warninglists, "__file__", str(source))
    assert warninglists.cache_key() != before
    assert not _file(tmp_path).exists()
