"""Mails as queued jobs (issue 16): in a served app (the queue's consumer in the process) a
sign-up's verification mail reaches a real SMTP server through the consumer; an SMTP server
that cannot be reached leaves the job retrying with back-off, then failed with its error;
an app without a queue still sends at once (the other mail tests)."""

from __future__ import annotations

import socket
import time

import pytest
from fastapi.testclient import TestClient

from refaire.app import create_app
from refaire.jobs import log as job_log
from refaire.jobs.queue import mail_queued, queue_mail, start_embedded, stop_embedded
from refaire.people import mail as mail_module
from refaire.people.mail import deliver, read_message


def _wait(predicate, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_served_apps_sign_up_mail_goes_through_the_consumer(sqlite_store, smtp_server, monkeypatch):
    url, received = smtp_server
    monkeypatch.setenv("REFAIRE_SMTP_URL", url)
    app = create_app(store=sqlite_store, jobs=True, job_workers=1)
    with TestClient(app) as client:
        assert mail_queued(sqlite_store.url)
        resp = client.post("/api/auth/signup",
                           json={"email": "ana@example.org", "password": "Lyon-fablab-2026"})  # fmt: skip
        assert resp.status_code in (200, 201), resp.text
        assert _wait(lambda: len(received) == 1), "the mail never reached the SMTP server"
    message = read_message(received[0])
    assert message["to"] == "ana@example.org" and "token=" in message["text"]
    (job,) = job_log.list_jobs(sqlite_store)["items"]
    assert job["name"] == "mail" and job["state"] == "done" and job["attempts"] == 1
    assert "ana@example.org" not in job["label"]  # the list shows the subject, not the address


def test_an_unreachable_smtp_server_leaves_the_mail_job_failed_with_its_error(sqlite_store, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens there once the socket is closed
    monkeypatch.setenv("REFAIRE_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setattr(mail_module, "MAIL_RETRIES", 1)
    monkeypatch.setattr(mail_module, "MAIL_RETRY_DELAY_S", 1)
    queue_mail(sqlite_store.url)
    job_id = deliver(sqlite_store, "ana@example.org", "Booking 3 confirmed", "See you")
    assert job_id is not None and job_log.get_job(sqlite_store, job_id)["state"] == "queued"
    consumer = start_embedded(sqlite_store.url, workers=1, periodic=False)
    try:
        assert _wait(lambda: job_log.get_job(sqlite_store, job_id)["state"] == "retrying")
        retrying = job_log.get_job(sqlite_store, job_id)
        assert "ConnectionRefusedError" in retrying["error"] and "1 retries left" in retrying["error"]
        assert _wait(lambda: job_log.get_job(sqlite_store, job_id)["state"] == "failed")
    finally:
        stop_embedded(consumer)
    job = job_log.get_job(sqlite_store, job_id)
    assert job["attempts"] == 2 and job["error"].startswith("ConnectionRefusedError")
    assert job["label"] == "mail: Booking 3 confirmed"


def test_a_header_with_a_line_break_is_refused_before_queueing(sqlite_store):
    queue_mail(sqlite_store.url)
    with pytest.raises(ValueError, match="line break"):
        deliver(sqlite_store, "ana@example.org\nBcc: x@example.org", "s", "t")
    assert job_log.list_jobs(sqlite_store)["total"] == 0
