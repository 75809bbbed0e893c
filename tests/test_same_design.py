"""One design from several sources (issue 12): records sharing a repository or an OSHWA
UID under different keys are linked, not merged; search shows one entry per group."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app
from refaire.ingest.runner import import_sources
from refaire.registry.designs import design_detail
from refaire.store.design_search import search_designs
from refaire.store.designs import get_design
from refaire.store.same_design import identities

HEADER = (
    "oshwaUid,responsibleParty,country,publicContact,projectName,projectWebsite,projectVersion,"
    "projectDescription,primaryType,additionalType,projectKeywords,citations,documentationUrl,"
    "hardwareLicense,softwareLicense,documentationLicense,certificationDate,previousVersions\n"
)


def _losh(folder: Path, name: str, repo: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "okh.toml").write_text(
        f'okhv = "OKH-LOSHv1.0"\nname = "{name}"\nrepo = "{repo}"\n'
        'license = "CERN-OHL-S-2.0"\nlicensor = "Ada"\nfunction = "a quiet lamp for reading"\n',
        encoding="utf-8",
    )
    return str(folder)


def _oshwa(path: Path, rows: list[tuple[str, str, str]]) -> str:
    lines = [
        f"{uid},Ada,France,a@example.org,{name},{repo},1.0,{name} certified,Lighting,"
        f"[],[],[],{repo},CERN,No software,CC BY-SA,2022-01-01T00:00-04:00,NULL\n"
        for uid, name, repo in rows
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return str(path)


def test_identities_normalise_the_repository_and_skip_non_identities():
    assert identities({"key": "k", "repo": "https://GitHub.com/Ada/Lampe/tree/main/"}) == [
        ("repo", "https://github.com/ada/lampe")
    ]
    assert identities({"key": "oshwa:fr000001", "repo": "https://www.github.com/"}) == [
        ("oshwa", "FR000001")
    ]
    assert identities({"key": "k", "repo": "https://certification.oshwa.org/fr000001.html"}) == [
        ("oshwa", "FR000001")
    ]
    assert identities({"key": "k", "repo": "https://github.com/username/repo"}) == []


def test_losh_and_oshwa_records_of_one_repository_are_one_search_entry(any_store, tmp_path):
    losh = _losh(tmp_path / "losh", "Lampe Libre", "https://github.com/ada/lampe")
    # the same project, certified: another name, another key, the repository with a branch
    oshwa = _oshwa(
        tmp_path / "oshwa.csv",
        [
            ("FR000901", "Lampe libre v1", "https://github.com/Ada/lampe/tree/main"),
            ("FR000902", "Tabouret", "https://github.com/ada/tabouret"),
        ],
    )
    assert import_sources(any_store, [losh]).imported == 1
    summary = import_sources(any_store, [oshwa])
    assert (summary.imported, summary.linked, summary.conflicts) == (2, 1, 0)
    assert summary.to_dict()["linked"] == 1
    first_id, first = get_design(any_store, "https://github.com/ada/lampe#lampe-libre")
    other_id, other = get_design(any_store, "oshwa:FR000901")
    # linked, never merged: each record keeps its own data and provenance
    assert first.format != other.format and first.licence.expression == "CERN-OHL-S-2.0"

    found = search_designs(any_store, q="lampe")
    assert found["total"] == 1 and [i["id"] for i in found["items"]] == [first_id]
    [also] = found["items"][0]["also_from"]
    assert (also["id"], also["reason"], also["format"]) == (
        other_id,
        "same repository",
        "oshwa-csv",
    )
    everything = search_designs(any_store)
    assert everything["total"] == 2  # three records, two designs
    assert sum(v["count"] for v in everything["facets"]["format"]) == 2
    # a filter that selects only the linked record still finds it
    only = search_designs(any_store, filters={"format": ["oshwa-csv"]})
    assert only["total"] == 2 and other_id in [i["id"] for i in only["items"]]

    detail = design_detail(any_store, other_id)
    assert [(a["id"], a["first_stored"]) for a in detail["also_from"]] == [(first_id, True)]
    assert detail["also_from"][0]["source"].endswith("okh.toml")
    # re-importing links nothing twice
    assert import_sources(any_store, [oshwa]).linked == 0
    assert len(design_detail(any_store, first_id)["also_from"]) == 1


def test_unrelated_designs_are_not_linked_and_same_key_is_still_a_conflict(any_store, tmp_path):
    a = _losh(tmp_path / "a", "Lampe", "https://github.com/ada/lampe")
    b = _losh(tmp_path / "b", "Lampe", "https://github.com/ada/lampe")  # same key: a claim
    with open(Path(b) / "okh.toml", "a", encoding="utf-8") as fh:
        fh.write('version = "2.0"\n')
    c = _losh(tmp_path / "c", "Lampe", "https://github.com/bob/lampe")
    import_sources(any_store, [a])
    s = import_sources(any_store, [b])
    assert (s.conflicts, s.linked, s.imported) == (1, 0, 0)
    s = import_sources(any_store, [c])
    assert (s.conflicts, s.linked, s.imported) == (0, 0, 1), s.to_dict()
    assert search_designs(any_store, q="lampe")["total"] == 2
    # one repository, two manifests in one format: two designs of a monorepo, not linked
    d = _losh(tmp_path / "d", "Lampe de poche", "https://github.com/ada/lampe")
    assert import_sources(any_store, [d]).linked == 0
    assert search_designs(any_store, q="lampe")["total"] == 3


def test_api_and_web_show_the_other_sources(any_store, tmp_path):
    store = any_store
    repo = "https://github.com/ada/lampe"
    import_sources(store, [_losh(tmp_path / "l", "Lampe <b>Libre</b>", repo)])
    import_sources(store, [_oshwa(tmp_path / "o.csv", [("FR000901", "Lampe", repo)])])
    client = TestClient(create_app(store=store))
    listed = client.get("/api/designs", params={"q": "lampe"}).json()
    assert listed["total"] == 1 and listed["items"][0]["also_from"][0]["platform"] == "oshwa"
    other = listed["items"][0]["also_from"][0]["id"]
    detail = client.get(f"/api/designs/{other}").json()
    assert detail["also_from"][0]["reason"] == "same repository"
    for lang, words in (("en", "Also from other sources"), ("fr", "Aussi depuis d’autres sources")):
        page = client.get(f"/designs/{other}", headers={"Accept-Language": lang}).text
        assert words in page and "Lampe &lt;b&gt;Libre&lt;/b&gt;" in page
    listing = client.get("/designs", params={"q": "lampe"}, headers={"Accept-Language": "fr"}).text
    assert "Aussi depuis :" in listing and "même dépôt" in listing
    url = store.engine.url.render_as_string(hide_password=False)
    res = CliRunner().invoke(app, ["designs", "list", "--q", "lampe", "--db", url, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["items"][0]["also_from"][0]["id"] == other
    res = CliRunner().invoke(app, ["designs", "list", "--q", "lampe", "--db", url])
    assert "also from oshwa" in res.output and "counts once" in res.output
    res = CliRunner().invoke(app, ["designs", "show", str(other), "--db", url])
    assert "also from: Lampe <b>Libre</b>" in res.output and "same repository" in res.output
