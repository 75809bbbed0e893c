"""Probable capabilities: what a kind of place is publicly known to have, not what it says.

fablabs.io lists labs that subscribe to the Fab Charter, whose shared inventory is public
(fabfoundation.org, "Fab Lab inventory"): a laser cutter, a vinyl cutter, a large CNC
router, a precision mill (PCB), electronics benches and 3D printers. The list gives
places, not machines, so without this rule a match near Lyon answers "nobody". A lab
from that list therefore gets those processes as *probable*: origin "probable", rule
`fab-charter-inventory`, a confidence below every inferred capability's — never as
stated, never counted as met, and only where its records state nothing of that process.
A manager of the lab confirms one (it becomes stated) or removes it.

Stored in the record like any capability (`Facility.processes`), with a FieldSource
naming the rule as the source of the field, so provenance says where it came from.
"""

from __future__ import annotations

from refaire.model import Facility
from refaire.model.facility import Capability, FieldSource

RULE = "fab-charter-inventory"
# Below the resolver's inferred capabilities: a lab's own listing, even a loose one, is
# stronger evidence than what labs of its kind usually have.
CONFIDENCE = 0.5
SOURCE = "Fab Charter shared inventory (fabfoundation.org)"
FORMAT = f"rule:{RULE}"
# Vocabulary ids of the inventory: the large CNC is a router (its ancestor cnc-milling
# follows); precision milling is the PCB mill; the printers are filament (FDM) printers.
FAB_INVENTORY = ("laser-cutting", "vinyl-cutting", "cnc-routing", "pcb-milling", "soldering", "fdm")


def is_probable(c: Capability) -> bool:
    return c.origin == "probable"


def add_fab_inventory(f: Facility) -> Facility:
    """Add the Fab Charter inventory as probable processes the lab does not state."""
    from refaire.vocab.capabilities import process_ancestors

    covered: set[str] = set()
    for c in [*f.processes, *(c for e in f.equipment for c in e.processes)]:
        if not is_probable(c):
            covered.update((c.id, *process_ancestors(c.id)))
    have = {c.id for c in f.processes}
    added = False
    for p in FAB_INVENTORY:
        if p not in covered and p not in have:
            f.processes.append(Capability(p, "probable", RULE, CONFIDENCE))
            added = True
    if added and not any(s.format == FORMAT for s in f.sources):
        f.sources.append(FieldSource("processes", SOURCE, FORMAT))
    return f
