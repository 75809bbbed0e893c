"""Capability resolver: precision and recall on the hand-labelled set, and throughput.

Run: python benchmarks/resolver.py  ->  one JSON line
{"precision": ..., "recall": ..., "strings_per_second": ..., "n": ...}

Precision and recall are micro-averaged over ids: every expected id found is a true
positive, every extra id a false positive, every missing one a false negative. The
labelled strings are real ones from ../shared/data (tests/fixtures/resolver_labelled.json).
Throughput is measured after a warm-up pass, so data loading is not counted.
`--errors` lists the strings not resolved exactly (on stderr); `--fixture PATH` scores
another file of the same shape, such as the held-out set or tests/fixtures/resolver_negatives.json
(hand-written negatives: manual machining and plotters are no CNC milling, and French
"soudage"/"soudure" decided by their context). `false_positive_strings` counts the strings
given at least one id they do not name.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from refaire.vocab.capabilities import resolve

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "resolver_labelled.json"


def load(path: Path = FIXTURE) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def score(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro precision/recall over ids, plus the strings that were not exactly right."""
    tp = fp = fn = 0
    fp_strings = 0  # strings given at least one id they do not name
    errors = []
    for item in items:
        got = {r.id for r in resolve(item["text"], kind=item["kind"])}
        want = set(item["expected"])
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
        fp_strings += bool(got - want)
        if got != want:
            errors.append({"text": item["text"], "expected": sorted(want), "got": sorted(got)})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "false_positive_strings": fp_strings,
        "n": len(items),
        "errors": errors,
    }


def throughput(items: list[dict[str, Any]], min_seconds: float = 1.0) -> float:
    texts = [(i["text"], i["kind"]) for i in items]
    for text, kind in texts:  # warm-up: data files and indexes load once
        resolve(text, kind=kind)
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds:
        for text, kind in texts:
            resolve(text, kind=kind)
        done += len(texts)
    return done / elapsed


def main() -> None:
    # --fixture PATH scores another labelled file, e.g. tests/fixtures/resolver_heldout.json
    # (labelled after the vocabulary data was tuned, and never used to tune it).
    path = Path(sys.argv[sys.argv.index("--fixture") + 1]) if "--fixture" in sys.argv else FIXTURE
    items = load(path)
    result = score(items)
    line = {
        "precision": round(result["precision"], 4),
        "recall": round(result["recall"], 4),
        "false_positive_strings": result["false_positive_strings"],
        "strings_per_second": round(throughput(items)),
        "n": result["n"],
    }
    if "--errors" in sys.argv:
        for err in result["errors"]:
            print(json.dumps(err, ensure_ascii=False), file=sys.stderr)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
