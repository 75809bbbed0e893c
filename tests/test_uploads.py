"""Uploads against the real app: measured off the event loop in a bounded pool with a
time limit, bodies capped in size and in time (a raw socket against real uvicorn), and
write permission checked before a single uploaded byte is stored."""

from __future__ import annotations

import math
import os
import socket
import threading
from pathlib import Path

import pytest
import starlette.formparsers
from fastapi.testclient import TestClient

from _people import csrf_from, make_user, sign_in
from refaire.app import create_app
from refaire.ingest.runner import import_sources
from refaire.jobs import JobFailed, JobPool, JobsBusy, JobTimeout
from refaire.jobs import pool as pool_module
from refaire.store import open_store

FIXTURES = Path(__file__).parent / "fixtures"
CUBE_STL = (FIXTURES / "meshes" / "tw4_filter_clamp.stl").read_bytes()
HOSTILE = FIXTURES / "hostile"
TOKEN = "upload-test-token"
MODULE = """okhv = "OKH-LOSHv1.0"
name = "Upload Module"
repo = "https://example.org/upload-module"
license = "CERN-OHL-S-2.0"
licensor = "Someone"
function = "Holds uploads."
"""


@pytest.fixture
def store(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "okh.toml").write_text(MODULE, encoding="utf-8")
    store = open_store(str(tmp_path / "refaire.db"))
    import_sources(store, [str(tmp_path / "repo")])
    yield store
    store.close()


@pytest.fixture
def spooled(monkeypatch):
    """Counts the temporary files the multipart parser opens for uploaded files."""
    made = []
    original = starlette.formparsers.SpooledTemporaryFile

    def counting(*args, **kwargs):
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", counting)
    return made


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


# --- the pool ---------------------------------------------------------------------------


def test_a_job_over_its_time_limit_is_killed_and_the_pool_replaced() -> None:
    pool = JobPool(workers=1, seconds=1.0)
    try:
        pid = pool.run_sync(os.getpid)
        assert pid != os.getpid()
        with pytest.raises(JobTimeout, match="longer than 1 s"):
            pool.run_sync(time_sleep, 60)
        assert pool.replaced == 1
        assert _state(pid) == "gone"  # killed and reaped
        assert pool.run_sync(math.sqrt, 16.0) == 4.0  # a fresh worker took over
        assert pool.run_sync(os.getpid) != pid
    finally:
        pool.shutdown()


def test_a_job_past_its_memory_cap_fails_clearly_and_the_worker_lives_on() -> None:
    pool = JobPool(workers=1, seconds=30.0, memory_mb=64)
    try:
        with pytest.raises(JobFailed, match="more than the 64 MB a job may use"):
            pool.run_sync(bytearray, 512 * 2**20)
        assert len(pool.run_sync(bytearray, 2**20)) == 2**20
    finally:
        pool.shutdown()


def time_sleep(seconds: float) -> None:  # pragma: no cover - runs in the worker
    import time

    time.sleep(seconds)


def test_jobs_past_the_waiting_bound_are_refused_at_once() -> None:
    import time

    pool = JobPool(workers=1, seconds=30.0, max_waiting=0)
    try:
        pool.run_sync(math.sqrt, 1.0)  # worker started
        holder = threading.Thread(target=pool.run_sync, args=(time.sleep, 1.5))
        holder.start()
        while pool._waiting == 0:  # the holder has taken the only slot
            time.sleep(0.01)
        with pytest.raises(JobsBusy, match="busy"):
            pool.run_sync(math.sqrt, 4.0)
        holder.join()
        assert pool.run_sync(math.sqrt, 4.0) == 2.0
    finally:
        pool.shutdown()


# --- the API and pages go through it -----------------------------------------------------


