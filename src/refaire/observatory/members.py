"""The per-sector index from the derived tables: gathers the memberships, caches the result.

One query per kind of per-design value (sector tags, observations, actors, lineage links),
the population-weighted reach of each design (`refaire.observatory.local`), then
`refaire.observatory.index.compute`. The result (bootstrap included) is cached until the
designs or facilities change, or another filter is asked.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from sqlalchemy import select

from refaire.observatory.grouped import expand, grouped, id_list, parse_ids
from refaire.observatory.index import COMPONENTS, RECENT_YEARS, Members, compute
from refaire.observatory.local import LocalResult
from refaire.store.tables import design_links, design_observation_tags, design_observations

o = design_observations
t = design_observation_tags
FIRST_KNOWN = ("created", "certified")

# Inferred sectors below this confidence are not counted: chosen on the tuning half of the
# labelled designs (`sector_accuracy.half`), where 0.5 gives the best balance of precision
# and recall (F1) once runner-up sections are discounted (`vocab.sectors.settle`).
MIN_SECTOR_CONFIDENCE = 0.5


def in_sector(value: Any = None) -> Any:
    """Condition on the tags table: a sector membership, declared or inferred with enough
    confidence (`MIN_SECTOR_CONFIDENCE`); of one sector when `value` is given."""
    cond = (t.c.kind == "sector") & (
        t.c.confidence.is_(None) | (t.c.confidence >= MIN_SECTOR_CONFIDENCE)
    )
    return cond if value is None else cond & (t.c.value == value)


_lock = threading.Lock()
_cache: dict[tuple[Any, ...], dict[str, Any]] = {}


def gather(conn: Any, flt_o: list[Any], local: LocalResult) -> tuple[Members, dict[str, Any]]:
    """The membership rows, and per-sector counts shown beside the index (vectorised: at
    100,000 designs a loop over memberships would cost more than the bootstrap)."""
    in_filter = [t.c.design_id.in_(select(o.c.design_id).where(*flt_o))] if flt_o else []
    # one grouped query per kind of value (see `grouped`): rows per distinct value, not
    # per membership, so that reading 375,000 memberships costs a fraction of a second
    sector_keys, sector_ids = grouped(conn, t.c.design_id, [t.c.value], [in_sector(), *in_filter])
    by_name = sorted(range(len(sector_keys)), key=lambda i: str(sector_keys[i][0]))
    names = [str(sector_keys[i][0]) for i in by_name]
    pd, sector = expand([sector_ids[i] for i in by_name])
    obs_keys, obs_ids = grouped(
        conn, o.c.design_id, [o.c.otrl, o.c.completeness, o.c.year, o.c.date_kind], flt_o
    )
    od, obs_group = expand(obs_ids)
    _actor_keys, actor_ids = grouped(
        conn, t.c.design_id, [t.c.value], [t.c.kind == "actor", *in_filter]
    )
    link_flt = [design_links.c.design_id.in_(select(o.c.design_id).where(*flt_o))] if flt_o else []
    linked_ids = parse_ids(
        conn.execute(select(id_list(design_links.c.design_id)).where(*link_flt)).scalar()
    )
    size = int(max(pd.max(initial=0), od.max(initial=0), linked_ids.max(initial=0),
                   max(local.stated, default=0))) + 1  # fmt: skip

    def per_obs(values: list[Any], dtype: Any) -> np.ndarray:
        return np.asarray(values, dtype=dtype)[obs_group]

    otrl = np.zeros(size)
    comp = np.zeros(size)
    year = np.full(size, -1, dtype=np.int64)
    first = np.zeros(size, dtype=bool)
    update_only = np.zeros(size, dtype=bool)
    otrl[od] = per_obs([k[0] or 0 for k in obs_keys], float)
    comp[od] = per_obs([k[1] or 0.0 for k in obs_keys], float)
    year[od] = per_obs([-1 if k[2] is None else k[2] for k in obs_keys], np.int64)
    kinds = per_obs([k[3] or "" for k in obs_keys], object)
    first[od] = np.isin(kinds, FIRST_KNOWN) & (year[od] >= 0)
    update_only[od] = kinds == "updated"
    last = int(year[first].max()) if first.any() else None
    reach = np.full(size, np.nan)
    probable = np.full(size, np.nan)
    if local.stated:
        ids = np.fromiter(local.stated.keys(), dtype=np.int64, count=len(local.stated))
        keep = ids < size
        reach[ids[keep]] = np.fromiter(local.stated.values(), dtype=float)[keep]
        probable[ids[keep]] = np.fromiter(local.probable.values(), dtype=float)[keep]
    linked = np.zeros(size, dtype=bool)
    linked[linked_ids] = True

    # community: Σ over the design's actors of 1 / (designs of that actor in the sector),
    # whose sum over a sector is its number of distinct actors
    k = len(COMPONENTS)
    n_sec = len(names)
    actor_share = np.zeros(len(pd))
    distinct_actors = np.zeros(n_sec, dtype=np.int64)
    if actor_ids and len(pd):
        actor_design, acode = expand(actor_ids)
        n_actor = len(actor_ids)
        ad = np.unique(actor_design * n_actor + acode)
        a_design, a_code = ad // n_actor, ad % n_actor
        order = np.argsort(pd, kind="stable")
        lo = np.searchsorted(pd[order], a_design, side="left")
        hi = np.searchsorted(pd[order], a_design, side="right")
        reps = hi - lo
        pair_idx = order[_expand(lo, reps)]
        codes = np.repeat(a_code, reps)
        key = sector[pair_idx] * n_actor + codes
        uniq, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
        actor_share = np.bincount(pair_idx, weights=1.0 / cnt[inv.reshape(-1)], minlength=len(pd))
        distinct_actors = np.bincount(uniq // n_actor, minlength=n_sec)
        with_actor = np.zeros(size, dtype=bool)
        with_actor[a_design] = True
    else:
        with_actor = np.zeros(size, dtype=bool)

    values = np.zeros((len(pd), k))
    masks = np.ones((len(pd), k), dtype=bool)
    values[:, 0] = np.nan_to_num(reach[pd])
    masks[:, 0] = ~np.isnan(reach[pd])
    dated = first[pd] & (last is not None)
    recent = year[pd] > (last - RECENT_YEARS if last is not None else 0)
    values[:, 1] = (dated & recent).astype(float)
    masks[:, 1] = dated
    values[:, 2] = 0.5 * actor_share + 0.5 * linked[pd]
    values[:, 3] = (otrl[pd] >= 4).astype(float)
    values[:, 4] = comp[pd]

    def per_sector(weights: np.ndarray) -> np.ndarray:
        return np.bincount(sector, weights=weights.astype(float), minlength=n_sec)

    judged = per_sector(masks[:, 0])
    prob_sum = per_sector(np.nan_to_num(probable[pd]))
    counts = {
        "first_known": per_sector(dated),
        "recent": per_sector(dated & recent),
        "update_only": per_sector(update_only[pd]),
        "with_actor": per_sector(with_actor[pd]),
        "linked": per_sector(linked[pd]),
    }
    extra: dict[str, dict[str, Any]] = {}
    for i, s in enumerate(names):
        e: dict[str, Any] = {key: int(v[i]) for key, v in counts.items()}
        e["distinct_actors"] = int(distinct_actors[i])
        e["judged_for_making"] = int(judged[i])
        e["local_making_probable"] = round(float(prob_sum[i] / judged[i]), 4) if judged[i] else None
        extra[s] = e
    window = [last - RECENT_YEARS + 1, last] if last is not None else None
    return Members(sector, names, values, masks), {"per_sector": extra, "recent_years": window}


def _expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ranges starts[i] .. starts[i] + lengths[i] - 1, without a Python loop."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(lengths.cumsum() - lengths, lengths)
    return np.repeat(starts, lengths) + np.arange(total) - offsets


def sector_index_table(
    store: Any, conn: Any, flt_o: list[Any], filters: tuple[Any, ...], local: LocalResult
) -> dict[str, Any]:
    """{sector id: row of index figures}, plus the method figures; cached per data version."""
    from refaire.observatory.coverage import _version

    key = (*_version(store), filters, local.available, local.radius_km)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return {**hit, "cached": True}
    members, extra = gather(conn, flt_o, local)
    enabled = (local.available, *(True,) * (len(COMPONENTS) - 1))
    result = compute(members, enabled)
    rows: dict[str, dict[str, Any]] = {}
    for s, name in enumerate(members.names):
        raw = result["raw"][s]
        ranks = result["ranks"][s]
        e = extra["per_sector"][name]
        n = int(result["designs"][s])
        idx = result["index"][s]
        lo, hi = result["interval"][s]
        not_computed = {}
        if not local.available:
            not_computed["local_making"] = local.reason
        elif np.isnan(raw[0]):
            not_computed["local_making"] = (
                "no design of this sector states requirements the engine reads"
            )
        if np.isnan(raw[1]):
            not_computed["momentum"] = "no design of this sector has a first-known date"
        rows[name] = {
            "index": None if np.isnan(idx) else round(float(idx), 1),
            "interval": None if np.isnan(lo) else [round(float(lo), 1), round(float(hi), 1)],
            "rank": int(result["rank"][s]) or None,
            "too_few": bool(result["too_few"][s]),
            "components": {
                c: None if np.isnan(ranks[j]) else round(float(ranks[j]), 3)
                for j, c in enumerate(COMPONENTS)
            },
            "raw": {
                **{
                    c: None if np.isnan(raw[j]) else round(float(raw[j]), 4)
                    for j, c in enumerate(COMPONENTS)
                },  # fmt: skip
                "local_making_probable": e["local_making_probable"],
                "actors_per_design": round(e["distinct_actors"] / n, 4) if n else None,
                "linked_share": round(e["linked"] / n, 4) if n else None,
                "multi_contributor_share": None,
            },
            "components_used": [c for j, c in enumerate(COMPONENTS) if not np.isnan(ranks[j])],
            "not_computed": not_computed,
            "judged_for_making": e["judged_for_making"],
            "dated": {
                "first_known": e["first_known"],
                "recent": e["recent"],
                "update_only": e["update_only"],
            },
        }
    out = {
        "rows": rows,
        "leave_one_out": result["leave_one_out"],
        "recent_years": extra["recent_years"],
        "computed_in_s": result["computed_in_s"],
        "resamples": result["resamples"],
    }
    with _lock:
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = out
    return {**out, "cached": False}
