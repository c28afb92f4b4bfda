"""Cross-border clusters: values carried by items of at least two different countries (the
country of each item's organisation) added within a window — what a coordinator watches.

`recent_clusters` is the stable interface other features (the analytics dashboard) call:

    recent_clusters(uow, actor, *, window_days=7, limit=50) -> list[Cluster]

Each `core.alerts.Cluster` has `value` (an IndexedValue: `.kind`, `.value`), `countries`
(sorted ISO codes), `items` (distinct items: an incident counts once), `first_seen` and
`last_seen` (when the first and last of those items were added). Only items the actor may
see are counted — a cluster the actor could only infer from items it may not see is not
returned, nor are its other countries — and benign values (warninglists, allow-lists) are
left out. Most recently active first.
"""

from __future__ import annotations

from datetime import timedelta

from rcsc.core.alerts import Cluster
from rcsc.core.identity import Principal
from rcsc.core.permissions import Action, require
from rcsc.errors import ValidationFailed
from rcsc.incidents.service import viewer_for
from rcsc.intel import benign
from rcsc.storage import UnitOfWork
from rcsc.storage.repos.alerts import AlertRepo

DEFAULT_WINDOW_DAYS = 7
MAX_LIMIT = 500


def recent_clusters(uow: UnitOfWork, actor: Principal, *,
                    window_days: int = DEFAULT_WINDOW_DAYS, limit: int = 50) -> list[Cluster]:
    """The cross-border clusters of the last `window_days` days the actor may see."""
    require(actor, Action.INTEL_READ)
    if not 1 <= window_days <= 365:
        raise ValidationFailed.field("window_days", "between 1 and 365 days")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.field("limit", f"between 1 and {MAX_LIMIT}")
    viewer = viewer_for(uow, actor)
    if viewer is None:
        return []
    since = uow.clock.now() - timedelta(days=window_days)
    found = AlertRepo(uow.session).clusters(viewer, since, None, limit * 2)
    verdicts = benign.load(uow)
    return [c for c in found if not verdicts.reasons(c.value)][:limit]
