"""Human sentences for every verdict, in English and French.

The engine decides with codes; this module only words them, naming the machine, the
sizes and the materials that made the difference, so a reader can check the reasoning.
"""

from __future__ import annotations

from functools import lru_cache

from refaire.match.capabilities import (
    INCOMPATIBLE,
    MET,
    MET_INFERRED,
    NEAR_MATERIAL,
    NEAR_SIZE,
    NEAR_WEAK,
    PROBABLE,
    Envelope,
    Verdict,
)
from refaire.match.requirements import Requirement
from refaire.model import Facility
from refaire.text import decimal
from refaire.vocab.capabilities import is_known, label
from refaire.vocab.compatibility import compatible_materials

LANGS = ("en", "fr")

_T: dict[str, dict[str, str]] = {
    "en": {
        "met": "Met: {process} on {machine}{fit}{material}.",
        "met_inferred": "Met (inferred): {process} on {machine}{fit}{material}; {why}.",
        "why_process": "the source does not state this process: it is inferred from the "
        "machine's name or description",
        "why_size": "the size is the machine catalogue's, not stated",
        "why_material": "{material} is inferred (machine catalogue), not stated for it",
        "why_table": "no material is stated; {process} can work {material} "
        "(process–material table)",
        "incompatible": "Cannot: {machine} does {process}, which cannot work {wanted} "
        "(process–material table; it works {works}).",
        "fit": " — {part} fits in {envelope}",
        "size_unknown": " — machine size not stated",
        "mat_ok": ", {material} stated for this machine",
        "mat_inferred": ", {material} inferred for this machine",
        "mat_unknown": ", material not stated",
        "parts_all": "all {total} parts",
        "parts_some": "complete for {n} of {total} parts",
        "parts_design": "the design's own requirements are met, but ",
        "parts_unknown": "; requirements unknown for: {names}",
        "unknown_part": "{part}: what making it needs is not known (no process, file or "
        "material stated), so no facility can be said to make it.",
        "weak": "Weak match: needs {process}; {machine} is only described as {offered}, "
        "which may not be {process}.",
        "material": "Near: {machine} does {process} but is not stated to work {wanted}"
        " (stated: {offered}).",
        "size": "Near: the part ({part}) is larger than every {process} machine here"
        " (largest {envelope}).",
        "missing": "Missing: no {process} here.",
        "probable": "Probably: {process}, {why}; not stated by this place: ask them to confirm.",
        "rule:fab-charter-inventory": "part of the shared Fab Lab inventory (Fab Charter)",
        "rule:other": "by the rule {rule}",
        "unit_probable": "; probably at {facility} ({distance} km) — {reason}",
        "or": " or ",
        "bed": "{a} × {b} mm bed",
        "box": "{a} × {b} × {c} mm",
        "facility_level": "the facility (no machine listed)",
        "machine": "a machine",
        "none": "none",
        "unit_missing": "{part}: no facility within {radius} km can make it{hint}.",
        "unit_hint": "; nearest near miss: {facility} ({distance} km) — {reason}",
        "unit_nobody": "; nobody within {radius} km offers {process}",
        "assigned": "{part} at {facility}: {reason}",
    },
    "fr": {
        "met": "Possible : « {process} » sur {machine}{fit}{material}.",
        "met_inferred": "Possible (déduit) : « {process} » sur {machine}{fit}{material} ; {why}.",
        "why_process": "la source n'indique pas ce procédé : il est déduit du nom ou de la "
        "description de la machine",
        "why_size": "la taille vient du catalogue de machines, elle n'est pas indiquée",
        "why_material": "{material} est déduit (catalogue de machines), non indiqué pour elle",
        "why_table": "aucune matière n'est indiquée ; « {process} » peut travailler {material} "
        "(table procédés–matières)",
        "incompatible": "Impossible : {machine} fait « {process} », qui ne peut pas travailler "
        "{wanted} (table procédés–matières ; il travaille {works}).",
        "fit": " — {part} tient dans {envelope}",
        "size_unknown": " — taille de la machine non indiquée",
        "mat_ok": ", {material} indiqué pour cette machine",
        "mat_inferred": ", {material} déduit pour cette machine",
        "mat_unknown": ", matière non indiquée",
        "parts_all": "les {total} pièces",
        "parts_some": "complet pour {n} des {total} pièces",
        "parts_design": "les besoins du modèle lui-même sont couverts, mais ",
        "parts_unknown": " ; besoins inconnus pour : {names}",
        "unknown_part": "{part} : on ne sait pas ce qu'il faut pour la fabriquer (aucun "
        "procédé, fichier ni matière indiqué) ; aucun lieu ne peut être dit capable de la faire.",
        "weak": "Correspondance faible : il faut « {process} » ; {machine} est seulement "
        "décrit comme « {offered} », ce qui n'est peut-être pas « {process} ».",
        "material": "Presque : {machine} fait « {process} » mais ne travaille pas {wanted}"
        " d'après la fiche (indiqué : {offered}).",
        "size": "Presque : la pièce ({part}) dépasse toutes les machines « {process} » ici"
        " (la plus grande : {envelope}).",
        "missing": "Manque : personne ne fait « {process} » ici.",
        "probable": "Probablement : « {process} », {why} ; non indiqué par ce lieu : "
        "demandez-leur confirmation.",
        "rule:fab-charter-inventory": "inventaire commun des Fab Labs (Fab Charter)",
        "rule:other": "selon la règle {rule}",
        "unit_probable": " ; probablement chez {facility} ({distance} km) — {reason}",
        "or": " ou ",
        "bed": "plateau de {a} × {b} mm",
        "box": "{a} × {b} × {c} mm",
        "facility_level": "le lieu (aucune machine listée)",
        "machine": "une machine",
        "none": "aucune",
        "unit_missing": "{part} : aucun lieu à moins de {radius} km ne peut la faire{hint}.",
        "unit_hint": " ; le plus proche qui y est presque : {facility} ({distance} km) — {reason}",
        "unit_nobody": " ; personne à moins de {radius} km ne fait « {process} »",
        "assigned": "{part} chez {facility} : {reason}",
    },
}


