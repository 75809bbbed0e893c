"""What a facility offers, as a compact signature, and the plain per-requirement verdict.

An *offer* is one machine (or a facility-level process no machine carries) seen through
one process: its size envelope and the materials it is stated to work. A facility's
signature maps every process id to the offers that satisfy it:

* `strong[p]`: machines offering `p` or a narrower process (an `fdm` printer satisfies
  `3d-printing`), so the vocabulary tree is expanded once, not at every comparison;
* `weak[p]`: machines known only by a broader process (a "3D printer" for an `fdm`
  requirement): perhaps right, flagged as a weak match;
* `probable[p]`: the rule behind a *probable* process (`ingest/probable.py`, what a Fab
  Lab usually has) that nothing stated or inferred covers: a PROBABLE verdict, ranked
  after MET and never counted as met.

What is *inferred* stays apart from what is *stated*: an offer knows whether its process
was inferred (a catalogue model, prose), whether its size came from the catalogue, and
which of its materials are only inferred. A requirement met only through an inferred fact
is MET_INFERRED ("met (inferred)"): it counts as met but ranks after MET. A material the
machine does not list (or lists only by inference) but its process can work, by the
process–material table of the vocabulary, is also met (inferred). A material the process
cannot work at all is INCOMPATIBLE, whatever the machine's record says.

Sizes: a build volume is sorted largest first, so a part fits in some axis-aligned
orientation exactly when each of its sorted sides is within the matching side. A bed
(laser, router without a stated height) is 2D: its two sides bound the part's two largest
sides and the height is free (sheet thickness). A machine without a size fits anything,
with a note; so does a material list that is not stated.

`evaluate` is the reference verdict; `evaluate_facility` applies the same rules straight
on a `Facility`, the way a per-pair implementation would (benchmarks, tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from typing import Any

from refaire.match.requirements import Requirement
from refaire.model import Equipment, Facility
from refaire.vocab.capabilities import all_ids, is_known, process_ancestors
from refaire.vocab.compatibility import workable

# Verdict codes, higher is better; the vectorised index uses the same numbers. Anything
# at or above MET_INFERRED is met (`is_met`); MET alone rests only on stated facts.
MISSING, INCOMPATIBLE, NEAR_SIZE, NEAR_MATERIAL, NEAR_WEAK, PROBABLE, MET_INFERRED, MET = range(8)
STATUS = {
    MET: "met",
    MET_INFERRED: "met-inferred",
    INCOMPATIBLE: "missing",
    PROBABLE: "probable",
    NEAR_WEAK: "near",
    NEAR_MATERIAL: "near",
    NEAR_SIZE: "near",
    MISSING: "missing",
}
CONSTRAINT = {
    NEAR_WEAK: "weak-process",
    NEAR_MATERIAL: "material",
    NEAR_SIZE: "size",
    INCOMPATIBLE: "material-incompatible",
}


def is_met(code: Any) -> Any:
    """Met, stated or inferred (works on a code or an array of codes)."""
    return code >= MET_INFERRED


Envelope = tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Offer:
    """One machine through one process: the id it offers, its envelope, its materials."""

    process: str
    envelope: Envelope | None
    materials: frozenset[str] | None
    machine: int = -1  # index in facility.equipment; -1 for a facility-level process
    flat: bool = False
    inferred: bool = False  # the process itself is inferred, not stated by the source
    size_inferred: bool = False  # the envelope comes from the machine catalogue
    inferred_materials: frozenset[str] = frozenset()  # of `materials`, those only inferred

    @property
    def key(self) -> tuple[Any, ...]:
        mats = tuple(sorted(self.materials)) if self.materials is not None else None
        guessed = tuple(sorted(self.inferred_materials))
        return (
            self.process,
            self.envelope,
            mats,
            self.flat,
            self.inferred,
            self.size_inferred,
            guessed,
        )


@dataclass(frozen=True, slots=True)
class FacilityCaps:
    """A facility's capability signature (see the module docstring)."""

    strong: dict[str, tuple[Offer, ...]]
    weak: dict[str, tuple[Offer, ...]]
    probable: dict[str, str] = field(default_factory=dict)  # process id -> rule

    @property
    def key(self) -> tuple[Any, ...]:
        """Hashable, without machine order or labels: identical mixes share one key."""
        offers = {o.key for group in self.strong.values() for o in group}
        return (*sorted(offers, key=repr), *sorted(self.probable.items()))

    @property
    def unknown(self) -> bool:
        """Nothing known, not even probable: the place states no capability."""
        return not self.strong and not self.probable

    @property
    def processes(self) -> frozenset[str]:
        return frozenset(self.strong)


