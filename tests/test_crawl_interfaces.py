"""Sources from the CLI, the API (crawl as a queued job run by a consumer) and the admin
pages, in English and French, against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from tests._crawl_server import Doc, Serving, Site
from tests._people import csrf_from, make_user, sign_in
from tests.test_crawl import manifest
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.jobs import log as job_log
from refaire.jobs.queue import start_embedded, stop_embedded


def _run(*args: str) -> dict:
    out = CliRunner().invoke(cli, [*args, "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_cli_sources(sqlite_store, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_CRAWL_ALLOW", "127.0.0.1")
    monkeypatch.setenv("REFAIRE_CRAWL_DELAY", "0")
    db = ["--db", sqlite_store.url]
    site = Site(docs={"/okh.toml": Doc(manifest("cli-made"))})
    with Serving(site) as site:
        made = _run("sources", "add", site.url("/okh.toml"), "--every", "6h", *db)
        assert made["every_s"] == 21600
        first = _run("sources", "crawl", str(made["id"]), *db)
        assert first["added"] == 1 and first["http_status"] == 200
        again = _run("sources", "crawl", str(made["id"]), *db)
        assert again["not_modified"] == 1 and again["added"] == 0
        listed = _run("sources", "list", *db)
        assert listed["total"] == 1 and listed["items"][0]["documents"] == 1
        shown = _run("sources", "show", str(made["id"]), *db)
        assert [h["added"] for h in shown["history"]] == [0, 1]
        queued = _run("sources", "crawl", str(made["id"]), "--queue", *db)
        assert job_log.get_job(sqlite_store, queued["job"])["state"] == "queued"
        plain = CliRunner().invoke(cli, ["sources", "show", str(made["id"]), *db])
        assert plain.exit_code == 0 and "history" in plain.output
    bad = CliRunner().invoke(cli, ["sources", "add", "ftp://x", *db])
    assert bad.exit_code == 2 and "http://" in bad.output
    assert (
        CliRunner()
        .invoke(cli, ["sources", "add", "https://e.org/", "--every", "2s", *db])
        .exit_code
        == 2
    )
    assert CliRunner().invoke(cli, ["sources", "show", "999", *db]).exit_code == 1
    assert _run("sources", "remove", str(made["id"]), *db) == {"removed": made["id"]}


def test_api_and_pages(sqlite_store, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_CRAWL_ALLOW", "127.0.0.1")
    monkeypatch.setenv("REFAIRE_CRAWL_DELAY", "0")
    client = TestClient(create_app(store=sqlite_store))
    assert client.get("/api/sources").status_code == 401
    admin = make_user(sqlite_store, "admin@example.org", admin=True)
    sign_in(client, sqlite_store, admin)
    site = Site(docs={"/a.toml": Doc(manifest("api-a")), "/b.toml": Doc(manifest("api-b"))})
    consumer = start_embedded(sqlite_store.url, workers=1, periodic=False)
    try:
        with Serving(site) as site:
            site.docs["/list.json"] = Doc(
                json.dumps({"urls": ["/a.toml", "/b.toml"]}).encode(), "application/json"
            )
            csrf = csrf_from(client, "/admin/sources")
            headers = {"X-CSRF-Token": csrf}
            bad = client.post("/api/sources", json={"url": "nope", "every": "x"}, headers=headers)
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
            made = client.post(
                "/api/sources", json={"url": site.url("/list.json")}, headers=headers
            )
            assert made.status_code == 201, made.text
            sid = made.json()["id"]
            queued = client.post(f"/api/sources/{sid}/crawl", headers=headers)
            assert queued.status_code == 202
            job = queued.json()["job"]
            deadline = time.monotonic() + 60
            while client.get(f"/api/jobs/{job}").json()["state"] not in ("done", "failed"):
                assert time.monotonic() < deadline, "the crawl job never ran"
                time.sleep(0.2)
            assert client.get(f"/api/jobs/{job}").json()["state"] == "done"
            detail = client.get(f"/api/sources/{sid}").json()
            assert detail["documents"] == 3 and detail["history"][0]["added"] == 2
            assert client.get("/api/sources/999").status_code == 404

            page = client.get(f"/admin/sources/{sid}")
            assert page.status_code == 200 and "list.json" in page.text
            fr = client.get(f"/admin/sources/{sid}", headers={"Accept-Language": "fr"})
            assert "Historique" in fr.text and "Fiches ajoutées" in fr.text
            r = client.post(f"/admin/sources/{sid}/crawl", data={"csrf_token": csrf},
                            follow_redirects=False)  # fmt: skip
            assert r.status_code == 303 and "queued=" in r.headers["location"]
            form = client.post("/admin/sources", data={"csrf_token": csrf, "url": "x", "every": ""},
                               headers={"Accept-Language": "fr"})  # fmt: skip
            assert form.status_code == 422 and "Une adresse http://" in form.text
            listing = client.get("/admin/sources")
            assert "list.json" in listing.text
            r = client.post(f"/admin/sources/{sid}/remove", data={"csrf_token": csrf},
                            follow_redirects=False)  # fmt: skip
            assert r.status_code == 303
            assert client.get(f"/admin/sources/{sid}").status_code == 404
    finally:
        stop_embedded(consumer)


def test_the_periodic_task_queues_due_sources_once(sqlite_store) -> None:
    from sqlalchemy import update

    from refaire.crawl.sources import add_source, source_detail
    from refaire.jobs.queue import use_queue
    from refaire.jobs.tasks import crawl_due
    from refaire.people import OPERATOR
    from refaire.store.tables import crawl_sources

    due = add_source(sqlite_store, "https://example.org/due.txt", "1h", OPERATOR)
    later = add_source(sqlite_store, "https://example.org/later.txt", "1h", OPERATOR)
    manual = add_source(sqlite_store, "https://example.org/manual.txt", None, OPERATOR)
    with sqlite_store.engine.begin() as conn:
        conn.execute(
            update(crawl_sources)
            .where(crawl_sources.c.id == later["id"])
            .values(next_due_at="2999-01-01T00:00:00+00:00")
        )
    use_queue(sqlite_store.url)
    crawl_due.call_local()
    crawl_due.call_local()  # a second tick finds nothing due any more
    jobs = job_log.list_jobs(sqlite_store)["items"]
    assert [j["label"] for j in jobs] == [f"scheduled crawl of source {due['id']}"]
    assert source_detail(sqlite_store, due["id"])["next_due_at"] > due["next_due_at"]
    assert source_detail(sqlite_store, manual["id"])["next_due_at"] is None
