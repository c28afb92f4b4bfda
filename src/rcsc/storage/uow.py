"""A unit of work: one session, one transaction, every repository on it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rcsc.core.clock import Clock
from rcsc.storage.repos.attachments import AttachmentRepo
from rcsc.storage.repos.audit import AuditRepo
from rcsc.storage.repos.bulk import BulkIncidentRepo
from rcsc.storage.repos.exercises import ExerciseRepo
from rcsc.storage.repos.identity import (
    CommunityRepo,
    MetaRepo,
    OrganisationRepo,
    SessionRepo,
    TokenRepo,
    UserRepo,
)
from rcsc.storage.repos.incidents import IncidentRepo
from rcsc.storage.repos.intel import IntelRepo
from rcsc.storage.repos.peers import PeerRepo
from rcsc.storage.repos.stix import StixRepo
from rcsc.storage.repos.stix_search import StixSearchRepo


class UnitOfWork:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.meta = MetaRepo(session)
        self.orgs = OrganisationRepo(session)
        self.users = UserRepo(session)
        self.communities = CommunityRepo(session)
        self.tokens = TokenRepo(session)
        self.sessions = SessionRepo(session)
        self.audit = AuditRepo(session)
        self.incidents = IncidentRepo(session)
        self.attachments = AttachmentRepo(session)
        self.bulk = BulkIncidentRepo(session)
        self.stix = StixRepo(session)
        self.peers = PeerRepo(session)
        self.stix_search = StixSearchRepo(session)
        self.intel = IntelRepo(session)
        self.exercises = ExerciseRepo(session)

    def flush(self) -> None:
        """Send pending writes now, so constraint violations surface inside the service."""
        self.session.flush()
