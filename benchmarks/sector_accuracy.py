"""Precision and recall of the inferred sectors on the bundled corpus, written for the method text.

Imports the real corpus (the LOSH list and the OSHWA certified-projects list) into a fresh
SQLite store, so that the sectors are inferred exactly as at any import, then measures them
against the labelled designs (`refaire.observatory.sector_accuracy`): all of them, the
tuning half (on which the classifier's settings and the threshold were chosen) and the
held-out half. Prints one JSON line; with --write, also saves it to
src/refaire/observatory/data/sector_accuracy.json, from which the observatory's method
text takes its figures (so they are never typed by hand).

Run: python benchmarks/sector_accuracy.py [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LOSH_LIST, SHARED_DATA, require_data  # noqa: E402

from refaire.ingest.runner import import_sources  # noqa: E402
from refaire.observatory import derive  # noqa: E402
from refaire.observatory.accuracy_text import classifier_fingerprint  # noqa: E402
from refaire.observatory.members import MIN_SECTOR_CONFIDENCE  # noqa: E402
from refaire.observatory.sector_accuracy import RESULT, measure  # noqa: E402
from refaire.store import open_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"save the result to {RESULT}")
    args = parser.parse_args()
    require_data()
    with tempfile.TemporaryDirectory(prefix="refaire-sectors-") as tmp:
        store = open_store(str(Path(tmp) / "sectors.db"))
        import_sources(
            store, [str(LOSH_LIST), str(SHARED_DATA / "projects-other" / "oshwa-certified.csv")]
        )
        derive.refresh(store)
        result = measure(store)
        store.close()
    out = {
        "benchmark": "sector_accuracy",
        "measured_at": datetime.now(UTC).date().isoformat(),
        "corpus": "LOSH list + OSHWA certified projects (REFAIRE_SHARED_DATA)",
        "threshold": MIN_SECTOR_CONFIDENCE,
        "classifier": classifier_fingerprint(),
        **result,
    }
    line = json.dumps(out, ensure_ascii=False)
    print(line)
    if args.write:
        RESULT.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
