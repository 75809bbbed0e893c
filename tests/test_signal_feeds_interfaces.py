"""Signal feeds from the CLI, the API (a poll as a queued job run by a consumer) and the
pages (feeds admin, the analyst's tag form, the sector page's news series), in English and
French, against feed files served on 127.0.0.1."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from tests._crawl_server import Serving
from tests._people import csrf_from, make_user, sign_in
from tests.test_signal_feeds import site
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.jobs import log as job_log
from refaire.jobs.queue import start_embedded, stop_embedded


def _run(*args: str) -> dict:
    out = CliRunner().invoke(cli, [*args, "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_cli_feeds_and_tags(sqlite_store, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_CRAWL_ALLOW", "127.0.0.1")
    monkeypatch.setenv("REFAIRE_CRAWL_DELAY", "0")
    db = ["--db", sqlite_store.url]
    with Serving(site()) as s:
        made = _run("signals", "feeds", "add", s.url("/rss2.xml"), "--every", "1d", *db)
        assert made["every_s"] == 86400
        page = _run("signals", "feeds", "add", s.url("/page"), *db)
        polled = _run("signals", "feeds", "poll", *db)["runs"]
        assert [r["added"] for r in polled] == [2, 0]
        assert polled[1]["error"] == "the URL gave an HTML page, not an RSS or Atom feed"
        plain = CliRunner().invoke(cli, ["signals", "feeds", "poll", str(page["id"]), *db])
        assert plain.exit_code == 0 and "HTML page" in plain.output
    listed = _run("signals", "feeds", "list", *db)
    assert [f["signals"] for f in listed["items"]] == [2, 0]
    shown = _run("signals", "feeds", "show", str(made["id"]), *db)
    assert shown["history"][0]["added"] == 2
    plain_list = CliRunner().invoke(cli, ["signals", "list", *db])
    assert (
        plain_list.exit_code == 0 and "~" in plain_list.output and "inferred" in plain_list.output
    )
    sig = _run("signals", "list", *db)["items"][0]
    tagged = _run("signals", "tag", str(sig["id"]), "--sector", "B62", "--confirm", *db)
    assert tagged["sectors"] == ["B62"] and {t["origin"] for t in tagged["tags"]} == {"confirmed"}
    bad = CliRunner().invoke(cli, ["signals", "tag", str(sig["id"]), "--sector", "QQ", *db])
    assert bad.exit_code == 2 and "--sector must be a sector id" in bad.output
    assert CliRunner().invoke(cli, ["signals", "tag", "999", "--confirm", *db]).exit_code == 1
    assert CliRunner().invoke(cli, ["signals", "feeds", "add", "ftp://x", *db]).exit_code == 2
    assert CliRunner().invoke(cli, ["signals", "feeds", "poll", "999", *db]).exit_code == 1
    assert _run("signals", "feeds", "remove", str(page["id"]), *db) == {"removed": page["id"]}


def test_api_and_pages(sqlite_store, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_CRAWL_ALLOW", "127.0.0.1")
    monkeypatch.setenv("REFAIRE_CRAWL_DELAY", "0")
    client = TestClient(create_app(store=sqlite_store))
    assert client.get("/api/signal-feeds").status_code == 401
    admin = make_user(sqlite_store, "admin@example.org", admin=True)
    sign_in(client, sqlite_store, admin)
    consumer = start_embedded(sqlite_store.url, workers=1, periodic=False)
    try:
        with Serving(site()) as s:
            csrf = csrf_from(client, "/observatory/signals/feeds")
            headers = {"X-CSRF-Token": csrf}
            bad = client.post("/api/signal-feeds", json={"url": "nope", "every": "x"},
                              headers=headers)  # fmt: skip
            assert bad.status_code == 422
            assert [e["field"] for e in bad.json()["errors"]] == ["url", "every"]
            made = client.post("/api/signal-feeds", json={"url": s.url("/hostile.xml")},
                               headers=headers)  # fmt: skip
            assert made.status_code == 201, made.text
            fid = made.json()["id"]
            queued = client.post(f"/api/signal-feeds/{fid}/poll", headers=headers)
            assert queued.status_code == 202
            job = queued.json()["job"]
            deadline = time.monotonic() + 60
            while client.get(f"/api/jobs/{job}").json()["state"] not in ("done", "failed"):
                assert time.monotonic() < deadline, "the poll job never ran"
                time.sleep(0.2)
            assert job_log.get_job(sqlite_store, job)["state"] == "done"
            detail = client.get(f"/api/signal-feeds/{fid}").json()
            assert detail["history"][0]["added"] == 1 and detail["signals"] == 1
            assert client.get("/api/signal-feeds/999").status_code == 404

            # the hostile item: text only, on the signals page too
            sig = client.get("/api/signals").json()["items"][0]
            assert sig["title"] == "Drone kit released"
            signals_page = client.get("/observatory/signals")
            assert signals_page.status_code == 200
            assert "alert(" not in signals_page.text and "onerror" not in signals_page.text
            assert "inferred, confidence" in signals_page.text  # weaker marked as such
            assert 'id="feeds-link"' in signals_page.text
            # the analyst corrects: API then page form
            r = client.post(f"/api/signals/{sig['id']}/tags", json={"sectors": ["B64"]},
                            headers=headers)  # fmt: skip
            assert r.status_code == 200 and r.json()["sectors"] == ["B64"]
            assert client.post(f"/api/signals/{sig['id']}/tags", json={"sectors": ["nope"]},
                               headers=headers).status_code == 422  # fmt: skip
            assert client.post("/api/signals/999/tags", json={"confirm": True},
                               headers=headers).status_code == 404  # fmt: skip
            r = client.post(f"/observatory/signals/{sig['id']}/tags",
                            data={"csrf_token": csrf, "confirm": "1"}, follow_redirects=False)  # fmt: skip
            assert r.status_code == 303 and "tagged=" in r.headers["location"]
            shown = client.get(f"/api/signals/{sig['id']}").json()
            assert {t["origin"] for t in shown["tags"]} == {"confirmed"}
            nothing = client.post(f"/observatory/signals/{sig['id']}/tags",
                                  data={"csrf_token": csrf}, headers={"Accept-Language": "fr"})  # fmt: skip
            assert nothing.status_code == 422 and "cochez" in nothing.text

            # the sector page shows the news as its own series, in its JSON too
            report = client.get("/api/observatory/sectors/B64?coverage=false")
            assert report.status_code == 200, report.text
            news = report.json()["momentum_news"]
            assert news["in_index"] is False
            assert news["by_year"] == [{"year": "2025", "certain": 1, "inferred": 0}]
            html = client.get("/observatory/sectors/B64", headers={"Accept-Language": "fr"})
            assert html.status_code == 200 and "une série à part" in html.text

            # the feeds pages, English and French
            page = client.get(f"/observatory/signals/feeds/{fid}")
            assert page.status_code == 200 and "hostile.xml" in page.text
            assert "<script>alert" not in page.text
            fr = client.get("/observatory/signals/feeds", headers={"Accept-Language": "fr"})
            assert "Flux suivis" in fr.text and "Signaux apportés" in fr.text
            form = client.post("/observatory/signals/feeds",
                               data={"csrf_token": csrf, "url": s.url("/hostile.xml")},
                               headers={"Accept-Language": "fr"})  # fmt: skip
            assert form.status_code == 422 and "déjà suivi" in form.text
            r = client.post("/observatory/signals/feeds",
                            data={"csrf_token": csrf, "url": s.url("/atom.xml"), "every": "6h"},
                            follow_redirects=False)  # fmt: skip
            assert r.status_code == 303
            atom_id = int(r.headers["location"].rsplit("/", 1)[1])
            r = client.post(f"/observatory/signals/feeds/{atom_id}/poll",
                            data={"csrf_token": csrf}, follow_redirects=False)  # fmt: skip
            assert r.status_code == 303 and "queued=" in r.headers["location"]
            r = client.post(f"/observatory/signals/feeds/{atom_id}/remove",
                            data={"csrf_token": csrf}, follow_redirects=False)  # fmt: skip
            assert r.status_code == 303
            assert client.get(f"/observatory/signals/feeds/{atom_id}").status_code == 404
            assert client.delete(f"/api/signal-feeds/{fid}", headers=headers).json() == {
                "removed": fid
            }
    finally:
        stop_embedded(consumer)
    member = TestClient(create_app(store=sqlite_store))
    sign_in(member, sqlite_store, make_user(sqlite_store, "m@example.org"))
    assert member.get("/observatory/signals/feeds").status_code == 403
    assert 'id="feeds-link"' not in member.get("/observatory/signals").text


def test_the_periodic_task_queues_due_feeds_once(sqlite_store) -> None:
    from refaire.jobs.queue import use_queue
    from refaire.jobs.tasks import feeds_due
    from refaire.observatory.feeds import add_feed
    from refaire.people import OPERATOR

    due = add_feed(sqlite_store, "https://example.org/due.rss", "1h", OPERATOR)
    add_feed(sqlite_store, "https://example.org/manual.rss", None, OPERATOR)
    use_queue(sqlite_store.url)
    feeds_due.call_local()
    feeds_due.call_local()
    jobs = job_log.list_jobs(sqlite_store)["items"]
    assert [j["label"] for j in jobs] == [f"scheduled poll of feed {due['id']}"]
