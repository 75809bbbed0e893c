"""Mail: a real SMTP server (aiosmtpd on 127.0.0.1) when REFAIRE_SMTP_URL is set, else the
outbox folder that `refaire mail outbox` lists."""

from __future__ import annotations

import socket

import pytest

from refaire.people.mail import list_outbox, read_message, send_mail


def test_smtp_delivery_with_attachment(smtp_server, monkeypatch) -> None:
    url, received = smtp_server
    monkeypatch.setenv("REFAIRE_SMTP_URL", url)
    monkeypatch.setenv("REFAIRE_MAIL_FROM", "noreply@refaire.test")
    send_mail("Ana <ana@example.org>", "Bienvenue à Refaire", "Héllo\nhttps://x.test/verify?t=1",
              attachments=[("data.json", b"{}", "application/json")])  # fmt: skip
    assert len(received) == 1
    msg = read_message(received[0])
    assert msg["subject"] == "Bienvenue à Refaire" and msg["from"] == "noreply@refaire.test"
    assert "https://x.test/verify?t=1" in msg["text"] and msg["attachments"] == ["data.json"]


def test_unreachable_smtp_raises(monkeypatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens there once the socket is closed
    monkeypatch.setenv("REFAIRE_SMTP_URL", f"smtp://127.0.0.1:{port}")
    with pytest.raises(OSError):
        send_mail("ana@example.org", "x", "y")


def test_outbox_without_smtp(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    send_mail("ana@example.org", "First", "one")
    send_mail("bob@example.org", "Second", "two")
    listed = list_outbox()
    assert listed["total"] == 2 and listed["folder"] == str(tmp_path / "outbox")
    assert [m["subject"] for m in listed["items"]] == ["Second", "First"]  # newest first
    assert (
        listed["items"][0]["to"] == "bob@example.org"
        and listed["items"][0]["text"].strip() == "two"
    )
    with pytest.raises(ValueError):
        send_mail("ana@example.org\r\nBcc: eve@example.org", "x", "y")  # header injection
    assert list_outbox()["total"] == 2


def test_outbox_defaults_beside_the_sqlite_database(tmp_path, monkeypatch) -> None:
    from refaire.people.mail import outbox_dir

    monkeypatch.delenv("REFAIRE_OUTBOX", raising=False)
    monkeypatch.setenv("REFAIRE_DATABASE_URL", f"sqlite:///{tmp_path}/data/refaire.db")
    assert outbox_dir() == tmp_path / "data" / "outbox"
