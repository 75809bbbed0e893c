"""Documentation languages: free text ("English-UK", "jp-JP", "français") → BCP-47 tags.

Manifests name languages as codes in any case, as names in English, French or the language
itself, or with a region spelled out ("DE-Western-Europe"). The result keeps a language
subtag (ISO 639-1), an optional script (title case) and an optional region (ISO 3166-1
upper case, or UN M.49 digits); a trailing part we cannot read is dropped rather than
guessed. Data: `data/languages.json`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from refaire.vocab._common import fold, load_json, public, ui_lang

_SPLIT = re.compile(r"[\s\-_/(),;]+")


@dataclass(frozen=True, slots=True)
class _Tables:
    languages: dict[str, str]  # folded code / name / alias → ISO 639-1 code
    regions: dict[str, str]  # folded code alias / name → region code
    scripts: dict[str, str]  # folded → canonical script subtag
    labels: dict  # code → {"en", "fr", "native"}
    region_labels: dict  # region → {"en", "fr"}


@cache
def _tables() -> _Tables:
    data = load_json("languages.json")
    languages = {code: code for code in data["iso639_1"].split()}
    languages.update(public(data["mistakes"]))
    for code, entry in data["languages"].items():
        for name in (entry["en"], entry["fr"], entry["native"], *entry["aliases"]):
            languages.setdefault(fold(name), code)
    regions: dict[str, str] = {}
    for code, entry in data["regions"].items():
        for name in (code, entry["en"], entry["fr"], *entry["aliases"]):
            regions.setdefault(fold(name), code)
    scripts = {fold(s): s for s in data["scripts"]}
    return _Tables(languages, regions, scripts, data["languages"], data["regions"])


def _match_words(words: list[str], table: dict[str, str], longest: int) -> tuple[str, int] | None:
    """The longest run of leading words (joined by a space) found in `table`."""
    for n in range(min(longest, len(words)), 0, -1):
        found = table.get(" ".join(words[:n]))
        if found:
            return found, n
    return None


def normalise_language(text: str) -> str | None:
    """A BCP-47 tag for a language written any common way, or None if unrecognisable."""
    if not text or not text.strip():
        return None
    t = _tables()
    # Locale strings such as "en_US.UTF-8" carry an encoding we do not want.
    cleaned = re.sub(r"\.[A-Za-z0-9-]+$", "", text.strip())
    words = [w for w in _SPLIT.split(fold(cleaned)) if w]
    if not words:
        return None
    found = _match_words(words, t.languages, 3)
    if not found:
        return None
    language, used = found
    rest = words[used:]
    tag = [language]
    if rest and rest[0] in t.scripts:
        tag.append(t.scripts[rest[0]])
        rest = rest[1:]
    if rest:
        region = _match_words(rest, t.regions, 4)
        if region:
            tag.append(region[0])
        elif re.fullmatch(r"[a-z]{2}|\d{3}", rest[0]) and len(rest) == 1:
            # An unlisted but well-formed region code is kept; a longer phrase is not a region.
            tag.append(rest[0].upper())
    return "-".join(tag)


def language_label(tag: str, lang: str = "en") -> str:
    """A human name for a tag, e.g. "fr-FR" → "French (France)" / "français (France)"."""
    t = _tables()
    ui = ui_lang(lang)
    normal = normalise_language(tag)
    if normal is None:
        return tag
    parts = normal.split("-")
    entry = t.labels.get(parts[0])
    name = entry[ui] if entry else parts[0]
    extra = []
    for sub in parts[1:]:
        region = t.region_labels.get(sub)
        extra.append(region[ui] if region else sub)
    return f"{name} ({', '.join(extra)})" if extra else name
