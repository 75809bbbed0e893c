"""Uploads measured by queued jobs (issue 16): stored with the measurement, measured by a
consumer (even one started after the server queued them), the result kept and shown; a file
that runs over time ends its job as failed with the error; a served app's /api/mesh waits
for its job and answers as before."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from refaire.app import create_app
from refaire.jobs import log as job_log
from refaire.jobs import pool as job_pool
from refaire.jobs.measurements import get_measurement, max_pending, submit_measurement
from refaire.jobs.queue import start_embedded, stop_embedded
from refaire.store.tables import measurement_files

FIXTURES = Path(__file__).parent / "fixtures"
CLAMP = (FIXTURES / "meshes" / "tw4_filter_clamp.stl").read_bytes()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm" viewBox="0 0 10 10">' \
      b'<rect x="0" y="0" width="10" height="10"/></svg>'  # fmt: skip


def _wait_done(client: TestClient, url: str, seconds: float = 120.0) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        body = client.get(url).json()
        if body["result"] is not None and body["state"] in ("done", "failed"):
            return body
        if time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def _files_left(store, ident: str) -> int:
    with store.engine.connect() as conn:
        count = select(func.count()).select_from(measurement_files)
        return conn.execute(count.where(measurement_files.c.measurement_id == ident)).scalar_one()


def test_a_measurement_waits_for_a_consumer_then_shows_its_result(any_store, tmp_path, monkeypatch):
    monkeypatch.setenv("REFAIRE_JOBS_DB", str(tmp_path / "jobs.db"))
    client = TestClient(create_app(store=any_store))
    files = [("files", ("clamp.stl", CLAMP, "model/stl")), ("files", ("plate.svg", SVG, "image/svg+xml"))]
    resp = client.post("/api/measurements", files=files)
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert resp.headers["location"] == body["url"] == f"/api/measurements/{body['id']}"
    # no consumer yet (a server restarting): the files wait in the store, the job in the queue
    waiting = client.get(body["url"]).json()
    assert waiting["state"] == "queued" and waiting["result"] is None
    assert waiting["files"] == ["clamp.stl", "plate.svg"]
    assert _files_left(any_store, body["id"]) == 2

    consumer = start_embedded(any_store.url, workers=1, periodic=False)
    try:
        done = _wait_done(client, body["url"])
    finally:
        stop_embedded(consumer)
    assert done["state"] == "done" and done["error"] is None, done
    mesh, drawing = done["result"]
    assert mesh["kind"] == "mesh" and mesh["ok"] and mesh["file"] == "clamp.stl"
    assert drawing["kind"] == "drawing" and drawing["ok"]
    assert _files_left(any_store, body["id"]) == 0  # measured: only the result is kept
    assert client.get("/api/measurements/" + "0" * 32).status_code == 404
    assert client.get("/api/measurements/not-hex").status_code == 422


def test_a_file_over_the_time_limit_fails_its_job_with_the_error(sqlite_store, monkeypatch):
    # A fresh pool with a limit shorter than starting its first worker: the first file
    # cannot finish in time, whatever the machine, and is reported as over time.
    short = job_pool.JobPool(workers=1, seconds=0.01)
    monkeypatch.setattr(job_pool, "_shared", short)
    client = TestClient(create_app(store=sqlite_store))
    resp = client.post("/api/measurements", files=[("files", ("clamp.stl", CLAMP, "model/stl"))])
    consumer = start_embedded(sqlite_store.url, workers=1, periodic=False)
    try:
        done = _wait_done(client, resp.json()["url"])
    finally:
        stop_embedded(consumer)
        short.shutdown()
    assert done["state"] == "failed", done
    assert "clamp.stl: measuring took longer than 0.01 s" in done["error"]
    (report,) = done["result"]
    assert report["ok"] is False and "longer than" in report["problems"][0]["message"]
    job = job_log.list_jobs(sqlite_store, state="failed")["items"][0]
    assert job["name"] == "measure" and job["attempts"] == 1  # not retried: it would fail again


def test_too_many_waiting_measurements_are_refused(sqlite_store, monkeypatch):
    monkeypatch.setenv("REFAIRE_JOB_WORKERS", "1")
    for _ in range(max_pending()):
        submit_measurement(sqlite_store, "measure", [("a.stl", CLAMP)])
    client = TestClient(create_app(store=sqlite_store))
    resp = client.post("/api/measurements", files=[("files", ("clamp.stl", CLAMP, "model/stl"))])
    assert resp.status_code == 503 and resp.headers["retry-after"]
    with pytest.raises(ValueError, match="purpose"):
        submit_measurement(sqlite_store, "nope", [])


def test_a_served_app_measures_through_the_queue_and_answers_as_before(sqlite_store):
    app = create_app(store=sqlite_store, jobs=True, job_workers=1)
    with TestClient(app) as client:  # the lifespan starts the in-process consumer
        resp = client.post("/api/mesh", files=[("files", ("clamp.stl", CLAMP, "model/stl"))])
        assert resp.status_code == 200, resp.text
        (report,) = resp.json()
        assert report["ok"] and report["kind"] == "mesh"
        quote = client.post("/api/quote", files={"file": ("clamp.stl", CLAMP)},
                            data={"material": "pla"})  # fmt: skip
        assert quote.status_code in (200, 422), quote.text
    jobs = job_log.list_jobs(sqlite_store, state="done")["items"]
    assert sorted(j["name"] for j in jobs) == ["measure", "measure"]
    assert "clamp.stl" in jobs[0]["label"]
    one = get_measurement(sqlite_store, _measurement_ids(sqlite_store)[0])
    assert one["state"] == "done" and one["result"][0]["file"] == "clamp.stl"


def _measurement_ids(store) -> list[str]:
    from refaire.store.tables import measurements

    with store.engine.connect() as conn:
        return [r.id for r in conn.execute(select(measurements.c.id))]
