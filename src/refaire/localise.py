"""Numbers, percentages, dates and country names in the page's language, with Babel.

Babel carries the CLDR data (decimal comma and narrow no-break space in French, the
percent sign's spacing, country names in each language), so pages do not hand-make it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

MISSING = "–"


def num(value: float | int | None, digits: int = 0, lang: str = "en") -> str:
    """A number with `digits` decimals and the language's separators; "–" for none."""
    if value is None:
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=lang)


def short(value: float | int | None, lang: str = "en", most: int = 3) -> str:
    """A number with as many decimals as it needs, up to `most` (12, 2.5, 0.125), in the
    language's separators: what a `%g` gave, without the dot in French."""
    if value is None:
        return MISSING
    return format_decimal(value, format="#,##0." + "#" * most, locale=lang)


def money(value: float | None, currency: str | None, lang: str = "en") -> str:
    """An amount with its currency as the language writes it ("€1.50", "1,50 €")."""
    if value is None:
        return MISSING
    if not currency:
        return num(value, 2, lang)
    return format_currency(value, currency.upper(), locale=lang)


def pct(value: float | None, digits: int = 0, lang: str = "en") -> str:
    """A share in 0..1 as a percentage ("12.5%", "12,5 %"); "–" for none."""
    if value is None:
        return MISSING
    return format_percent(value, format=_percent_pattern(lang, digits), locale=lang)


@lru_cache(maxsize=16)
def _percent_pattern(lang: str, digits: int) -> str:
    """The language's own percent pattern ("#,##0\u00a0%" in French) with `digits` decimals."""
    pattern = Locale.parse(lang).percent_formats[None].pattern.split(";")[0]
    if not digits:
        return pattern
    at = pattern.rindex("0") + 1
    return pattern[:at] + "." + "0" * digits + pattern[at:]


@lru_cache(maxsize=4)
def _territories(lang: str) -> dict[str, str]:
    return dict(Locale.parse(lang).territories)


def country(code: str | None, lang: str = "en") -> str:
    """The country's name in the language (the code itself when CLDR does not know it)."""
    if not code:
        return MISSING
    return _territories(lang).get(code.upper(), code)


def date(value: str | None, lang: str = "en") -> str:
    """An ISO date (or date-time) as the language writes it ("1 Dec 2026", "1 déc. 2026")."""
    if not value:
        return MISSING
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return format_date(day, format="medium", locale=lang)
