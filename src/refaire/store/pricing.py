"""A facility manager's prices for instant quotes, written into the stored facility record.

The pricing keys and their meaning are documented in `refaire.quote.pricing`. Setting a
pricing replaces the quote keys of the record's `pricing` (a PUT, not a merge) and keeps
what other sources put there that quotes do not use (membership fees, plans).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from refaire.model import Facility
from refaire.model.facility import FieldSource
from refaire.people.actor import Actor
from refaire.quote.pricing import PRICING_KEYS, check_pricing
from refaire.said import Said
from refaire.store.db import Store
from refaire.store.facilities import get_facility
from refaire.store.tables import facilities

SOURCE = "refaire:pricing"


class PricingError(ValueError):
    """A pricing that cannot be stored; `problems` lists (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        text = "; ".join(f"{field or 'pricing'}: {message}" for field, message in problems)
        super().__init__(f"invalid pricing: {text}")


def set_pricing(
    store: Store, facility_id: int | str, pricing: dict[str, Any], *, actor: Actor | None = None
) -> dict[str, Any]:
    """Validate `pricing` and store it as the facility's quote prices; returns the stored
    pricing (canonical snake_case keys). With `actor`, the change goes to the audit trail
    in the same transaction.

    Raises LookupError for an unknown facility (id or key) and PricingError, naming every
    wrong field, for an invalid pricing: nothing is written then.
    """
    found = get_facility(store, facility_id)
    if found is None:
        raise LookupError(Said("quote.err.no_facility", ident=facility_id))
    checked, problems = check_pricing(pricing)
    if problems:
        raise PricingError(problems)
    fid, facility = found
    before = dict(facility.pricing)
    kept = {k: v for k, v in facility.pricing.items() if k not in PRICING_KEYS}
    facility.pricing = {**kept, **checked}
    _record_source(facility)
    with store.engine.begin() as conn:
        # Row-level check that the facility still exists: it may be merged away meanwhile.
        if conn.execute(select(facilities.c.id).where(facilities.c.id == fid)).first() is None:
            raise LookupError(f"facility {fid} was removed while its pricing was being set")
        conn.execute(
            update(facilities).where(facilities.c.id == fid).values(record=facility.to_dict())
        )
        if actor is not None:
            from refaire.people import audit

            audit.record(
                conn, actor, "facility.pricing", "facility", str(fid),
                {"pricing": before}, {"pricing": facility.pricing},
            )  # fmt: skip
    return facility.pricing


def _record_source(facility: Facility) -> None:
    """Provenance: the pricing now comes from the manager's update, dated."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    facility.sources = [s for s in facility.sources if s.field != "pricing"]
    facility.sources.append(FieldSource("pricing", f"{SOURCE}@{stamp}", "api"))
