"""`refaire designs register|register-form|claim|claims …`: designs by their authors.

The commands join the `designs` group of refaire.cli.designs; `--as EMAIL` names the author
(the operator at the command line is an admin, who decides on claims).
"""

from __future__ import annotations

from pathlib import Path

import typer

from refaire.cli._acting import AsOption, run_as
from refaire.cli._common import DbOption, JsonOption, LazyModule, Table, console, fail, print_json
from refaire.cli._common import esc as escape
from refaire.cli.designs import designs_app

authors = LazyModule("refaire.manage.designs")

design_claims_app = typer.Typer(help="Claims to maintain imported designs: list, approve, reject.")
designs_app.add_typer(design_claims_app, name="claims")


def _registered(r: dict, as_json: bool) -> None:
    if as_json:
        print_json(r)
        return
    for d in r["designs"]:
        console.print(
            f"Registered #{d['id']} {escape(d['name'])} ({escape(d['key'])}); you maintain it."
        )
    for p in r["problems"]:
        console.print(
            f"[yellow]{p['severity']}[/yellow] {escape(p.get('field') or '')}: {escape(p['message'])}"
        )


@designs_app.command("register")
def register_command(
    path: Path = typer.Argument(..., help="An OKH manifest (okh.toml, okh.yml, …)."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Register the design of a manifest as its author (`--as EMAIL`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"{path}: {exc.strerror}", code=2)
        return
    r = run_as(db, as_email, lambda s, a: authors.register_design(s, a, path.name, data))
    _registered(r, as_json)


@designs_app.command("register-form")
def register_form_command(
    name: str = typer.Option(..., "--name", help="The design's name."),
    function: str | None = typer.Option(None, "--function", help="What it does."),
    licence: str | None = typer.Option(None, "--licence", help="SPDX, e.g. CERN-OHL-S-2.0."),
    repo: str | None = typer.Option(None, "--repo", help="Where the design lives."),
    files: list[str] = typer.Option([], "--file", help="A source file (repeatable)."),
    parts: list[str] = typer.Option(
        [], "--part", help="'Shade: laser-cutting; plywood' (repeatable)."
    ),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Register a design from a few fields, written as an OKH-LOSH manifest."""
    text = authors.form_manifest(
        {"name": name, "function": function, "licence": licence, "repo": repo,
         "files": files, "parts": parts}
    )  # fmt: skip
    r = run_as(db, as_email, lambda s, a: authors.register_design(s, a, "form.toml", text.encode()))
    _registered(r, as_json)


@designs_app.command("claim")
def claim_command(
    ident: str = typer.Argument(..., help="Design id or key."),
    message: str | None = typer.Option(None, "--message", help="A word for the admins."),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Ask to maintain an imported design; an admin approves."""
    c = run_as(db, as_email, lambda s, a: authors.claim_design(s, a, ident, message))
    if as_json:
        print_json(c)
    else:
        console.print(f"Claim #{c['id']} on {escape(c['name'])} waits for an admin.")


@design_claims_app.command("list")
def claims_list_command(
    status: str | None = typer.Option(
        "pending", "--status", help="pending, approved or rejected (default pending)."
    ),
    as_email: str | None = AsOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Claims on designs, newest first (admins)."""
    r = run_as(db, as_email, lambda s, a: authors.list_design_claims(s, a, status=status or None))
    if as_json:
        print_json(r)
        return
    t = Table("id", "design", "user", "status", "since")
    for c in r["items"]:
        t.add_row(
            str(c["id"]), escape(c["name"]), f"user:{c['user_id']}", c["status"], c["created_at"]
        )
    console.print(t)


def _decide(cid: int, approve: bool, as_email: str | None, db: str | None, as_json: bool) -> None:
    c = run_as(db, as_email, lambda s, a: authors.decide_design_claim(s, a, cid, approve))
    if as_json:
        print_json(c)
    else:
        console.print(f"Design claim #{cid}: {c['status']}.")


@design_claims_app.command("approve")
def approve_command(
    cid: int, as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption
) -> None:
    """Approve a claim: the claimant becomes a maintainer of the design."""
    _decide(cid, True, as_email, db, as_json)


@design_claims_app.command("reject")
def reject_command(
    cid: int, as_email: str | None = AsOption, db: str | None = DbOption, as_json: bool = JsonOption
) -> None:
    """Reject a claim on a design."""
    _decide(cid, False, as_email, db, as_json)
