"""Bookings: free slots, contention, feeds.

* slots: the free-slot grid of one resource over 90 days, with 1,000 existing bookings and a
  weekly RRULE (weekdays 08:00-20:00, Europe/Paris), by `resources.free_slots` (one read of
  the busy intervals, then a sorted sweep) vs the straightforward way (one indexed COUNT
  query per slot of the same grid); both give the same free units (checked). Target < 20 ms.
* contention: 200 concurrent conflicting POST /api/bookings from 50 client connections to a
  real uvicorn process (tests/_contention.py, the concurrency test's run), on SQLite and on
  PostgreSQL (when REFAIRE_TEST_POSTGRES_URL is set): throughput, p50 and p99, side by side.
* feed: a facility's iCalendar feed of 10,000 events (refaire.sharing.calendar: values
  encoded by `icalendar`, lines written and folded there) vs a bare f-string VEVENT writer
  (no escaping, no folding: a lower bound), and vs one `icalendar.Event` per booking (the
  package's own serialiser, measured on 2,000 events and scaled). Target < 1 s.

Wall-clock and CPU time are both printed: on a shared machine the CPU time of this process
is the figure that does not depend on what else runs.

    python benchmarks/bookings.py [--runs 30]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _common import REPO, percentile  # noqa: E402

from refaire.ingest.runner import import_sources  # noqa: E402
from refaire.people import OPERATOR  # noqa: E402
from refaire.people.auth import actor_for_user  # noqa: E402
from refaire.people.users import create_user  # noqa: E402
from refaire.sharing import calendar, resources  # noqa: E402
from refaire.store import open_store  # noqa: E402
from refaire.store.sharing import db_time  # noqa: E402
from refaire.store.tables import bookings  # noqa: E402

LYON = REPO / "tests" / "fixtures" / "facilities" / "fablabs-iopa-lyon.json"
WEEKDAYS = {"rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "start": "08:00", "end": "20:00"}


def _rows(rid: int, spans: list[tuple[datetime, datetime]], unit: int = 0) -> list[dict]:
    return [{"resource_id": rid, "unit": unit, "user_id": 1, "kind": "booking",
             "status": "confirmed", "starts_at": db_time(a), "ends_at": db_time(b),
             "created_at": "bench", "updated_at": "bench"} for a, b in spans]  # fmt: skip


def slots_bench(store, owner, runs: int) -> dict:
    rng = random.Random(14)
    tool = resources.lend_tool(store, owner, {
        "name": "Laser", "pickup_place": "Lyon", "time_zone": "Europe/Paris",
        "rules": {"availability": [WEEKDAYS], "horizon_days": 120}})  # fmt: skip
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    grid = resources.free_slots(store, tool["id"], start=start, days=90)["slots"]
    chosen = rng.sample(grid, 1000)
    spans = [(datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"]))
             for s in chosen]  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(bookings.insert(), _rows(tool["id"], spans))

    ours, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = resources.free_slots(store, tool["id"], start=start, days=90)
        ours.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)

    from sqlalchemy import func, select

    def naive() -> list[int]:
        out = []
        with store.engine.connect() as conn:
            for s in result["slots"]:
                a, b = datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"])
                n = conn.execute(
                    select(func.count())
                    .select_from(bookings)
                    .where(
                        bookings.c.resource_id == tool["id"],
                        bookings.c.status == "confirmed",
                        bookings.c.starts_at < db_time(b),
                        bookings.c.ends_at > db_time(a),
                    )
                ).scalar()
                out.append(1 - n)
        return out

    theirs = []
    for _ in range(max(3, runs // 10)):
        t0 = time.perf_counter()
        counted = naive()
        theirs.append(time.perf_counter() - t0)
    assert counted == [s["free_units"] for s in result["slots"]], "the two ways disagree"
    med, base = statistics.median(ours), statistics.median(theirs)
    return {"slots": len(result["slots"]), "bookings": 1000, "median_ms": round(med * 1000, 2),
            "p95_ms": round(percentile(ours, 95) * 1000, 2),
            "cpu_median_ms": round(statistics.median(cpu) * 1000, 2),
            "per_slot_sql_median_ms": round(base * 1000, 1), "speedup": round(base / med, 1),
            "target_ms": 20}  # fmt: skip


def feed_bench(store, fid: int, runs: int) -> dict:
    rids = [resources.create_resource(store, OPERATOR, fid, {
        "kind": "space", "name": f"Bench {i}", "units": 1, "time_zone": "Europe/Paris"})["id"]
        for i in range(10)]  # fmt: skip
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    with store.engine.begin() as conn:
        for rid in rids:
            spans = [(start + timedelta(hours=8 * k), start + timedelta(hours=8 * k + 2))
                     for k in range(1000)]  # fmt: skip
            conn.execute(bookings.insert(), _rows(rid, spans))
    ours, cpu = [], []
    for _ in range(max(3, runs // 5)):
        t0, c0 = time.perf_counter(), time.process_time()
        data = calendar.facility_feed(store, fid)
        ours.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    events = data.count(b"BEGIN:VEVENT")

    def by_hand() -> bytes:
        from refaire.store import sharing as q

        with store.engine.connect() as conn:
            page = q.bookings_where(conn, resource_ids=rids, kind=None, limit=20_000)
        parts = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"]
        for b in page["items"]:
            parts.append(f"BEGIN:VEVENT\r\nUID:b{b['id']}@refaire\r\n"
                         f"DTSTART:{b['starts_at']:%Y%m%dT%H%M%SZ}\r\n"
                         f"DTEND:{b['ends_at']:%Y%m%dT%H%M%SZ}\r\n"
                         f"SUMMARY:{b['resource_name']}: busy\r\nEND:VEVENT\r\n")  # fmt: skip
        parts.append("END:VCALENDAR\r\n")
        return "".join(parts).encode()

    theirs = []
    for _ in range(max(3, runs // 5)):
        t0 = time.perf_counter()
        by_hand()
        theirs.append(time.perf_counter() - t0)
    from icalendar import Calendar, Event

    def with_events(n: int) -> bytes:
        cal = Calendar()
        cal.add("prodid", "-//bench//EN")
        cal.add("version", "2.0")
        stamp = datetime.now(UTC)
        for k in range(n):
            ev = Event()
            ev.add("uid", f"b{k}@refaire")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", start + timedelta(hours=k))
            ev.add("dtend", start + timedelta(hours=k + 1))
            ev.add("summary", "Bench 0: busy")
            cal.add_component(ev)
        return cal.to_ical()

    c0 = time.process_time()
    with_events(2000)
    per_event_cpu_s = (time.process_time() - c0) * 5
    med, base = statistics.median(ours), statistics.median(theirs)
    return {"icalendar_events_cpu_s_scaled_to_10k": round(per_event_cpu_s, 3),
            "events": events, "median_s": round(med, 3), "bytes": len(data),
            "cpu_median_s": round(statistics.median(cpu), 3),
            "hand_written_median_s": round(base, 3), "ratio_to_hand_written": round(med / base, 2),
            "target_s": 1.0}  # fmt: skip


def contention(url: str, tmp: Path, fid_store) -> dict:
    from sqlalchemy import select

    from _contention import Server, fire, prepare
    from refaire.store.tables import facilities

    store = fid_store
    with store.engine.connect() as conn:
        fid = conn.execute(select(facilities.c.id).order_by(facilities.c.id)).scalars().first()
    setup = prepare(store, fid)
    server = Server(url, tmp)
    try:
        run = fire(server.base, setup, requests=200, workers=50)
    finally:
        server.stop()
    wins = sum(1 for a in run["answers"] if a[0] == 201)
    conflicts = sum(1 for a in run["answers"] if a[0] == 409)
    return {"requests": 200, "booked": wins, "conflicts_409": conflicts,
            "other": 200 - wins - conflicts, "throughput_rps": round(run["throughput_rps"], 1),
            "p50_ms": round(run["p50_ms"], 1), "p99_ms": round(run["p99_ms"], 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REFAIRE_OUTBOX"] = str(Path(tmp) / "outbox")
        store = open_store(str(Path(tmp) / "bench.db"))
        import_sources(store, [str(LYON)])
        owner = actor_for_user(store, create_user(store, "owner@example.org", None, by=OPERATOR,
                                                  verified=True), via="cli")  # fmt: skip
        out["slots_90_days"] = slots_bench(store, owner, args.runs)
        from sqlalchemy import select

        from refaire.store.tables import facilities

        with store.engine.connect() as conn:
            fid = conn.execute(select(facilities.c.id).order_by(facilities.c.id)).scalars().first()
        out["facility_feed"] = feed_bench(store, fid, args.runs)

        race = open_store(str(Path(tmp) / "race.db"))
        import_sources(race, [str(LYON)])
        out["contention"] = {"sqlite": contention(race.url, Path(tmp), race)}
        pg = os.environ.get("REFAIRE_TEST_POSTGRES_URL")
        if pg:
            from sqlalchemy import create_engine, text

            admin = create_engine(pg)
            with admin.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS refaire_bench CASCADE"))
                conn.execute(text("CREATE SCHEMA refaire_bench"))
            url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3Drefaire_bench"
            pstore = open_store(url)
            import_sources(pstore, [str(LYON)])
            try:
                out["contention"]["postgresql"] = contention(url, Path(tmp), pstore)
            finally:
                pstore.close()
                with admin.begin() as conn:
                    conn.execute(text("DROP SCHEMA IF EXISTS refaire_bench CASCADE"))
                admin.dispose()
        else:
            out["contention"]["postgresql"] = "skipped: set REFAIRE_TEST_POSTGRES_URL"
    out["load_average_1min"] = os.getloadavg()[0]  # CPU time is the fairer figure when busy
    out["cpus"] = os.cpu_count()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
