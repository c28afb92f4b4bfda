"""Injects whose delivery method is e-mail, mailed to the players of the teams they address
once released (by the clock or by "release now"). Sending happens after the claim has
committed and outside any transaction; each inject is claimed once across all processes
(`ExerciseRepo.claim_mailings`), so a player never gets the same inject twice. A mail that
cannot be sent is logged; the inject is in the player's inbox either way. Files uploaded
to the inject are named in the mail, not attached: the inbox serves them, audited."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from rcsc.config import Settings
from rcsc.core.exercises import Exercise, ExerciseRole, Inject
from rcsc.notify import mail
from rcsc.storage import Database, UnitOfWork

log = logging.getLogger("rcsc.exercises")
BANNER = "EXERCISE EXERCISE EXERCISE"  # exercise traffic is marked so nobody takes it as real


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str


def letters_for(uow: UnitOfWork, exercise: Exercise, inject: Inject) -> list[Letter]:
    """One message per player (or red-team member) of a team the inject is addressed to."""
    people = {p.user_id for p in exercise.participants
              if p.role in (ExerciseRole.PLAYER, ExerciseRole.RED) and p.team
              and inject.addressed_to(frozenset({p.team}))}
    files = [a.filename for a in uow.exercises.inject_files.of_injects([inject.id])]
    subject = (f"[{exercise.tlp.label}] {BANNER}: {exercise.name} — inject {inject.number}: "
               f"{inject.title}")
    text = "\n\n".join(part for part in (
        BANNER, f"From: {inject.sender}" if inject.sender else "", inject.text,
        f"Attachments: {', '.join(inject.attachments)}" if inject.attachments else "",
        f"Files in your exercise inbox: {', '.join(files)}" if files else "",
        f"{exercise.tlp.label}", BANNER) if part)
    found = (uow.users.get(user_id) for user_id in sorted(people, key=str))
    return [Letter(u.email, subject, text) for u in found if u is not None and u.active]


def mail_released(db: Database, settings: Settings) -> int:
    """Claim the released e-mail injects not yet mailed, then send them; returns how many
    messages went out. Without RCSC_SMTP_HOST nothing is claimed (they would be lost)."""
    config = mail.config_of(settings)
    if config is None:
        return 0
    with db.transaction(readonly=True) as uow:  # nearly always nothing: no write lock taken
        if not uow.exercises.mail_pending():
            return 0
    with db.transaction() as uow:
        letters: list[Letter] = []
        for inject in uow.exercises.claim_mailings(uow.clock.now()):
            exercise = uow.exercises.get(inject.exercise_id)
            if exercise is not None:
                letters += letters_for(uow, exercise, inject)
    sent = 0
    for letter in letters:  # after the claim committed, outside any transaction
        try:
            mail.send(config, letter.to, letter.subject, letter.text)
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("inject mail to %s failed: %s", letter.to, exc)
    return sent
