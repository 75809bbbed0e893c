"""`refaire serve` runs the queue's consumer as a child process (issue 16: the server's event
loop never does CPU-heavy work): the child measures uploads queued before it started,
stops with the server, ends on its own when the server is killed, and the measuring
workers end with the process that owns their pool instead of running on orphaned."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from refaire.app import create_app
from refaire.jobs import consumer_process

SRC = Path(__file__).resolve().parents[1] / "src"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm" viewBox="0 0 10 10">' \
      b'<rect x="0" y="0" width="10" height="10"/></svg>'  # fmt: skip


def _wait_done(client: TestClient, url: str, seconds: float = 120.0) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        body = client.get(url).json()
        if body["result"] is not None or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def _gone(pid: int, seconds: float = 20.0) -> bool:
    """True once `pid` no longer runs (a zombie left for its dead parent's reaper counts)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def _consumers() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "refaire-consumer"]


def test_a_served_app_measures_in_its_consumer_process_and_stops_it(
    sqlite_store, tmp_path, monkeypatch
):
    monkeypatch.setenv("REFAIRE_JOBS_DB", str(tmp_path / "jobs.db"))
    app = create_app(store=sqlite_store, jobs=True, job_workers=1, job_process=True)
    with TestClient(app) as client:
        (child,) = _consumers()
        assert child.pid != os.getpid() and child.is_alive()
        resp = client.post(
            "/api/measurements", files=[("files", ("plate.svg", SVG, "image/svg+xml"))]
        )
        assert resp.status_code == 202, resp.text
        # the server answers other requests while the child measures
        assert client.get("/api/designs?limit=1").status_code == 200
        done = _wait_done(client, resp.json()["url"])
        assert done["state"] == "done" and done["result"][0]["ok"], done
    assert not child.is_alive() and child.exitcode == 0  # stopped gracefully with the app
    assert _consumers() == []


def test_the_consumer_process_measures_what_was_queued_before_it_started(
    sqlite_store, tmp_path, monkeypatch
):
    monkeypatch.setenv("REFAIRE_JOBS_DB", str(tmp_path / "jobs.db"))
    client = TestClient(create_app(store=sqlite_store))  # no consumer: a server restarting
    url = client.post(
        "/api/measurements", files=[("files", ("a.svg", SVG, "image/svg+xml"))]
    ).json()["url"]
    assert client.get(url).json()["state"] == "queued"
    child = consumer_process.start(sqlite_store.url, workers=1, periodic=False)
    try:
        done = _wait_done(client, url)
    finally:
        consumer_process.stop(child)
    assert done["state"] == "done" and done["result"][0]["file"] == "a.svg", done
    assert not child.is_alive()


def _script(body: str, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "REFAIRE_JOBS_DB": str(tmp_path / "jobs.db")}
    code = textwrap.dedent(body)
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )


def test_the_consumer_process_ends_when_its_server_is_killed(sqlite_store, tmp_path):
    server = _script(f"""
        import time
        from refaire.jobs import consumer_process
        child = consumer_process.start({sqlite_store.url!r}, workers=1, periodic=False)
        print(child.pid, flush=True)
        time.sleep(300)
    """, tmp_path)  # fmt: skip
    try:
        child = int(server.stdout.readline())
        assert not _gone(child, seconds=1.0)  # running while its server runs
    finally:
        server.send_signal(signal.SIGKILL)  # no chance to stop its consumer
        server.wait()
    assert _gone(child)


def test_measuring_workers_end_with_the_process_that_owns_their_pool(tmp_path):
    owner = _script("""
        import threading, time
        from refaire.jobs.pool import JobPool
        pool = JobPool(workers=1, seconds=300)
        threading.Thread(target=pool.run_sync, args=(time.sleep, 300), daemon=True).start()
        while not getattr(pool._executor, "_processes", None):
            time.sleep(0.05)
        time.sleep(1.0)  # the worker has taken the job
        print(*pool._executor._processes, flush=True)
        time.sleep(300)
    """, tmp_path)  # fmt: skip
    try:
        workers = [int(pid) for pid in owner.stdout.readline().split()]
        assert workers and not _gone(workers[0], seconds=1.0)  # busy with its 300 s job
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    assert all(_gone(pid) for pid in workers)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _is_consumer(pid: int) -> bool:
    try:
        return b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_refaire_serve_measures_in_a_child_process_and_stops_it(sqlite_store, tmp_path):
    from tests._contention import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "REFAIRE_JOBS_DB": str(tmp_path / "queue.db")}
    server = subprocess.Popen(
        [sys.executable, "-c", "from refaire.cli import app; app()", "serve", "--db",
         sqlite_store.url, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    consumers: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while not consumers:  # the consumer starts once the server has answered
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base}/api/designs?limit=1", timeout=2)
            consumers = [c for c in _children(server.pid) if _is_consumer(c)]
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.3)
        files = [("files", ("plate.svg", SVG, "image/svg+xml"))]
        url = httpx.post(f"{base}/api/measurements", files=files, timeout=30).json()["url"]
        while (body := httpx.get(base + url, timeout=10).json())["result"] is None:
            assert time.monotonic() < deadline, body
            time.sleep(0.3)
        assert body["state"] == "done" and body["result"][0]["ok"], body
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert len(consumers) == 1 and _gone(consumers[0])


def test_a_served_app_with_a_consumer_process_prepares_its_own_caches(
    sqlite_store, tmp_path, monkeypatch
):
    """The child cannot fill the server's in-memory caches (facets, places, coverage, sector
    index): the start's preparation also runs in the server's own process, so the first
    visitor does not compute them."""
    import threading

    from refaire.observatory import warm

    monkeypatch.setenv("REFAIRE_JOBS_DB", str(tmp_path / "jobs.db"))
    prepared = threading.Event()
    monkeypatch.setattr(warm, "prepare", lambda store: prepared.set())
    app = create_app(store=sqlite_store, prepare=True, jobs=True, job_workers=1, job_process=True)
    with TestClient(app):
        assert prepared.wait(30), "the server's own caches were left for the first visitor"
