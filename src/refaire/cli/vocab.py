"""`refaire vocab`: resolve free text to capability ids, list the vocabulary."""

from __future__ import annotations

import sys
from enum import StrEnum

import typer

from refaire.cli._commands import summary
from refaire.cli._common import JsonOption, Table, console, esc, print_json


class Kind(StrEnum):
    process = "process"
    material = "material"


class Lang(StrEnum):
    en = "en"
    fr = "fr"


def _texts(args: list[str]) -> list[str]:
    """The texts to resolve; "-" stands for every non-empty line of stdin."""
    out: list[str] = []
    for arg in args:
        if arg == "-":
            out.extend(line.rstrip("\n") for line in sys.stdin if line.strip())
        else:
            out.append(arg)
    return out


def resolve_command(
    texts: list[str] = typer.Argument(..., help="Texts to resolve; '-' reads lines from stdin."),
    kind: Kind | None = typer.Option(None, "--kind", help="Only processes or only materials."),
    lang: Lang = typer.Option(Lang.en, "--lang", help="Language of the labels."),
    as_json: bool = JsonOption,
) -> None:
    """Resolve each TEXT to capability ids, with confidence and the rule that fired."""
    from refaire.vocab.capabilities import resolve

    results = [
        {
            "text": text,
            "results": [
                r.to_dict() for r in resolve(text, kind.value if kind else None, lang.value)
            ],
        }
        for text in _texts(texts)
    ]
    if as_json:
        print_json(results)
        return
    table = Table("text", "id", "label", "confidence", "rule")
    for item in results:
        if not item["results"]:
            table.add_row(esc(item["text"]), "[dim]-[/dim]", "", "", "")
        for n, r in enumerate(item["results"]):
            table.add_row(
                esc(item["text"]) if n == 0 else "",
                esc(r["id"]),
                esc(r["label"]),
                f"{r['confidence']:.2f}",
                esc(r["rule"]),
            )
    console.print(table)


def list_command(
    kind: Kind | None = typer.Option(None, "--kind", help="Only processes or only materials."),
    as_json: bool = JsonOption,
) -> None:
    """List the vocabulary ids with their parent, English/French labels, and for processes
    the materials they can work (process–material compatibility)."""
    from refaire.vocab.capabilities import KINDS, vocabulary

    rows = [row for k in ((kind.value,) if kind else KINDS) for row in vocabulary(k)]
    if as_json:
        print_json(rows)
        return
    table = Table("kind", "id", "parent", "TsDC", "label (en)", "label (fr)", "works materials")
    for row in rows:
        mats = row.get("compatible_materials")
        table.add_row(
            row["kind"],
            row["id"],
            row["parent"] or "",
            ", ".join(row["tsdc"]),
            row["label_en"],
            row["label_fr"],
            ", ".join(mats) if mats else ("any" if row["kind"] == "process" else ""),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=summary("vocab"), no_args_is_help=True)
    group.command("resolve")(resolve_command)
    group.command("list")(list_command)
    app.add_typer(group, name="vocab")
