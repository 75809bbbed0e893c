"""Authentication costs: password hashing, the login rate of one worker, and what checking
a session or a token adds to a read.

Run: python benchmarks/auth.py [--reads 300] [--logins 10]
1. CPU time of one password check with Refaire's argon2id parameters, beside argon2-cffi's
   defaults (4 lanes, 64 MiB) and PBKDF2-SHA256 at OWASP's 600,000 iterations: the target is
   50-250 ms of one core per login.
2. Logins per second one uvicorn worker sustains (sequential POST /api/auth/login, a real
   server on 127.0.0.1).
3. p50 of GET /api/designs anonymous, with a session cookie and with a Bearer token,
   interleaved on the same server (the sample data loaded): the target is < 1 ms more.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from _common import percentile  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

from refaire.cli.serve import SAMPLE  # noqa: E402
from refaire.ingest.runner import import_sources  # noqa: E402
from refaire.people import OPERATOR  # noqa: E402
from refaire.people.passwords import HASHER, hash_password, verify_password  # noqa: E402
from refaire.people.sessions import COOKIE, create_session  # noqa: E402
from refaire.people.tokens import create_token  # noqa: E402
from refaire.people.users import create_user  # noqa: E402
from refaire.store import open_store  # noqa: E402

PASSWORD = "Lyon-fablab-2026"


def serve_in_thread(store):  # noqa: ANN001, ANN201
    """The real app under uvicorn (one worker) on a free loopback port: (base_url, stop)."""
    import socket
    import threading

    import uvicorn

    from refaire.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(store=store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


def cpu_ms(fn, n: int) -> float:
    """Median CPU time of one call, in ms (CPU time: other processes on the machine do not count)."""
    times = []
    for _ in range(n):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return sorted(times)[len(times) // 2]


def hashing(n: int) -> dict:
    ours = hash_password(PASSWORD)
    default = PasswordHasher()
    default_hash = default.hash(PASSWORD)
    salt = b"0123456789abcdef"
    return {
        "refaire_argon2id": {
            "params": {"time_cost": HASHER.time_cost, "memory_kib": HASHER.memory_cost,
                       "parallelism": HASHER.parallelism},
            "cpu_ms": cpu_ms(lambda: verify_password(ours, PASSWORD), n),
        },
        "argon2_cffi_default": {
            "params": {"time_cost": default.time_cost, "memory_kib": default.memory_cost,
                       "parallelism": default.parallelism},
            "cpu_ms": cpu_ms(lambda: default.verify(default_hash, PASSWORD), n),
        },
        "pbkdf2_sha256_600k": {
            "cpu_ms": cpu_ms(
                lambda: hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, 600_000), n
            ),
        },
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--logins", type=int, default=10)
    args = parser.parse_args()
    out: dict = {"hashing": hashing(max(3, args.logins // 2))}
    ours = out["hashing"]["refaire_argon2id"]["cpu_ms"]
    out["hashing"]["ratio_default_over_ours"] = round(
        out["hashing"]["argon2_cffi_default"]["cpu_ms"] / ours, 2
    )
    out["hashing"]["ratio_pbkdf2_over_ours"] = round(
        out["hashing"]["pbkdf2_sha256_600k"]["cpu_ms"] / ours, 2
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "auth.db"))
        import_sources(store, [str(p) for p in sorted(SAMPLE.iterdir()) if p.is_dir()])
        user = create_user(store, "bench@example.org", PASSWORD, by=OPERATOR, verified=True)
        token = create_token(store, user["id"], "bench", ["read"], by=OPERATOR)["token"]
        cookie = create_session(store, user["id"])
        base, stop = serve_in_thread(store)
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                start = time.perf_counter()
                for _ in range(args.logins):
                    r = client.post(
                        "/api/auth/login", json={"email": user["email"], "password": PASSWORD}
                    )
                    r.raise_for_status()
                    client.cookies.clear()
                elapsed = time.perf_counter() - start
                out["login"] = {
                    "logins": args.logins,
                    # what one worker's core allows, the password check being the cost
                    "per_second_cpu_bound": round(1000 / ours, 2),
                    "per_second_one_worker": round(args.logins / elapsed, 2),
                    "wall_ms_each": round(1000 * elapsed / args.logins, 1),
                }
                out["read_real_server"] = reads(client, token, cookie, args.reads)
        finally:
            stop()
        from fastapi.testclient import TestClient

        from refaire.app import create_app

        with TestClient(create_app(store=store)) as client:
            out["read_in_process"] = reads(client, token, cookie, args.reads)
        store.close()
    print(json.dumps(out, indent=2))


def reads(client, token: str, cookie: str, n: int) -> dict:  # noqa: ANN001
    """p50 of GET /api/designs per kind, and the median of paired differences (each signed
    request against the anonymous one just before it: drift and load hit both alike)."""
    kinds = {
        "anonymous": {},
        "session": {"Cookie": f"{COOKIE}={cookie}"},
        "token": {"Authorization": f"Bearer {token}"},
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(20):  # warm-up: caches, connection
        for headers in kinds.values():
            client.get("/api/designs", params={"limit": 20}, headers=headers)
    for _ in range(n):
        for kind, headers in kinds.items():
            t = time.perf_counter()
            r = client.get("/api/designs", params={"limit": 20}, headers=headers)
            times[kind].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
    pairs = {
        k: sorted(a - b for a, b in zip(times[k], times["anonymous"], strict=True))
        for k in ("session", "token")
    }
    return {
        "p50_ms": {k: round(percentile(v, 50), 3) for k, v in times.items()},
        "extra_p50_ms": {k: round(v[len(v) // 2], 3) for k, v in pairs.items()},
    }


if __name__ == "__main__":
    main()
