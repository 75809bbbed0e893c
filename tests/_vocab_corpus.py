"""Licence and language values as written in the real OKH corpus (../shared/data/okh)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

LICENCE_KEYS = ("license", "licence")
LANGUAGE_KEYS = ("documentation-language", "documentationLanguage", "language")


def _manifests(okh: Path) -> list[dict]:
    found = []
    for path in sorted(okh.rglob("*")):
        try:
            if path.suffix == ".toml":
                found.append(tomllib.loads(path.read_text(encoding="utf-8")))
            elif path.suffix in {".yml", ".yaml"}:
                # Some v1 files start with "%" lines that are not YAML directives.
                text = "\n".join(
                    ln
                    for ln in path.read_text(encoding="utf-8").splitlines()
                    if not ln.startswith("%")
                )
                data = yaml.safe_load(text)
                if isinstance(data, dict):
                    found.append(data)
        except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError):
            continue  # broken files are the readers' business, not the vocabularies'
    return found


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):  # OKH v1: {hardware, documentation, software}
        return [v for v in value.values() if isinstance(v, str)]
    return []


def corpus_values(okh: Path, keys: tuple[str, ...]) -> list[str]:
    values = []
    for manifest in _manifests(okh):
        for key in keys:
            values.extend(_strings(manifest.get(key)))
    return values
