"""Crawling a local source of many manifests: the first crawl, a second one where every
document is unchanged (conditional GET: 304s), and — the alternative a crawler without
conditional GET is — the same second crawl against a server that ignores validators (every
body downloaded again, then found unchanged by its checksum), side by side.

A list source on a real HTTP server on 127.0.0.1 (tests/_crawl_server.py, keep-alive)
names --manifests OKH-LOSH manifests; the crawl runs through `crawl_source` as
`refaire sources crawl` does, over a fresh SQLite store, with no politeness delay (one
host that is us).

--federation N: following a peer. Instance A (a real server process over its own SQLite
store) holds N local designs; instance B pulls A's whole signed outbox (`pull_peer`, as
`refaire peers pull` does: every page's signature verified, every record stored with its
origin), then A changes 100 designs and B pulls again from its cursor. Side by side: the
incremental pull against pulling the whole feed again from cursor 0 into a fresh store (what
a follower without a cursor would do).

The cheap-request p99 under hostile uploads is `benchmarks/serve_load.py` (uploads measured
by queued jobs); --serve-load runs it after, with --requests, and with --compare-src DIR the
same phases on that checkout's code in the same run (e.g. /work/main/src: /api/mesh measured
in the request), side by side.

Run: python benchmarks/network.py [--manifests 10000] [--serve-load] [--requests 200]
     python benchmarks/network.py --manifests 0 --federation 100000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from tests._contention import free_port  # noqa: E402
from tests._crawl_server import Doc, Serving, Site  # noqa: E402

from refaire.crawl.fetch import Fetcher  # noqa: E402
from refaire.crawl.guard import allowed_networks  # noqa: E402
from refaire.crawl.sources import add_source, crawl_source  # noqa: E402
from refaire.people import OPERATOR  # noqa: E402
from refaire.store import open_store  # noqa: E402


def manifest(i: int) -> bytes:
    return (
        f'okhv = "OKH-LOSHv1.0"\nname = "Bench design {i}"\n'
        f'repo = "https://example.org/bench/{i}"\nversion = "1.0.{i % 7}"\nlicense = "CERN-OHL-S-2.0"\n'
        f'function = "A benchmark lamp number {i} with a 3D printed shade"\n'
    ).encode()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) another process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_crawl(store, source_id: int, server_pid: int) -> tuple[float, float, float, dict]:
    """(wall s, crawler CPU s, server CPU s, history entry) of one crawl. The machine is
    shared: wall time of 10,000 local round trips is mostly waiting for the scheduler, CPU
    time is what the crawl itself costs."""
    fetcher = Fetcher(delay=0.0, allow=allowed_networks("127.0.0.1"))
    server0, cpu0, start = process_cpu(server_pid), time.process_time(), time.perf_counter()
    entry = crawl_source(store, source_id, fetcher)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return wall, cpu, process_cpu(server_pid) - server0, entry


def _serve(port: int, count: int, conditional: bool, ready: Any) -> None:
    """The source's server, in a process of its own (in this one, the crawler and the
    server would take turns on the GIL and time that instead of HTTP)."""
    site = Site(
        docs={f"/m/{i}.toml": Doc(manifest(i), conditional=conditional) for i in range(count)}
    )
    site.docs["/list.txt"] = Doc(
        "\n".join(f"http://127.0.0.1:{port}/m/{i}.toml" for i in range(count)).encode(),
        conditional=conditional,
    )
    serving = Serving(site, port)
    with serving:
        ready.set()
        while True:
            time.sleep(3600)


def _start(port: int, count: int, conditional: bool) -> multiprocessing.Process:
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(
        target=_serve, args=(port, count, conditional, ready), daemon=True
    )
    proc.start()
    if not ready.wait(120):
        raise SystemExit("the source server did not start")
    return proc


def _designs(count: int, version: str) -> list:
    from refaire.model.design import Design, Provenance

    return [
        Design(key=f"bench-{i}", name=f"Bench design {i}", format="okh-losh", version=version,
               function=f"A benchmark lamp number {i}",
               provenance=Provenance(source=f"https://example.org/bench/{i}.toml",
                                     format="okh-losh", checksum=f"{i:064x}",
                                     imported_at="2026-12-01T00:00:00+00:00"))
        for i in range(count)
    ]  # fmt: skip


def federation(count: int, tmp: Path) -> None:
    from tests._contention import Server

    from refaire.federation.peers import add_peer
    from refaire.federation.pull import pull_peer
    from refaire.store.designs import save_designs

    os.environ["REFAIRE_CRAWL_ALLOW"] = "127.0.0.1/32"
    os.environ["REFAIRE_FEDERATION_SYNC_S"] = "0"
    url_a = f"sqlite:///{tmp / 'fed-a.db'}"
    store_a = open_store(url_a)
    made = _designs(count, "1.0")
    for i in range(0, count, 5000):
        save_designs(store_a, made[i : i + 5000])
    (tmp / "a").mkdir()
    server = Server(url_a, tmp / "a")
    try:

        def timed(store_b, peer_id: int) -> tuple[dict, dict]:
            """The pull's history entry, and its wall time and the CPU time of the follower
            (this process) and of the peer's server process."""
            server0, cpu0 = process_cpu(server.proc.pid), time.process_time()
            start = time.perf_counter()
            entry = pull_peer(store_b, peer_id)
            cost = {
                "seconds": round(time.perf_counter() - start, 3),
                "cpu_s": round(time.process_time() - cpu0, 3),
                "peer_server_cpu_s": round(process_cpu(server.proc.pid) - server0, 3),
            }
            return entry, cost

        def follow(name: str) -> tuple[dict, dict]:
            store_b = open_store(f"sqlite:///{tmp / name}")
            peer = add_peer(store_b, server.base, name.replace(".", "-"), OPERATOR)
            entry, cost = timed(store_b, peer["id"])
            return {**entry, "store": store_b, "peer_id": peer["id"]}, cost

        full, full_cost = follow("fed-b.db")
        save_designs(store_a, _designs(100, "2.0"))  # 100 changed designs on A
        incr, incr_cost = timed(full["store"], full["peer_id"])
        again, again_cost = follow("fed-c.db")  # no cursor: the whole feed again
    finally:
        server.stop()
    print(
        json.dumps(
            {
                "federation": count,
                "pull": "full feed",
                **full_cost,
                "pages": full["pages"],
                "created": full["created"],
                "ok": full["ok"],
                "errors": full["errors"][:2],
            }
        )
    )
    print(
        json.dumps(
            {
                "federation": count,
                "pull": "incremental, 100 changes",
                **incr_cost,
                "updated": incr["updated"],
                "ok": incr["ok"],
            }
        )
    )
    print(
        json.dumps(
            {
                "federation": count,
                "pull": "whole feed again, fresh follower",
                **again_cost,
                "created": again["created"],
            }
        )
    )
    print(json.dumps({"whole_feed_vs_incremental":
                      round(again_cost["seconds"] / incr_cost["seconds"], 1),
                      "load_average_1m": round(os.getloadavg()[0], 2)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", type=int, default=10_000)
    parser.add_argument("--serve-load", action="store_true")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--compare-src", default=None, help="--serve-load: also this code")
    parser.add_argument("--federation", type=int, default=0, help="records a peer publishes")
    args = parser.parse_args()
    if args.federation:
        with tempfile.TemporaryDirectory() as tmp:
            federation(args.federation, Path(tmp))
        if not args.manifests:
            return
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = _start(port, args.manifests, conditional=True)
        store = open_store(str(Path(tmp) / "bench.db"))
        source = add_source(store, f"http://127.0.0.1:{port}/list.txt", None, OPERATOR)
        first_s, first_cpu, first_srv, first = timed_crawl(store, source["id"], server.pid)
        second_s, second_cpu, second_srv, second = timed_crawl(store, source["id"], server.pid)
        server.terminate()
        server.join()
        server = _start(port, args.manifests, conditional=False)  # no validators
        plain_s, plain_cpu, plain_srv, plain = timed_crawl(store, source["id"], server.pid)
        server.terminate()
    rows = [
        {"crawl": "first (import)", "seconds": round(first_s, 2), "cpu_s": round(first_cpu, 2),
         "server_cpu_s": round(first_srv, 2), "added": first["added"],
         "errors": len(first["errors"])},
        {"crawl": "second, conditional GET", "seconds": round(second_s, 2),
         "cpu_s": round(second_cpu, 2), "server_cpu_s": round(second_srv, 2),
         "not_modified": second["not_modified"], "added": second["added"]},
        {"crawl": "second, no conditional GET (bodies + checksum)", "seconds": round(plain_s, 2),
         "cpu_s": round(plain_cpu, 2), "server_cpu_s": round(plain_srv, 2),
         "changed": plain["changed"], "updated": plain["updated"]},
    ]  # fmt: skip
    for row in rows:
        print(json.dumps({"manifests": args.manifests, **row}))
    print(json.dumps({
        "first_vs_second_304": round(first_s / second_s, 1),
        "first_vs_second_304_cpu": round(first_cpu / second_cpu, 1),
        "no_conditional_vs_304": round(plain_s / second_s, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }))  # fmt: skip
    if args.serve_load:
        compare = ["--compare-src", args.compare_src] if args.compare_src else []
        subprocess.run(
            [sys.executable, str(REPO / "benchmarks" / "serve_load.py"), "--requests",
             str(args.requests), *compare],
            env={**os.environ, "PYTHONPATH": str(REPO / "src")}, check=False,
        )  # fmt: skip


if __name__ == "__main__":
    main()