def _lang(lang: str | None) -> str:
    code = (lang or "en")[:2].lower()
    return code if code in LANGS else "en"


def _t(lang: str, key: str, **kw: object) -> str:
    return _T[_lang(lang)][key].format(**kw)


def _num(v: float, lang: str) -> str:
    return decimal(v, "g", _lang(lang))


@lru_cache(maxsize=4096)
def envelope_text(env: Envelope | tuple[float, ...] | None, lang: str) -> str:
    if env is None:
        return "?"
    if len(env) == 3 and env[2] == float("inf"):
        return _t(lang, "bed", a=_num(env[0], lang), b=_num(env[1], lang))
    a, b, c = (_num(x, lang) for x in env)
    return _t(lang, "box", a=a, b=b, c=c)


@lru_cache(maxsize=4096)
def term(id: str, lang: str) -> str:
    """A vocabulary id in words; unknown ids as they are."""
    return label(id, _lang(lang)) if is_known(id) else id


def processes_text(ids: tuple[str, ...] | list[str], lang: str) -> str:
    return _t(lang, "or").join(term(i, lang) for i in ids)


def rule_text(rule: str | None, lang: str) -> str:
    """Why a capability is probable, in words: "part of the shared Fab Lab inventory"."""
    lang = _lang(lang)
    key = f"rule:{rule}"
    return _t(lang, key) if key in _T[lang] else _t(lang, "rule:other", rule=rule or "?")


def machine_text(f: Facility | None, machine: int, lang: str) -> str:
    if machine < 0 or f is None or machine >= len(f.equipment):
        return _t(lang, "facility_level")
    e = f.equipment[machine]
    name = " ".join(x for x in (e.make, e.model) if x)
    return name or e.equipment_type or e.text or _t(lang, "machine")


def verdict_text(req: Requirement, v: Verdict, f: Facility | None, lang: str = "en") -> str:
    """One sentence: why this facility does, nearly does, or does not meet this requirement."""
    lang = _lang(lang)
    process = term(v.process, lang) if v.process else processes_text(req.processes, lang)
    part = envelope_text(req.size, lang) if req.size else ""
    if v.code in (MET, MET_INFERRED) and v.offer is not None:
        return _met_text(req, v, f, lang, process, part)
    if v.code == INCOMPATIBLE and v.offer is not None:
        works = compatible_materials(v.offer.process) or frozenset()
        return _t(
            lang,
            "incompatible",
            machine=machine_text(f, v.offer.machine, lang),
            process=term(v.offer.process, lang),
            wanted=_t(lang, "or").join(term(m, lang) for m in req.materials),
            works=", ".join(sorted(term(m, lang) for m in works)) or _t(lang, "none"),
        )
    if v.code == PROBABLE:
        return _t(lang, "probable", process=process, why=rule_text(v.rule, lang))
    if v.code == NEAR_WEAK and v.offer is not None:
        return _t(
            lang,
            "weak",
            process=process,
            machine=machine_text(f, v.offer.machine, lang),
            offered=term(v.offer.process, lang),
        )
    if v.code == NEAR_MATERIAL and v.offer is not None:
        offered = ", ".join(sorted(term(m, lang) for m in v.offered_materials or ()))
        return _t(
            lang,
            "material",
            machine=machine_text(f, v.offer.machine, lang),
            process=process,
            wanted=_t(lang, "or").join(term(m, lang) for m in req.materials),
            offered=offered or _t(lang, "none"),
        )
    if v.code == NEAR_SIZE:
        return _t(lang, "size", part=part, process=process, envelope=envelope_text(v.largest, lang))
    return _t(lang, "missing", process=processes_text(req.processes, lang))