def test_hostile_uploads_get_clear_errors_through_the_api(store) -> None:
    client = TestClient(create_app(store=store))
    files = [
        ("files", (name, (HOSTILE / name).read_bytes(), "application/octet-stream"))
        for name in ("nested_components.3mf", "spline_degree60.dxf", "laughs_utf16.svg")
    ] + [("files", ("clamp.stl", CUBE_STL, "model/stl"))]
    resp = client.post("/api/mesh", files=files)
    assert resp.status_code == 200, resp.text
    bomb, spline, laughs, clamp = resp.json()
    assert not bomb["ok"] and "more than 100,000 objects" in bomb["problems"][0]["message"]
    assert not spline["ok"] and spline["kind"] == "drawing"
    assert "degree 60" in spline["problems"][0]["message"]
    assert not laughs["ok"] and "refused as unsafe" in laughs["problems"][0]["message"]
    assert clamp["ok"] and clamp["triangles"] > 0


def test_a_measurement_over_time_is_that_files_error(store, monkeypatch) -> None:
    slow = JobPool(workers=1, seconds=0.05)
    monkeypatch.setattr(pool_module, "_shared", slow)
    try:
        client = TestClient(create_app(store=store))
        data = (HOSTILE / "nested_squares.svg").read_bytes()
        resp = client.post("/api/mesh", files=[("files", ("squares.svg", data, "image/svg+xml"))])
        assert resp.status_code == 200
        (report,) = resp.json()
        assert not report["ok"] and report["kind"] == "drawing"
        assert "took longer than 0.05 s" in report["problems"][0]["message"]
        quote = client.post(
            "/api/quote", files={"file": ("squares.svg", data)}, data={"material": "plywood"}
        )
        assert quote.status_code == 422
        assert "took longer than 0.05 s" in quote.json()["detail"]
        form = {"material": "plywood", "csrf_token": csrf_from(client)}
        page = client.post("/quote?lang=en", files={"file": ("squares.svg", data)}, data=form)
        assert page.status_code == 422 and "took longer than 0.05" in page.text
    finally:
        slow.shutdown()


def test_busy_pool_is_a_503_with_retry_after(store, monkeypatch) -> None:
    full = JobPool(workers=1, seconds=5.0, max_waiting=0)
    full._waiting = 1  # as if a job held the only worker
    monkeypatch.setattr(pool_module, "_shared", full)
    client = TestClient(create_app(store=store))
    resp = client.post("/api/mesh", files=[("files", ("c.stl", CUBE_STL, "model/stl"))])
    assert resp.status_code == 503 and resp.headers["retry-after"] == "30"
    assert "busy" in resp.json()["detail"]
    form = {"material": "pla", "csrf_token": csrf_from(client)}
    page = client.post("/quote?lang=fr", files={"file": ("c.stl", CUBE_STL)}, data=form)
    assert page.status_code == 503 and "occupé" in page.text


# --- body size and time ------------------------------------------------------------------


def test_bodies_over_the_limit_are_413_before_the_route(store, monkeypatch, spooled) -> None:
    monkeypatch.setenv("REFAIRE_MAX_UPLOAD_MB", "1")
    client = TestClient(create_app(store=store))
    big = b"solid x\n" + b" " * (3 * 2**20)
    resp = client.post("/api/mesh", files=[("files", ("big.stl", big, "model/stl"))])
    assert resp.status_code == 413 and "1 MB upload limit" in resp.json()["detail"]
    page = client.post("/quote", files={"file": ("big.stl", big)}, data={"material": "pla"})
    assert page.status_code == 413 and "upload limit" in page.text
    assert spooled == []  # refused from Content-Length: nothing parsed, nothing written
    # Over the per-file limit but within the body allowance: the route says so.
    medium = b"solid x\n" + b" " * (int(1.5 * 2**20))
    resp = client.post("/api/mesh", files=[("files", ("m.stl", medium, "model/stl"))])
    assert resp.status_code == 413 and "m.stl: over the 1 MB limit" in resp.json()["detail"]


