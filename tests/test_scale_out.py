"""`refaire serve --workers 2`: two server processes over one database and one queue.

The derivation runs as a queued job, once at a time whatever the number of processes, and
leaves every design derived; a write made by a third process (an import from the command
line) is seen by every server process at once (their caches follow the generation counter
in the database)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from tests._contention import free_port

from refaire.ingest.runner import import_sources
from refaire.jobs import log as job_log
from refaire.store.tables import design_observations, designs

SRC = Path(__file__).resolve().parents[1] / "src"
SAMPLE = SRC / "refaire" / "sample" / "okh" / "v1"


def _count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_two_server_processes_share_the_queue_and_see_each_others_writes(
    any_store, tmp_path
) -> None:
    files = sorted(SAMPLE.iterdir())
    import_sources(any_store, [str(p) for p in files[:-1]])
    stored = _count(any_store, designs)
    # derived as they were stored: the starting servers' derive jobs find nothing stale
    assert stored > 5 and _count(any_store, design_observations) == stored

    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "REFAIRE_JOBS_DB": str(tmp_path / "queue.db")}  # fmt: skip
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", "from refaire.cli import app; app()", "serve", "--db",
         any_store.url, "--port", str(port), "--workers", "2"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a loaded CI machine starts two processes slowly
        while True:
            try:
                if httpx.get(f"{base}/api/designs", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (
                tmp_path / "serve.log"
            ).read_text()
            time.sleep(0.2)

        # derivation: queued by the starting processes, run by their consumers, once at a time
        while True:
            jobs = job_log.list_jobs(any_store, limit=50)["items"]
            derives = [j for j in jobs if j["name"] == "derive"]
            if derives and all(j["state"] in ("done", "failed") for j in derives):
                break
            assert time.monotonic() < deadline + 120, derives
            time.sleep(0.3)
        assert all(j["state"] == "done" for j in derives), derives
        assert 1 <= len(derives) <= 2  # one per starting process at most
        assert _count(any_store, design_observations) == stored

        # many requests, over several connections, reach both processes' caches
        def totals() -> set[int]:
            seen = set()
            for _ in range(16):
                with httpx.Client(base_url=base, timeout=10) as client:
                    seen.add(client.get("/api/designs", params={"limit": 1}).json()["total"])
            return seen

        assert totals() == {stored}
        # a third process writes: every server process answers with the new count at once
        done = subprocess.run(
            [sys.executable, "-c", "from refaire.cli import app; app()", "import",
             str(files[-1]), "--db", any_store.url],
            env=env, capture_output=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        assert totals() == {stored + 1}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
