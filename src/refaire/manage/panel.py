"""What a facility page adds about the people who run it: managers, who stated what,
the public sources' values kept beside, opening hours (open now?), prices and history.

One dict for the web panel, the API (`/api/facilities/{id}/management`) and the CLI.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from refaire.manage.access import find_facility, may_manage
from refaire.people.actor import Actor
from refaire.store import Store


def management(
    store: Store, actor: Actor, ident: int | str, history_limit: int = 20
) -> dict[str, Any]:
    """Managers, manager-stated fields, imported values, hours, prices and history."""
    from refaire.manage.hours import open_at
    from refaire.people.audit import list_entries
    from refaire.people.roles import managers_of
    from refaire.quote.pricing import PRICING_KEYS

    fid, f = find_facility(store, ident)
    block = f.extra.get("manager") or {}
    hours = f.extra.get("hours")
    history = list_entries(store, target_type="facility", target_id=str(fid), limit=history_limit)
    managers = managers_of(store, fid)
    return {
        "facility_id": fid,
        "name": f.name,
        "managed": bool(managers),
        "managers": [
            {"user_id": m.get("user_id"), "role": m.get("role"), "added_at": m.get("added_at")}
            for m in managers
        ],
        "may_manage": may_manage(store, actor, fid),
        "stated_by_manager": block.get("fields") or {},
        "imported": block.get("imported") or {},
        "removed": block.get("removed") or [],
        "hours": hours,
        "open_now": open_at(hours, datetime.now(UTC)) if hours else None,
        "phone": f.extra.get("phone"),
        "prices": {k: v for k, v in (f.pricing or {}).items() if k in PRICING_KEYS},
        "history": history,
    }
