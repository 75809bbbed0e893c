"""Crawling sources served by a real HTTP server on 127.0.0.1: changed, unchanged (304),
gone (withdrawn after N crawls, never deleted), slow, huge, redirect loops, HTML instead of
a manifest, robots.txt, and the address guard (re-checked on redirects)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests._crawl_server import Doc, Serving, Site

from refaire.app import create_app
from refaire.crawl.fetch import Fetcher
from refaire.crawl.guard import Refused, allowed_networks, check_url
from refaire.crawl.sources import (
    SourceError,
    UnknownSource,
    add_source,
    crawl_source,
    parse_every,
    remove_source,
    source_detail,
)
from refaire.people import OPERATOR
from refaire.store.tables import designs

LOCAL = allowed_networks("127.0.0.1")


def manifest(name: str, version: str = "1.0") -> bytes:
    return (
        f'okhv = "OKH-LOSHv1.0"\nname = "{name}"\nrepo = "https://example.org/{name}"\n'
        f'version = "{version}"\nlicense = "MIT"\nfunction = "A test design"\n'
    ).encode()


def fetcher(**kw) -> Fetcher:
    options = {"delay": 0.0, "deadline": 1.5, "read_timeout": 2.0, "connect_timeout": 2.0,
               "max_bytes": 1_000_000, "retries": 1, "backoff": 0.01, "allow": LOCAL}  # fmt: skip
    return Fetcher(**{**options, **kw})


def _designs(store) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(designs.c.source, designs.c.withdrawn_at)).all()
    return {r.source: r.withdrawn_at for r in rows}


def test_crawl_a_list_source_through_changes_304s_gone_and_bad_documents(
    any_store, monkeypatch
) -> None:
    monkeypatch.setenv("REFAIRE_CRAWL_GONE_AFTER", "2")
    site = Site(huge=3_000_000)
    site.docs = {
        "/a.toml": Doc(manifest("alpha")),
        "/b.toml": Doc(manifest("beta")),
        "/c.toml": Doc(manifest("gamma")),
        "/page": Doc(b"<!doctype html><html><body>Hello</body></html>", "text/html"),
        "/slow.toml": Doc(manifest("slow") * 4, slow_s=0.05),
        "/loop1": Doc(b"", redirect="/loop2"),
        "/loop2": Doc(b"", redirect="/loop1"),
        "/meta": Doc(b"", redirect="http://169.254.169.254/latest/meta-data/"),
        "/private/x.toml": Doc(manifest("hidden")),
    }
    site.robots = "User-agent: *\nDisallow: /private/\n"
    with Serving(site) as site:
        names = ["/a.toml", "/b.toml", "/c.toml", "/page", "/slow.toml", "/loop1", "/meta",
                 "/huge", "/private/x.toml"]  # fmt: skip
        site.docs["/list.txt"] = Doc(("\n".join(site.url(n) for n in names) + "\n").encode())
        source = add_source(any_store, site.url("/list.txt"), "1d", OPERATOR)
        assert source["every_s"] == 86400 and source["next_due_at"]

        first = crawl_source(any_store, source["id"], fetcher())
        assert first["http_status"] == 200 and first["documents"] == 10
        assert first["added"] == 3 and first["updated"] == 0 and first["changed"] == 3
        by_url = {e["url"].rsplit("/", 1)[-1]: e["message"] for e in first["errors"]}
        assert "HTML page" in by_url["page"]
        assert "cut off" in by_url["slow.toml"]
        assert "redirect loop" in by_url["loop1"]
        assert "169.254.169.254" in by_url["meta"] and "link-local" in by_url["meta"]
        assert "over the 1,000,000-byte limit" in by_url["huge"]
        assert "robots.txt" in by_url["x.toml"]
        assert site.hits.get("/private/x.toml") is None  # never asked for
        assert set(_designs(any_store)) == {site.url(n) for n in ("/a.toml", "/b.toml", "/c.toml")}

        # unchanged: every good document answers 304, nothing is read again
        before = site.not_modified
        second = crawl_source(any_store, source["id"], fetcher())
        assert site.not_modified - before == 4  # the list and a, b, c
        assert second["not_modified"] == 4 and second["changed"] == 0
        assert second["added"] == second["updated"] == 0

        # one document changes, one disappears
        site.docs["/b.toml"] = Doc(manifest("beta", "2.0"))
        site.docs.pop("/c.toml")
        third = crawl_source(any_store, source["id"], fetcher())
        assert third["changed"] == 1 and third["updated"] == 1 and third["added"] == 0
        assert third["withdrawn"] == 0  # gone once: not yet withdrawn
        assert any("HTTP 404" in e["message"] for e in third["errors"])
        assert _designs(any_store)[site.url("/c.toml")] is None

        fourth = crawl_source(any_store, source["id"], fetcher())
        assert fourth["withdrawn"] == 1
        kept = _designs(any_store)
        assert kept[site.url("/c.toml")] is not None  # withdrawn with its date, not deleted
        assert kept[site.url("/a.toml")] is None
        with any_store.engine.connect() as conn:
            gone_id = conn.execute(
                select(designs.c.id).where(designs.c.source == site.url("/c.toml"))
            ).scalar_one()
        client = TestClient(create_app(store=any_store))
        assert (
            client.get(f"/api/designs/{gone_id}").json()["withdrawn_at"]
            == kept[site.url("/c.toml")]
        )
        assert "Withdrawn by its source on" in client.get(f"/designs/{gone_id}").text
        fr = client.get(f"/designs/{gone_id}", headers={"Accept-Language": "fr"})
        assert "Retiré par sa source le" in fr.text
        detail = source_detail(any_store, source["id"])
        assert [h["started_at"] for h in detail["history"]] == sorted(
            (h["started_at"] for h in detail["history"]), reverse=True
        )
        assert len(detail["history"]) == 4
        assert [w["url"] for w in detail["withdrawn"]] == [site.url("/c.toml")]

        # it comes back: restored
        site.docs["/c.toml"] = Doc(manifest("gamma"))
        crawl_source(any_store, source["id"], fetcher())
        assert _designs(any_store)[site.url("/c.toml")] is None

        remove_source(any_store, source["id"], OPERATOR)
        with pytest.raises(UnknownSource):
            source_detail(any_store, source["id"])
        assert len(_designs(any_store)) == 3  # the records stay


def test_a_single_manifest_source_and_the_guard(sqlite_store) -> None:
    site = Site()
    site.docs = {"/okh.toml": Doc(manifest("solo")), "/index": Doc(b"<html>no</html>", "text/html")}
    with Serving(site) as site:
        solo = add_source(sqlite_store, site.url("/okh.toml"), None, OPERATOR)
        assert crawl_source(sqlite_store, solo["id"], fetcher())["added"] == 1
        assert crawl_source(sqlite_store, solo["id"], fetcher())["not_modified"] == 1

        html = add_source(sqlite_store, site.url("/index"), None, OPERATOR)
        entry = crawl_source(sqlite_store, html["id"], fetcher())
        assert entry["added"] == 0 and "HTML page" in entry["errors"][0]["message"]

        # without 127.0.0.1 allowed, the same server is out of reach
        refused = crawl_source(sqlite_store, solo["id"], fetcher(allow=[]))
        assert "loopback" in refused["errors"][0]["message"] and refused["http_status"] is None

    with pytest.raises(SourceError):
        add_source(sqlite_store, "ftp://example.org/x", None, OPERATOR)
    with pytest.raises(SourceError):
        add_source(sqlite_store, site.url("/okh.toml"), None, OPERATOR)  # already a source
    with pytest.raises(SourceError):
        parse_every("often")
    with pytest.raises(SourceError):
        parse_every("5s")
    assert parse_every("6h") == 21600
    for url in (
        "http://169.254.169.254/",
        "http://[::1]:80/",
        "http://10.1.2.3/",
        "file:///etc/passwd",
    ):
        with pytest.raises(Refused):
            check_url(url, [])
    check_url("http://127.0.0.1:9/", LOCAL)  # allowed explicitly
