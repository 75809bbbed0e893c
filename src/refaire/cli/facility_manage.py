"""`refaire facilities edit|hours|prices|machines|capability|claim|claims|invite|suggest|…`:
facility management from the command line, as the operator (admin) or `--as EMAIL`.

The commands join the `facilities` group of refaire.cli.facilities; each calls one service
function of refaire.manage and prints its dict with --json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from refaire.cli._acting import AsOption, run_as
from refaire.cli._common import (
    DbOption,
    JsonOption,
    LazyModule,
    Table,
    console,
    fail,
    print_json,
)
from refaire.cli._common import esc as escape
from refaire.cli.facilities import facilities_app

claims = LazyModule("refaire.manage.claims")
editing = LazyModule("refaire.manage.editing")
suggestions = LazyModule("refaire.manage.suggestions")

machines_app = typer.Typer(help="Propose, add and remove a facility's machines.")
claims_app = typer.Typer(help="Claims to manage facilities: list, approve, reject, confirm.")
suggestions_app = typer.Typer(help="Suggested corrections of a facility: list, accept, reject.")
facilities_app.add_typer(machines_app, name="machines")
facilities_app.add_typer(claims_app, name="claims")
facilities_app.add_typer(suggestions_app, name="suggestions")


def _show_changed(d: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(d)
        return
    changed = d.get("changed") or []
    if changed:
        console.print(f"{escape(d['name'])}: changed {', '.join(changed)} (stated by you)")
    else:
        console.print(f"{escape(d['name'])}: nothing changed (the values were already these)")


@facilities_app.command("edit")
def edit_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    description: str | None = typer.Option(None, "--description", help="What the place is."),
    email: str | None = typer.Option(None, "--email", help="Contact e-mail ('' clears it)."),
    phone: str | None = typer.Option(None, "--phone", help="Contact phone ('' clears it)."),
    url: str | None = typer.Option(None, "--url", help="Website, http(s)."),
    access: str | None = typer.Option(None, "--access", help="public, members or by-appointment."),
    location: str | None = typer.Option(
        None, "--location", help="LAT,LON where the place is: states it, confirming a doubtful one."
    ),
    prices: str | None = typer.Option(
        None, "--prices", help="Quote prices as JSON, or @FILE.json (see `refaire quote`)."
    ),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Change a facility's description, contact, website, access, location or prices (as its
    manager)."""
    changes: dict[str, Any] = {
        k: v
        for k, v in (
            ("description", description), ("email", email), ("phone", phone), ("url", url),
            ("access_type", access), ("location", location),
        )
        if v is not None
    }  # fmt: skip
    if prices is not None:
        changes["pricing"] = _json_arg(prices, "--prices")
    if not changes:
        fail("give at least one field to change, e.g. --description or --prices", code=2)
    d = run_as(db, as_email, lambda s, a: editing.edit_facility(s, a, ident, changes))
    _show_changed(d, as_json)


def _json_arg(text: str, name: str) -> Any:
    try:
        raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
        return json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"{name}: expected JSON or @FILE.json ({exc})", code=2)
    return None


@facilities_app.command("hours")
def hours_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    time_zone: str = typer.Option(..., "--tz", help="IANA time zone, e.g. Europe/Paris."),
    weekly: str = typer.Option(
        "", "--weekly", help="e.g. 'mon-fri 09:00-18:00; sat 10:00-12:00 14:00-17:00'."
    ),
    closures: list[str] = typer.Option(
        [], "--closed", help="A closure: '2026-12-24..2027-01-02 winter break' (repeatable)."
    ),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Set the opening hours: a weekly schedule and closures, in the facility's time zone."""
    from refaire.manage.hours import parse_closures, parse_weekly

    hours = {
        "time_zone": time_zone,
        "weekly": parse_weekly(weekly),
        "closures": parse_closures("\n".join(closures)),
    }
    d = run_as(db, as_email, lambda s, a: editing.edit_facility(s, a, ident, {"hours": hours}))
    _show_changed(d, as_json)


def _proposal_table(p: dict[str, Any]) -> Any:
    t = Table("field", "proposed", "from", title=f"Proposals for {escape(p['text'])!r}")
    for field in ("make", "model", "process", "materials", "build_volume_mm", "bed_size_mm"):
        value = p.get(field)
        if value in (None, []):
            continue
        shown = (
            ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
            if isinstance(value, list)
            else str(value)
        )
        t.add_row(field, escape(shown), escape(p["basis"].get(field, "")))
    return t


