"""Human labels for facet values and vocabulary ids, in the page's language."""

from __future__ import annotations

from refaire.web.i18n import catalogue, translate


def facet_label(facet: str, value: str, lang: str) -> str:
    """ "OTRL-4" -> "OTRL-4 — prototype…", "A61" -> "Medical…", "en" -> "English"."""
    try:
        if facet == "readiness":
            from refaire.vocab.readiness import readiness_label

            return f"{value} · {readiness_label(value, lang)}"
        if facet == "sector":
            from refaire.vocab.sectors import sector_label

            return f"{value} · {sector_label(value, lang)}"
        if facet == "language":
            from refaire.vocab.languages import language_label

            return language_label(value, lang)
        if facet in ("process", "material"):
            from refaire.vocab.capabilities import label

            return label(value, lang)
    except (ImportError, KeyError, ValueError):
        return value
    if facet in ("openness", "format"):
        return translate(lang, f"{facet}.{value}")
    if facet == "rule":
        return " + ".join(_rule_label(part, lang) for part in value.split("+"))
    return value


def _rule_label(rule: str, lang: str) -> str:
    """A normalisation rule in words ("alias:fr" -> "vocabulary synonym (fr)"); an
    unknown rule is shown as its code."""
    name, _, arg = rule.partition(":")
    key = f"note.rule.{name}"
    text = catalogue(lang).get(key) or catalogue("en").get(key)
    return text.format(arg=arg) if text else rule
