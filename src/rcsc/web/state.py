"""What the app keeps for its lifetime, built once by the factory."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment

from rcsc.accounts.auth import LoginPolicy
from rcsc.config import Settings
from rcsc.storage import Database
from rcsc.web.i18n import Catalogues


@dataclass
class AppState:
    settings: Settings
    db: Database
    templates: Environment
    catalogues: Catalogues

    @property
    def login_policy(self) -> LoginPolicy:
        s = self.settings
        return LoginPolicy(
            window_minutes=s.login_window_minutes,
            max_per_account=s.login_max_failures_per_account,
            max_per_address=s.login_max_failures_per_address,
            session_hours=s.session_hours,
        )
