"""Outgoing mail: real SMTP when REFAIRE_SMTP_URL is set, else an outbox folder.

REFAIRE_SMTP_URL: `smtp://[user:password@]host[:port]` (plain, upgraded with STARTTLS when
`?starttls=1`), or `smtps://…` (TLS from the start). The sender is REFAIRE_MAIL_FROM
(default `refaire@localhost`).

With no SMTP configured (the embedded default) every message is written as an `.eml` file
to the outbox: REFAIRE_OUTBOX, else the `outbox` folder beside the default SQLite database
(`~/.local/share/refaire/outbox`). `refaire mail outbox` lists it, so the demo works
offline and a developer can follow a verification link by hand.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
import sys
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from refaire.people._common import now


def sender() -> str:
    return os.environ.get("REFAIRE_MAIL_FROM") or "refaire@localhost"


def outbox_dir() -> Path:
    given = os.environ.get("REFAIRE_OUTBOX")
    if given:
        return Path(given).expanduser()
    from refaire.store.db import default_database_url

    url = default_database_url()
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).expanduser().resolve().parent / "outbox"
    from refaire.store.db import default_database_path

    return default_database_path().parent / "outbox"


def build_message(
    to: str, subject: str, text: str, attachments: list[tuple[str, bytes, str]] | None = None
) -> EmailMessage:
    if "\n" in to or "\r" in to or "\n" in subject or "\r" in subject:
        raise ValueError("a mail header cannot contain a line break")
    msg = EmailMessage()
    msg["From"] = sender()
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="refaire.invalid")
    msg.set_content(text)
    for name, data, mime in attachments or ():
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=name
        )
    return msg


def send_mail(
    to: str,
    subject: str,
    text: str,
    *,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> None:
    """Send one plain-text message; `attachments` are (file name, bytes, MIME type).

    Raises OSError/smtplib.SMTPException when the SMTP server refuses or is unreachable:
    the caller decides whether that fails its request.
    """
    msg = build_message(to, subject, text, attachments)
    url = os.environ.get("REFAIRE_SMTP_URL")
    if url:
        _send_smtp(url, msg)
    else:
        _write_outbox(msg)


# A queued mail's tries: the first, then 4 more after 30 s, 60 s, 120 s and 240 s.
MAIL_RETRIES = 4
MAIL_RETRY_DELAY_S = 30


def deliver(
    store: Any,
    to: str,
    subject: str,
    text: str,
    *,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> str | None:
    """Send one message: as a queued job when `store`'s app runs with the queue (`refaire
    serve`), then the job's id, retried with back-off and shown failed with its error if it
    never goes; otherwise at once, as `send_mail` (None; raises as it does).

    A message that cannot be built (a line break in a header) is refused here, at once.
    """
    queue = sys.modules.get("refaire.jobs.queue")  # not imported: no app with a queue here
    if store is not None and queue is not None and queue.mail_queued(store.url):
        from refaire.jobs.tasks import mail

        build_message(to, subject, text, attachments)
        return queue.submit(
            store, mail, to, subject, text, list(attachments or []), label=f"mail: {subject}",
            retries=MAIL_RETRIES, retry_delay=MAIL_RETRY_DELAY_S, retry_backoff=2,
        )  # fmt: skip
    send_mail(to, subject, text, attachments=attachments)
    return None


def _send_smtp(url: str, msg: EmailMessage) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(
            f"REFAIRE_SMTP_URL must be smtp://host:port or smtps://host:port, not {url!r}"
        )
    options = parse_qs(parts.query)
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            parts.hostname, parts.port or 465, timeout=30, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=30)
    with client:
        if parts.scheme == "smtp" and options.get("starttls", ["0"])[0] in ("1", "true"):
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(msg)


def _write_outbox(msg: EmailMessage) -> Path:
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{now().strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}.eml"
    tmp = folder / (name + ".part")
    tmp.write_bytes(msg.as_bytes(policy=policy.SMTP))
    tmp.rename(folder / name)  # a reader never sees a half-written message
    return folder / name


def read_message(data: bytes) -> dict[str, Any]:
    """Headers and plain-text body of a raw message, as a JSON-ready dict."""
    msg = BytesParser(policy=policy.default).parsebytes(data)
    body = msg.get_body(preferencelist=("plain",))
    return {
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "date": str(msg.get("Date", "")),
        "text": body.get_content() if body is not None else "",
        "attachments": [p.get_filename() for p in msg.iter_attachments()],
    }


def list_outbox(limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Messages in the outbox, newest first."""
    folder = outbox_dir()
    files = sorted(folder.glob("*.eml"), reverse=True) if folder.is_dir() else []
    items = []
    for path in files[offset : offset + limit]:
        items.append({"file": path.name, **read_message(path.read_bytes())})
    return {
        "total": len(files),
        "limit": limit,
        "offset": offset,
        "folder": str(folder),
        "items": items,
    }
