"""Federation between two real Refaire instances (two uvicorn processes, two SQLite
databases) and a third, fake instance (an http.server) whose feeds are forged."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from tests._contention import Server
from typer.testing import CliRunner

from refaire.cli import app as cli
from refaire.federation.signing import sign
from refaire.ingest.runner import import_sources
from refaire.manage.editing import edit_facility
from refaire.people import OPERATOR
from refaire.store import open_store
from refaire.store.tables import designs, facilities, federation_origins

FIX = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "okh" / "v1"
runner = CliRunner()


def _cli(*args: str) -> tuple[int, dict]:
    out = runner.invoke(cli, [*args, "--json"])
    try:
        return out.exit_code, json.loads(out.stdout)
    except ValueError:
        raise AssertionError(out.output) from None


@pytest.fixture()
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    # both instances and the fake one live on 127.0.0.1: let the SSRF guard allow it
    monkeypatch.setenv("REFAIRE_CRAWL_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("REFAIRE_FEDERATION_SYNC_S", "0")  # a change is in the very next pull
    urls = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        open_store(url)
        urls.append(url)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = Server(urls[0], tmp_path / "a")
    try:
        b = Server(urls[1], tmp_path / "b")
    except Exception:
        a.stop()
        raise
    try:
        yield a, b, urls[0], urls[1], tmp_path
    finally:
        a.stop()
        b.stop()


def _b_facility(base: str, fid: int) -> httpx.Response:
    return httpx.get(f"{base}/api/facilities/{fid}", timeout=10)


def test_two_instances_follow_change_delete_and_keep_local_edits(two) -> None:
    a, b, url_a, url_b, tmp = two
    store_a, store_b = open_store(url_a), open_store(url_b)
    lab = tmp / "lab.yml"
    shutil.copy(FIX / "facilities" / "okw-atelier-fr.yml", lab)
    design_file = sorted(SAMPLE.iterdir())[0]
    import_sources(store_a, [str(lab), str(design_file)])
    # B has its own record of the very same lab: a pull must never touch it
    import_sources(store_b, [str(FIX / "facilities" / "okw-atelier-fr.yml")])
    with store_b.engine.connect() as conn:
        local_before = conn.execute(select(facilities.c.id, facilities.c.record)).one()

    actor = httpx.get(f"{a.base}/federation/actor", timeout=10).json()
    assert actor["id"] == f"{a.base}/federation/actor"
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
    page = httpx.get(f"{a.base}/federation/outbox?after=0", timeout=10)
    assert page.headers["content-type"].startswith("application/activity+json")
    assert "content-digest" in page.headers and "signature" in page.headers
    body = page.json()
    assert body["type"] == "OrderedCollectionPage"
    assert {i["type"] for i in body["orderedItems"]} == {"Create"}
    assert {i["object"]["type"] for i in body["orderedItems"]} == {"Design", "Facility"}

    code, peer = _cli("peers", "add", a.base, "--name", "alpha", "--db", url_b)
    assert code == 0 and peer["public_key_pem"] == actor["publicKey"]["publicKeyPem"]
    code, pulled = _cli("peers", "pull", "alpha", "--db", url_b)
    assert code == 0, pulled
    entry = pulled["pulls"][0]
    assert entry["ok"] and entry["created"] == 2 and entry["errors"] == [], entry

    with store_b.engine.connect() as conn:
        origin = conn.execute(
            select(federation_origins).where(federation_origins.c.kind == "facility")
        ).one()
        design_key = conn.execute(select(designs.c.key)).scalar_one()
    assert origin.origin_id.startswith(a.base + "/facilities/")
    assert design_key.startswith("fed:")
    remote = _b_facility(b.base, origin.record_id)
    assert remote.status_code == 200
    assert remote.json()["origin"]["instance"] == "alpha"
    page_b = httpx.get(f"{b.base}/facilities/{origin.record_id}", timeout=10).text
    assert "alpha" in page_b
    # B does not publish what it pulled: it speaks only for its own records
    b_feed = httpx.get(f"{b.base}/federation/outbox", timeout=10).json()["orderedItems"]
    assert [i["object"]["id"] for i in b_feed] == [f"{b.base}/facilities/{local_before.id}"]

    # B's manager states the description of the pulled lab: A's updates must not undo it
    edit_facility(store_b, OPERATOR, origin.record_id, {"description": "Stated on B."})

    # A changes its lab: B follows from its cursor, only the change comes
    text = lab.read_text(encoding="utf-8").replace("Mo-Fr 14:00", "Mo-Fr 15:00")
    lab.write_text(text.replace("Atelier de fabrication", "Atelier changé"), encoding="utf-8")
    import_sources(store_a, [str(lab)])
    code, pulled = _cli("peers", "pull", "alpha", "--db", url_b)
    entry = pulled["pulls"][0]
    assert code == 0 and entry["updated"] == 1 and entry["created"] == 0, entry
    changed = _b_facility(b.base, origin.record_id).json()
    assert changed["opening_hours"].startswith("Mo-Fr 15")
    assert changed["description"] == "Stated on B."

    # A deletes its lab (no delete command yet: the row goes) and its design is withdrawn
    with sqlite3.connect(url_a.removeprefix("sqlite:///")) as raw:
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("DELETE FROM facilities")
        raw.execute("UPDATE designs SET withdrawn_at='2026-12-01T20:00:00+00:00'")
    code, pulled = _cli("peers", "pull", "alpha", "--db", url_b)
    entry = pulled["pulls"][0]
    assert code == 0 and entry["deleted"] == 2, entry
    assert _b_facility(b.base, origin.record_id).status_code == 404
    with store_b.engine.connect() as conn:
        assert conn.execute(select(designs.c.withdrawn_at)).scalar_one() is not None
        tomb = conn.execute(select(federation_origins).where(
            federation_origins.c.kind == "facility")).one()  # fmt: skip
        local_after = conn.execute(select(facilities.c.id, facilities.c.record)).one()
    assert tomb.deleted_at is not None and tomb.record["opening_hours"].startswith("Mo-Fr 15")
    assert local_after == local_before  # B's own record untouched throughout

    # the history is there, through the CLI
    code, shown = _cli("peers", "show", "alpha", "--db", url_b)
    assert [h["ok"] for h in shown["history"]] == [True, True, True]
    assert shown["tombstones"] == 2

    # A's source publishes the design again: it comes back on B
    with sqlite3.connect(url_a.removeprefix("sqlite:///")) as raw:
        raw.execute("UPDATE designs SET withdrawn_at=NULL")
    code, pulled = _cli("peers", "pull", "alpha", "--db", url_b)
    assert code == 0 and pulled["pulls"][0]["updated"] == 1, pulled
    with store_b.engine.connect() as conn:
        assert conn.execute(select(designs.c.withdrawn_at)).scalar_one() is None
    assert _cli("peers", "show", "alpha", "--db", url_b)[1]["tombstones"] == 1


class _Fake(BaseHTTPRequestHandler):
    """A third "instance": a real actor document, then whatever outbox the test sets."""

    pages: dict[str, tuple[bytes, dict[str, str]]] = {}
    actor: bytes = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/federation/actor":
            body, headers = self.actor, {}
        else:
            body, headers = self.pages.get(self.path, (b"{}", {}))
        self.send_response(200)
        for k, v in {**headers, "Content-Type": "application/activity+json"}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _item(base: str, seq: int, oid: str, name: str) -> dict:
    rec = {"key": f"lab-{seq}", "name": name, "sources": []}
    return {"type": "Create", "actor": f"{base}/federation/actor", "cursor": seq,
            "object": {"id": oid, "type": "Facility", "record": rec}}  # fmt: skip


def test_a_forged_or_unsigned_instance_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_CRAWL_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("REFAIRE_FEDERATION_SYNC_S", "0")  # a change is in the very next pull
    url = f"sqlite:///{tmp_path / 'b.db'}"
    store = open_store(url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()  # fmt: skip
    _Fake.actor = json.dumps({"id": f"{base}/federation/actor", "name": "fake",
                              "publicKey": {"publicKeyPem": pem}}).encode()  # fmt: skip
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path0 = "/federation/outbox?after=0"

    def serve(items: list[dict], signer: Ed25519PrivateKey | None, tamper: bool = False) -> None:
        body = json.dumps({"type": "OrderedCollectionPage", "orderedItems": items}).encode()
        headers = sign("GET", base + path0, body, signer, f"{base}/federation/actor#main-key") \
            if signer else {}  # fmt: skip
        _Fake.pages = {path0: (body.replace(b"lab", b"bal") if tamper else body, headers)}

    def pull() -> dict:
        code, out = _cli("peers", "pull", "fake", "--db", url)
        return out["pulls"][0]

    def count() -> int:
        with store.engine.connect() as conn:
            return len(conn.execute(select(facilities.c.id)).all())

    try:
        assert _cli("peers", "add", base, "--db", url)[0] == 0
        good = [_item(base, 1, f"{base}/facilities/1", "Lab one")]
        for signer, tamper, why in ((None, False, "not signed"),
                                    (key, True, "Content-Digest"),
                                    (Ed25519PrivateKey.generate(), False, "signature refused")):  # fmt: skip
            serve(good, signer, tamper)
            entry = pull()
            assert not entry["ok"] and why in entry["errors"][0]["message"], entry
            assert count() == 0 and entry["cursor_to"] == 0

        # signed, but one record claims another instance's: that one alone is refused
        serve([*good, _item(base, 2, "https://elsewhere.example/facilities/9", "Not theirs")],
              key)  # fmt: skip
        entry = pull()
        assert entry["ok"] and entry["created"] == 1 and entry["cursor_to"] == 2, entry
        assert "another instance" in entry["errors"][0]["message"]

        # a cursor that goes backwards: the page is refused, nothing stored
        path0 = "/federation/outbox?after=2"
        serve([_item(base, 1, f"{base}/facilities/3", "Old news")], key)
        entry = pull()
        assert not entry["ok"] and "backwards" in entry["errors"][0]["message"], entry
        assert count() == 1
    finally:
        server.shutdown()
