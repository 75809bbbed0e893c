"""/api/offers, /api/makers/{uid}, /api/valueflows: the made-to-order storefront and its
Valueflows publication. Refusals are mapped as in `api/production.py`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from refaire.api._deps import get_store
from refaire.api.production import CONFLICT, ActorDep, Limit, Offset, answer
from refaire.contract.params import RowId
from refaire.places import PlaceError, resolve_place
from refaire.production import offers, reviews, valueflows
from refaire.store import Store

router = APIRouter(tags=["made-to-order offers and Valueflows"])
IdQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Record id.")]
StoreDep = Annotated[Store, Depends(get_store)]


class Variant(BaseModel):
    material: str | None = None
    colour: str | None = None
    size: str | None = None


class Break(BaseModel):
    min_qty: int = Field(1, description="From this quantity on…")
    unit_price: str = Field(description="…this unit price (decimal, e.g. '12.50').")


class OfferIn(BaseModel):
    facility: int | None = Field(None, description="A facility you manage; omit as a maker.")
    design: str | None = Field(None, description="Registry design id or key.")
    title: str | None = None
    description: str | None = Field(None, max_length=5000)
    okh_url: str | None = Field(None, description="Your own product's OKH manifest URL.")
    variants: list[Variant] = []
    price_breaks: list[Break]
    currency: str
    lead_days: int
    place: str | None = Field(None, description="Town or 'LAT,LON' (default: the facility's).")
    radius_km: float = 50
    countries: list[str] = []
    shipping: str = "0"


class OrderIn(BaseModel):
    quantity: int
    variant: int = 0
    place: str | None = Field(None, max_length=300, description="Delivery place.")


def _near(near: str | None) -> tuple[float, float] | None:
    if not near:
        return None
    try:
        return resolve_place(near).point
    except PlaceError as exc:
        raise HTTPException(400, exc.text("en")) from None


@router.get("/offers")
def search(store: StoreDep, q: Annotated[str | None, Query(max_length=200)] = None,
           sector: Annotated[str | None, Query(max_length=10)] = None,
           near: Annotated[str | None, Query(description="Town or 'LAT,LON'")] = None,
           radius_km: Annotated[float, Query(gt=0, le=20000)] = offers.DEFAULT_NEAR_KM,
           design: IdQuery = None, maker: IdQuery = None, facility: IdQuery = None,
           limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """Active offers by words, sector, design, seller, and near a place (they deliver there)."""
    point = _near(near)
    return answer(lambda: offers.search_offers(store, q, sector, point, radius_km, design, maker,
                                               facility, limit, offset))  # fmt: skip


@router.post("/offers", status_code=201)
def create(body: OfferIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Publish a made-to-order offer (as a maker, or for a facility you manage)."""
    return answer(lambda: offers.create_offer(store, actor, body.model_dump()))


@router.get("/offers/{oid}")
def detail(oid: RowId, store: StoreDep) -> dict[str, Any]:
    return answer(lambda: offers.offer_detail(store, oid))


@router.post("/offers/{oid}/withdraw")
def withdraw(oid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    return answer(lambda: offers.withdraw_offer(store, actor, oid))


@router.post("/offers/{oid}/orders", status_code=201, responses=CONFLICT)
def order(oid: RowId, body: OrderIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Order an offer: an order with the same lifecycle as an accepted quote."""
    return answer(lambda: offers.order_offer(store, actor, oid, body.model_dump()))


@router.get("/makers/{uid}")
def storefront(uid: RowId, store: StoreDep) -> dict[str, Any]:
    """A maker's storefront: their active offers and the reviews of them."""
    return {"maker": uid, "offers": offers.search_offers(store, maker=uid, limit=200),
            "reviews": reviews.summary(store, user_id=uid, items=20)}  # fmt: skip


@router.get("/valueflows", responses={200: {"content": {"application/ld+json": {}}}})
def valueflows_document(request: Request, store: StoreDep, actor: ActorDep,
                        day: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None
                        ) -> Any:  # fmt: skip
    """Public requests and offers as vf:Proposal/vf:Intent; the orders and deliveries the
    reader is a party of as vf:Agreement/vf:Commitment/vf:EconomicEvent (JSON-LD)."""
    from fastapi.responses import JSONResponse

    doc = valueflows.document(store, actor, str(request.base_url), day)
    return JSONResponse(doc, media_type="application/ld+json")
