"""`refaire requests|quotes|orders|offers …` and `refaire export valueflows`.

The operator at the command line acts as site admin; `--as EMAIL` acts as that member
(asking, quoting and ordering need a member). Each command calls one service of
refaire.production and prints its dict with --json. No payment is processed.
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
    console,
    esc,
    fail,
    json_arg,
    lazy,
    open_db,
    print_json,
)

offers = lazy("refaire.production.offers")
orders = lazy("refaire.production.orders")
quotes = lazy("refaire.production.quotes")
reviews = lazy("refaire.production.reviews")
valueflows = lazy("refaire.production.valueflows")
prequests = lazy("refaire.production.requests")
_access = lazy("refaire.production.access")

requests_app = typer.Typer(help=summary("requests"),
                           no_args_is_help=True)  # fmt: skip
quotes_app = typer.Typer(help=summary("quotes"), no_args_is_help=True)
orders_app = typer.Typer(help=summary("orders"), no_args_is_help=True)
offers_app = typer.Typer(help=summary("offers"), no_args_is_help=True)
AsOption = typer.Option(None, "--as", help="Act as this account (default: the operator, admin).")


def run_as(db: str | None, as_email: str | None, fn: Callable[..., Any]) -> Any:
    """`act_as` with production's refusals (a move out of order names the allowed ones)."""
    return act_as(db, as_email, fn, (_access.ProductionError,))





