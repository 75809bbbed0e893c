"""What a quote says in words, in English and French: assumptions, how each line was
computed, whether the part fits a facility's machines.

The quote is computed once with `Wording` values (a key and its figures); the words are
chosen when it is shown, in the reader's language, like the matching engine's
explanations (`refaire.match.explain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from refaire.text import decimal

LANGS = ("en", "fr")

_T: dict[str, dict[str, str]] = {
    "en": {
        "fdm.shell": "FDM shell {wall:g} mm (area × thickness) and {infill:.0%} infill",
        "fdm.rate": "average deposition {rate:g} mm³/s, warm-up {warmup:g} h per order",
        "sla.solid": "SLA printed solid, supports add {supports:.0%} resin",
        "sla.layers": "printed as oriented in the file: {height:.4g} mm high + {support:g} mm of"
        " supports, {layer:g} mm layers at {seconds:g} s each, one part per plate",
        "laser.cut": "cutting {material} {thickness:g} mm at {speed:.3g} mm/s (+{travel:.0%}"
        " travel and piercing)",
        "laser.sheet": "material charged as the bounding rectangle {w:.4g} × {h:.4g} mm",
        "laser.engrave": "engraving {area:.4g} mm² at {rate:g} mm²/s",
        "mesh.open": "the mesh is not watertight: its volume, and so this quote, is approximate",
        "units": "lengths read as {units}",
        "thickness.default": "sheet thickness {thickness:g} mm (not given)",
        "rate.default": "machine rate {hourly:g} {currency}/h is a default, not the facility's",
        "pricing.none": "no facility pricing: default setup fee and minimum order",
        "discount.percent": "quantity break discount {discount:g} read as {discount:g} %",
        "line.per_g": "{qty} × {grams:.2f} g × {price:g} {currency}/g",
        "line.per_cm3": "{qty} × {cm3:.2f} cm³ × {price:g} {currency}/cm³",
        "line.per_g_default": "{qty} × {grams:.2f} g × {price:g} {currency}/g (default price)",
        "line.machine": "{hours:.3f} h × {hourly:g} {currency}/h",
        "line.setup": "once per order",
        "line.discount": "{discount:.0%} off material and machine time for {qty} pieces",
        "line.minimum": "raised to the {minimum:g} {currency} minimum",
        "fit.yes": "fits the {machine} ({box:g} mm) placed as {turned:.4g} mm",
        "fit.generic": "{reason}, a 3D printer that does not state {process}",
        "fit.too_big": "{size:.4g} mm is larger than every machine, the largest being {machine}"
        " ({box:g} mm)",
        "fit.unsized": "machine size not stated ({machines}): ask",
        "fit.no_machine": "offers {process} but lists no machine for it: size unknown",
        "fit.none": "no {process} machine listed at this facility",
    },
    "fr": {
        "fdm.shell": "coque FDM de {wall:g} mm (aire × épaisseur) et remplissage à {infill:.0%}",
        "fdm.rate": "dépôt moyen de {rate:g} mm³/s, mise en chauffe de {warmup:g} h par commande",
        "sla.solid": "SLA imprimé plein, les supports ajoutent {supports:.0%} de résine",
        "sla.layers": "imprimé dans l'orientation du fichier : {height:.4g} mm de haut + {support:g}"
        " mm de supports, couches de {layer:g} mm à {seconds:g} s chacune, une pièce par plateau",
        "laser.cut": "découpe de {material} {thickness:g} mm à {speed:.3g} mm/s (+{travel:.0%} de"
        " déplacements et de perçages)",
        "laser.sheet": "matière facturée au rectangle englobant de {w:.4g} × {h:.4g} mm",
        "laser.engrave": "gravure de {area:.4g} mm² à {rate:g} mm²/s",
        "mesh.open": "le maillage n'est pas étanche : son volume, et donc ce devis, est"
        " approximatif",
        "units": "longueurs lues en {units}",
        "thickness.default": "épaisseur de plaque de {thickness:g} mm (non indiquée)",
        "rate.default": "tarif machine de {hourly:g} {currency}/h par défaut, pas celui du lieu",
        "pricing.none": "pas de tarifs du lieu : frais de mise en route et commande minimale par"
        " défaut",
        "discount.percent": "remise de quantité {discount:g} lue comme {discount:g} %",
        "line.per_g": "{qty} × {grams:.2f} g × {price:g} {currency}/g",
        "line.per_cm3": "{qty} × {cm3:.2f} cm³ × {price:g} {currency}/cm³",
        "line.per_g_default": "{qty} × {grams:.2f} g × {price:g} {currency}/g (prix par défaut)",
        "line.machine": "{hours:.3f} h × {hourly:g} {currency}/h",
        "line.setup": "une fois par commande",
        "line.discount": "{discount:.0%} de remise sur la matière et le temps machine pour {qty}"
        " pièces",
        "line.minimum": "porté au minimum de commande de {minimum:g} {currency}",
        "fit.yes": "tient dans {machine} ({box:g} mm), posée en {turned:.4g} mm",
        "fit.generic": "{reason}, une imprimante 3D qui n'indique pas « {process} »",
        "fit.too_big": "{size:.4g} mm dépasse toutes les machines, la plus grande étant {machine}"
        " ({box:g} mm)",
        "fit.unsized": "taille des machines non indiquée ({machines}) : à demander",
        "fit.no_machine": "propose « {process} » sans machine listée : taille inconnue",
        "fit.none": "aucune machine « {process} » listée dans ce lieu",
    },
}


class _Number:
    """A figure formatted with the template's spec, with a decimal comma in French."""

    __slots__ = ("value", "lang")

    def __init__(self, value: float, lang: str) -> None:
        self.value, self.lang = value, lang

    def __format__(self, spec: str) -> str:
        return decimal(self.value, spec, self.lang)


class _Dims:
    """A size (mm, several figures) formatted figure by figure: `12.5 × 40 × 3`."""

    __slots__ = ("values", "lang")

    def __init__(self, values: list[float] | tuple[float, ...], lang: str) -> None:
        self.values, self.lang = values, lang

    def __format__(self, spec: str) -> str:
        return " × ".join(decimal(float(v), spec, self.lang) for v in self.values)


def _localised(value: Any, lang: str) -> Any:
    if isinstance(value, Wording):
        return value.text(lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _Number(value, lang)
    if isinstance(value, list | tuple):
        return _Dims(value, lang)
    return value


@dataclass(frozen=True, slots=True)
class Wording:
    """A sentence of a quote: its key and the figures it quotes."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        lang = lang if lang in LANGS else "en"
        values = {k: _localised(v, lang) for k, v in self.params.items()}
        return _T[lang][self.key].format(**values)
