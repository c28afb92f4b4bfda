"""Tables of the exercises feature, on the one schema (`tables.Base.metadata`); migration
0008 creates them. Imported by the exercise repository, which the unit of work loads, so
the metadata always holds them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rcsc.storage.tables import Base
from rcsc.storage.types import UtcDateTime


class ExerciseRow(Base):
    __tablename__ = "exercises"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    tlp: Mapped[str] = mapped_column(String(16))
    lead_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    scenario: Mapped[str] = mapped_column(Text, default="")
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The exercise clock (see `core.exercises.ExerciseClock`).
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExerciseOrgRow(Base):
    """A participating organisation: a recipient of the exercise's marking."""

    __tablename__ = "exercise_orgs"
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)


class ExerciseParticipantRow(Base):
    __tablename__ = "exercise_participants"
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), default="")
    trusted_agent: Mapped[bool] = mapped_column(Boolean, default=False)


class InjectRow(Base):
    __tablename__ = "exercise_injects"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    offset_seconds: Mapped[int] = mapped_column(Integer)
    scenario_time: Mapped[str] = mapped_column(String(64), default="")
    sender: Mapped[str] = mapped_column(String(200), default="")
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    delivery: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    expected_actions: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    controller: Mapped[str] = mapped_column(String(200), default="")
    techniques: Mapped[list[str]] = mapped_column(JSON, default=list)
    contingency: Mapped[bool] = mapped_column(Boolean, default=False)
    depends_on: Mapped[int | None] = mapped_column(Integer)
    depends_condition: Mapped[str] = mapped_column(String(16))
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    released_by: Mapped[str] = mapped_column(String(320), default="")
    # For injects delivered by e-mail: when a process claimed sending it (at most once)
    mailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_exercise_injects_exercise_id_number", "exercise_id", "number", unique=True),
        Index("ix_exercise_injects_exercise_id_released_at", "exercise_id", "released_at"),
    )


class ResponseRow(Base):
    """A player's acknowledgement of or answer to a released inject."""

    __tablename__ = "exercise_responses"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    inject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercise_injects.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- planning --------------------------------------------------------------------------------


class ObjectiveRow(Base):
    __tablename__ = "exercise_objectives"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    capability: Mapped[str] = mapped_column(String(200), default="")
    critical_tasks: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (
        Index("ix_exercise_objectives_exercise_id_code", "exercise_id", "code", unique=True),)


class MeetingRow(Base):
    __tablename__ = "exercise_meetings"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    minutes_long: Mapped[int] = mapped_column(Integer)
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")


class ActionItemRow(Base):
    __tablename__ = "exercise_action_items"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercise_meetings.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class CheckMarkRow(Base):
    """A go/no-go check of an ENISA phase ticked off."""

    __tablename__ = "exercise_checklist"
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True)
    phase: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    done_by: Mapped[str] = mapped_column(String(320))
    done_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- evaluation ------------------------------------------------------------------------------


class EvaluationRow(Base):
    __tablename__ = "exercise_evaluations"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"))
    objective_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercise_objectives.id", ondelete="CASCADE"))
    task: Mapped[str] = mapped_column(String(300), default="")
    rating: Mapped[str] = mapped_column(String(1))
    observations: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    improvements: Mapped[str] = mapped_column(Text, default="")
    evaluator: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_exercise_evaluations_exercise_id_objective_id_task",
                            "exercise_id", "objective_id", "task", unique=True),)


class QuestionRow(Base):
    __tablename__ = "exercise_questions"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)


class AnswerRow(Base):
    """An answer to a lessons-learned question; no user is stored for anonymous ones."""

    __tablename__ = "exercise_answers"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercise_questions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CorrectiveActionRow(Base):
    __tablename__ = "exercise_corrective_actions"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    objective_code: Mapped[str] = mapped_column(String(16), default="")
    text: Mapped[str] = mapped_column(Text)
    owner_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ResponseAttachmentRow(Base):
    """A file attached to a player's answer (migration 0010); the bytes are a blob."""

    __tablename__ = "exercise_response_attachments"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercise_responses.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    team: Mapped[str] = mapped_column(String(64), default="")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    sha1: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InjectAttachmentRow(Base):
    """A file attached to an inject of the MSEL (migration 0011); the bytes are a blob.
    Removed with its inject (and so by an MSEL import, which carries them over by number)."""

    __tablename__ = "exercise_inject_attachments"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    inject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercise_injects.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    sha1: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
