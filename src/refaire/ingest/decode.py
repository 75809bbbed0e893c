"""Bytes to text, JSON and CSV rows, with located problems: shared by every reader."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from refaire.model import Problem


def first_line(head: bytes) -> str:
    """The first line of a file's head as text (a BOM dropped), for header sniffing.

    Cut before decoding: sniffers run on every imported file, and decoding 64 KB to
    look at one line would dominate their cost.
    """
    end = len(head)
    for stop in (b"\n", b"\r"):
        at = head.find(stop, 0, end)
        if at != -1:
            end = at
    return head[:end].decode("utf-8-sig", errors="replace")


# For parsers that recurse per nesting level (json, tomllib, PyYAML's composer).
TOO_DEEP = "nested too deeply to be read (thousands of levels of lists or mappings)"


def decode_text(source: str, data: bytes) -> tuple[str, list[Problem]]:
    """UTF-8 (a BOM dropped); otherwise Windows-1252, with a warning saying where it broke.

    Real survey exports and old manifests are often Windows-1252; reading them that
    way keeps accented names right, where Latin-1 would garble the curly quotes.
    """
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("cp1252", errors="replace")
        bad = text.count("\ufffd")
        msg = "not valid UTF-8: read as Windows-1252"
        if bad:
            msg += f" ({bad} undecodable byte(s) replaced by U+FFFD)"
        return text, [Problem(source, "warning", None, msg, line)]


def load_json(source: str, data: bytes) -> tuple[Any, list[Problem]]:
    """The parsed document, or None with an error naming the line where JSON broke."""
    text, problems = decode_text(source, data)
    try:
        return json.loads(text), problems
    except json.JSONDecodeError as exc:
        return None, [
            *problems,
            Problem(source, "error", None, f"not valid JSON: {exc.msg}", exc.lineno),
        ]
    except RecursionError:  # the parser recurses per level: thousands of [[[[ end it
        return None, [*problems, Problem(source, "error", None, TOO_DEEP)]


def csv_rows(reader: Any, source: str, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row after the header; a broken row ends the file
    with an error at its line (the csv module cannot resynchronise after one)."""
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(source, "error", None, f"bad CSV: {exc}", line))
            return
        yield line, cells
        line = reader.line_num + 1
