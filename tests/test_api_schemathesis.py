"""Schemathesis against the app's own OpenAPI description: no 500, every answer as declared.

Generated requests (valid and invalid) go through the ASGI app over a SQLite store holding
the bundled sample data, with the admin token set so that the write routes are exercised
past their authorisation. Examples are bounded per operation and derandomised, so a run
is short and a failure reproduces.
"""

from __future__ import annotations

import sys
from collections import Counter

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
MAX_EXAMPLES = 20
# (operation, status) of every request sent, for the summary and the check that writes ran
SENT: Counter[tuple[str, int]] = Counter()


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
    if SENT:
        by_status = Counter()
        for (_, status), n in SENT.items():
            by_status[status] += n
        print(
            f"\nschemathesis: {sum(SENT.values())} requests over "
            f"{len({op for op, _ in SENT})} operations, by status {dict(sorted(by_status.items()))}",
            file=sys.stderr,
        )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_matches_its_openapi_description(case):
    response = case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
    SENT[(case.operation.label, response.status_code)] += 1


def test_the_fuzzing_reached_past_authorisation():
    """The token was taken: generated writes were stored, not all refused with 401/403."""
    if not SENT:
        pytest.skip("the schemathesis test did not run in this session")
    for write in ("POST /api/signals", "POST /api/import", "PUT /api/facilities/{ident}/pricing"):
        statuses = {status for (op, status) in SENT if op == write}
        assert any(200 <= s < 300 for s in statuses), (write, statuses)
        assert not statuses & {401, 403}, (write, statuses)
