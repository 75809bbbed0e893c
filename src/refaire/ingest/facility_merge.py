"""Recognising one place described by several sources, and merging the descriptions.

A FabLab can be on fablabs.io, publish a SpaceAPI endpoint and answer a survey: three
records, one place. `same_facility` decides, `merge` combines two records keeping the
provenance of every field (`FieldSource`: which source gave which field), and `dedupe`
does it for a whole registry with a spatial grid so that only neighbours are compared.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from dataclasses import fields
from urllib.parse import urlsplit

from refaire.ingest.facility_normalise import add_caps, distance_m, name_key
from refaire.model import Equipment, Facility, FieldSource

NEAR_M = 200.0  # same building or campus
SAME_NAME_MAX_M = 10_000.0  # a shared name farther apart is a namesake (a chain, a campus)
TOWN_MAX_M = 50_000.0  # a town centre stands for anywhere in a metropolis
SIMILAR = 0.6
_GENERIC = {
    "fablab", "fab", "lab", "makerspace", "hackerspace", "hackspace", "space", "maker",
    "the", "de", "du", "la", "le", "des", "of", "and", "e", "v", "ev", "ltd", "cic", "inc",
}  # fmt: skip
_SCALARS = (
    "description", "status", "access_type", "kind", "country", "city", "url", "email",
    "owner", "opening_hours",
)  # fmt: skip


# extra keys `merge` handles itself rather than copying them over.
_MERGED_APART = ("aka", "merged_keys", "located_by_town", "doubtful_location", "merged_records")


def _trigrams(text: str) -> set[str]:
    text = f"  {text.replace(' ', '')} "
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def name_similarity(a: str, b: str) -> float:
    """0..1: the best of token and trigram Jaccard; 1.0 when one name contains the other.

    Generic words ('fab lab', 'makerspace', 'e.V.') are left out of the measures so that
    'Fablab Nantes' and 'Fablab Rennes' do not look alike, and containment is of whole
    names ('Syskrack' in 'Syskrack Lab'), not of leftover words ('Lisboa').
    """
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb or f" {ka} " in f" {kb} " or f" {kb} " in f" {ka} ":
        return 1.0
    ta = set(ka.split()) - _GENERIC or set(ka.split())
    tb = set(kb.split()) - _GENERIC or set(kb.split())
    grams = _jaccard(_trigrams(" ".join(sorted(ta))), _trigrams(" ".join(sorted(tb))))
    return max(_jaccard(ta, tb), grams)


def _located(f: Facility) -> bool:
    return f.latitude is not None and f.longitude is not None


def _stated(f: Facility) -> bool:
    return _located(f) and f.location_origin == "stated"


def same_facility(a: Facility, b: Facility) -> bool:
    """True when two records describe one place (see `merge_evidence`)."""
    return merge_evidence(a, b) is not None


def merge_evidence(a: Facility, b: Facility) -> str | None:
    """Why two records describe one place, in words; None when they do not.

    A name is not enough on its own: anyone can publish a record named like a
    known FabLab, without coordinates, to fill its e-mail and description. The same
    normalised name must be backed by a location (within 10 km as sources state it,
    50 km when one was only placed at its town's centre), or the same website host,
    or the same town in the same country. Without the same name, records within
    ~200 m of each other (as stated) with a similar name are one place. Different
    countries are never one place.
    """
    if a.country and b.country and a.country != b.country:
        return None
    dist = None
    if _located(a) and _located(b):
        dist = distance_m(a.latitude, a.longitude, b.latitude, b.longitude)
    ka, kb = name_key(a.name), name_key(b.name)
    if ka and ka == kb:
        if dist is not None:
            limit = SAME_NAME_MAX_M if _stated(a) and _stated(b) else TOWN_MAX_M
            return f"same name, {_km(dist)} apart" if dist <= limit else None
        host = _website(a)
        if host and host == _website(b):
            return f"same name and website ({host})"
        town = _town(a)
        if town and town == _town(b):
            return f"same name and town ({a.city}, {a.country})"
        return None
    if not (_stated(a) and _stated(b)):
        return None
    if dist is not None and dist <= NEAR_M and name_similarity(a.name, b.name) >= SIMILAR:
        return f"similar name, {_km(dist)} apart"
    return None


def _km(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


# Hosts that many unrelated places use: sharing one says nothing about being one place.
_SHARED_HOSTS = {
    "facebook.com", "instagram.com", "twitter.com", "x.com", "linkedin.com", "youtube.com",
    "google.com", "sites.google.com", "goo.gl", "wordpress.com", "blogspot.com", "wixsite.com",
    "fablabs.io", "meetup.com", "github.com", "gitlab.com", "linktr.ee", "t.me",
}  # fmt: skip


def _website(f: Facility) -> str | None:
    if not f.url:
        return None
    host = (urlsplit(f.url.strip()).hostname or "").removeprefix("www.")
    return host if host and host not in _SHARED_HOSTS else None


def _town(f: Facility) -> tuple[str, str] | None:
    if not (f.city and f.country):
        return None
    return name_key(f.city), f.country.upper()


def _sources_for(f: Facility, name: str) -> list[FieldSource]:
    found = [s for s in f.sources if s.field == name]
    return found or [FieldSource(name, f.key, f.key.split(":", 1)[0])]


def _equipment_sig(e: Equipment) -> tuple[str, str, str]:
    return (name_key(e.equipment_type), name_key(e.make), name_key(e.model))


def merge(base: Facility, other: Facility) -> Facility:
    """A new Facility: `base` with the gaps filled from `other`.

    Scalars and coordinates are taken from `other` only where `base` has none (a
    differing name is kept in ``extra["aka"]``); address keys, pricing and extra are
    filled key by key; equipment and capabilities are unions. Each value taken from
    `other` brings its FieldSource, so `sources` still says who gave what.
    """
    out = copy.deepcopy(base)
    taken: list[str] = []
    for name in _SCALARS:
        if getattr(out, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(out, name, getattr(other, name))
            taken.append(name)
    # `other`'s location is taken where `out` has none, or only a town centre that
    # `other` improves on with a stated one.
    town_centre = _located(out) and not _stated(out)
    if _located(other) and (not _located(out) or (town_centre and _stated(other))):
        if town_centre:
            out.sources = [s for s in out.sources if s.field not in ("latitude", "longitude")]
            out.extra.pop("located_by_town", None)
        out.latitude, out.longitude = other.latitude, other.longitude
        out.location_origin = other.location_origin
        out.location_status = other.location_status
        # A source's doubtful pair is moot once another source locates the place.
        out.extra.pop("doubtful_location", None)
        if "located_by_town" in other.extra:
            out.extra["located_by_town"] = copy.deepcopy(other.extra["located_by_town"])
        taken += ["latitude", "longitude"]
    for key, value in other.address.items():
        if key not in out.address:
            out.address[key] = value
            out.sources.extend(
                FieldSource(f"address.{key}", s.source, s.format)
                for s in _sources_for(other, "address")
            )
    known = {_equipment_sig(e): e for e in out.equipment}
    added_eq = False
    for eq in other.equipment:
        mine = known.get(_equipment_sig(eq))
        if mine is None:
            out.equipment.append(copy.deepcopy(eq))
            known[_equipment_sig(eq)] = out.equipment[-1]
            added_eq = True
        else:
            add_caps(mine.processes, copy.deepcopy(eq.processes))
            add_caps(mine.materials, copy.deepcopy(eq.materials))
    if added_eq:
        taken.append("equipment")
    for name in ("processes", "materials"):
        before = {c.id for c in getattr(out, name)}
        add_caps(getattr(out, name), copy.deepcopy(getattr(other, name)))
        if {c.id for c in getattr(out, name)} - before:
            taken.append(name)
    for name in ("pricing", "extra"):
        mine, theirs = getattr(out, name), getattr(other, name)
        new_keys = [k for k in theirs if k not in mine and k not in _MERGED_APART]
        for key in new_keys:
            mine[key] = copy.deepcopy(theirs[key])
        if new_keys and name == "pricing":
            taken.append(name)
    for name in taken:
        out.sources.extend(copy.deepcopy(_sources_for(other, name)))
    aka = out.extra.get("aka", [])
    for alias in [other.name, *other.extra.get("aka", [])]:
        if name_key(alias) != name_key(out.name) and alias not in aka:
            aka.append(alias)
    if aka:
        out.extra["aka"] = aka
    out.extra.setdefault("merged_keys", [])
    for key in [other.key, *other.extra.get("merged_keys", [])]:
        if key not in out.extra["merged_keys"]:
            out.extra["merged_keys"].append(key)
    out.problems = out.problems + [p for p in other.problems if p not in out.problems]
    return out


def _richness(f: Facility) -> int:
    filled = sum(
        getattr(f, x.name) not in (None, "", [], {})
        for x in fields(f)
        if x.name not in ("key", "sources", "problems", "extra")
    )
    return filled + 2 * len(f.equipment)


def first_source(f: Facility) -> str:
    """The file or URL a record was read from (its first FieldSource), or its key."""
    return f.sources[0].source if f.sources else f.key


def dedupe(
    facilities: list[Facility], merges: list[dict[str, str]] | None = None
) -> list[Facility]:
    """Merge the records that describe one place; the output keeps first-seen order.

    Candidates come from a grid of ~220 m cells (each record is compared with those in
    the neighbouring cells only) and from a same-name index (which also reaches records
    without coordinates); `same_facility` decides. Linked records form one group, merged
    into its richest record (most fields and equipment; ties to the earliest). Each
    link is appended to `merges` as {record, into, evidence} when a list is given.
    """
    parent = list(range(len(facilities)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def link(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri == rj:
            return
        evidence = merge_evidence(facilities[i], facilities[j])
        if evidence is not None:
            parent[max(ri, rj)] = min(ri, rj)
            if merges is not None:
                merges.append(
                    {
                        "record": facilities[i].key,
                        "into": facilities[j].key,
                        "evidence": evidence,
                        "record_source": first_source(facilities[i]),
                        "into_source": first_source(facilities[j]),
                    }
                )

    cell_deg = NEAR_M / 111_320 * 1.1
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(facilities):
        if name_key(f.name):
            for j in by_name[name_key(f.name)]:
                link(i, j)
            by_name[name_key(f.name)].append(i)
        if not _stated(f):
            continue
        cy, cx = math.floor(f.latitude / cell_deg), math.floor(f.longitude / cell_deg)
        # A degree of longitude shrinks with latitude: widen the search to keep 200 m.
        shrink = max(math.cos(math.radians(min(abs(f.latitude), 89.0))), 0.01)
        span = math.ceil(1 / shrink)
        for dy in (-1, 0, 1):
            for dx in range(-span, span + 1):
                for j in grid.get((cy + dy, cx + dx), ()):
                    link(i, j)
        grid[(cy, cx)].append(i)

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(facilities)):
        groups[find(i)].append(i)
    merged: list[tuple[int, Facility]] = []
    for members in groups.values():
        ordered = sorted(members, key=lambda i: (-_richness(facilities[i]), i))
        result = facilities[ordered[0]]
        for i in ordered[1:]:
            result = merge(result, facilities[i])
        if len(members) > 1:
            # Said on the record, not only in the run's summary: N records (distinct ids,
            # maybe distinct files) are now one place, and which ones.
            result.extra["merged_records"] = {
                "count": len(members),
                "keys": [facilities[i].key for i in sorted(members)],
                "sources": sorted({first_source(facilities[i]) for i in members}),
            }
        merged.append((min(members), result))
    return [f for _, f in sorted(merged, key=lambda t: t[0])]
