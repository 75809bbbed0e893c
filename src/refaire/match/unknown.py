"""Places near a point that may make something but whose sources say nothing of it.

Most facilities come from lists that give places, not machines: of 2,323 only 84 state
a capability. Answering "nobody offers laser cutting near Lyon" when a dozen labs there
state nothing at all would be false. Such places are listed apart, as *capability
unknown*, nearest first, with how to reach them and a sentence asking the person to ask
them; they are never counted as matches. The quote also lists the places that only
*probably* offer the process (a Fab Lab's usual inventory), marked as such.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refaire.match.index import FacilityIndex
from refaire.match.select import nearest

UNKNOWN_LIMIT = 10

# The notes are worded from the pages' catalogue (keys match.unknown.note*), with the
# singular form when there is one place ("1 lieu", not "1 lieu(x)").
_LANGS = ("en", "fr")


def _entry(index: FacilityIndex, row: int, distance: float, capability: str) -> dict[str, Any]:
    website, email = index.contacts[row] if row < len(index.contacts) else (None, None)
    out: dict[str, Any] = {
        "facility": {"id": int(index.ids[row]), "name": index.names[row]},
        "distance_km": round(float(distance), 2),
        "latitude": float(index.lat[row]),
        "longitude": float(index.lon[row]),
        "website": website,
        "email": email,
        "capability": capability,
    }
    if index.approximate[row]:
        out["facility"]["approximate_location"] = True
    return out


def unknown_capability(
    index: FacilityIndex,
    rows: np.ndarray,
    dist: np.ndarray,
    radius_km: float,
    lang: str = "en",
    limit: int = UNKNOWN_LIMIT,
    process: str | None = None,
) -> dict[str, Any]:
    """{total, items, note}: the places among `rows` (any order) that state no
    capability; with `process`, also those that do not state it but probably have it."""
    from refaire.catalogue import translate
    from refaire.match.explain import term
    from refaire.text import decimal

    lang = lang if lang in _LANGS else "en"
    sigs = index.sig_of[rows] if len(rows) else np.zeros(0, dtype=np.int32)
    unknown = index.unknown_sig[sigs] if len(sigs) else np.zeros(0, dtype=bool)
    probable = np.zeros(len(rows), dtype=bool)
    if process is not None and len(rows):
        likely = index.probable.get(process)
        if likely is not None:
            has = np.zeros(len(index.sigs), dtype=bool)
            has[likely] = True
            probable = has[sigs]
    chosen = np.flatnonzero(unknown | probable)
    items = [
        _entry(index, int(rows[j]), float(dist[j]), "probable" if probable[j] else "unknown")
        for j in chosen[nearest(dist[chosen], limit)]
    ]
    n, radius = int(len(chosen)), decimal(round(radius_km, 1), "g", lang)
    if process is None:
        note = translate(lang, "match.unknown.note", n=n, radius=radius)
    else:
        process_name = term(process, lang)
        note = translate(
            lang, "match.unknown.note_process", n=n, radius=radius, process=process_name
        )
    return {"total": n, "items": items, "note": note if n else None}
