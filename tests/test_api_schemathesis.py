"""Schemathesis against the app's own OpenAPI description: no 500, every answer as declared.

Generated requests (valid and invalid) go through the ASGI app over a SQLite store holding
the bundled sample data, with the admin token set so that the write routes are exercised
past their authorisation. Examples are bounded per operation to keep the run short.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

TOKEN = "schemathesis-token"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from refaire.app import create_app
    from refaire.cli.serve import SAMPLE
    from refaire.ingest.runner import import_sources
    from refaire.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("fuzz") / "fuzz.db"))
    import_sources(store, [str(p) for p in sorted(SAMPLE.iterdir()) if p.is_dir()])
    mp = pytest.MonkeyPatch()
    mp.setenv("REFAIRE_ADMIN_TOKEN", TOKEN)
    yield schemathesis.openapi.from_asgi("/api/openapi.json", create_app(store=store))
    mp.undo()
    store.close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_matches_its_openapi_description(case):
    import time

    t = time.perf_counter()
    r = case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
    key = (case.operation.label, r.status_code)
    n, s = TALLY.get(key, (0, 0.0))
    TALLY[key] = (n + 1, s + time.perf_counter() - t)


TALLY: dict = {}


@pytest.fixture(scope="module", autouse=True)
def _tally():
    yield
    import sys

    for k, v in sorted(TALLY.items()):
        print(k, v, file=sys.stderr)
