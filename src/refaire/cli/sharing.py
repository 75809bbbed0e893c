"""`refaire resources …` and `refaire bookings …`: shared machines, spaces and tools.

The operator at the command line acts as site admin; `--as EMAIL` acts as that member
(booking needs a member). Each command calls one service of refaire.sharing and prints its
dict with --json; CSV and iCalendar commands write to stdout or `--out FILE`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from refaire.cli._acting import act_as
from refaire.cli._commands import summary
from refaire.cli._common import (
    DbOption,
    JsonOption,
    LazyModule,
    Table,
    console,
    json_arg,
    print_json,
)
from refaire.cli._common import esc as escape

calendar = LazyModule("refaire.sharing.calendar")
export = LazyModule("refaire.sharing.export")
listing = LazyModule("refaire.sharing.listing")
resources = LazyModule("refaire.sharing.resources")
service = LazyModule("refaire.sharing.service")
trainings = LazyModule("refaire.sharing.trainings")

resources_app = typer.Typer(help=summary("resources"),
                            no_args_is_help=True)  # fmt: skip
bookings_app = typer.Typer(help=summary("bookings"),
                           no_args_is_help=True)  # fmt: skip
AsOption = typer.Option(None, "--as", help="Act as this account (default: the operator, admin).")
OutOption = typer.Option(None, "--out", help="Write to this file instead of stdout.")


def run_as(db: str | None, as_email: str | None, fn: Callable[..., Any]) -> Any:
    """`act_as` with the sharing refusals (a taken slot says which booking holds it)."""
    from refaire.sharing.access import SharingError

    return act_as(db, as_email, fn, (SharingError,))





def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        out.write_bytes(data)
        console.print(f"wrote {escape(str(out))} ({len(data)} bytes)")


def _show_booking(b: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(b)
        return
    console.print(
        f"booking {b['id']}: {escape(b['resource_name'] or '')} "
        f"{b['local_start']}–{b['local_end'][11:]} ({b['time_zone']}) "
        f"[bold]{b['status']}[/bold]" + (f", mail {b['mail']}" if b.get("mail") else "")
    )


@resources_app.command("add")
def add_command(
    facility: str = typer.Argument(..., help="Facility id or key."),
    machine: int | None = typer.Option(None, "--machine", help="Index in its equipment."),
    kind: str = typer.Option("machine", "--kind", help="machine or space."),
    name: str | None = typer.Option(None, "--name", help="Its name (default: the machine's)."),
    units: int | None = typer.Option(None, "--units", help="Capacity (spaces)."),
    time_zone: str | None = typer.Option(None, "--tz", help="IANA zone (default: facility's)."),
    rules: str | None = typer.Option(None, "--rules", help="Rules as JSON or @FILE.json."),
    training: list[int] = typer.Option([], "--training", help="Required training id."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Make one of a facility's machines or spaces bookable (its managers)."""
    data = {"kind": kind, "machine_index": machine, "name": name, "units": units,
            "time_zone": time_zone, "rules": json_arg(rules, "--rules"),
            "required_trainings": training}  # fmt: skip
    r = run_as(db, as_email, lambda s, a: resources.create_resource(s, a, facility, data))
    print_json(r) if as_json else console.print(f"resource {r['id']}: {escape(r['name'])}")


