"""The job queue: jobs survive a restart and run in `refaire worker`; a failing job is
retried with back-off, then listed as failed with its error (CLI, API, admin page)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient
from tests._people import make_user, sign_in
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.jobs import log as job_log
from refaire.jobs.queue import huey, pending_count, start_embedded, stop_embedded, submit
from refaire.jobs.tasks import derive

SRC = str(Path(__file__).resolve().parents[1] / "src")


@huey.task(retries=2, retry_delay=1, retry_backoff=2, name="test-always-fails")
def always_fails(store_url: str, why: str) -> None:
    raise RuntimeError(f"refused on purpose: {why}")


def _wait_for(store, job_id: str, state: str, seconds: float = 60.0) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        job = job_log.get_job(store, job_id)
        if job["state"] == state or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_a_queued_job_survives_until_a_worker_process_runs_it(sqlite_store) -> None:
    # queued while no consumer runs: it waits in the queue's file, not in this process
    job_id = submit(sqlite_store, derive, label="derive after an import")
    assert job_log.get_job(sqlite_store, job_id)["state"] == "queued"
    assert pending_count() == 1
    assert Path(sqlite_store.url[len("sqlite:///") :]).with_name("refaire-jobs.db").exists()

    env = {**os.environ, "PYTHONPATH": SRC}
    worker = subprocess.Popen(
        [sys.executable, "-c", "from refaire.cli import app; app()", "worker",
         "--db", sqlite_store.url, "--threads", "1", "--no-periodic"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        job = _wait_for(sqlite_store, job_id, "done")
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
    assert job["state"] == "done", (job, output)
    assert job["attempts"] == 1 and job["error"] is None and job["finished_at"]
    assert pending_count() == 0


def test_a_failing_job_is_retried_with_back_off_then_shown_failed(sqlite_store) -> None:
    consumer = start_embedded(sqlite_store.url, workers=1, periodic=False)
    try:
        job_id = submit(sqlite_store, always_fails, "<b>bad</b> input", label="probe <job>")
        retrying = _wait_for(sqlite_store, job_id, "retrying")
        assert retrying["state"] == "retrying" and "retries left" in retrying["error"]
        job = _wait_for(sqlite_store, job_id, "failed")
    finally:
        stop_embedded(consumer)
    assert job["state"] == "failed" and job["attempts"] == 3
    assert job["error"] == "RuntimeError: refused on purpose: <b>bad</b> input"
    # back-off: the first retry after 1 s, the second 2 s after it
    assert job["finished_at"] >= job["enqueued_at"]

    out = CliRunner().invoke(cli, ["jobs", "list", "--state", "failed", "--json",
                                   "--db", sqlite_store.url])  # fmt: skip
    assert out.exit_code == 0, out.output
    import json

    listed = json.loads(out.output)
    assert listed["total"] == 1 and listed["items"][0]["id"] == job_id
    assert CliRunner().invoke(cli, ["jobs", "list", "--state", "nope",
                                    "--db", sqlite_store.url]).exit_code == 2  # fmt: skip

    client = TestClient(create_app(store=sqlite_store))
    assert client.get("/api/jobs").status_code == 401
    assert client.get("/admin/jobs", follow_redirects=False).status_code == 303  # to log in
    member = make_user(sqlite_store, "m@example.org")
    sign_in(client, sqlite_store, member)
    assert client.get("/api/jobs").status_code == 403
    assert client.get("/admin/jobs").status_code == 403
    admin = make_user(sqlite_store, "a@example.org", admin=True)
    sign_in(client, sqlite_store, admin)
    api = client.get("/api/jobs", params={"state": "failed"}).json()
    assert [j["id"] for j in api["items"]] == [job_id]
    assert client.get("/api/jobs", params={"state": "done"}).json()["total"] == 0
    assert client.get("/api/jobs", params={"state": "nope"}).status_code == 422
    assert client.get(f"/api/jobs/{job_id}").json()["attempts"] == 3
    assert client.get("/api/jobs/ffff").status_code == 404
    page = client.get("/admin/jobs", params={"state": "failed"})
    assert page.status_code == 200
    assert "refused on purpose: &lt;b&gt;bad&lt;/b&gt; input" in page.text
    assert "probe &lt;job&gt;" in page.text and "failed" in page.text
    fr = client.get("/admin/jobs", headers={"Accept-Language": "fr"})
    assert "Tâches de fond" in fr.text and "échouée" in fr.text


def test_serve_starts_its_consumer_and_derivation_after_the_first_answer(
    sqlite_store, monkeypatch
) -> None:
    """`refaire serve` passes `listening`: the consumer threads and the derivation wait
    until the socket listens and a first request has been answered, so they do not compete
    with the server's start; they do start then, and stop with the app."""
    import threading

    import refaire.app
    import refaire.jobs.queue as queue

    # a machine slow enough to oversleep never turns the grace into the trigger here
    monkeypatch.setattr(refaire.app, "JOBS_GRACE_S", 120.0)

    started: list[str] = []
    stopped: list[str] = []
    monkeypatch.setattr(queue, "start_embedded", lambda url, workers: started.append(url) or "c")
    monkeypatch.setattr(queue, "stop_embedded", lambda consumer: stopped.append(consumer))
    monkeypatch.setattr(queue, "prepare_soon", lambda store, queued: started.append("derive"))
    listening = threading.Event()
    app = create_app(sqlite_store, prepare=True, jobs=True, job_workers=1, listening=listening)
    with TestClient(app) as client:
        time.sleep(0.3)
        assert started == []  # not listening yet
        listening.set()
        time.sleep(0.3)
        assert started == []  # listening, nothing answered yet
        assert client.get("/api/openapi.json").status_code == 200
        deadline = time.monotonic() + 10
        while len(started) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started == [sqlite_store.url, "derive"]
    assert stopped == ["c"]
