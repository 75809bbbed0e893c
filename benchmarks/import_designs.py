"""Import cost against parsing cost: the LOSH-list corpus replicated to ~8,000 designs.

Run: python benchmarks/import_designs.py
Prints one JSON line: files, designs stored, seconds to parse with tomllib alone,
seconds for `refaire import` into a fresh SQLite file, and their ratio (target <= 5).
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LOSH_LIST, require_data, timed  # noqa: E402

from refaire.ingest.runner import import_sources  # noqa: E402
from refaire.store import open_store  # noqa: E402
from refaire.store.designs import count_designs  # noqa: E402

COPIES = 4
_NAME = re.compile(r'^(name\s*=\s*")', re.MULTILINE)
_REPO = re.compile(r'^(repo\s*=\s*"[^"]*)', re.MULTILINE)


def replicate(dest: Path) -> list[Path]:
    """COPIES distinct variants of every manifest: names and repos made unique per copy."""
    files = sorted(LOSH_LIST.rglob("*.toml"))
    out = []
    for copy in range(COPIES):
        d = dest / f"copy{copy}"
        d.mkdir()
        for i, f in enumerate(files):
            text = f.read_text(encoding="utf-8")
            if copy:
                text = _NAME.sub(rf"\g<1>Copy {copy} of ", text, count=1)
                text = _REPO.sub(rf"\g<1>/copy-{copy}", text, count=1)
            p = d / f"{i:05d}-{f.name}"
            p.write_text(text, encoding="utf-8")
            out.append(p)
    return out


def main() -> None:
    require_data()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        files = replicate(corpus)

        def parse_only() -> int:
            n = 0
            for p in files:
                try:
                    tomllib.loads(p.read_bytes().decode("utf-8"))
                    n += 1
                except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                    pass
            return n

        parse_s, parsed = timed(parse_only)
        store = open_store(str(root / "bench.db"))
        import_s, summary = timed(lambda: import_sources(store, [str(corpus)]))
        stored = count_designs(store)
        print(
            json.dumps(
                {
                    "benchmark": "import_designs",
                    "files": len(files),
                    "parsed": parsed,
                    "designs_stored": stored,
                    "rejected": summary.rejected,
                    "tomllib_parse_s": round(parse_s, 3),
                    "refaire_import_s": round(import_s, 3),
                    "ratio": round(import_s / parse_s, 2),
                    "target_ratio_max": 5,
                }
            )
        )


if __name__ == "__main__":
    main()