def envelope_of(e: Equipment) -> tuple[Envelope | None, bool]:
    """(envelope, is a flat bed) of a machine; None when no size is stated."""
    if e.build_volume_mm and all(v and v > 0 for v in e.build_volume_mm):
        return tuple(sorted((float(v) for v in e.build_volume_mm), reverse=True)), False  # type: ignore[return-value]
    if e.bed_size_mm and all(v and v > 0 for v in e.bed_size_mm):
        a, b = sorted((float(v) for v in e.bed_size_mm), reverse=True)
        return (a, b, math.inf), True
    return None, False


@cache
def up(process: str) -> tuple[str, ...]:
    """A process and its ancestors, nearest first (cached: the tree is fixed)."""
    return (process, *process_ancestors(process))


@cache
def known_process(id: str) -> bool:
    return is_known(id, "process")


@dataclass(frozen=True, slots=True)
class _Tree:
    """Descendants of each process, computed once from the vocabulary."""

    descendants: dict[str, frozenset[str]]


_TREE: _Tree | None = None


def _tree() -> _Tree:
    global _TREE
    if _TREE is None:
        below: dict[str, set[str]] = {p: set() for p in all_ids("process")}
        for p in below:
            for a in process_ancestors(p):
                below[a].add(p)
        _TREE = _Tree({p: frozenset(v) for p, v in below.items()})
    return _TREE


def _materials(caps: list[Any]) -> tuple[frozenset[str] | None, frozenset[str]]:
    """(every material, those only inferred) of a capability list; None when it has none."""
    every = frozenset(c.id for c in caps if c.origin != "probable")
    stated = frozenset(c.id for c in caps if c.origin == "stated")
    return (every or None), every - stated


def machine_offer(e: Equipment, c: Any, i: int) -> Offer:
    """The offer of machine `e` (number `i`) through its process capability `c`."""
    env, flat = envelope_of(e)
    mats, guessed = _materials(e.materials)
    return Offer(
        c.id,
        env,
        mats,
        i,
        flat,
        inferred=c.origin != "stated",
        size_inferred=env is not None and e.size_origin != "stated",
        inferred_materials=guessed,
    )


def caps_of(f: Facility) -> FacilityCaps:
    """The capability signature of a facility."""
    offers: list[Offer] = []
    probable: list[Any] = []
    for i, e in enumerate(f.equipment):
        for c in e.processes:
            if c.origin == "probable":
                probable.append(c)
            elif known_process(c.id):
                offers.append(machine_offer(e, c, i))
    covered = {a for o in offers for a in up(o.process)}
    fac_mats, fac_guessed = _materials(f.materials)
    for c in f.processes:
        if c.origin == "probable":
            probable.append(c)
        # A facility-level process no machine accounts for: met, size not stated.
        elif c.id not in covered and known_process(c.id):
            offers.append(
                Offer(
                    c.id,
                    None,
                    fac_mats,
                    -1,
                    False,
                    inferred=c.origin != "stated",
                    inferred_materials=fac_guessed,
                )
            )
            covered.update(up(c.id))
    likely: dict[str, str] = {}
    for c in probable:
        # Only what nothing stated or inferred covers: a stated laser is not "probable".
        if c.id not in covered and known_process(c.id):
            for p in up(c.id):
                likely.setdefault(p, c.rule or "probable")
    strong: dict[str, list[Offer]] = {}
    weak: dict[str, list[Offer]] = {}
    tree = _tree()
    for o in offers:
        for p in up(o.process):
            strong.setdefault(p, []).append(o)
        for d in tree.descendants.get(o.process, ()):
            weak.setdefault(d, []).append(o)
    return FacilityCaps(
        {k: tuple(v) for k, v in strong.items()},
        {k: tuple(v) for k, v in weak.items()},
        {p: r for p, r in likely.items() if p not in covered},
    )