@pytest.fixture
def live(store, monkeypatch):
    from conftest import serve_in_thread

    monkeypatch.setenv("REFAIRE_BODY_TIMEOUT_S", "1")
    monkeypatch.setenv("REFAIRE_MAX_UPLOAD_MB", "1")
    url, stop = serve_in_thread(store)
    yield int(url.rsplit(":", 1)[1])
    stop()


def _raw(port: int, head: bytes, body_parts: list[bytes]) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head)
        for part in body_parts:
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.endswith(b"}"):
                    break
        except ConnectionResetError:
            pass
        return answer


def test_a_stalled_body_gets_408_from_the_real_server(live) -> None:
    head = (
        b"POST /api/mesh HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 5000\r\n\r\n"
    )
    answer = _raw(live, head, [b'--XyZ\r\nContent-Disposition: form-data; name="files"'])
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"not received within 1 s" in answer


def test_a_chunked_body_past_the_limit_gets_413_from_the_real_server(live) -> None:
    head = (
        b"POST /api/mesh HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    block = b"a" * 65536
    chunk = f"{len(block):x}\r\n".encode() + block + b"\r\n"
    start = b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="a.stl"\r\n\r\n'
    first = f"{len(start):x}\r\n".encode() + start + b"\r\n"
    answer = _raw(live, head, [first] + [chunk] * 40)  # 2.5 MB, no Content-Length
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"upload limit" in answer
    # The server is still answering others.
    assert _raw(live, b"GET /api/designs?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n", []).startswith(
        b"HTTP/1.1 200"
    )


# --- permission before the body ----------------------------------------------------------


def test_api_mesh_upload_checks_the_token_before_reading(store, monkeypatch, spooled) -> None:
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", TOKEN)
    client = TestClient(create_app(store=store))
    files = [("files", ("clamp.stl", CUBE_STL + b"\0" * 2**20, "model/stl"))]
    assert client.post("/api/designs/1/meshes", files=files).status_code == 401
    assert spooled == []
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post("/api/designs/99/meshes", files=files, headers=auth).status_code == 404
    assert spooled == []
    good = [("files", ("clamp.stl", CUBE_STL, "model/stl"))]
    resp = client.post("/api/designs/1/meshes", files=good, headers=auth)
    assert resp.status_code == 200 and resp.json()["files"][0]["attached"]
    assert spooled  # read once allowed
    schema = client.get("/api/openapi.json").json()
    body = schema["paths"]["/api/designs/{ident}/meshes"]["post"]["requestBody"]
    assert "files" in body["content"]["multipart/form-data"]["schema"]["properties"]


def test_web_mesh_form_checks_csrf_and_role_before_any_file(store, spooled) -> None:
    client = TestClient(create_app(store=store))
    page = client.get("/designs/1")
    files = [("files", ("clamp.stl", CUBE_STL, "model/stl"))]
    token = csrf_from(client, "/designs/1")
    forged = client.post("/designs/1/meshes?lang=en", data={"csrf_token": "x" * 64}, files=files)
    assert forged.status_code == 403 and spooled == []
    anonymous = client.post("/designs/1/meshes?lang=en", data={"csrf_token": token}, files=files)
    assert anonymous.status_code == 401 and spooled == []
    sign_in(client, store, make_user(store, "member@example.org"))
    token = csrf_from(client, "/designs/1")
    member = client.post("/designs/1/meshes?lang=en", data={"csrf_token": token}, files=files)
    assert member.status_code == 403 and spooled == []
    sign_in(client, store, make_user(store, "admin@example.org", admin=True))
    page = client.get("/designs/1")
    assert page.text.index('name="csrf_token"') < page.text.index('name="files"')
    token = csrf_from(client, "/designs/1")
    ok = client.post("/designs/1/meshes?lang=en", data={"csrf_token": token}, files=files)
    assert ok.status_code == 200 and "new part" in ok.text
    assert spooled
