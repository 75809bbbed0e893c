"""The watch reads feeds served by a real HTTP server on 127.0.0.1: RSS 2.0, Atom, a broken
feed, a hostile one (HTML and scripts in titles), an HTML page; dedupe by URL and title;
tags inferred with confidence, confirmed by an analyst."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests._crawl_server import Doc, Serving, Site

from refaire.crawl.fetch import Fetcher
from refaire.crawl.guard import allowed_networks
from refaire.observatory.dedupe import near_duplicate, normalise_title
from refaire.observatory.feed_items import strip_html
from refaire.observatory.feeds import (
    FeedInputError,
    UnknownFeed,
    add_feed,
    due_feeds,
    feed_detail,
    list_feeds,
    poll_feed,
    remove_feed,
)
from refaire.observatory.news_series import news_series
from refaire.observatory.signals import SignalError, get_signal, list_signals, tag_signal
from refaire.people import OPERATOR

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
LOCAL = allowed_networks("127.0.0.1")


def fetcher() -> Fetcher:
    return Fetcher(delay=0.0, deadline=2.0, read_timeout=2.0, connect_timeout=2.0,
                   max_bytes=200_000, retries=0, backoff=0.01, allow=LOCAL)  # fmt: skip


def site() -> Site:
    s = Site()
    for name in ("rss2", "atom", "hostile", "broken"):
        s.docs[f"/{name}.xml"] = Doc((FEEDS / f"{name}.xml").read_bytes(), "application/rss+xml")
    s.docs["/page"] = Doc(b"<!doctype html><html><body><p>Our news</p></body></html>", "text/html")
    return s


def _by_title(store) -> dict[str, dict]:
    return {s["title"]: s for s in list_signals(store, limit=500)["items"]}


def test_rss_and_atom_items_become_tagged_signals_once(any_store) -> None:
    with Serving(site()) as s:
        rss = add_feed(any_store, s.url("/rss2.xml"), "1d", OPERATOR)
        atom = add_feed(any_store, s.url("/atom.xml"), None, OPERATOR)
        first = poll_feed(any_store, rss["id"], fetcher())
        assert (first["items"], first["added"], first["skipped"]) == (3, 2, 1)
        assert "javascript" in first["error"]  # the item without an http(s) link, located
        again = poll_feed(any_store, rss["id"], fetcher())
        assert again["http_status"] == 304 and again["added"] == 0  # conditional GET
        second = poll_feed(any_store, atom["id"], fetcher())
    # the retold repair café (near-identical title) and the wheelchair (same URL) are dupes
    assert (second["added"], second["duplicates"]) == (1, 2)
    signals = _by_title(any_store)
    assert len(signals) == 3
    wheel = signals["Our fablab opens an open hardware wheelchair workshop"]
    assert (
        wheel["published"] == "2024-05-14" and wheel["url"] == "https://example.org/news/wheelchair"
    )
    assert (
        wheel["summary"] == "Volunteers build wheelchairs and prosthetic limbs from open designs."
    )
    origins = {(t["kind"], t["value"]): (t["origin"], t["confidence"]) for t in wheel["tags"]}
    assert origins[("practice", "fabrication-place")][0] == "inferred"
    assert origins[("practice", "open-design")] == ("inferred", 0.6)
    assert origins[("actor", "Atelier Soudé news")] == ("stated", None)
    sector_tags = [t for t in wheel["tags"] if t["kind"] == "sector"]
    assert sector_tags and all(
        t["origin"] == "inferred" and 0.5 <= t["confidence"] < 1 for t in sector_tags
    )
    news = news_series(any_store, sector_tags[0]["value"])
    assert news["in_index"] is False
    assert {"year": "2024", "certain": 0, "inferred": 1} in news["by_year"]
    pump = signals["Solar water pump documented as open hardware"]
    assert pump["published"] == "2025-01-10" and "Ada Lovelace" in pump["actors"]
    assert pump["summary"] == "A photovoltaic pump for irrigation."
    listed = list_feeds(any_store)
    assert [f["signals"] for f in listed["items"]] == [2, 1]
    assert listed["items"][1]["title"] == "Open Hardware Observatory"


def test_broken_hostile_and_html_feeds_leave_clear_errors_and_no_markup(any_store) -> None:
    with Serving(site()) as s:
        ids = {n: add_feed(any_store, s.url(p), None, OPERATOR)["id"]
               for n, p in (("broken", "/broken.xml"), ("hostile", "/hostile.xml"),
                            ("page", "/page"), ("missing", "/nothing.xml"))}  # fmt: skip
        runs = {n: poll_feed(any_store, i, fetcher()) for n, i in ids.items()}
    assert runs["broken"]["added"] == 0 and runs["broken"]["error"].startswith("malformed feed")
    assert runs["page"]["error"] == "the URL gave an HTML page, not an RSS or Atom feed"
    assert runs["missing"]["error"] == "HTTP 404: no feed"
    assert feed_detail(any_store, ids["page"])["history"][0]["error"] == runs["page"]["error"]
    (drone,) = list_signals(any_store)["items"]
    assert drone["title"] == "Drone kit released"
    assert drone["summary"] == "A quadcopter drone kit."
    assert "<" not in repr(drone) and "alert" not in repr(drone)


def test_a_huge_feed_stops_at_the_limit(any_store) -> None:
    s = Site(huge=3_000_000)  # streamed; the fetcher (200 kB limit here) stops reading
    with Serving(s):
        feed = add_feed(any_store, s.url("/huge"), None, OPERATOR)
        run = poll_feed(any_store, feed["id"], fetcher())
    assert "over the 200,000-byte limit" in run["error"] and run["added"] == 0
    assert list_signals(any_store)["total"] == 0


def test_refused_address_and_bad_input(any_store) -> None:
    feed = add_feed(any_store, "http://127.0.0.1:9/feed.xml", None, OPERATOR)
    strict = Fetcher(delay=0.0, retries=0, allow=[])  # the guard as in production
    run = poll_feed(any_store, feed["id"], strict)
    assert "private, loopback" in run["error"] and run["added"] == 0
    with pytest.raises(FeedInputError) as bad:
        add_feed(any_store, "ftp://example.org/feed", "5s", OPERATOR)
    assert [f for f, _ in bad.value.errors] == ["url", "every"]
    with pytest.raises(FeedInputError):
        add_feed(any_store, "http://127.0.0.1:9/feed.xml", None, OPERATOR)  # watched already
    remove_feed(any_store, feed["id"], OPERATOR)
    with pytest.raises(UnknownFeed):
        poll_feed(any_store, feed["id"])


def test_due_feeds_taken_once(any_store) -> None:
    a = add_feed(any_store, "https://example.org/a.xml", "1h", OPERATOR)
    add_feed(any_store, "https://example.org/b.xml", None, OPERATOR)  # only when asked
    assert due_feeds(any_store) == [a["id"]]
    assert due_feeds(any_store) == []


def test_analyst_confirms_and_corrects_tags(any_store) -> None:
    with Serving(site()) as s:
        feed = add_feed(any_store, s.url("/rss2.xml"), None, OPERATOR)
        poll_feed(any_store, feed["id"], fetcher())
    sig = _by_title(any_store)["Repair café: bicycles and washing machines repaired"]
    fixed = tag_signal(any_store, sig["id"], OPERATOR, sectors=["B62"])
    assert fixed["sectors"] == ["B62"]
    kinds = {(t["kind"], t["origin"]) for t in fixed["tags"]}
    assert ("sector", "confirmed") in kinds and ("sector", "inferred") not in kinds
    assert ("practice", "inferred") in kinds  # untouched kinds stay as they were
    done = tag_signal(any_store, sig["id"], OPERATOR, confirm=True)
    assert {t["origin"] for t in done["tags"]} == {"confirmed"}
    assert all(t["confidence"] is None for t in done["tags"])
    assert [s["id"] for s in list_signals(any_store, sector="B62")["items"]] == [sig["id"]]
    with pytest.raises(SignalError):
        tag_signal(any_store, sig["id"], OPERATOR, sectors=["ZZ9"])
    with pytest.raises(SignalError):
        tag_signal(any_store, sig["id"], OPERATOR)
    assert get_signal(any_store, sig["id"])["sectors"] == ["B62"]


def test_titles_normalised_and_near_duplicates() -> None:
    assert normalise_title("Repair  Café : opens!") == "repair café opens"
    assert near_duplicate("repair cafe opens today", ["drone kit", "repair cafe opens toda"])
    assert near_duplicate("repair cafe opens", ["a solar pump for irrigation"]) is None
    assert strip_html("<p>a <script>x()</script><b>b</b> &amp; c</p>") == "a b & c"
