"""The OSHWA certified-projects reader on real rows (the bundled extract and the full list)."""

from __future__ import annotations

from pathlib import Path

from refaire.ingest.base import detect
from refaire.ingest.read_oshwa import read
from refaire.ingest.runner import import_sources
from refaire.observatory.figures import dashboard

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "oshwa"
EXTRACT = SAMPLE / "oshwa-certified-every-10th.csv"


def test_detected_and_read() -> None:
    data = EXTRACT.read_bytes()
    assert detect(EXTRACT.name, data).format == "oshwa-csv"
    result = read(str(EXTRACT), data)
    assert len(result.designs) == 306 and not [p for p in result.problems if p.severity == "error"]
    first = result.designs[0]  # SE000004, 0.95" OLED PMOD, Sweden, CERN, 2020-05-04
    assert first.key == "oshwa:SE000004" and first.name == '0.95" OLED PMOD'
    assert first.platform == "oshwa" and first.format == "oshwa-csv"
    assert (
        first.licence.expression == "CERN"
        and first.licences["documentation"].expression == "CC BY-SA"
    )
    assert "software" not in first.licences  # "No software"
    assert first.created == "2020-05-04"
    assert first.categories == ["Other", "Electronics"] and first.keywords == [
        "oled",
        "display",
        "pmod",
    ]
    # "PMOD connector can be used with FPGA and MCU dev boards": computing (G06); the type
    # Electronics alone is too generic to infer a sector, "connector" too ambiguous
    assert "G06" in first.sectors and "G" in first.sectors and "F16" not in first.sectors
    notes = {(n.field, n.rule) for n in first.notes}
    assert ("country", "oshwa-country") in notes and ("sectors", "inferred") in notes
    assert any(n.field == "country" and n.value == "SE" for n in first.notes)


def test_bad_rows_reported() -> None:
    header = EXTRACT.read_text(encoding="utf-8").splitlines()[0]
    rows = [
        header,
        "XX1,me,France,,Thing,,1,desc,Tool,[],[],[],,CERN,MIT,CC BY,2020-01-01T00:00-04:00,NULL",
        "FR000001,me,France,,,,1,desc,Tool,[],[],[],,CERN,MIT,CC BY,2020-01-01T00:00-04:00,NULL",
        "FR000002,me,Atlantis,,Ok thing,,1,a robot arm,Robotics,[],[],[],,CERN,MIT,CC BY,NULL,\"['FR000001']\"",
    ]
    result = read("t.csv", ("\n".join(rows) + "\n").encode())
    assert [d.key for d in result.designs] == ["oshwa:FR000002"]
    messages = [(p.severity, p.line, p.message) for p in result.problems]
    assert any(s == "error" and line == 2 and "UID" in m for s, line, m in messages)
    assert any(s == "error" and line == 3 and "projectName" in m for s, line, m in messages)
    assert any(s == "warning" and "Atlantis" in m for s, _, m in messages)
    d = result.designs[0]
    assert d.created is None and "B25" in d.sectors
    assert [ln.target for ln in d.links] == ["https://certification.oshwa.org/fr000001.html"]


def test_whole_list(shared_data, tmp_path) -> None:
    path = shared_data / "projects-other" / "oshwa-certified.csv"
    result = read(str(path), path.read_bytes())
    # every one of the 3,053 rows is read; one UID appears twice and is reported
    assert len(result.designs) == 3053
    assert not [p for p in result.problems if p.severity == "error"]
    dupes = [p for p in result.problems if "already on line" in p.message]
    assert len(dupes) == 1 and len({d.key for d in result.designs}) == 3052
    assert sum(1 for d in result.designs if d.created) == 3053 - 24  # 24 rows say NULL
    # 2,668 have a sector: the type "Electronics" alone (given to most projects) is too
    # generic to infer one (`TYPE_SECTORS`, chosen for precision on labelled designs)
    assert sum(1 for d in result.designs if d.sectors) >= 2600


def test_demo_loads_the_extract(tmp_path) -> None:
    from refaire.store import open_store

    store = open_store(str(tmp_path / "o.db"))
    summary = import_sources(store, [str(SAMPLE)])
    assert summary.designs == 306 and summary.rejected == 0
    d = dashboard(store, with_coverage=False)
    assert {r["value"]: r["designs"] for r in d["platforms"]} == {"oshwa": 306}
    dated = sum(
        1 for line in EXTRACT.read_text(encoding="utf-8").splitlines() if "T00:00-0" in line
    )
    assert sum(g["certified"] for g in d["growth"]) == dated
    assert d["totals"]["design_countries"] > 10
