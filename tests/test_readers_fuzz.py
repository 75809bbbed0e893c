"""Every reader turns mutated real files into problems, never into an exception (issue 10).

Hypothesis draws a file of the small real corpus (tests/fixtures/fuzz), a chain of
mutations (`_reader_mutations`), and feeds the result straight to the reader that
the file's format belongs to (not through the import runner, which would catch a
reader's exception and hide it). The CI budget is a few dozen examples per
reader; `benchmarks/fuzz_readers.py` runs the same mutations for minutes.
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _reader_mutations import corpus, mutate
from refaire.ingest.base import ReadResult, detect, get_reader
from refaire.model import Problem

FILES = corpus()
EXAMPLES = int(os.environ.get("REFAIRE_FUZZ_EXAMPLES", "25"))


def check_read(fmt: str, name: str, data: bytes) -> ReadResult:
    result = get_reader(fmt).read(name, data)
    assert isinstance(result, ReadResult)
    for p in result.problems:
        assert isinstance(p, Problem) and isinstance(p.message, str) and p.source == name
    for record in [*result.designs, *result.facilities]:
        assert isinstance(record.name, str)
    return result


def test_the_corpus_covers_every_reader() -> None:
    from refaire.ingest.base import readers

    formats = {detect(p.name, p.read_bytes()).format for p in FILES}
    assert formats == {r.format for r in readers()}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("REFAIRE_FUZZ_RANDOM") is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_files_give_problems_not_exceptions(path, seed) -> None:
    data = path.read_bytes()
    fmt = detect(path.name, data).format
    mutated = mutate(random.Random(seed), path.name, data)
    check_read(fmt, path.name, mutated)
