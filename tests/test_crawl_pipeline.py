"""A recrawl asks one host "still unchanged?" for its documents pipelined on one connection
(crawl.pipeline), and falls back to the ordinary fetch for every other answer: the counts
of a crawl are the same as one document at a time, whatever the server does."""

from __future__ import annotations

from tests._crawl_server import Doc, Serving, Site

from refaire.crawl.fetch import USER_AGENT, Fetcher
from refaire.crawl.guard import allowed_networks
from refaire.crawl.pipeline import _request, unchanged
from refaire.crawl.sources import add_source, crawl_source
from refaire.people import OPERATOR

LOCAL = allowed_networks("127.0.0.1")
COUNT = 30


def manifest(i: int, version: str = "1.0") -> bytes:
    return (
        f'okhv = "OKH-LOSHv1.0"\nname = "Lamp {i}"\nrepo = "https://example.org/lamp/{i}"\n'
        f'version = "{version}"\nlicense = "MIT"\nfunction = "A test lamp"\n'
    ).encode()


def fetcher(**kw) -> Fetcher:
    options = {"delay": 0.0, "deadline": 2.0, "read_timeout": 2.0, "connect_timeout": 2.0,
               "max_bytes": 1_000_000, "retries": 0, "backoff": 0.01, "allow": LOCAL}  # fmt: skip
    return Fetcher(**{**options, **kw})


def _site() -> Site:
    site = Site()
    site.docs = {f"/m/{i}.toml": Doc(manifest(i)) for i in range(COUNT)}
    return site


def _source(store, site: Site) -> int:
    urls = "\n".join(site.url(f"/m/{i}.toml") for i in range(COUNT))
    site.docs["/list.txt"] = Doc(urls.encode())
    return add_source(store, site.url("/list.txt"), None, OPERATOR)["id"]


def test_unchanged_documents_are_confirmed_on_one_connection(sqlite_store, monkeypatch) -> None:
    monkeypatch.setattr("refaire.crawl.pipeline.BATCH", 7)  # several batches on one connection
    with Serving(_site()) as site:
        source = _source(sqlite_store, site)
        first = crawl_source(sqlite_store, source, fetcher())
        assert first["added"] == COUNT and first["errors"] == []

        # a changed document, a gone one and a big changed one among the unchanged
        site.docs["/m/3.toml"] = Doc(manifest(3, "2.0"))
        site.docs.pop("/m/7.toml")
        site.docs["/m/20.toml"] = Doc(manifest(20, "3.0") + b"# " + b"x" * 70_000 + b"\n")
        connections, not_modified = site.connections, site.not_modified
        second = crawl_source(sqlite_store, source, fetcher())
        assert second["not_modified"] == COUNT - 3 + 1  # the list itself too
        assert second["changed"] == 2 and second["updated"] == 2
        assert [e["url"] for e in second["errors"]] == [site.url("/m/7.toml")]
        # the 304s of the documents before the big answer came pipelined on one connection;
        # the big answer ended the pipeline, the rest came one at a time on httpx's connection
        assert site.connections - connections == 2
        # requests already sent behind the big answer were answered too, then asked again
        assert site.not_modified - not_modified >= COUNT - 3 + 1

        third = crawl_source(sqlite_store, source, fetcher())
        assert third["not_modified"] == COUNT - 1 + 1 and third["changed"] == 0


def test_a_server_that_closes_after_each_answer_still_gives_the_right_counts(
    sqlite_store,
) -> None:
    with Serving(_site()) as site:
        source = _source(sqlite_store, site)
        crawl_source(sqlite_store, source, fetcher())
        site.close_each = True
        site.docs["/m/0.toml"] = Doc(manifest(0, "2.0"))
        again = crawl_source(sqlite_store, source, fetcher())
        assert again["not_modified"] == COUNT - 1 + 1 and again["changed"] == 1
        assert again["errors"] == []


def test_no_pipelining_with_a_politeness_gap_or_a_refused_address() -> None:
    with Serving(_site()) as site:
        wanted = [(site.url("/m/1.toml"), '"nope"', None)]
        with fetcher(delay=0.01) as client:
            assert client.unchanged(wanted) == set()  # spaced requests: one at a time
        with fetcher(allow=[]) as client:
            assert client.unchanged(wanted) == set()  # 127.0.0.1 not allowed: not asked
        assert site.hits.get("/m/1.toml") is None
        with fetcher() as client:
            answer = client.fetch(site.url("/m/1.toml"))
            assert answer.status == 200 and answer.etag
            assert client.unchanged([(site.url("/m/1.toml"), answer.etag, None)]) == {
                site.url("/m/1.toml")
            }
            assert client.unchanged([(site.url("/m/1.toml"), '"stale"', None)]) == set()


def test_requests_with_odd_bytes_are_left_to_httpx() -> None:
    assert _request("http://h.example/a b", '"e"', None, USER_AGENT) is None
    assert _request("http://h.example/é", '"e"', None, USER_AGENT) is None
    assert _request("http://h.example/a", '"e"\r\nX-Evil: 1', None, USER_AGENT) is None
    sent = _request("http://h.example:8080/a?x=1", '"e"', "Tue, 01 Dec 2026 10:00:00 GMT", "R")
    assert sent is not None
    assert sent.startswith(b"GET /a?x=1 HTTP/1.1\r\nHost: h.example:8080\r\n")
    assert b'If-None-Match: "e"\r\n' in sent and sent.endswith(b"\r\n\r\n")


def test_a_lying_status_line_stops_the_pipeline_without_confirming() -> None:
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def answer() -> None:
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 304 Not Modified\r\n\r\nGARBAGE\r\n\r\n")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    wanted = [(f"http://127.0.0.1:{port}/{i}", '"e"', None) for i in range(3)]
    got = unchanged(wanted, allow=LOCAL, agent="R", connect_timeout=2, read_timeout=2, deadline=2)
    assert got == {wanted[0][0]}  # the one real 304; garbage and a closed socket confirm nothing
    server.close()
