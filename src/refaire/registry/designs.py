"""Design registry service: the detail view of a design shared by every interface."""

from __future__ import annotations

from typing import Any

from refaire.pictures import detail_pictures
from refaire.public_source import public_problems, public_source
from refaire.store import Store
from refaire.store.designs import get_design, lineage


class UnknownDesign(LookupError):
    def __init__(self, ident: str | int) -> None:
        super().__init__(
            f"no design with id or key {ident!r}; `refaire designs list --q WORD` finds ids"
        )


def design_detail(store: Store, ident: str | int, with_manifest: bool = True) -> dict[str, Any]:
    """Everything known about a design: record, parts, lineage, notes, problems, provenance."""
    found = get_design(store, ident)
    if found is None:
        raise UnknownDesign(ident)
    design_id, design = found
    data = design.to_dict()
    if data.get("provenance"):
        data["provenance"]["source"] = public_source(data["provenance"]["source"])
        if not with_manifest:
            data["provenance"].pop("text", None)
    data["problems"] = public_problems(data.get("problems"))
    data["id"] = design_id
    detail_pictures(design_id, data)
    data["lineage"] = lineage(store, design_id, design)
    from refaire.match.requirements import requirements_of

    data["requirements"] = requirements_of(design, design_id).to_dict()
    from refaire.store.designs import design_withdrawn_at

    # stated by the crawler: the source URL answered 404/410 several crawls in a row
    data["withdrawn_at"] = design_withdrawn_at(store, design_id)
    from refaire.federation.origin import origin_of

    # stated by the peer it was pulled from (federation), None for a local record
    data["origin"] = origin_of(store, "design", design_id)
    from refaire.store.same_design import also_from

    # the same design read from other sources (same repository or OSHWA UID), each with
    # its own provenance: linked by the import rule, never merged into this record
    with store.engine.connect() as conn:
        data["also_from"] = also_from(conn, design_id)
    return data