def _out(data: dict[str, Any], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print_json(data)
    else:
        console.print(line(data))


def _listing(data: dict[str, Any], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print_json(data)
        return
    console.print(f"{data['total']} in all")
    for item in data["items"]:
        console.print(line(item))


# --- requests ---------------------------------------------------------------------------------

@requests_app.command("create")
def request_create(
    design: str = typer.Argument(None, help="Registry design id or key (or give --part files)."),
    quantity: int = typer.Option(..., "--qty", help="How many copies (a whole number above 0)."),
    place: str = typer.Option(..., "--place", help="Town or LAT,LON."),
    material: str = typer.Option("", "--material", help="One material for every part."),
    parts: list[Path] = typer.Option(None, "--part", help="Your own part file (STL, 3MF, OBJ, SVG, DXF), measured; repeat for each part."),
    part_materials: list[str] = typer.Option(None, "--part-material", help="FILE_NAME=MATERIAL for one part file (others take --material)."),
    radius_km: float = typer.Option(50, "--radius", help="Km around the place within which makers are routed."),
    deadline: str = typer.Option(None, "--deadline", help="YYYY-MM-DD"),
    budget: str = typer.Option(None, "--budget", help="The most you would pay, a decimal amount (optional)."),
    currency: str = typer.Option(None, "--currency", help="ISO 4217 code of the amounts, e.g. EUR."),
    private: bool = typer.Option(False, "--private", help="Only its recipients read it (always so with --part unless --public)."),
    public: bool = typer.Option(False, "--public", help="With --part: anyone may read it."),
    send_all: bool = typer.Option(False, "--send-all", help="Send to all capable within R km."),
    as_email: str = AsOption, as_json: bool = JsonOption, db: str = DbOption,
) -> None:  # fmt: skip
    """Ask for a registry design, or your own part files (--part), to be made near a place."""
    if design and parts:
        fail("give a registry design or --part files, not both (--part)", code=2)
    if not design and not parts:
        fail("name a registry design, or give your own part files with --part", code=2)
    materials: dict[str, str] = {"*": material} if material else {}
    for item in part_materials or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            fail(f"--part-material: expected FILE_NAME=MATERIAL, got {item!r}", code=2)
        materials[name.strip()] = value.strip()
    data = {"design": design, "quantity": quantity, "place": place, "materials": materials,
            "radius_km": radius_km, "deadline": deadline, "budget": budget, "currency": currency,
            "visibility": "public" if public else "recipients" if private or parts else "public",
            "send_to": "all" if send_all else None}  # fmt: skip
    if parts:
        data["measured"] = _measure_parts(parts)
    r = run_as(db, as_email, lambda s, a: prequests.create_request(s, a, data))
    _out(r, as_json, lambda r: f"request {r['id']}: {r['quantity']} × {esc(r['title'])} near "
         f"{esc(r['place'])}, sent to {len(r['recipients'])}")  # fmt: skip


def _measure_parts(paths: list[Path]) -> list[dict[str, Any]]:
    """Each file measured by the geometry module, its size checked before it is read."""
    from refaire import limits
    from refaire.geometry.upload import measure_upload
    from refaire.production.part_files import MAX_PARTS

    if len(paths) > MAX_PARTS:
        fail(f"--part: {len(paths)} files, at most {MAX_PARTS}", code=2)
    cap = limits.max_upload_bytes()
    out = []
    for path in paths:
        try:
            if path.stat().st_size > cap:
                fail(f"--part: {path.name} is over the {cap // 2**20} MB limit for one file", code=2)
            out.append(measure_upload(path.name, path.read_bytes()))
        except OSError as exc:
            fail(f"--part: {path}: {exc.strerror or exc}", code=2)
    return out


@requests_app.command("list")
def request_list(mine: bool = typer.Option(False, "--mine", help="Only the requests you made."), as_email: str = AsOption,
                 as_json: bool = JsonOption, db: str = DbOption) -> None:  # fmt: skip
    """Open public requests, or (--mine) mine and those sent to me."""
    data = run_as(db, as_email, lambda s, a: prequests.list_requests(s, a, mine, 200))
    _listing(data, as_json, lambda r: f"{r['id']}: {r['quantity']} × {esc(r['title'])} near "
             f"{esc(r['place'])} [{r['status']}] {r['quotes']} quotes")  # fmt: skip


@requests_app.command("show")
def request_show(rid: int, as_email: str = AsOption, as_json: bool = JsonOption,
                 db: str = DbOption) -> None:  # fmt: skip
    """A request with its recipients, compared quotes and (for its requester) capable makers."""
    r = run_as(db, as_email, lambda s, a: prequests.request_detail(s, a, rid))

    def text(r: dict[str, Any]) -> str:
        rows = [f"request {r['id']}: {r['quantity']} × {esc(r['title'])} [{r['status']}]"]
        rows += [f"  capable: {esc(c['name'])} ({c['kind']} {c['id']}, {c['basis']}, "
                 f"{c['distance_km']} km)" for c in r.get("capable", [])]  # fmt: skip
        rows += [f"  quote {q['id']}: {esc(q['seller_name'])} {q['total']} {q['currency']}, "
                 f"{q['lead_days']} days [{q['status']}]" for q in r["quotes"]]  # fmt: skip
        return "\n".join(rows)

    _out(r, as_json, text)


@requests_app.command("send")
def request_send(rid: int, to: list[str] = typer.Option(None, "--to", help="facility:ID or maker:ID"),
                 all_: bool = typer.Option(False, "--all", help="Send to every capable maker within the radius."), as_email: str = AsOption,
                 as_json: bool = JsonOption, db: str = DbOption) -> None:  # fmt: skip
    """Send a request to chosen capable facilities/makers, or to all of them."""
    r = run_as(db, as_email, lambda s, a: prequests.send_request(s, a, rid, "all" if all_ else to))
    _out(r, as_json, lambda r: f"sent to {r['added']} more; mails {r['mails']}")


# --- quotes -----------------------------------------------------------------------------------

@quotes_app.command("draft")
def quote_draft(rid: int, facility: int = typer.Option(None, "--facility", help="The facility (id or key) the quote is made for."),
                as_email: str = AsOption, as_json: bool = JsonOption,
                db: str = DbOption) -> None:  # fmt: skip
    """Price lines from the instant-quote engine with the facility's prices."""
    r = run_as(db, as_email, lambda s, a: quotes.suggest(s, a, rid, facility))
    _out(r, as_json, lambda r: "\n".join([f"{esc(x['item'])}: {x['amount']} {r['currency']}"
                                          for x in r["lines"]] + r["notes"]))  # fmt: skip


@quotes_app.command("create")
def quote_create(
    rid: int, lines: str = typer.Option(..., "--lines", help='JSON [{"item","amount"}] or @FILE'),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 code of the amounts, e.g. EUR."), lead_days: int = typer.Option(..., "--lead-days", help="Days from the order to ready or shipped."),
    facility: int = typer.Option(None, "--facility", help="The facility (id or key) the quote is made for."), valid_until: str = typer.Option(None, "--valid-until", help="Last day the quote can be accepted (YYYY-MM-DD)."),
    conditions: str = typer.Option(None, "--conditions", help="Conditions of the quote, in words."),
    as_email: str = AsOption, as_json: bool = JsonOption, db: str = DbOption,
) -> None:  # fmt: skip
    """Quote a request (as a manager of --facility, or as a maker)."""
    data = {"lines": json_arg(lines, "--lines"), "currency": currency, "lead_days": lead_days,
            "facility": facility, "valid_until": valid_until, "conditions": conditions}  # fmt: skip
    r = run_as(db, as_email, lambda s, a: quotes.submit_quote(s, a, rid, data))
    _out(r, as_json, lambda r: f"quote {r['id']}: {r['total']} {r['currency']}")


@quotes_app.command("accept")
def quote_accept(qid: int, as_email: str = AsOption, as_json: bool = JsonOption,
                 db: str = DbOption) -> None:  # fmt: skip
    """Accept a quote of my request: it becomes an order."""
    r = run_as(db, as_email, lambda s, a: orders.accept_quote(s, a, qid))
    _out(r, as_json, lambda r: f"order {r['id']} [{r['state']}] {r['total']} {r['currency']}")


# --- orders -----------------------------------------------------------------------------------

@orders_app.command("list")
def order_list(as_email: str = AsOption, as_json: bool = JsonOption, db: str = DbOption) -> None:
    """Orders I bought or sold."""
    data = run_as(db, as_email, lambda s, a: orders.list_orders(s, a, 200))
    _listing(data, as_json, lambda o: f"{o['id']}: {o['quantity']} × {esc(o['title'])} "
             f"[{o['state']}] {o['total']} {o['currency']} ({o['role']})")  # fmt: skip


@orders_app.command("show")
def order_show(oid: int, as_email: str = AsOption, as_json: bool = JsonOption,
               db: str = DbOption) -> None:  # fmt: skip
    r = run_as(db, as_email, lambda s, a: orders.order_detail(s, a, oid))
    _out(r, as_json, lambda r: f"order {r['id']} [{r['state']}] {r['total']} {r['currency']}; "
         f"my moves: {', '.join(m['to'] for m in r['my_moves']) or 'none'}")  # fmt: skip


@orders_app.command("move")
def order_move(oid: int, to: str = typer.Argument(
                   ..., help="The state to move to; `refaire orders show ID` lists your moves."),
               note: str = typer.Option(None, "--note", help="A note kept with the move (needed to cancel or dispute)."), as_email: str = AsOption,
               as_json: bool = JsonOption, db: str = DbOption) -> None:  # fmt: skip
    """Move an order to another state (only the allowed party)."""
    r = run_as(db, as_email, lambda s, a: orders.transition(s, a, oid, to, note))
    _out(r, as_json, lambda r: f"order {r['id']} now {r['state']}")


@orders_app.command("review")
def order_review(oid: int, rating: int = typer.Option(..., "--rating", help="1 to 5."),
                 text: str = typer.Option(None, "--text", help="What you say of the other party."), as_email: str = AsOption,
                 as_json: bool = JsonOption, db: str = DbOption) -> None:  # fmt: skip
    """Review the other party of a received order (once, 1–5)."""
    r = run_as(db, as_email, lambda s, a: reviews.review(s, a, oid, rating, text))
    _out(r, as_json, lambda r: f"review {r['id']}: {r['rating']}/5")


@orders_app.command("message")
def order_message(oid: int, body: str = typer.Argument(...),
                  file: Path = typer.Option(None, "--file", exists=True, dir_okay=False,
                                               help="A file to attach (PDF, PNG, JPEG, STL or text)."),
                  as_email: str = AsOption, as_json: bool = JsonOption,
                  db: str = DbOption) -> None:  # fmt: skip
    """Write on the order thread, optionally with an attachment (checked by its bytes)."""
    from refaire import limits
    from refaire.production.attachments import attachment_type
    from refaire.production.messages import post_message

    attachment = None
    if file is not None:
        if file.stat().st_size > limits.max_upload_bytes():
            fail(f"{file.name}: over the upload limit")
        data = file.read_bytes()
        try:
            attachment = (file.name, data, attachment_type(file.name, data))
        except ValueError as exc:
            fail(str(exc))
    r = run_as(db, as_email, lambda s, a: post_message(s, a, oid, body, attachment))
    _out(r, as_json, lambda r: f"message {r['id']} on order {r['order_id']}")


# --- offers -----------------------------------------------------------------------------------

@offers_app.command("create")
def offer_create(spec: str = typer.Argument(..., help="The offer as JSON or @FILE.json (see API)"),
                 as_email: str = AsOption, as_json: bool = JsonOption,
                 db: str = DbOption) -> None:  # fmt: skip
    """Publish a made-to-order offer."""
    data = json_arg(spec, "offer")
    r = run_as(db, as_email, lambda s, a: offers.create_offer(s, a, data))
    _out(r, as_json, lambda r: f"offer {r['id']}: {esc(r['title'])} from {r['from_price']} "
         f"{r['currency']}")  # fmt: skip


@offers_app.command("search")
def offer_search(q: str = typer.Option(None, "--q", help="Words to look for in the offers."), sector: str = typer.Option(None, "--sector", help="A sector id (CPC section or division), e.g. C or 32."),
                 near: str = typer.Option(None, "--near", help="Town or LAT,LON"),
                 radius_km: float = typer.Option(
                     None, "--radius", help="Km around --near (default: the service's, 100)."),
                 design: int = typer.Option(None, "--design", help="Only the offers for this design id."), as_json: bool = JsonOption,
                 db: str = DbOption) -> None:  # fmt: skip
    """Offers by words, sector, design, and near a place (those that deliver there)."""
    from refaire.places import PlaceError, resolve_place

    point = None
    if near:
        try:
            point = resolve_place(near).point
        except PlaceError as exc:
            fail(exc.text("en"), code=2)
    radius_km = offers.DEFAULT_NEAR_KM if radius_km is None else radius_km
    data = offers.search_offers(open_db(db), q, sector, point, radius_km, design, limit=200)
    _listing(data, as_json, lambda o: f"{o['id']}: {esc(o['title'])} by {esc(o['seller_name'])} "
             f"from {o['from_price']} {o['currency']}"
             + (f", {o['distance_km']} km" if "distance_km" in o else ""))  # fmt: skip


@offers_app.command("order")
def offer_order(oid: int, quantity: int = typer.Option(..., "--qty", help="How many copies (a whole number above 0)."),
                variant: int = typer.Option(0, "--variant", help="The variant to order (its index in the offer)."), as_email: str = AsOption,
                as_json: bool = JsonOption, db: str = DbOption) -> None:  # fmt: skip
    """Order an offer: an order with the same lifecycle as an accepted quote."""
    r = run_as(db, as_email, lambda s, a: offers.order_offer(
        s, a, oid, {"quantity": quantity, "variant": variant}))
    _out(r, as_json, lambda r: f"order {r['id']} [{r['state']}] {r['total']} {r['currency']}")


@offers_app.command("withdraw")
def offer_withdraw(oid: int, as_email: str = AsOption, as_json: bool = JsonOption,
                   db: str = DbOption) -> None:  # fmt: skip
    r = run_as(db, as_email, lambda s, a: offers.withdraw_offer(s, a, oid))
    _out(r, as_json, lambda r: f"offer {r['id']} withdrawn")


def valueflows_command(
    out: Path = typer.Option(None, "--out", help="Write here instead of stdout."),
    day: str = typer.Option(None, "--day", help="Only what happened that day (YYYY-MM-DD)."),
    base: str = typer.Option("urn:refaire:", "--base", help="Base of the record IRIs."),
    as_email: str = AsOption, db: str = DbOption,
) -> None:  # fmt: skip
    """Requests, offers, orders and deliveries as Valueflows JSON-LD."""
    doc = run_as(db, as_email, lambda s, a: valueflows.document(s, a, base, day))
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {len(doc['@graph'])} nodes to {esc(out)}")


def register(app: typer.Typer) -> None:
    from refaire.cli.designs import export_app

    export_app.command("valueflows")(valueflows_command)
    app.add_typer(requests_app, name="requests")
    app.add_typer(quotes_app, name="quotes")
    app.add_typer(orders_app, name="orders")
    app.add_typer(offers_app, name="offers")