@machines_app.command("propose")
def propose_command(
    text: str = typer.Argument(..., help="e.g. 'Ultimaker S5' or 'découpeuse laser Trotec'."),
    lang: str = typer.Option("en", "--lang", help="Language of the labels: en or fr."),
    as_json: bool = JsonOption,
) -> None:
    """What the catalogue and the resolver propose for a machine typed as text."""
    from refaire.manage.machines import propose_machine

    p = propose_machine(text, lang)
    if as_json:
        print_json(p)
        return
    console.print(_proposal_table(p))


@machines_app.command("add")
def machine_add_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    text: str = typer.Argument(..., help="The machine as you would say it: 'Ultimaker S5'."),
    process: str | None = typer.Option(None, "--process", help="Correct the process id."),
    materials: str | None = typer.Option(
        None, "--materials", help="Material ids, comma-separated."
    ),
    make: str | None = typer.Option(None, "--make", help="Maker of the machine."),
    model: str | None = typer.Option(None, "--model", help="Its model name."),
    build_volume: str | None = typer.Option(None, "--build-volume", help="e.g. '330 x 240 x 300'."),
    bed_size: str | None = typer.Option(None, "--bed-size", help="e.g. '600 x 400'."),
    quantity: int = typer.Option(1, "--quantity", min=1, help="How many."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Confirm the proposals without asking."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a machine: the proposals from the text, corrected by the options, confirmed."""
    from refaire.manage.machines import propose_machine

    p = propose_machine(text)
    fields: dict[str, Any] = {
        "make": make if make is not None else p["make"],
        "model": model if model is not None else p["model"],
        "process": process or p["process"],
        "materials": materials if materials is not None else p["materials"],
        "build_volume_mm": build_volume if build_volume is not None else p["build_volume_mm"],
        "bed_size_mm": bed_size if bed_size is not None else p["bed_size_mm"],
        "laser_power_w": p["laser_power_w"],
        "quantity": quantity,
        "catalogue": p["catalogue"],
        "text": text,
    }
    if not fields["make"] and not fields["model"]:
        fields["equipment_type"] = text
    if not yes:
        if not as_json:
            console.print(_proposal_table({**p, **fields, "basis": p["basis"]}))
        if not typer.confirm("Add this machine?"):
            raise typer.Exit(1)
    d = run_as(db, as_email, lambda s, a: editing.add_machine(s, a, ident, fields))
    _show_changed(d, as_json)


@machines_app.command("remove")
def machine_remove_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    index: int = typer.Argument(..., help="Machine number, from 0 in `facilities show --json`."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove a machine from the facility."""
    d = run_as(db, as_email, lambda s, a: editing.remove_machine(s, a, ident, index))
    _show_changed(d, as_json)


@facilities_app.command("capability")
def capability_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    kind: str = typer.Argument(..., help="process or material."),
    cap_id: str = typer.Argument(..., help="Vocabulary id, e.g. laser-cutting."),
    remove: bool = typer.Option(False, "--remove", help="Remove it instead of confirming it."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Confirm a capability (stated by you from now on) or remove it for good."""
    d = run_as(
        db, as_email, lambda s, a: editing.set_capability(s, a, ident, kind, cap_id, not remove)
    )
    _show_changed(d, as_json)


@facilities_app.command("claim")
def claim_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    mail: str | None = typer.Option(
        None, "--mail", help="Verify by a link mailed to this address at the website's domain."
    ),
    message: str | None = typer.Option(None, "--message", help="A word for the admins."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Where the mailed link points (default $REFAIRE_BASE_URL)."
    ),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Ask to manage a facility: an admin approves, or a mailed link confirms (--mail)."""
    method = "mail" if mail else "admin"
    c = run_as(
        db,
        as_email,
        lambda s, a: claims.claim_facility(
            s, a, ident, method=method, email=mail, message=message, base_url=base_url
        ),
    )
    if as_json:
        print_json(c)
    elif method == "mail":
        console.print(f"Claim #{c['id']}: a confirmation link was mailed to {escape(c['email'])}.")
    else:
        console.print(f"Claim #{c['id']} on {escape(c['name'])} waits for an admin.")


@claims_app.command("list")
def claims_list_command(
    status: str | None = typer.Option("pending", "--status", help="pending, approved, rejected."),
    mine: bool = typer.Option(False, "--mine", help="Only my claims."),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many (pagination)."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Claims, newest first (every claim for admins)."""
    r = run_as(
        db,
        as_email,
        lambda s, a: claims.list_claims(
            s, a, status=status or None, mine=mine, limit=limit, offset=offset
        ),
    )
    if as_json:
        print_json(r)
        return
    t = Table("id", "facility", "who", "method", "status", "since")
    for c in r["items"]:
        who = c.get("user_email") or f"user:{c['user_id']}"
        t.add_row(
            str(c["id"]), escape(c["name"]), escape(who), c["method"], c["status"], c["created_at"]
        )
    console.print(t)
    console.print(f"{r['total']} claims.")


def _decided(c: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(c)
    else:
        console.print(f"Claim #{c['id']} on {escape(c['name'])}: {c['status']}.")


@claims_app.command("approve")
def claims_approve_command(
    cid: int, as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption
) -> None:
    """Approve a claim: its author becomes the facility's manager."""
    _decided(run_as(db, as_email, lambda s, a: claims.decide_claim(s, a, cid, True)), as_json)


@claims_app.command("reject")
def claims_reject_command(
    cid: int,
    reason: str | None = typer.Option(None, "--reason", help="Why, told to the claimant."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Reject a claim."""
    _decided(
        run_as(db, as_email, lambda s, a: claims.decide_claim(s, a, cid, False, reason)), as_json
    )


@claims_app.command("confirm")
def claims_confirm_command(
    token: str = typer.Argument(..., help="The token of the mailed link (after token=)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Confirm a mailed claim by its token."""
    _decided(run_as(db, None, lambda s, a: claims.confirm_by_mail(s, token)), as_json)


@facilities_app.command("invite")
def invite_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    email: str = typer.Argument(..., help="The co-manager's account e-mail."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a co-manager to a facility you manage."""
    managers = run_as(db, as_email, lambda s, a: claims.invite_manager(s, a, ident, email))
    if as_json:
        print_json(managers)
    else:
        console.print(f"{len(managers)} managers now.")


@facilities_app.command("suggest")
def suggest_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    changes: list[str] = typer.Option(
        [], "--set", help="FIELD=VALUE, e.g. --set email=contact@lab.fr (repeatable)."
    ),
    note: str | None = typer.Option(None, "--note", help="A word for the managers."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Suggest a correction to a facility; its managers accept or reject it."""
    pairs = {}
    for item in changes:
        field, sep, value = item.partition("=")
        if not sep:
            fail(f"--set {item!r}: expected FIELD=VALUE", code=2)
        pairs[field.strip()] = value
    s_ = run_as(db, as_email, lambda s, a: suggestions.suggest_change(s, a, ident, pairs, note))
    if as_json:
        print_json(s_)
    else:
        console.print(
            f"Suggestion #{s_['id']} sent to the managers of {escape(s_['facility_name'])}."
        )


@suggestions_app.command("list")
def suggestions_list_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    status: str | None = typer.Option(
        "pending", "--status", help="pending, accepted or rejected (default pending)."
    ),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """A facility's suggestions (for its managers and admins)."""
    r = run_as(
        db, as_email, lambda s, a: suggestions.list_suggestions(s, a, ident, status=status or None)
    )
    if as_json:
        print_json(r)
        return
    t = Table("id", "changes", "note", "status", "since")
    for x in r["items"]:
        shown = ", ".join(f"{k}={v}" for k, v in x["changes"].items())
        t.add_row(
            str(x["id"]), escape(shown), escape(x["note"] or ""), x["status"], x["created_at"]
        )
    console.print(t)


@suggestions_app.command("accept")
def suggestions_accept_command(
    sid: int, as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption
) -> None:
    """Accept a suggestion: it is applied, stated by you."""
    r = run_as(db, as_email, lambda s, a: suggestions.decide_suggestion(s, a, sid, True))
    print_json(r) if as_json else console.print(f"Suggestion #{sid}: {r['status']}.")


@suggestions_app.command("reject")
def suggestions_reject_command(
    sid: int, as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption
) -> None:
    """Reject a suggestion."""
    r = run_as(db, as_email, lambda s, a: suggestions.decide_suggestion(s, a, sid, False))
    print_json(r) if as_json else console.print(f"Suggestion #{sid}: {r['status']}.")


@facilities_app.command("management")
def management_command(
    ident: str = typer.Argument(..., help="Facility id or key."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Managers, what they stated (who, when), hours, prices and the facility's history."""
    from refaire.manage.panel import management

    m = run_as(db, as_email, lambda s, a: management(s, a, ident))
    if as_json:
        print_json(m)
        return
    console.print(f"[bold]{escape(m['name'])}[/bold]: {len(m['managers'])} managers")
    for field, who in m["stated_by_manager"].items():
        console.print(f"  {field}: stated by {who['by']} at {who['at']}")
    if m["prices"]:
        console.print(f"  prices: {escape(json.dumps(m['prices'], ensure_ascii=False))}")
    for e in m["history"]["items"]:
        console.print(f"  {e['at']} {e['actor']} {e['action']}")
