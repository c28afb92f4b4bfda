"""FIRST Traffic Light Protocol 2.0 levels with their official colours.

Source: https://www.first.org/tlp/ (TLP 2.0, August 2022) — the colours are the RGB values
of the standard's "Colour-coding in RGB" table, text on a black background.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tlp(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper()

    @property
    def rank(self) -> int:
        return _ORDER.index(self)


_ORDER = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]


@dataclass(frozen=True)
class TlpColours:
    foreground: str
    background: str = "#000000"


COLOURS: dict[Tlp, TlpColours] = {
    Tlp.CLEAR: TlpColours("#FFFFFF"),
    Tlp.GREEN: TlpColours("#33FF00"),
    Tlp.AMBER: TlpColours("#FFC000"),
    Tlp.AMBER_STRICT: TlpColours("#FFC000"),
    Tlp.RED: TlpColours("#FF2B2B"),
}


def parse_tlp(value: str) -> Tlp | None:
    cleaned = value.strip().lower().removeprefix("tlp:").replace("white", "clear")
    try:
        return Tlp(cleaned)
    except ValueError:
        return None
