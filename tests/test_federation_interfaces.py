"""Following a peer from the API (pull as a queued job) and the admin page, in English and
French, against a real peer server on 127.0.0.1; the pulled design's page names its origin."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from tests._contention import Server
from tests._people import csrf_from, make_user, sign_in

from refaire.app import create_app
from refaire.ingest.runner import import_sources
from refaire.jobs.queue import start_embedded, stop_embedded
from refaire.store import open_store

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "okh" / "v1"


def test_api_job_and_admin_page(sqlite_store, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_CRAWL_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("REFAIRE_FEDERATION_SYNC_S", "0")  # a change is in the very next pull
    url_a = f"sqlite:///{tmp_path / 'a.db'}"
    import_sources(open_store(url_a), [str(sorted(SAMPLE.iterdir())[1])])
    (tmp_path / "a").mkdir()
    peer_server = Server(url_a, tmp_path / "a")
    client = TestClient(create_app(store=sqlite_store))
    consumer = start_embedded(sqlite_store.url, workers=1, periodic=False)
    try:
        assert client.get("/api/peers").status_code == 401
        sign_in(client, sqlite_store, make_user(sqlite_store, "admin@example.org", admin=True))
        csrf = csrf_from(client, "/admin/peers")
        headers = {"X-CSRF-Token": csrf}
        bad = client.post("/api/peers", json={"url": "ftp://nope"}, headers=headers)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
        made = client.post("/api/peers", json={"url": peer_server.base, "name": "alpha"},
                           headers=headers)  # fmt: skip
        assert made.status_code == 201, made.text
        pid = made.json()["id"]
        again = client.post("/api/peers", json={"url": peer_server.base}, headers=headers)
        assert again.status_code == 422 and "already" in again.json()["detail"]
        job = client.post(f"/api/peers/{pid}/pull", headers=headers).json()["job"]
        deadline = time.monotonic() + 120
        while client.get(f"/api/jobs/{job}").json()["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the pull job never ran"
            time.sleep(0.2)
        assert client.get(f"/api/jobs/{job}").json()["state"] == "done"
        detail = client.get(f"/api/peers/{pid}").json()
        assert detail["history"][0]["ok"] and detail["history"][0]["created"] == 1
        assert detail["records"] == 1 and detail["cursor"] == 1
        assert client.get("/api/peers/999").status_code == 404

        design = client.get("/api/designs").json()["items"][0]
        shown = client.get(f"/api/designs/{design['id']}").json()
        assert shown["origin"]["instance"] == "alpha"
        assert shown["origin"]["id"].startswith(peer_server.base + "/designs/")
        fr = client.get(f"/designs/{design['id']}", headers={"Accept-Language": "fr"}).text
        assert "De l'instance alpha" in fr or "De l&#39;instance alpha" in fr

        page = client.get("/admin/peers")
        assert page.status_code == 200 and "alpha" in page.text and "Pull now" in page.text
        page_fr = client.get("/admin/peers", headers={"Accept-Language": "fr"}).text
        assert "Instances suivies" in page_fr and "Récupérer maintenant" in page_fr
        r = client.post(f"/admin/peers/{pid}/pull", data={"csrf_token": csrf},
                        follow_redirects=False)  # fmt: skip
        assert r.status_code == 303 and "queued=" in r.headers["location"]
        form = client.post("/admin/peers", data={"csrf_token": csrf, "url": "x"})
        assert form.status_code == 422 and "http(s)" in form.text
        r = client.post(f"/admin/peers/{pid}/remove", data={"csrf_token": csrf},
                        follow_redirects=False)  # fmt: skip
        assert r.status_code == 303 and client.get(f"/api/peers/{pid}").status_code == 404
    finally:
        stop_embedded(consumer)
        peer_server.stop()