def machine_map(f: Facility) -> dict[tuple[Any, ...], int]:
    """Offer key -> the first machine of `f` making that offer.

    Facilities sharing a signature share one `FacilityCaps`, whose machine numbers are
    those of the first of them; this finds the same machine in another member.
    """
    out: dict[tuple[Any, ...], int] = {}
    for i, e in enumerate(f.equipment):
        for c in e.processes:
            out.setdefault(machine_offer(e, c, i).key, i)
    return out


def fits(size: Envelope | None, envelope: Envelope | None) -> bool:
    if size is None or envelope is None:
        return True
    return size[0] <= envelope[0] and size[1] <= envelope[1] and size[2] <= envelope[2]


def material_ok(wanted: tuple[str, ...], offered: frozenset[str] | None) -> bool:
    return not wanted or offered is None or any(m in offered for m in wanted)


def offer_code(req: Requirement, o: Offer) -> int:
    """The verdict code of one offer that does the process (or a narrower one).

    INCOMPATIBLE when the offer's process can work none of the wanted materials; MET when
    the process, the size checked and the material are all stated; MET_INFERRED when one
    of them rests on an inference (catalogue, prose, the process–material table).
    """
    size_ok = fits(req.size, o.envelope)
    mat_ok = mat_stated = True
    if req.materials:
        usable = workable(o.process, req.materials)
        if not usable:
            return INCOMPATIBLE
        if o.materials is None:
            mat_stated = False  # only the process–material table says it can
        else:
            hits = [m for m in usable if m in o.materials]
            mat_ok = bool(hits)
            mat_stated = any(m not in o.inferred_materials for m in hits)
    if not size_ok:
        return NEAR_SIZE
    if not mat_ok:
        return NEAR_MATERIAL
    size_guessed = req.size is not None and o.size_inferred
    return MET if mat_stated and not o.inferred and not size_guessed else MET_INFERRED


