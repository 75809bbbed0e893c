"""The method text of the sector figures, with the measured accuracy of inferred sectors.

The figures come from `data/sector_accuracy.json`, written by
`python benchmarks/sector_accuracy.py --write` (the real corpus imported as at any import,
then `sector_accuracy.measure`), never typed by hand. The held-out half is the figure put
first: the classifier's settings and the threshold were chosen on the other half.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from refaire.observatory.sector_accuracy import RESULT


@cache
def measured() -> dict[str, Any]:
    """The saved evaluation (see the module docstring)."""
    return json.loads(RESULT.read_text(encoding="utf-8"))


def classifier_fingerprint() -> str:
    """A digest of everything the inferred sectors depend on (keywords, OSHWA type weights,
    runner-up discount, thresholds): a saved evaluation of another classifier is stale."""
    from refaire.ingest.okh_fields import MIN_SECTOR_CONFIDENCE as STORED_FROM
    from refaire.ingest.read_oshwa import MIN_CONFIDENCE, TYPE_SECTORS
    from refaire.observatory.members import MIN_SECTOR_CONFIDENCE
    from refaire.vocab import sectors
    from refaire.vocab._common import load_json

    parts = {
        "keywords": load_json("sector-keywords.json")["rules"],
        "types": TYPE_SECTORS,
        "settings": [
            sectors.RUNNER_UP_MARGIN,
            sectors.RUNNER_UP_FACTOR,
            sectors._HEAD,
            sectors._BODY_FACTOR,
            sectors._MAX_CONFIDENCE,
            STORED_FROM,
            MIN_CONFIDENCE,
            MIN_SECTOR_CONFIDENCE,
        ],  # fmt: skip
    }
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _at(rows: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    return next(r for r in rows if abs(r["threshold"] - threshold) < 1e-9)


def sectors_text(lang: str) -> str:
    """The "sectors" method text in English or French, figures from the saved evaluation."""
    m = measured()
    th = float(m["threshold"])
    held = m["by_half"]["held_out"]
    tune = m["by_half"]["tuning"]
    h, a = _at(held["by_threshold"], th), _at(m["by_threshold"], th)
    higher = [r for r in held["by_threshold"] if r["threshold"] > th + 1e-9][:1]

    def n(x: float | None, digits: int = 2) -> str:
        text = "–" if x is None else f"{x:.{digits}f}"
        return text.replace(".", ",") if lang == "fr" else text

    facts = {
        "th": n(th, 1), "date": m["measured_at"], "held": held["designs"], "tune": tune["designs"],
        "all": m["in_registry"], "hand": m["hand_labelled"], "cpc": m["cpc_declared"],
        "hp": n(h["precision"]), "hr": n(h["recall"]), "ap": n(a["precision"]),
        "ar": n(a["recall"]),
    }  # fmt: skip
    if lang == "fr":
        text = (
            "Conceptions par secteur : section/classe CPC quand le manifeste en donne une "
            "(déclaré), sinon déduit du nom, des mots-clés, de la description (et du type de "
            "projet OSHWA) avec une confiance ≥ {th} (déduit) ; une section nettement "
            "derrière la meilleure de la conception ne garde que la moitié de sa confiance. "
            "Une conception peut compter dans plusieurs secteurs. Exactitude mesurée des "
            "sections déduites (le {date}, corpus fourni) : sur les {held} conceptions "
            "étiquetées tenues à l'écart, précision {hp} et rappel {hr} à {th}"
        )
        if higher:
            r = higher[0]
            text += f" ({n(r['precision'])} et {n(r['recall'])} à {n(r['threshold'], 1)})"
        text += (
            " ; sur les {all} étiquetées ({hand} à la main, {cpc} avec une classe CPC "
            "déclarée), dont les {tune} sur lesquelles les réglages ont été choisis : "
            "précision {ap}, rappel {ar}. Lire les comptes déduits comme des indications, "
            "les déclarés comme des faits."
        )
    else:
        text = (
            "Designs per sector: CPC section/class when the manifest gives a CPC class "
            "(declared), otherwise inferred from name, keywords, description (and OSHWA "
            "project type) with a confidence ≥ {th} (inferred); a section clearly behind the "
            "design's best one keeps half its confidence. A design may count in several "
            "sectors. Measured accuracy of the inferred sections ({date}, bundled corpus): on "
            "the {held} held-out labelled designs, precision {hp} and recall {hr} at {th}"
        )
        if higher:
            r = higher[0]
            text += f" ({n(r['precision'])} and {n(r['recall'])} at {n(r['threshold'], 1)})"
        text += (
            "; on all {all} labelled ({hand} by hand, {cpc} with a declared CPC class), "
            "including the {tune} on which the settings were chosen: precision {ap}, recall "
            "{ar}. Read inferred counts as indications, declared ones as facts."
        )
    return text.format(**facts)