def _met_text(
    req: Requirement, v: Verdict, f: Facility | None, lang: str, process: str, part: str
) -> str:
    """Met, or met (inferred) with every inference named: process, size, material."""
    o = v.offer
    assert o is not None
    fit = ""
    if req.size is not None:
        if o.envelope is None:
            fit = _t(lang, "size_unknown")
        else:
            fit = _t(lang, "fit", part=part, envelope=envelope_text(o.envelope, lang))
    material = ""
    why: list[str] = []
    if v.code == MET_INFERRED and o.inferred:
        why.append(_t(lang, "why_process"))
    if v.code == MET_INFERRED and req.size is not None and o.size_inferred:
        why.append(_t(lang, "why_size"))
    if req.materials:
        from refaire.vocab.compatibility import workable

        usable = workable(o.process, req.materials)
        if o.materials is None:
            material = _t(lang, "mat_unknown")
            why.append(_t(lang, "why_table", process=term(o.process, lang),
                          material=term(usable[0], lang)))  # fmt: skip
        else:
            hits = [m for m in usable if m in o.materials]
            stated = [m for m in hits if m not in o.inferred_materials]
            hit = (stated or hits)[0]
            if stated:
                material = _t(lang, "mat_ok", material=term(hit, lang))
            else:
                material = _t(lang, "mat_inferred", material=term(hit, lang))
                why.append(_t(lang, "why_material", material=term(hit, lang)))
    machine = machine_text(f, o.machine, lang)
    if v.code == MET:
        return _t(lang, "met", process=process, machine=machine, fit=fit, material=material)
    return _t(
        lang,
        "met_inferred",
        process=process,
        machine=machine,
        fit=fit,
        material=material,
        why="; ".join(why) if why else "?",
    )


def parts_text(
    n: int, total: int, unknown: list[str], lang: str, design_level: bool = False
) -> str:
    """'complete for N of M parts; requirements unknown for: A, B' (or 'all M parts');
    `design_level`: the design's own requirements are met, its parts' are unknown."""
    lang = _lang(lang)
    if n >= total and not unknown:
        return _t(lang, "parts_all", total=total)
    text = _t(lang, "parts_design") if design_level else ""
    text += _t(lang, "parts_some", n=n, total=total)
    if unknown:
        text += _t(lang, "parts_unknown", names=", ".join(unknown))
    return text


def unknown_part_text(part: str, lang: str) -> str:
    """Why a part whose requirements are unknown is in no plan."""
    return _t(_lang(lang), "unknown_part", part=part)


def unit_missing_text(
    part: str,
    radius_km: float,
    lang: str,
    near: tuple[str, float, str] | None = None,
    processes: tuple[str, ...] = (),
    probable: bool = False,
) -> str:
    """Why no facility in the radius makes a part: the nearest near miss (or place that
    probably can), or nobody offers it."""
    radius = _num(round(radius_km, 1), lang)
    if near is not None:
        facility, distance, reason = near
        hint = _t(
            lang,
            "unit_probable" if probable else "unit_hint",
            facility=facility,
            distance=_num(round(distance, 1), lang),
            reason=reason,
        )
    elif processes:
        hint = _t(lang, "unit_nobody", radius=radius, process=processes_text(processes, lang))
    else:
        hint = ""
    return _t(lang, "unit_missing", part=part, radius=radius, hint=hint)


def assigned_text(part: str, facility: str, reasons: list[str], lang: str) -> str:
    return _t(lang, "assigned", part=part, facility=facility, reason=" ".join(reasons))
