"""The contention run shared by the concurrency test and benchmarks/bookings.py.

A real server process (uvicorn on 127.0.0.1, started with `python -m uvicorn --factory`)
over a SQLite file or a PostgreSQL schema; members with personal API tokens fire
conflicting POST /api/bookings requests from many client connections at once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from refaire.people import OPERATOR
from refaire.people.auth import actor_for_user
from refaire.people.tokens import create_token
from refaire.people.users import create_user
from refaire.sharing import resources

SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`create_app()` over `url` in its own process; stopped by `stop()`."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "REFAIRE_DATABASE_URL": url, "REFAIRE_OUTBOX": str(tmp / "outbox"),
               "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}  # fmt: skip
        env.pop("REFAIRE_SMTP_URL", None)
        self.log = (tmp / f"server-{self.port}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "refaire.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--limit-concurrency", "1000", "--backlog", "512"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(self.base + "/api/resources", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {(tmp / f'server-{self.port}.log').read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


@dataclass
class Setup:
    tool: int
    room: int
    tokens: list[str]
    slots: list[tuple[str, str]]
    room_slot: tuple[str, str]
    capacity: int = 3
    extra: dict[str, Any] = field(default_factory=dict)


def prepare(store: Any, facility_id: int, members: int = 25, slots: int = 5) -> Setup:
    """A member's lent tool (one unit), a facility's space of capacity 3, and members with
    personal tokens allowed to book."""
    users = [create_user(store, f"racer{i}@example.org", None, by=OPERATOR, verified=True)
             for i in range(members)]  # fmt: skip
    owner = actor_for_user(store, users[0], via="cli")
    rules = {"slot_minutes": 60, "min_minutes": 60, "max_minutes": 240, "horizon_days": 30}
    tool = resources.lend_tool(
        store,
        owner,
        {"name": "Cargo bike", "pickup_place": "Lyon", "time_zone": "Europe/Paris", "rules": rules},
    )
    room = resources.create_resource(store, OPERATOR, facility_id, {
        "kind": "space", "name": "Workshop bays", "units": 3, "time_zone": "Europe/Paris",
        "rules": rules})  # fmt: skip
    tokens = [create_token(store, u["id"], "race", ["write:bookings", "read"], by=OPERATOR)["token"]
              for u in users]  # fmt: skip
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    times = [(f"{day}T{8 + 2 * i:02d}:00", f"{day}T{9 + 2 * i:02d}:00") for i in range(slots)]
    return Setup(tool["id"], room["id"], tokens, times, (f"{day}T20:00", f"{day}T22:00"))


def fire(base: str, setup: Setup, requests: int = 200, workers: int = 50) -> dict[str, Any]:
    """`requests` concurrent POSTs over the contested slots, each from its own connection
    pool slot; returns the answers and the latencies."""
    jobs: list[tuple[str, int, str, str]] = []
    k = 0
    for i in range(requests):
        token = setup.tokens[i % len(setup.tokens)]
        if i % 5 == 4:  # every fifth request goes for the three-bay garage
            jobs.append((token, setup.room, *setup.room_slot))
        else:
            jobs.append((token, setup.tool, *setup.slots[k % len(setup.slots)]))
            k += 1
    clients = [httpx.Client(base_url=base, timeout=60) for _ in range(workers)]

    def one(i: int) -> tuple[int, dict[str, Any], float, tuple]:
        token, rid, a, b = jobs[i]
        t0 = time.perf_counter()
        r = clients[i % workers].post(
            "/api/bookings",
            json={"resource_id": rid, "starts_at": a, "ends_at": b},
            headers={"Authorization": f"Bearer {token}"},
        )
        return r.status_code, r.json(), time.perf_counter() - t0, jobs[i]

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        answers = list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - t0
    for c in clients:
        c.close()
    latencies = sorted(a[2] for a in answers)
    return {
        "answers": answers,
        "elapsed_s": elapsed,
        "throughput_rps": requests / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }
