"""The sharing rule (FIRST TLP 2.0 as this node applies it): one definition, as data.

`visible()` evaluates it in Python; `rcsc.storage.sharing_sql` compiles the same table into
the SQL filter every list, search, count and export runs with. There is no second copy.
"""

from rcsc.sharing.rule import (
    PUBLIC,
    RULE,
    Marking,
    Relation,
    Viewer,
    relations_holding,
    visible,
)

__all__ = ["PUBLIC", "RULE", "Marking", "Relation", "Viewer", "relations_holding", "visible"]
