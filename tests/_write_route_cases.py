"""Who may call each writing route: the table `test_write_permissions.py` checks.

The test enumerates the app's routes and fails on any POST/PUT/PATCH/DELETE route without a
case here, so a new writing route cannot ship unchecked: append a `Case` for yours.

Roles, in the order they are tried: `anonymous`; `member` (signed in, manages nothing);
`manager` (manager of `s.lab`); `other_manager` (manager of `s.other`, not of `s.lab`);
`admin`. API routes are called with each role's personal token (scopes `read`,
`write:facilities`, `write:designs`, plus `admin` for the admin), or with a session when the
case says `via="session"`; page routes with a fresh session of the role. A valid CSRF token
is always sent, so each case checks the permission, not CSRF.

`url` and `send` may be callables `(scenario, role) -> …`, for routes whose target must
differ by role (something one role removes must still be there for the next).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLES = ("anonymous", "member", "manager", "other_manager", "admin")
MESH = Path(__file__).parent / "fixtures" / "meshes" / "tw4_filter_clamp.stl"
PRICING = {"hourly-rate": {"fdm": 4}, "material-price-per-g": {"pla": 0.05}, "currency": "EUR"}
SIGNAL = {"title": "Repair café", "url": "https://example.org/rc", "published": "2024-05-02"}
MANIFEST = b'okhv = "OKH-LOSHv1.0"\nname = "Permission probe"\nrepo = "https://example.org/probe"\nlicense = "MIT"\n'


@dataclass
class Case:
    method: str
    route: str  # the path template exactly as the app lists it
    expect: tuple[int, int, int, int, int]  # statuses in ROLES order
    url: str | Callable[[Any, str], str] | None = None  # default: `route` formatted with scenario
    send: Callable[[Any, str], dict[str, Any]] = field(default=lambda s, role: {})
    via: str = "token"  # API routes: "token" (Bearer) or "session" (cookie + X-CSRF-Token)


def mesh_files(s: Any, role: str) -> dict[str, Any]:
    return {"files": [("files", (MESH.name, MESH.read_bytes(), "model/stl"))]}


def _role_target(s: Any, role: str) -> str:
    """A co-manager of the lab: the manager removes one, everyone else tries the other."""
    return str(s.co1 if role == "manager" else s.co2)


CASES: list[Case] = [
    # --- API: designs, import, observatory, quotes -----------------------------------------
    Case("POST", "/api/design-conflicts/{conflict_id}/resolve", (401, 403, 403, 403, 404),
         url=lambda s, r: "/api/design-conflicts/999999/resolve",
         send=lambda s, r: {"json": {"action": "keep"}}),
    Case("POST", "/api/import", (401, 403, 403, 403, 200),
         send=lambda s, r: {"files": [("files", ("okh.toml", MANIFEST))]}),
    Case("POST", "/api/designs/{ident}/meshes", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/designs/{s.design}/meshes", send=mesh_files),
    Case("POST", "/api/signals", (401, 403, 403, 403, 201), send=lambda s, r: {"json": SIGNAL}),
    Case("POST", "/api/mesh", (200, 200, 200, 200, 200), send=mesh_files),
    Case("POST", "/api/measurements", (202,) * 5, send=mesh_files),
    Case("POST", "/api/quote", (422, 422, 422, 422, 422), send=lambda s, r: {"data": {"material": "pla"}}),
    Case("PUT", "/api/facilities/{ident}/pricing", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/facilities/{s.lab}/pricing", send=lambda s, r: {"json": PRICING}),
    # --- API: accounts ---------------------------------------------------------------------
    Case("POST", "/api/auth/signup", (422,) * 5,
         send=lambda s, r: {"json": {"email": f"{r}-new@example.org", "password": "password123"}}),
    Case("POST", "/api/auth/verify", (422,) * 5, send=lambda s, r: {"json": {"token": "forged"}}),
    Case("POST", "/api/auth/login", (401,) * 5,
         send=lambda s, r: {"json": {"email": f"{r}-api@example.org", "password": "not-it-at-all"}}),
    Case("POST", "/api/auth/logout", (204,) * 5),
    Case("POST", "/api/auth/reset-request", (202,) * 5,
         send=lambda s, r: {"json": {"email": "nobody@example.org"}}),
    Case("POST", "/api/auth/reset", (422,) * 5,
         send=lambda s, r: {"json": {"token": "forged", "password": "Lyon-fablab-2026"}}),
    Case("PATCH", "/api/me", (401, 200, 200, 200, 200), via="session",
         send=lambda s, r: {"json": {"display_name": f"{r} name"}}),
    Case("DELETE", "/api/me", (401, 422, 422, 422, 422), via="session",
         send=lambda s, r: {"json": {"password": "not-their-password"}}),
    Case("POST", "/api/me/tokens", (401, 201, 201, 201, 201), via="session",
         send=lambda s, r: {"json": {"name": "extra", "scopes": ["read"]}}),
    Case("DELETE", "/api/me/tokens/{token_id}", (401, 200, 403, 403, 200), via="session",
         url=lambda s, r: f"/api/me/tokens/{s.victim_token}"),
    # --- API: admin and facility managers --------------------------------------------------
    Case("POST", "/api/users/{user_id}/promote", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/users/{s.target}/promote"),
    Case("POST", "/api/users/{user_id}/demote", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/users/{s.target}/demote"),
    Case("POST", "/api/facilities/{ident}/managers", (401, 403, 201, 403, 201),
         url=lambda s, r: f"/api/facilities/{s.lab}/managers",
         send=lambda s, r: {"json": {"email": f"invitee-{r}@example.org", "role": "co-manager"}}),
    Case("DELETE", "/api/facilities/{ident}/managers/{user_id}", (401, 403, 204, 403, 204),
         url=lambda s, r: f"/api/facilities/{s.lab}/managers/{_role_target(s, r)}"),
    # --- pages -----------------------------------------------------------------------------
    Case("POST", "/designs/{ident}/meshes", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/designs/{s.design}/meshes", send=mesh_files),
    Case("POST", "/observatory/signals", (401, 403, 403, 403, 303), send=lambda s, r: {"data": SIGNAL}),
    Case("POST", "/quote", (422,) * 5, send=lambda s, r: {"data": {"material": "pla"}}),
    Case("POST", "/signup", (422,) * 5,
         send=lambda s, r: {"data": {"email": f"{r}-web@example.org", "password": "password123"}}),
    Case("POST", "/login", (401,) * 5,
         send=lambda s, r: {"data": {"email": f"{r}-web@example.org", "password": "not-it-at-all"}}),
    Case("POST", "/logout", (303,) * 5),
    Case("POST", "/verify", (400,) * 5, send=lambda s, r: {"data": {"token": "forged"}}),
    Case("POST", "/reset", (202,) * 5, send=lambda s, r: {"data": {"email": "nobody@example.org"}}),
    Case("POST", "/reset/confirm", (400,) * 5,
         send=lambda s, r: {"data": {"token": "forged", "password": "Lyon-fablab-2026"}}),
    Case("POST", "/account", (303, 200, 200, 200, 200), send=lambda s, r: {"data": {"display_name": r}}),
    Case("POST", "/account/tokens", (303, 201, 201, 201, 201),
         send=lambda s, r: {"data": {"name": "web", "scopes": ["read"]}}),
    Case("POST", "/account/tokens/{token_id}/revoke", (303, 303, 404, 404, 303),
         url=lambda s, r: f"/account/tokens/{s.victim_token}/revoke"),
    Case("POST", "/account/delete", (303, 422, 422, 422, 422),
         send=lambda s, r: {"data": {"password": "not-their-password"}}),
    Case("POST", "/admin/users/{user_id}/{change}", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/admin/users/{s.target}/promote"),
]  # fmt: skip


# --- facility management and designs by their authors (h7) ---------------------------------
# Claims and suggestions made by the earlier cases are decided by the later ones: the target
# is looked up when the case runs (the oldest pending one), so the cases keep their order.


def _free_facility(s: Any, offset: int) -> int:
    """A facility nobody manages (the scenario's lab and other are the first two)."""
    return max(s.lab, s.other) + offset


def _oldest_pending(s: Any, table_name: str) -> int:
    from sqlalchemy import select

    from refaire.store import tables

    table = getattr(tables, table_name)
    with s.store.engine.connect() as conn:
        found = conn.execute(
            select(table.c.id).where(table.c.status == "pending").order_by(table.c.id).limit(1)
        ).scalar()
    return found or 0


def _probe_manifest(role: str) -> bytes:
    return MANIFEST.replace(b"Permission probe", f"Probe by {role}".encode()).replace(
        b"example.org/probe", f"example.org/probe-{role}".encode()
    )


_CAP = {"manager": "laser-cutting", "admin": "cnc-milling"}  # one each: the other stays


def _design_of_another(s: Any, role: str) -> int:
    """A design registered by another role's API case (one's own cannot be claimed); the
    scenario's imported design when the API cases did not run (the CSRF check)."""
    from sqlalchemy import select

    from refaire.store.tables import designs

    other = "manager" if role == "member" else "member"
    with s.store.engine.connect() as conn:
        return conn.execute(
            select(designs.c.id).where(designs.c.name == f"Probe by {other}")
        ).scalar() or s.design

CASES += [
    # --- API: facility management ---------------------------------------------------------
    Case("PATCH", "/api/facilities/{ident}", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/facilities/{s.lab}",
         send=lambda s, r: {"json": {"description": f"{r} was here"}}),
    Case("POST", "/api/facilities/{ident}/machines", (401, 403, 201, 403, 201),
         url=lambda s, r: f"/api/facilities/{s.lab}/machines",
         send=lambda s, r: {"json": {"make": "Ultimaker", "model": "S5", "process": "fdm"}}),
    Case("DELETE", "/api/facilities/{ident}/machines/{index}", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/facilities/{s.lab}/machines/0"),
    Case("PUT", "/api/facilities/{ident}/capabilities/{kind}/{cap_id}", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/facilities/{s.lab}/capabilities/process/{_CAP.get(r, 'fdm')}"),
    Case("DELETE", "/api/facilities/{ident}/capabilities/{kind}/{cap_id}",
         (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/facilities/{s.lab}/capabilities/process/{_CAP.get(r, 'fdm')}"),
    Case("POST", "/api/facilities/{ident}/claims", (401, 201, 201, 201, 201),
         url=lambda s, r: f"/api/facilities/{_free_facility(s, 1)}/claims",
         send=lambda s, r: {"json": {"method": "admin"}}),
    Case("POST", "/api/claims/{cid}/approve", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/claims/{_oldest_pending(s, 'facility_claims')}/approve"),
    Case("POST", "/api/claims/{cid}/reject", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/claims/{_oldest_pending(s, 'facility_claims')}/reject"),
    Case("POST", "/api/claims/confirm", (400,) * 5, send=lambda s, r: {"json": {"token": "forged"}}),
    Case("POST", "/api/facilities/{ident}/suggestions", (401, 201, 201, 201, 201),
         url=lambda s, r: f"/api/facilities/{s.lab}/suggestions",
         send=lambda s, r: {"json": {"changes": {"phone": f"+33 1 {len(r)}"}}}),
    Case("POST", "/api/suggestions/{sid}/accept", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/suggestions/{_oldest_pending(s, 'facility_suggestions')}/accept"),
    Case("POST", "/api/suggestions/{sid}/reject", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/suggestions/{_oldest_pending(s, 'facility_suggestions')}/reject"),
    # --- API: designs by their authors ----------------------------------------------------
    Case("POST", "/api/designs/register", (401, 201, 201, 201, 201),
         send=lambda s, r: {"files": {"file": ("okh.toml", _probe_manifest(r))}}),
    Case("POST", "/api/designs/register/form", (401, 201, 201, 201, 201),
         send=lambda s, r: {"json": {"name": f"Form by {r}",
                                     "repo": f"https://example.org/form-{r}"}}),
    Case("POST", "/api/designs/{ident}/claims", (401, 201, 201, 201, 201),
         url=lambda s, r: f"/api/designs/{s.design}/claims"),
    Case("POST", "/api/design-claims/{cid}/approve", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/design-claims/{_oldest_pending(s, 'design_claims')}/approve"),
    Case("POST", "/api/design-claims/{cid}/reject", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/design-claims/{_oldest_pending(s, 'design_claims')}/reject"),
    # --- pages: facility management -------------------------------------------------------
    Case("POST", "/manage/facilities/{fid}", (401, 403, 303, 403, 303),
         url=lambda s, r: f"/manage/facilities/{s.lab}",
         send=lambda s, r: {"data": {"description": f"{r} on the page"}}),
    Case("POST", "/manage/facilities/{fid}/machines", (401, 403, 303, 403, 303),
         url=lambda s, r: f"/manage/facilities/{s.lab}/machines",
         send=lambda s, r: {"data": {"make": "Prusa", "model": "MK4", "process": "fdm"}}),
    Case("POST", "/manage/facilities/{fid}/machines/{index}/remove", (401, 403, 303, 403, 303),
         url=lambda s, r: f"/manage/facilities/{s.lab}/machines/0/remove"),
    Case("POST", "/manage/facilities/{fid}/capabilities", (401, 403, 303, 403, 303),
         url=lambda s, r: f"/manage/facilities/{s.lab}/capabilities",
         send=lambda s, r: {"data": {"kind": "process", "cap_id": "welding", "action": "confirm"}}),
    Case("POST", "/manage/facilities/{fid}/managers", (401, 403, 303, 403, 303),
         url=lambda s, r: f"/manage/facilities/{s.lab}/managers",
         send=lambda s, r: {"data": {"email": "invitee-member@example.org" if r == "manager"
                                     else "invitee-other_manager@example.org"}}),
    Case("POST", "/manage/facilities/{fid}/claim", (401, 200, 200, 200, 200),
         url=lambda s, r: f"/manage/facilities/{_free_facility(s, 2)}/claim",
         send=lambda s, r: {"data": {"method": "admin"}}),
    Case("POST", "/manage/claims/confirm", (400,) * 5, send=lambda s, r: {"data": {"token": "x"}}),
    Case("POST", "/manage/claims/{cid}/{decision}", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/manage/claims/{_oldest_pending(s, 'facility_claims')}/reject"),
    Case("POST", "/manage/facilities/{fid}/suggest", (401, 200, 200, 200, 200),
         url=lambda s, r: f"/manage/facilities/{s.lab}/suggest",
         send=lambda s, r: {"data": {"email": f"{r}@lab.example.org"}}),
    Case("POST", "/manage/suggestions/{sid}/{decision}", (401, 403, 303, 403, 303),
         url=lambda s, r: f"/manage/suggestions/{_oldest_pending(s, 'facility_suggestions')}/accept"),
    # --- pages: designs by their authors --------------------------------------------------
    Case("POST", "/manage/designs/new/upload", (401, 201, 201, 201, 201),
         send=lambda s, r: {"files": {"file": ("okh.toml", _probe_manifest(f"page-{r}"))}}),
    Case("POST", "/manage/designs/new/form", (401, 201, 201, 201, 201),
         send=lambda s, r: {"data": {"name": f"Page form by {r}",
                                     "repo": f"https://example.org/page-form-{r}"}}),
    Case("POST", "/manage/designs/{did}/claim", (401, 200, 200, 200, 200),
         url=lambda s, r: f"/manage/designs/{_design_of_another(s, r)}/claim"),
    Case("POST", "/manage/design-claims/{cid}/{decision}", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/manage/design-claims/{_oldest_pending(s, 'design_claims')}/reject"),
]  # fmt: skip

# --- sharing: resources, bookings, trainings (tests/_sharing_write_cases.py) -----------------
# Bookings are a member's own business: the member routes are called with a session (the
# scenario's tokens carry no `write:bookings`); managers' routes with their tokens.
from _sharing_write_cases import (  # noqa: E402
    member_booking,
    sharing,
    signed_up_session,
    slot_form,
    slot_json,
)

SPACE = {"kind": "space", "name": "Probe bay", "units": 2, "time_zone": "Europe/Paris"}
TOOL = {"name": "Probe drill", "pickup_place": "Lyon", "time_zone": "Europe/Paris"}

CASES += [
    Case("POST", "/api/facilities/{ident}/resources", (401, 403, 201, 403, 201),
         url=lambda s, r: f"/api/facilities/{s.lab}/resources", send=lambda s, r: {"json": SPACE}),
    Case("POST", "/api/resources", (401, 201, 201, 201, 201), via="session",
         send=lambda s, r: {"json": TOOL}),
    Case("PATCH", "/api/resources/{rid}/rules", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/resources/{sharing(s).room}/rules",
         send=lambda s, r: {"json": {"horizon_days": 60}}),
    Case("PUT", "/api/resources/{rid}/trainings", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/resources/{sharing(s).approval}/trainings",
         send=lambda s, r: {"json": {"trainings": []}}),
    Case("POST", "/api/resources/{rid}/blocks", (401, 403, 201, 403, 201),
         url=lambda s, r: f"/api/resources/{sharing(s).room}/blocks", send=slot_json),
    Case("POST", "/api/facilities/{ident}/trainings", (401, 403, 201, 403, 201),
         url=lambda s, r: f"/api/facilities/{s.lab}/trainings",
         send=lambda s, r: {"json": {"name": f"Training by {r}"}}),
    Case("POST", "/api/trainings/{tid}/records", (401, 403, 201, 403, 201),
         url=lambda s, r: f"/api/trainings/{sharing(s).training}/records",
         send=lambda s, r: {"json": {"user": "member@example.org"}}),
    Case("POST", "/api/trainings/{tid}/sessions", (401, 403, 201, 403, 201),
         url=lambda s, r: f"/api/trainings/{sharing(s).training}/sessions",
         send=lambda s, r: {"json": {"starts_at": "2099-01-05T09:00:00Z",
                                     "ends_at": "2099-01-05T11:00:00Z", "capacity": 4}}),
    Case("POST", "/api/training-sessions/{sid}/signups", (401, 201, 201, 201, 201), via="session",
         url=lambda s, r: f"/api/training-sessions/{sharing(s).session}/signups"),
    Case("DELETE", "/api/training-sessions/{sid}/signups", (401, 200, 200, 200, 200),
         via="session", url=lambda s, r: f"/api/training-sessions/{signed_up_session(s, r)}/signups"),
    Case("POST", "/api/bookings", (401, 201, 201, 201, 201), via="session",
         send=lambda s, r: slot_json(s, r, resource_id=sharing(s).room)),
    Case("POST", "/api/bookings/feed", (401, 201, 201, 201, 201), via="session"),
    Case("PATCH", "/api/bookings/{bid}", (401, 200, 200, 403, 200), via="session",
         url=lambda s, r: f"/api/bookings/{member_booking(s, r)}", send=slot_json),
    Case("POST", "/api/bookings/{bid}/cancel", (401, 200, 200, 403, 200), via="session",
         url=lambda s, r: f"/api/bookings/{member_booking(s, r)}/cancel"),
    Case("POST", "/api/bookings/{bid}/decision", (401, 403, 200, 403, 200),
         url=lambda s, r: f"/api/bookings/{member_booking(s, r, approval=True)}/decision",
         send=lambda s, r: {"json": {"decision": "approve"}}),
    # pages: a refusal to nobody signed in leads to the log-in page (303)
    Case("POST", "/resources/{rid}/book", (303, 303, 303, 303, 303),
         url=lambda s, r: f"/resources/{sharing(s).room}/book", send=slot_form),
    Case("POST", "/resources/{rid}/block", (303, 403, 303, 403, 303),
         url=lambda s, r: f"/resources/{sharing(s).room}/block", send=slot_form),
    Case("POST", "/resources/{rid}/rules", (303, 403, 303, 403, 303),
         url=lambda s, r: f"/resources/{sharing(s).room}/rules",
         send=lambda s, r: {"data": {"horizon_days": "45", "slot_minutes": "60",
                                     "min_minutes": "60", "max_minutes": "120"}}),
    Case("POST", "/resources/lend", (303, 303, 303, 303, 303),
         send=lambda s, r: {"data": {**TOOL}}),
    Case("POST", "/bookings/feed", (303, 200, 200, 200, 200)),
    Case("POST", "/bookings/{bid}/cancel", (303, 303, 303, 403, 303),
         url=lambda s, r: f"/bookings/{member_booking(s, r)}/cancel"),
    Case("POST", "/bookings/{bid}/change", (303, 303, 303, 403, 303),
         url=lambda s, r: f"/bookings/{member_booking(s, r)}/change", send=slot_form),
    Case("POST", "/bookings/{bid}/decide", (303, 403, 303, 403, 303),
         url=lambda s, r: f"/bookings/{member_booking(s, r, approval=True)}/decide",
         send=lambda s, r: {"data": {"decision": "approve"}}),
    Case("POST", "/manage/facilities/{fid}/resources", (303, 403, 303, 403, 303),
         url=lambda s, r: f"/manage/facilities/{s.lab}/resources",
         send=lambda s, r: {"data": {"kind": "space", "name": f"Bay {r}", "units": "2",
                                     "time_zone": "Europe/Paris"}}),
    Case("POST", "/manage/facilities/{fid}/trainings", (303, 403, 303, 403, 303),
         url=lambda s, r: f"/manage/facilities/{s.lab}/trainings",
         send=lambda s, r: {"data": {"name": f"Web training {r}"}}),
    Case("POST", "/trainings/{tid}/records", (303, 403, 303, 403, 303),
         url=lambda s, r: f"/trainings/{sharing(s).training}/records",
         send=lambda s, r: {"data": {"member": "member@example.org"}}),
    Case("POST", "/trainings/{tid}/sessions", (303, 403, 303, 403, 303),
         url=lambda s, r: f"/trainings/{sharing(s).training}/sessions",
         send=lambda s, r: {"data": {"day": "2099-01-06", "start": "09:00", "end": "11:00",
                                     "capacity": "6", "time_zone": "Europe/Paris"}}),
    Case("POST", "/training-sessions/{sid}/signup", (303, 303, 303, 303, 303),
         url=lambda s, r: f"/training-sessions/{sharing(s).page_session}/signup"),
    Case("POST", "/training-sessions/{sid}/cancel-signup", (303, 303, 303, 303, 303),
         url=lambda s, r: f"/training-sessions/{signed_up_session(s, r)}/cancel-signup"),
]  # fmt: skip


# --- network: crawled sources (h16) --------------------------------------------------------
# Each call gets a source of its own, so the admin's removal leaves the next case one to use.
def _fresh_source(s: Any, role: str) -> int:
    from uuid import uuid4

    from refaire.crawl.sources import add_source
    from refaire.people import OPERATOR

    made = add_source(s.store, f"https://example.org/probe-{uuid4().hex}.toml", None, OPERATOR)
    return made["id"]


def _new_source_body(s: Any, role: str) -> dict[str, Any]:
    return {"url": f"https://example.org/{role}-added-{id(s)}.txt", "every": "1d"}


CASES += [
    Case("POST", "/api/sources", (401, 403, 403, 403, 201),
         send=lambda s, r: {"json": _new_source_body(s, r)}),
    Case("DELETE", "/api/sources/{source_id}", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/sources/{_fresh_source(s, r)}"),
    Case("POST", "/api/sources/{source_id}/crawl", (401, 403, 403, 403, 202),
         url=lambda s, r: f"/api/sources/{_fresh_source(s, r)}/crawl"),
    Case("POST", "/admin/sources", (401, 403, 403, 403, 303),
         send=lambda s, r: {"data": {"url": f"https://example.org/page-{r}-{id(s)}.txt"}}),
    Case("POST", "/admin/sources/{source_id}/crawl", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/admin/sources/{_fresh_source(s, r)}/crawl"),
    Case("POST", "/admin/sources/{source_id}/remove", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/admin/sources/{_fresh_source(s, r)}/remove"),
]  # fmt: skip

# --- production: requests, quotes, orders, offers (tests/_production_write_cases.py) ---------
# Members act with a session (the scenario's tokens carry no `write:production`). Requests
# and orders belong to the scenario's member; `target` quotes and sells as a maker. A
# non-party gets 404 on an order (existence does not leak); the site admin is a party only
# to settle disputes, so a move it may not make is a 409 naming the allowed ones.
from _production_write_cases import (  # noqa: E402
    PLACE,
    member_order,
    member_request,
    offer_form,
    offer_json,
    offer_of,
    quote_form,
    request_form,
    target_quote,
)

QUOTE = {"lines": [{"item": "probe", "amount": "10"}], "currency": "EUR", "lead_days": 2}

CASES += [
    Case("POST", "/api/production/requests", (401, 201, 201, 201, 201), via="session",
         send=lambda s, r: {"json": {"design": str(s.design), "quantity": 1, "place": PLACE}}),
    # a member's own part files: any member (the admin is one) asks; nobody signed in, 401
    Case("POST", "/api/production/requests/parts", (401, 201, 201, 201, 201), via="session",
         send=lambda s, r: {"data": {"quantity": "1", "place": PLACE, "material": "pla"},
                            **mesh_files(s, r)}),
    Case("POST", "/api/production/requests/{rid}/send", (401, 422, 403, 403, 403), via="session",
         url=lambda s, r: f"/api/production/requests/{member_request(s)}/send",
         send=lambda s, r: {"json": {"send_to": ["facility:999999"]}}),
    Case("POST", "/api/production/requests/{rid}/quotes", (401, 403, 201, 201, 201),
         via="session", url=lambda s, r: f"/api/production/requests/{member_request(s)}/quotes",
         send=lambda s, r: {"json": QUOTE}),
    Case("POST", "/api/production/quotes/{qid}/accept", (401, 201, 403, 403, 403), via="session",
         url=lambda s, r: f"/api/production/quotes/{target_quote(s)}/accept"),
    Case("POST", "/api/orders/{oid}/transition", (401, 200, 404, 404, 409), via="session",
         url=lambda s, r: f"/api/orders/{member_order(s)}/transition",
         send=lambda s, r: {"json": {"to": "cancelled", "note": "probe"}}),
    Case("POST", "/api/orders/{oid}/reviews", (401, 201, 404, 404, 403), via="session",
         url=lambda s, r: f"/api/orders/{member_order(s, state='received')}/reviews",
         send=lambda s, r: {"json": {"rating": 4}}),
    Case("POST", "/api/orders/{oid}/messages", (401, 201, 404, 404, 201), via="session",
         url=lambda s, r: f"/api/orders/{member_order(s)}/messages",
         send=lambda s, r: {"files": {"body": (None, "hello")}}),
    Case("POST", "/api/inbox/read", (401, 200, 200, 200, 200), via="session"),
    Case("POST", "/api/offers", (401, 201, 201, 201, 201), via="session", send=offer_json),
    Case("POST", "/api/offers/{oid}/withdraw", (401, 200, 403, 403, 200), via="session",
         url=lambda s, r: f"/api/offers/{offer_of(s, 'member')}/withdraw"),
    Case("POST", "/api/offers/{oid}/orders", (401, 201, 201, 201, 201), via="session",
         url=lambda s, r: f"/api/offers/{offer_of(s, 'target')}/orders",
         send=lambda s, r: {"json": {"quantity": 2}}),
    # pages: a refusal to nobody signed in leads to the log-in page (303)
    Case("POST", "/production/requests", (303, 303, 303, 303, 303), send=request_form),
    # part files: the gate refuses nobody signed in before a file byte is read (401)
    Case("POST", "/production/requests/parts", (401, 303, 303, 303, 303),
         send=lambda s, r: {"data": {"quantity": "1", "place": PLACE, "material": "pla"},
                            **mesh_files(s, r)}),
    Case("POST", "/production/requests/{rid}/send", (303, 422, 403, 403, 403),
         url=lambda s, r: f"/production/requests/{member_request(s)}/send",
         send=lambda s, r: {"data": {"to": "facility:999999"}}),
    Case("POST", "/production/requests/{rid}/quotes", (303, 403, 303, 303, 303),
         url=lambda s, r: f"/production/requests/{member_request(s)}/quotes", send=quote_form),
    Case("POST", "/production/quotes/{qid}/accept", (303, 303, 403, 403, 403),
         url=lambda s, r: f"/production/quotes/{target_quote(s)}/accept"),
    Case("POST", "/orders/{oid}/move", (303, 303, 404, 404, 409),
         url=lambda s, r: f"/orders/{member_order(s)}/move",
         send=lambda s, r: {"data": {"to": "cancelled", "note": "probe"}}),
    Case("POST", "/orders/{oid}/review", (303, 303, 404, 404, 403),
         url=lambda s, r: f"/orders/{member_order(s, state='received')}/review",
         send=lambda s, r: {"data": {"rating": "5"}}),
    Case("POST", "/orders/{oid}/messages", (401, 303, 404, 404, 303),
         url=lambda s, r: f"/orders/{member_order(s)}/messages",
         send=lambda s, r: {"files": {"body": (None, "hello")}}),
    Case("POST", "/inbox/read", (303, 303, 303, 303, 303)),
    Case("POST", "/offers", (303, 303, 303, 303, 303), send=offer_form),
    Case("POST", "/offers/{oid}/order", (303, 303, 303, 303, 303),
         url=lambda s, r: f"/offers/{offer_of(s, 'target')}/order",
         send=lambda s, r: {"data": {"quantity": "2"}}),
    Case("POST", "/offers/{oid}/withdraw", (303, 303, 403, 403, 303),
         url=lambda s, r: f"/offers/{offer_of(s, 'member')}/withdraw"),
]  # fmt: skip


# --- observatory: the watch reads feeds (h17) ------------------------------------------------
# Each call gets a feed (or signal) of its own, so the admin's removal leaves the next one.
def _fresh_feed(s: Any, role: str) -> int:
    from uuid import uuid4

    from refaire.observatory.feeds import add_feed
    from refaire.people import OPERATOR

    made = add_feed(s.store, f"https://example.org/feed-{uuid4().hex}.rss", None, OPERATOR)
    return made["id"]


def _fresh_signal(s: Any, role: str) -> int:
    from uuid import uuid4

    from refaire.observatory.signals import add_signal

    made = add_signal(
        s.store, title=f"Probe {uuid4().hex}", url="https://example.org/probe",
        published="2024-05-02", sectors=["A"],
    )  # fmt: skip
    return made["id"]


CASES += [
    Case("POST", "/api/signal-feeds", (401, 403, 403, 403, 201),
         send=lambda s, r: {"json": {"url": f"https://example.org/{r}-feed-{id(s)}.rss"}}),
    Case("DELETE", "/api/signal-feeds/{feed_id}", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/signal-feeds/{_fresh_feed(s, r)}"),
    Case("POST", "/api/signal-feeds/{feed_id}/poll", (401, 403, 403, 403, 202),
         url=lambda s, r: f"/api/signal-feeds/{_fresh_feed(s, r)}/poll"),
    Case("POST", "/api/signals/{signal_id}/tags", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/signals/{_fresh_signal(s, r)}/tags",
         send=lambda s, r: {"json": {"confirm": True}}),
    Case("POST", "/observatory/signals/feeds", (401, 403, 403, 403, 303),
         send=lambda s, r: {"data": {"url": f"https://example.org/page-feed-{r}-{id(s)}.rss"}}),
    Case("POST", "/observatory/signals/feeds/{feed_id}/poll", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/observatory/signals/feeds/{_fresh_feed(s, r)}/poll"),
    Case("POST", "/observatory/signals/feeds/{feed_id}/remove", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/observatory/signals/feeds/{_fresh_feed(s, r)}/remove"),
    Case("POST", "/observatory/signals/{signal_id}/tags", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/observatory/signals/{_fresh_signal(s, r)}/tags",
         send=lambda s, r: {"data": {"confirm": "1"}}),
]  # fmt: skip


# --- network: followed instances (federation, h16) -----------------------------------------
# A peer row of its own per call (no network: its key is never used by these routes); adding
# one names an address the SSRF guard refuses, so an admin gets 422 once allowed through.
def _fresh_peer(s: Any, role: str) -> int:
    from uuid import uuid4

    from sqlalchemy import insert

    from refaire.store.tables import peers

    name = f"probe-{uuid4().hex[:12]}"
    with s.store.engine.begin() as conn:
        return conn.execute(insert(peers).values(
            name=name, url=f"https://{name}.example", actor_id=f"https://{name}.example/federation/actor",
            public_pem="-", added_by="test", added_at="2026-12-01T00:00:00+00:00",
        )).inserted_primary_key[0]


CASES += [
    Case("POST", "/api/peers", (401, 403, 403, 403, 422),
         send=lambda s, r: {"json": {"url": "http://127.0.0.1:9"}}),
    Case("DELETE", "/api/peers/{peer_id}", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/peers/{_fresh_peer(s, r)}"),
    Case("POST", "/api/peers/{peer_id}/pull", (401, 403, 403, 403, 202),
         url=lambda s, r: f"/api/peers/{_fresh_peer(s, r)}/pull"),
    Case("POST", "/admin/peers", (401, 403, 403, 403, 422),
         send=lambda s, r: {"data": {"url": "http://127.0.0.1:9"}}),
    Case("POST", "/admin/peers/{peer_id}/pull", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/admin/peers/{_fresh_peer(s, r)}/pull"),
    Case("POST", "/admin/peers/{peer_id}/remove", (401, 403, 403, 403, 303),
         url=lambda s, r: f"/admin/peers/{_fresh_peer(s, r)}/remove"),
]  # fmt: skip