def weak_ok(req: Requirement, o: Offer) -> bool:
    """Whether an offer of a broader process would do, size and material allowing."""
    return offer_code(req, o) >= MET_INFERRED


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one facility answers one requirement, and with which offer."""

    code: int
    offer: Offer | None = None
    process: str | None = None  # the alternative that gave the verdict
    largest: Envelope | None = None  # for a size miss: the largest machine of the process
    offered_materials: frozenset[str] | None = None  # for a material miss
    rule: str | None = None  # for a probable verdict: the rule that makes it probable

    @property
    def met(self) -> bool:
        return self.code >= MET_INFERRED

    @property
    def status(self) -> str:
        return STATUS[self.code]

    @property
    def constraint(self) -> str | None:
        return CONSTRAINT.get(self.code)

    def with_machine(self, machine: int) -> Verdict:
        """The same verdict through another machine of the same offer (positional
        construction: `dataclasses.replace` was a tenth of explaining a match)."""
        o = self.offer
        assert o is not None
        offer = Offer(
            o.process,
            o.envelope,
            o.materials,
            machine,
            o.flat,
            o.inferred,
            o.size_inferred,
            o.inferred_materials,
        )
        return Verdict(
            self.code, offer, self.process, self.largest, self.offered_materials, self.rule
        )

    def notes(self, req: Requirement) -> list[str]:
        """What a met verdict rests on without knowing: size or material not stated."""
        out = []
        if self.offer is not None and self.code in (MET, MET_INFERRED, NEAR_WEAK):
            o = self.offer
            if req.size is not None and o.envelope is None:
                out.append("size-not-stated")
            if req.materials and o.materials is None:
                out.append("material-not-stated")
            if self.code == MET_INFERRED:
                if o.inferred:
                    out.append("process-inferred")
                if req.size is not None and o.size_inferred:
                    out.append("size-inferred")
                if req.materials and o.materials is not None:
                    hits = [m for m in req.materials if m in o.materials]
                    if hits and all(m in o.inferred_materials for m in hits):
                        out.append("material-inferred")
        return out


def _offer_rank(req: Requirement, o: Offer) -> int:
    """Among offers that do it, prefer those that state what was checked."""
    return (req.size is not None and o.envelope is None) + (
        bool(req.materials) and o.materials is None
    )


def evaluate(req: Requirement, caps: FacilityCaps) -> Verdict:
    """The verdict of a facility signature on a requirement (reference implementation)."""
    best = Verdict(MISSING, process=req.processes[0])
    met: list[tuple[int, int, Offer, str]] = []
    for p in req.processes:
        strong = caps.strong.get(p, ())
        for o in strong:
            code = offer_code(req, o)
            if code >= MET_INFERRED:
                # stated before inferred, then the offer stating most of what was checked
                met.append((MET - code, _offer_rank(req, o), o, p))
            elif code > best.code:
                if code == NEAR_MATERIAL:
                    mats = frozenset().union(*(x.materials or () for x in strong))
                    best = Verdict(NEAR_MATERIAL, o, p, offered_materials=mats)
                elif code == NEAR_SIZE:
                    best = Verdict(NEAR_SIZE, o, p, largest=_largest(strong))
                else:
                    best = Verdict(code, o, p)
        if not met and best.code < NEAR_WEAK:
            for o in caps.weak.get(p, ()):
                if weak_ok(req, o):
                    best = Verdict(NEAR_WEAK, o, p)
                    break
    if met:
        gap, _, o, p = min(met, key=lambda t: (t[0], t[1]))
        return Verdict(MET - gap, o, p)
    if best.code < PROBABLE:
        for p in req.processes:
            if p in caps.probable:
                return Verdict(PROBABLE, process=p, rule=caps.probable[p])
    return best


def _largest(offers: tuple[Offer, ...]) -> Envelope | None:
    sized = [o.envelope for o in offers if o.envelope is not None]
    return max(sized, key=lambda e: (e[0] * e[1], e[2])) if sized else None


def evaluate_facility(req: Requirement, f: Facility) -> int:
    """The verdict code of `req` at `f`, walking the facility's machines directly.

    The straightforward per-pair implementation: no signature, no precomputation.
    Agrees with `evaluate(req, caps_of(f)).code` (tests check it).
    """
    best = MISSING
    listed: set[str] = set()
    for i, e in enumerate(f.equipment):
        for c in e.processes:
            if c.origin == "probable" or not is_known(c.id, "process"):
                continue
            listed.update((c.id, *process_ancestors(c.id)))
            best = max(best, _code(req, machine_offer(e, c, i)))
    fac_mats, fac_guessed = _materials(f.materials)
    for c in f.processes:
        if c.origin != "probable" and c.id not in listed and is_known(c.id, "process"):
            listed.update((c.id, *process_ancestors(c.id)))
            offer = Offer(
                c.id, None, fac_mats, inferred=c.origin != "stated", inferred_materials=fac_guessed
            )
            best = max(best, _code(req, offer))
    if best < PROBABLE:
        for c in chain(f.processes, (c for e in f.equipment for c in e.processes)):
            if c.origin == "probable" and c.id not in listed and known_process(c.id):
                offered = up(c.id)
                if any(p in offered and p not in listed for p in req.processes):
                    return PROBABLE
    return best


def _code(req: Requirement, o: Offer) -> int:
    best = MISSING
    code = offer_code(req, o)
    for p in req.processes:
        if p == o.process or p in process_ancestors(o.process):
            best = max(best, code)
        elif o.process in process_ancestors(p) and code >= MET_INFERRED:
            best = max(best, NEAR_WEAK)
    return best
