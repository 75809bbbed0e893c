"""Regenerate countries.json from CLDR (via Babel): `pip install babel; python build_countries.py`.

Not imported at run time: the registry reads the JSON it writes, so Babel is a
maintainer's tool here, not a dependency.
"""

from __future__ import annotations

import json
from pathlib import Path

from babel import Locale
from babel.core import get_global

LANGS = ("en", "fr", "es", "de", "nl", "it", "pt")
# CLDR pseudo-territories, groupings and ISO "exceptionally reserved" codes that are not
# ISO 3166-1 countries (XK, Kosovo, is user-assigned but in common use: kept).
NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
# Common names that CLDR does not give as the display name in any of LANGS.
EXTRA = {
    "GB": [
        "UK",
        "Great Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
        "Grande-Bretagne",
        "Angleterre",
        "Ecosse",
        "Großbritannien",
    ],
    "US": [
        "USA",
        "U.S.A.",
        "U.S.",
        "United States of America",
        "America",
        "EEUU",
        "EE.UU.",
        "Etats-Unis d'Amérique",
    ],
    "NL": ["Holland", "The Netherlands", "Nederland"],
    "CZ": ["Czech Republic"],
    "KR": ["South Korea", "Republic of Korea", "Corée"],
    "RU": ["Russian Federation"],
    "CI": ["Ivory Coast", "Cote d'Ivoire"],
    "TW": ["Republic of China"],
    "AE": ["UAE"],
    "CD": ["DR Congo", "DRC", "RDC"],
    "VN": ["Viet Nam"],
    "MK": ["Macedonia"],
    "SZ": ["Swaziland"],
    "TR": ["Turkey", "Türkiye"],
}


def build() -> dict:
    aliases = get_global("territory_aliases")
    alpha3 = {
        old: new[0]
        for old, new in aliases.items()
        if len(old) == 3 and old.isalpha() and len(new) == 1
    }
    locales = {lang: Locale(lang) for lang in LANGS}
    countries: dict[str, dict] = {}
    for code in sorted(locales["en"].territories):
        if len(code) != 2 or not code.isalpha() or code in NOT_COUNTRIES:
            continue
        names = sorted(
            {loc.territories[code] for loc in locales.values() if code in loc.territories}
        )
        names += [n for n in EXTRA.get(code, []) if n not in names]
        countries[code] = {
            "name": locales["en"].territories[code],
            "alpha3": sorted(a for a, c in alpha3.items() if c == code),
            "names": names,
        }
    return {
        "_source": f"CLDR territory names ({', '.join(LANGS)}) via Babel, plus common aliases",
        "countries": countries,
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("countries.json")
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=1, sort_keys=True) + "\n")
