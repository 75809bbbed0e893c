"""Mutations of the small real files in tests/fixtures/fuzz, for the readers' fuzz tests.

Shared by `test_readers_fuzz.py` (hypothesis, a CI budget) and
`benchmarks/fuzz_readers.py` (a long random run). Two kinds of mutation: bytes
(flip, insert, delete, truncate, splice a hostile token) and structure (parse the
document, put a hostile value at a random place, write it back in its own
format), which is what reaches the readers' per-entry code: huge numbers, NaN,
dates where text is expected, URLs that do not parse, NULs, deep nesting.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "fixtures" / "fuzz"

HOSTILE_JSON: list[Any] = [
    None, True, 0, -1, 10**30, -(10**30), 1e308, float("inf"), float("nan"), "", " ",
    "http://[::1", "http://x:99999999/", "https://", "javascript:alert(1)", "\u0000", "a\u0000b",
    "x" * 20_000, "1e400", "-91", "NaN", "9999-99-99", "Ünïcødé 机床 مطحنة", [], {}, [[[]]],
    {"a": {"b": [1, "2", None]}}, [None, 1, "x"], "[placeholder]", "{{name}}",
]  # fmt: skip
HOSTILE_TOKENS: list[bytes] = [
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r", b"\n\n", b'"', b"'", b"[", b"]", b"{", b"}",
    b":", b",", b"=", b"&a", b"*a", b"!!binary aGk=", b"!!python/object:os.system", b"%YAML 1.1",
    b"---", b"...", b"nan", b".inf", b"1e400", b"99999999999999999999999", b"2001-12-14",
    b"1979-05-27T07:32:00Z", b"http://[::1", b"\\u0000", b"\t", b"#", b"- ", b"? ",
]  # fmt: skip
TOML_VALUES = [
    "nan", "inf", "-inf", "1e400", "0", "-1", "99999999999999999", '"http://[::1"', "[]", "{}",
    '"\\u0000"', '"a\\u0000b"', "[[1, 2], [3]]", "true", "1979-05-27T07:32:00Z", "1979-05-27",
    "07:32:00", '"' + "y" * 5000 + '"', '["x", "y"]', "{ a = 1 }", '"[placeholder]"',
]  # fmt: skip
YAML_VALUES = [
    ".nan", ".inf", "1e400", "99999999999999999999999", "~", "[]", "{}", "2001-12-14",
    "2001-12-14t21:59:43.10-05:00", "!!binary aGVsbG8=", '"http://[::1"', '"\\0"', '"a\\x00b"',
    "[1, [2, [3]]]", "{a: 1}", "yes", "-1", "0x1F", '"' + "z" * 5000 + '"', "[placeholder]",
]  # fmt: skip


def corpus() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix != ".md")


def mutate(rng: random.Random, name: str, data: bytes) -> bytes:
    """One or a few mutations of `data` (a file of the corpus called `name`)."""
    out = data
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        kind = rng.random()
        out = _structural(rng, name, out) if kind < 0.45 else _bytes(rng, out)
    return out


def _bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return rng.choice(HOSTILE_TOKENS)
    at = rng.randrange(len(data))
    kind = rng.randrange(5)
    if kind == 0:
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
    if kind == 1:
        return data[:at] + rng.choice(HOSTILE_TOKENS) + data[at:]
    if kind == 2:
        return data[:at] + data[at + rng.randrange(1, 64) :]
    if kind == 3:
        return data[:at]
    end = min(len(data), at + rng.randrange(1, 200))
    return data[:at] + data[at:end] * rng.randrange(2, 6) + data[end:]


def _structural(rng: random.Random, name: str, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    if name.endswith(".json"):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            return _bytes(rng, data)
        if rng.random() < 0.05:  # nesting deeper than any parser's recursion
            return ("[" * 50_000 + "]" * 50_000).encode()
        doc = _replace_somewhere(rng, doc, rng.choice(HOSTILE_JSON))
        return json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode()
    if name.endswith(".csv"):
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            return _bytes(rng, data)
        if not rows:
            return _bytes(rng, data)
        r = rng.randrange(len(rows))
        row = rows[r]
        if row:
            value = rng.choice(HOSTILE_JSON)
            row[rng.randrange(len(row))] = value if isinstance(value, str) else json.dumps(value)
        if rng.random() < 0.2:
            rows.append(row[: rng.randrange(len(row) + 1)])  # a short or empty row
        buf = io.StringIO()
        csv.writer(buf, lineterminator=rng.choice(("\n", "\r\n"))).writerows(rows)
        return buf.getvalue().encode("utf-8")
    lines = text.splitlines(keepends=True)
    pattern = (
        r"^(\s*[-\w\"']+\s*=\s*)(.*)$" if name.endswith(".toml") else r"^(\s*-?\s*[\w-]+:\s*)(.*)$"
    )
    values = TOML_VALUES if name.endswith(".toml") else YAML_VALUES
    places = [i for i, ln in enumerate(lines) if re.match(pattern, ln.rstrip("\r\n"))]
    if not places:
        return _bytes(rng, data)
    i = rng.choice(places)
    head = re.match(pattern, lines[i].rstrip("\r\n")).group(1)
    lines[i] = f"{head}{rng.choice(values)}\n"
    return "".join(lines).encode("utf-8")


def _replace_somewhere(rng: random.Random, doc: Any, value: Any) -> Any:
    """`doc` with one node (chosen along a random path) replaced by `value`."""
    if not isinstance(doc, dict | list) or not doc or rng.random() < 0.15:
        return value
    if isinstance(doc, list):
        i = rng.randrange(len(doc))
        doc[i] = _replace_somewhere(rng, doc[i], value)
        return doc
    key = rng.choice(list(doc))
    doc[key] = _replace_somewhere(rng, doc[key], value)
    return doc
