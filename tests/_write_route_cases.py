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
    Case("POST", "/api/import", (401, 403, 403, 403, 200),
         send=lambda s, r: {"files": [("files", ("okh.toml", MANIFEST))]}),
    Case("POST", "/api/designs/{ident}/meshes", (401, 403, 403, 403, 200),
         url=lambda s, r: f"/api/designs/{s.design}/meshes", send=mesh_files),
    Case("POST", "/api/signals", (401, 403, 403, 403, 201), send=lambda s, r: {"json": SIGNAL}),
    Case("POST", "/api/mesh", (200, 200, 200, 200, 200), send=mesh_files),
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
