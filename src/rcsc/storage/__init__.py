"""Persistence: the only package that imports SQLAlchemy and Alembic.

Repositories return `rcsc.core` types; no ORM object leaves this package.
"""

from rcsc.storage.db import Database
from rcsc.storage.uow import UnitOfWork

__all__ = ["Database", "UnitOfWork"]
