"""Mail over SMTP (smtplib), configured by RCSC_SMTP_*; no host configured means no mail,
which the log says once."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from rcsc.config import Settings

log = logging.getLogger("rcsc.notify")
_said_disabled = threading.Event()


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0


def config_of(settings: Settings) -> MailConfig | None:
    """The SMTP settings, or None (mail disabled) when no host is configured."""
    if not settings.smtp_host:
        if not _said_disabled.is_set():
            _said_disabled.set()
            log.info("mail is disabled: RCSC_SMTP_HOST is not set")
        return None
    return MailConfig(host=settings.smtp_host, port=settings.smtp_port,
                      sender=settings.smtp_from, starttls=settings.smtp_starttls,
                      user=settings.smtp_user, password=settings.smtp_password,
                      timeout=settings.smtp_timeout_seconds)


def message(config: MailConfig, to: str, subject: str, text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(text)
    return msg


def send(config: MailConfig, to: str, subject: str, text: str) -> None:
    """Send one message; raises OSError or smtplib.SMTPException when it cannot."""
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.user:
            smtp.login(config.user, config.password or "")
        smtp.send_message(message(config, to, subject, text))
