"""/api/observatory: the dashboard, its tables as CSV/JSON; /api/signals: the signal watch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses, problem
from refaire.contract.nul import has_nul
from refaire.contract.params import Offset, limit_query
from refaire.export.spreadsheet import CSV_ENCODING
from refaire.observatory.figures import FilterError, dashboard
from refaire.observatory.signals import MAX_LIMIT, SignalError, add_signal, list_signals
from refaire.observatory.tables import TABLES, table, to_csv
from refaire.people.actor import Actor
from refaire.people.auth import require_admin
from refaire.store import Store

router = APIRouter(tags=["observatory"])

SectorQuery = Annotated[str | None, Query(description="Only designs of this sector id (A61, H…).")]
CountryQuery = Annotated[
    str | None, Query(description="Only designs and facilities of this country (ISO alpha-2).")
]
LangQuery = Annotated[
    str, Query(pattern="^(en|fr)$", description="Language of labels and methods.")
]


def _dashboard(
    store: Store, sector: str | None, country: str | None, lang: str, coverage: bool
) -> dict[str, Any]:
    try:
        return dashboard(store, sector=sector, country=country, lang=lang, with_coverage=coverage)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/observatory")
def get_observatory(
    store: Annotated[Store, Depends(get_store)],
    sector: SectorQuery = None,
    country: CountryQuery = None,
    lang: LangQuery = "en",
    coverage: Annotated[
        bool, Query(description="Ask the matching engine for local making.")
    ] = True,
) -> dict[str, Any]:
    """Every figure of the observatory, each with its method text (`methods`)."""
    return _dashboard(store, sector, country, lang, coverage)


def _sector_report(store: Store, sector_id: str, lang: str, coverage: bool) -> dict[str, Any]:
    from refaire.observatory.sector_report import sector_report

    try:
        return sector_report(store, sector_id, lang=lang, with_coverage=coverage)
    except FilterError as exc:
        raise HTTPException(404, str(exc)) from None


# the .csv route first: the JSON one would otherwise take "A61.csv" as a sector id
@router.get(
    "/observatory/sectors/{sector_id}.csv",
    response_class=Response,
    responses={
        200: {
            "description": "The sector's designs, best documented first, as CSV.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **error_responses(404),
    },
)
def get_sector_report_csv(
    sector_id: str, store: Annotated[Store, Depends(get_store)], lang: LangQuery = "en"
) -> Response:
    """The sector's designs as CSV (the index and its components travel in headers)."""
    r = _sector_report(store, sector_id, lang, True)
    idx = r["index"] or {}
    rows = [{"sector": r["sector"], **d} for d in r["designs"]["items"]]
    interval = idx.get("interval") or [None, None]
    return Response(
        to_csv(rows).encode(CSV_ENCODING),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="refaire-sector-{r["sector"]}.csv"',
            "X-Refaire-Index": f"{idx.get('index')} [{interval[0]}-{interval[1]}]",
            "X-Refaire-Method": r["methods"]["index"].encode("ascii", "replace").decode("ascii"),
        },
    )


@router.get("/observatory/sectors/{sector_id}", responses=error_responses(404))
def get_sector_report(
    sector_id: str,
    store: Annotated[Store, Depends(get_store)],
    lang: LangQuery = "en",
    coverage: Annotated[
        bool, Query(description="Ask the matching engine for local making and where-made.")
    ] = True,
) -> dict[str, Any]:
    """One sector as a report: index with interval and components, designs (best
    documented first), maturity, actors, where its designs can be made, signals by year."""
    return _sector_report(store, sector_id, lang, coverage)


@router.get(
    "/observatory/{name}.{ext}",
    response_class=Response,
    responses={
        200: {
            "description": "The table: CSV rows, or JSON `{table, method, filters, rows}`.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        },
        **error_responses(404),
    },
)
def get_observatory_table(
    name: str,
    ext: str,
    store: Annotated[Store, Depends(get_store)],
    sector: SectorQuery = None,
    country: CountryQuery = None,
    lang: LangQuery = "en",
) -> Response:
    """One table of the dashboard as `.csv` or `.json` (`{table, method, filters, rows}`)."""
    if name not in TABLES:
        raise HTTPException(404, f"unknown table {name!r}; tables: {', '.join(TABLES)}")
    if ext not in ("csv", "json"):
        raise HTTPException(404, f"unknown format {ext!r}: use .csv or .json")
    with_coverage = name in ("sectors", "index_leave_one_out")  # the index needs the engine
    data = table(_dashboard(store, sector, country, lang, with_coverage), name)
    if ext == "json":
        return JSONResponse(data)
    suffix = "".join(f"-{v}" for v in data["filters"].values() if v)
    return Response(
        to_csv(data["rows"]).encode(CSV_ENCODING),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="refaire-{name}{suffix}.csv"',
            # the method travels with the file, so a downloaded table still says what it counts
            "X-Refaire-Method": data["method"].encode("ascii", "replace").decode("ascii"),
        },
    )


class SignalIn(BaseModel):
    """A signal to record. Sector ids as in `refaire vocab` (CPC sections and classes)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "A repair café opens a shared workshop",
                    "url": "https://example.org/news/repair-cafe",
                    "published": "2026-11-30",
                    "sectors": ["A47"],
                    "practices": ["fabrication-place"],
                    "actors": ["Repair Café"],
                }
            ]
        }
    )

    title: str = Field(description="Title of the article, event or news.")
    url: str = Field(description="Its http(s) URL.")
    published: str = Field(description="Publication date, YYYY-MM-DD.")
    summary: str | None = None
    sectors: list[str] = Field(default_factory=list)
    practices: list[str] = Field(default_factory=list)
    actors: list[str] = Field(default_factory=list)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store a NUL: refuse it here rather than fail in the store
        if has_nul(value):
            raise ValueError("the NUL character is not allowed")
        return value


@router.get("/signals")
def get_signals(
    store: Annotated[Store, Depends(get_store)],
    sector: Annotated[
        str | None, Query(description="Only signals tagged with this sector.")
    ] = None,
    tag: Annotated[str | None, Query(description="Only signals with this tag (any kind).")] = None,
    limit: Annotated[int, limit_query(MAX_LIMIT)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Recorded signals, newest first."""
    try:
        return list_signals(store, sector=sector, tag=tag, limit=limit, offset=offset)
    except SignalError as exc:
        raise problem(400, str(exc), exc.errors) from None


@router.post("/signals", status_code=201, responses=error_responses(401, 403))
def post_signal(
    body: SignalIn,
    store: Annotated[Store, Depends(get_store)],
    actor: Annotated[Actor, Depends(require_admin)],
) -> dict[str, Any]:
    """Record a signal (needs an admin: session, `admin`-scoped token or the bootstrap token).

    Bad values give 422 with `errors` listing every `{field, message}`."""
    try:
        return add_signal(store, **body.model_dump(), actor=actor)
    except SignalError as exc:
        raise problem(422, str(exc), exc.errors) from None
