"""Numbers outside the observatory written by Babel in the page's language: the wording
helper of match reasons and quote notes (`refaire.text.decimal`), the page helpers (`num`,
`short`, `money`) and the quote page's price per piece with its currency."""

from __future__ import annotations

import re

from _people import csrf_from
from refaire import localise
from refaire.text import decimal
from test_quote_service import CUBE, api, priced, store  # noqa: F401 - fixtures reused

NNBSP, NBSP = "\u202f", "\u00a0"


def test_decimal_follows_the_spec_in_each_language() -> None:
    cases = [
        (1.5, "g", "1.5", "1,5"),
        (1000, "g", "1,000", f"1{NNBSP}000"),
        (12345.678, ".4g", "12,350", f"12{NNBSP}350"),
        (3.14159, ".2f", "3.14", "3,14"),
        (0.2, ".0%", "20%", f"20{NBSP}%"),
    ]
    for value, spec, en, fr in cases:
        assert decimal(value, spec, "en") == en, (value, spec)
        assert decimal(value, spec, "fr") == fr, (value, spec)


def test_short_and_money() -> None:
    assert localise.short(2.50, "en") == "2.5" and localise.short(2.5, "fr") == "2,5"
    assert localise.short(1234, "fr") == f"1{NNBSP}234" and localise.short(None, "fr") == "–"
    assert localise.money(1.5, "EUR", "en") == "€1.50"
    assert localise.money(1.5, "eur", "fr") == f"1,50{NBSP}€"
    assert localise.money(1234.5, "GBP", "en") == "£1,234.50"
    assert localise.money(2, None, "fr") == "2,00"


def test_quote_page_price_per_piece_with_its_currency(api, priced) -> None:  # noqa: F811
    token = csrf_from(api, "/quote")
    data = {"material": "pla", "qty": "10", "facility_id": str(priced), "csrf_token": token}
    fr = api.post("/quote?lang=fr", files={"file": ("cube.stl", CUBE)}, data=data)
    en = api.post("/quote?lang=en", files={"file": ("cube.stl", CUBE)}, data=data)
    assert fr.status_code == en.status_code == 200
    assert re.search(rf"\d+,\d\d{NBSP}€ la pièce", fr.text), "French: 1,77 € la pièce"
    assert re.search(r"€\d+\.\d\d per piece", en.text), "English: €1.77 per piece"
    assert ">17,65<" in fr.text and ">17.65<" in en.text  # the total, as before