@resources_app.command("lend")
def lend_command(
    name: str = typer.Argument(...),
    pickup: str = typer.Option(..., "--pickup", help="Where to pick it up."),
    time_zone: str = typer.Option(..., "--tz", help="IANA time zone, e.g. Europe/Paris."),
    lending_rules: str | None = typer.Option(None, "--lending-rules", help="Lending terms, as text."),
    rules: str | None = typer.Option(None, "--rules", help="Rules as JSON or @FILE.json."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """List a tool of your own to lend (with --as EMAIL)."""
    data = {
        "name": name,
        "pickup_place": pickup,
        "time_zone": time_zone,
        "lending_rules": lending_rules,
        "rules": json_arg(rules, "--rules"),
    }
    r = run_as(db, as_email, lambda s, a: resources.lend_tool(s, a, data))
    print_json(r) if as_json else console.print(f"resource {r['id']}: {escape(r['name'])}")


@resources_app.command("list")
def list_command(
    facility: str | None = typer.Option(None, "--facility", help="Only this facility's (id or key)."),
    kind: str | None = typer.Option(None, "--kind", help="machine, space or tool."),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many (pagination)."),
    db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Bookable resources."""
    page = run_as(db, None, lambda s, a: resources.list_resources(
        s, facility=facility, kind=kind, limit=limit, offset=offset))  # fmt: skip
    if as_json:
        print_json(page)
        return
    t = Table("id", "kind", "name", "units", "time zone", title=f"{page['total']} resources")
    for r in page["items"]:
        t.add_row(str(r["id"]), r["kind"], escape(r["name"]), str(r["units"]), r["time_zone"])
    console.print(t)


@resources_app.command("show")
def show_command(rid: int, db: str | None = DbOption, as_json: bool = JsonOption) -> None:
    """One resource: rules, trainings, price and its source."""
    r = run_as(db, None, lambda s, a: resources.resource_detail(s, rid))
    if as_json:
        print_json(r)
        return
    console.print(f"{r['id']} {escape(r['name'])} ({r['kind']}, {r['units']} unit(s), "
                  f"{r['time_zone']})")  # fmt: skip
    console.print_json(json.dumps(r["rules"], ensure_ascii=False))


@resources_app.command("rules")
def rules_command(
    rid: int, rules: str = typer.Argument(..., help="Rules to change, JSON or @FILE.json."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Change some of a resource's booking rules."""
    given = json_arg(rules, "RULES")
    r = run_as(db, as_email, lambda s, a: resources.set_rules(s, a, rid, given))
    print_json(r) if as_json else console.print(f"rules of {escape(r['name'])} changed")


@resources_app.command("slots")
def slots_command(
    rid: int, start: str | None = typer.Option(None, "--from", help="Date or date-time."),
    days: int = typer.Option(7, "--days", min=1, max=92, help="How many days."),
    csv: bool = typer.Option(False, "--csv", help="CSV instead of a table."),
    out: Path | None = OutOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """The slot grid with free units (local time); --csv for a spreadsheet."""
    d = run_as(db, None, lambda s, a: resources.free_slots(s, rid, start=start, days=days))
    if csv:
        _write(export.slots_csv(d), out)
    elif as_json:
        print_json(d)
    else:
        for slot in d["slots"]:
            if slot["free_units"]:
                console.print(f"{slot['local_start']} – {slot['local_end'][11:]}  "
                              f"{slot['free_units']} free")  # fmt: skip


@resources_app.command("feed")
def feed_command(rid: int, out: Path | None = OutOption, db: str | None = DbOption) -> None:
    """The resource's iCalendar feed (availability and busy times)."""
    _write(run_as(db, None, lambda s, a: calendar.resource_feed(s, rid)), out)


@resources_app.command("training-add")
def training_add_command(
    facility: str, name: str, valid_months: int | None = typer.Option(None, "--valid-months", help="How long it stays valid."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Add a training that the facility's machines may require."""
    t = run_as(db, as_email, lambda s, a: resources.add_training(
        s, a, facility, {"name": name, "valid_months": valid_months}))  # fmt: skip
    print_json(t) if as_json else console.print(f"training {t['id']}: {escape(t['name'])}")


@resources_app.command("require")
def require_command(
    rid: int, training: list[int] = typer.Argument(..., help="Training ids."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Set the trainings a resource requires."""
    r = run_as(db, as_email, lambda s, a: trainings.require_trainings(s, a, rid, training))
    print_json(r) if as_json else console.print(f"{escape(r['name'])} requires {training}")


@resources_app.command("trained")
def trained_command(
    training: int, member: str = typer.Argument(..., help="E-mail or account id."),
    on: str | None = typer.Option(None, "--on", help="Date taken (default today)."),
    expires: str | None = typer.Option(None, "--expires", help="Expiry date (default: from the training)."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Record that a member holds a training."""
    r = run_as(db, as_email, lambda s, a: trainings.record_training(
        s, a, training, member, on, expires))  # fmt: skip
    print_json(r) if as_json else console.print(
        f"{escape(member)} trained ({escape(r['training'])}) until {r['expires_on'] or '—'}"
    )


@resources_app.command("session")
def session_command(
    training: int, start: str = typer.Option(..., "--start", help="Start, e.g. 2026-12-08T14:00."),
    end: str = typer.Option(..., "--end", help="End, e.g. 2026-12-08T16:00."),
    capacity: int = typer.Option(..., "--capacity", help="How many people."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Schedule a training session (times with offset, or UTC)."""
    a_, b_ = resources.parse_start(start), resources.parse_start(end)
    r = run_as(db, as_email, lambda s, a: trainings.add_session(s, a, training, a_, b_, capacity))
    print_json(r) if as_json else console.print(f"session {r['id']} of {escape(r['training'])}")


@resources_app.command("signup")
def signup_command(
    session: int, as_email: str | None = AsOption, db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Take a place in a training session (with --as EMAIL)."""
    r = run_as(db, as_email, lambda s, a: trainings.sign_up(s, a, session))
    print_json(r) if as_json else console.print(f"signed up; {r['places_left']} places left")


@resources_app.command("cancel-signup")
def cancel_signup_command(
    session: int, as_email: str | None = AsOption, db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Give back your place in a training session that has not started (with --as EMAIL)."""
    r = run_as(db, as_email, lambda s, a: trainings.cancel_signup(s, a, session))
    print_json(r) if as_json else console.print(f"place in session {session} given back")


@bookings_app.command("trainings")
def trainings_command(
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption
) -> None:
    """Your training sessions and the trainings you hold (with --as EMAIL)."""
    mine = run_as(db, as_email, lambda s, a: trainings.my_trainings(s, a))
    if as_json:
        print_json(mine)
        return
    for x in mine["sessions"]:
        when = f"{x['local_start'][:16].replace('T', ' ')}–{x['local_end'][11:16]} ({x['time_zone']})"
        state = "" if x["upcoming"] else " [past]"
        console.print(f"session {x['session_id']}: {escape(x['training'])} at "
                      f"{escape(x['facility'])}, {when}{state}")  # fmt: skip
    for h in mine["records"]:
        until = h["expires_on"] or "no expiry"
        console.print(f"trained: {escape(h['training'])} at {escape(h['facility'])} since "
                      f"{h['trained_on']}, valid until {until}")  # fmt: skip
    if not mine["sessions"] and not mine["records"]:
        console.print("no training sessions or trainings recorded")


@bookings_app.command("book")
def book_command(
    rid: int, start: str = typer.Option(..., "--start", help="e.g. 2026-12-08T14:00 (local)."),
    end: str = typer.Option(..., "--end", help="End, e.g. 2026-12-08T16:00 (local)."),
    note: str | None = typer.Option(None, "--note", help="A word for the managers."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Book a resource (with --as EMAIL)."""
    _show_booking(run_as(db, as_email, lambda s, a: service.book(s, a, rid, start, end, note)),
                  as_json)  # fmt: skip


@bookings_app.command("list")
def blist_command(
    mine: bool = typer.Option(False, "--mine", help="Only my bookings."),
    resource: int | None = typer.Option(None, "--resource", help="Only this resource's."),
    facility: str | None = typer.Option(None, "--facility", help="Only this facility's."),
    status: str | None = typer.Option(None, "--status", help="Only bookings in this status."),
    csv: bool = typer.Option(False, "--csv", help="CSV instead of a table."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="How many to show."), offset: int = typer.Option(0, "--offset", min=0, help="Skip this many (pagination)."),
    out: Path | None = OutOption, as_email: str | None = AsOption, db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """My bookings (--mine --as EMAIL), or a resource's / facility's (managers)."""
    page = run_as(db, as_email, lambda s, a: listing.list_bookings(
        s, a, mine=mine, resource=resource, facility=facility, status=status,
        limit=limit, offset=offset))  # fmt: skip
    if csv:
        _write(export.bookings_csv(page["items"]), out)
    elif as_json:
        print_json(page)
    else:
        for b in page["items"]:
            _show_booking(b, False)


@bookings_app.command("show")
def bshow_command(bid: int, as_email: str | None = AsOption, db: str | None = DbOption,
                  as_json: bool = JsonOption) -> None:  # fmt: skip
    _show_booking(run_as(db, as_email, lambda s, a: listing.booking_detail(s, a, bid)), as_json)


@bookings_app.command("change")
def change_command(
    bid: int, start: str = typer.Option(..., "--start", help="New start (local)."),
    end: str = typer.Option(..., "--end", help="New end (local)."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Move a booking."""
    _show_booking(run_as(db, as_email, lambda s, a: service.change(s, a, bid, start, end)),
                  as_json)  # fmt: skip


@bookings_app.command("cancel")
def cancel_command(bid: int, as_email: str | None = AsOption, db: str | None = DbOption,
                   as_json: bool = JsonOption) -> None:  # fmt: skip
    """Cancel a booking or lift a block."""
    _show_booking(run_as(db, as_email, lambda s, a: service.cancel(s, a, bid)), as_json)


@bookings_app.command("decide")
def decide_command(
    bid: int, decision: str = typer.Argument(..., help="approve, refuse, no_show, complete"),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """A manager's decision on a booking."""
    _show_booking(run_as(db, as_email, lambda s, a: service.decide(s, a, bid, decision)), as_json)


@bookings_app.command("block")
def block_command(
    rid: int, start: str = typer.Option(..., "--start", help="Start (local)."),
    end: str = typer.Option(..., "--end", help="End (local)."),
    note: str | None = typer.Option(None, "--note", help="Why (maintenance…)."),
    as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Close a slot on every unit (maintenance) without deleting anything."""
    _show_booking(run_as(db, as_email, lambda s, a: service.block(s, a, rid, start, end, note)),
                  as_json)  # fmt: skip


@bookings_app.command("feed")
def bfeed_command(as_email: str | None = AsOption, db: str | None = DbOption,
                  as_json: bool = JsonOption) -> None:  # fmt: skip
    """Make a new private calendar URL for your bookings (the old one stops working)."""
    d = run_as(db, as_email, lambda s, a: calendar.new_feed_token(s, a))
    print_json(d) if as_json else console.print(f"subscribe to: {d['path']} (shown once)")


@bookings_app.command("facility-feed")
def ffeed_command(facility: str, out: Path | None = OutOption, db: str | None = DbOption) -> None:
    """A facility's iCalendar feed (busy times of all its resources)."""
    _write(run_as(db, None, lambda s, a: calendar.facility_feed(s, facility)), out)


def register(app: typer.Typer) -> None:
    app.add_typer(resources_app, name="resources")
    app.add_typer(bookings_app, name="bookings")
