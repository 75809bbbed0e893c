"""OKH readers on real manifests: exact values, notes, problems, identity, parts, corpus."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from refaire.ingest.base import detect
from refaire.ingest.files import read_bytes, read_path
from refaire.ingest.identity import design_key, normalise_repo_url, platform_of
from refaire.ingest.okh_fields import Ctx, part
from refaire.ingest.okh_keys import canonicalise
from refaire.ingest.parts import attach_parts
from refaire.model import Design

FIX = Path(__file__).parent / "fixtures" / "okh"
CP002 = FIX / "losh" / "field-ready-projects_openknowhow_org____manifests____okh-CP002.toml"
SHELTER = (
    FIX
    / "losh"
    / ("www_appropedia_org____generateOpenKnowHowManifest_php_title_ShelterBox_Relief_Tent.toml")
)
VERMI = (
    FIX
    / "losh"
    / (
        "www_appropedia_org____generateOpenKnowHowManifest_php_title_"
        "Bayside_Park_Farm_vermicomposting.toml"
    )
)
COB = (
    FIX
    / "losh"
    / (
        "www_appropedia_org____generateOpenKnowHowManifest_php_title_"
        "How_to_make_a_solar_cooker_made_from_cob.toml"
    )
)
ILLUM = (
    FIX
    / "losh"
    / (
        "gitlab_com____openflexure____openflexure-simple-illumination____-____raw____master____okh.toml"
    )
)
CROWN = FIX / "losh" / "okh-Crown_Cap_Machine.toml"
MOSH_B = FIX / "projects" / "OPEN-NEXT+LOSH-dummy-MOSH-B__okh.toml"
MOSH_B_PARTS = sorted((FIX / "projects").glob("OPEN-NEXT+LOSH-dummy-MOSH-B__3DParts__*"))
LEGACY = FIX / "projects" / "OPEN-NEXT+OKH-LOSH___history__sample_data__okh-master-MOSH.toml"
HEIMELIQ = FIX / "projects" / "heimeliq+heimeliq-furniture-template__okh.toml"
CMM = FIX / "projects" / "TheTesla+HTWD-OSH-CMM-Arm__okh.toml"
EMPTY_TOML = FIX / "projects" / "tm-miha+Upcyling-stool-Precious-hocker-IF-Demo__build__okh.toml"
RAIDLIGHT = FIX / "v1" / "Raidlight+Projet-Pilote-Open-Source__okh-Raidlight-Responsiv.yml"
FLYPI = FIX / "v1" / "amchagas+Flypi__okh-flypi.yml"
LIPSYNC = FIX / "v1" / "makersmakingchange+LipSync__okh-LipSync.yml"
ADJUSTABIKE = FIX / "v1" / "JamieTaylor23+Adjustabike__okh-adjustabike.yml"
EMPTY_YML = FIX / "v1" / "makersmakingchange+Switch-Modifier__OKH-Device-Name.yml"
COMMENTS_YML = FIX / "v1" / "makersmakingchange+OpenAT-Template__okh.yml"


def one(path: Path) -> Design:
    result = read_path(path)
    assert not result.skipped and len(result.designs) == 1, [str(p) for p in result.problems]
    return result.designs[0]


def notes(design: Design, field: str) -> list[tuple[str, str, str]]:
    return [(n.original, n.value, n.rule) for n in design.notes if n.field == field]


# ---- OKH-LOSH converted corpus (camelCase) --------------------------------------------


def test_converted_losh_name_trimmed_with_note() -> None:
    d = one(CP002)
    assert d.format == "okh-losh" and d.okhv == "OKH-LOSHv1.0"
    assert d.name == "CP002 - Baby Crib"
    assert ("CP002 - Baby Crib\n", "CP002 - Baby Crib", "trimmed") in notes(d, "name")
    assert d.function == "Provides a safe area for a baby to sleep"
    assert d.licensor == "Field Ready"
    assert d.languages == ["en-US"]  # documentationLanguage = "En-US"
    assert d.technology_readiness == "OTRL-3"  # "TechnicalDesign"
    assert d.documentation_readiness == "ODRL-1"  # "Started"
    assert d.version is None  # "UNVERSIONED"
    assert d.platform == "field-ready"
    assert d.updated == "2022-01-27T12:52:48+00:00"  # timestamp = "1643287968"


def test_licence_ref_with_space_becomes_spdx() -> None:
    d = one(SHELTER)
    assert d.licence is not None
    assert d.licence.expression == "CC-BY-SA-4.0"
    assert d.licence.original == "LicenseRef-CC BY-SA-4.0"
    assert d.licences == {"hardware": d.licence}
    assert ("LicenseRef-CC BY-SA-4.0", "CC-BY-SA-4.0", "spdx") in notes(d, "licence")


def test_ideation_mapped_with_note() -> None:
    d = one(SHELTER)
    assert d.technology_readiness == "OTRL-1"
    [(original, value, rule)] = notes(d, "technology_readiness")
    assert (original, value) == ("Ideation", "OTRL-1") and rule


def test_english_uk_language() -> None:
    d = one(ILLUM)
    assert d.languages == ["en-GB"]
    assert ("English-UK", "en-GB", "bcp47") in notes(d, "languages")


def test_fork_of_appropedia_topic_is_a_category() -> None:
    d = one(COB)
    assert d.categories == ["Solar cooker"] and d.links == []
    assert notes(d, "categories") == [
        ("https://www.appropedia.org/Solar_cooker", "Solar cooker", "appropedia-topic")
    ]
    d = one(VERMI)
    assert d.categories == ["Compost bin", "Vermicompost"]
    assert d.licensor == "Lonny Grafman"  # ". Lonny Grafman" in the converted file
    assert d.platform == "appropedia"


def test_fork_of_elsewhere_stays_a_link() -> None:
    d = one(ADJUSTABIKE)  # v1 derivative-of {title, web}
    assert [(link.kind, link.target) for link in d.links] == [
        ("derivative-of", "https://www.youtube.com/watch?v=1FokTwZMRIM&feature=youtu.be")
    ]


def test_sectors_from_cpc_and_inferred() -> None:
    d = one(CROWN)
    assert d.cpc == ["B67B 3/02"] and "B" in d.sectors
    assert not [n for n in d.notes if n.rule == "inferred"]
    d = one(CP002)  # no CPC: inferred sectors, each noted with its confidence
    inferred = [n for n in d.notes if n.field == "sectors"]
    assert [n.rule for n in inferred] == ["inferred"] * len(d.sectors)
    assert all("confidence" in n.value for n in inferred)


# ---- dimensions ------------------------------------------------------------------------


def test_openscad_dimensions() -> None:
    d = one(CROWN)
    assert d.dimensions is not None
    assert (d.dimensions.as_tuple(), d.dimensions.source) == ((520.0, 200.0, 300.0), "openscad")


def test_openscad_missing_paren_and_string_numbers() -> None:
    d = one(MOSH_B)  # outer-dimensions = "cube(size = [300,300,300]"
    assert d.dimensions is not None and d.dimensions.as_tuple() == (300.0, 300.0, 300.0)
    assert [n.rule for n in d.notes if n.field == "dimensions"] == ["openscad-repaired"]
    d = one(CMM)  # width = "250" …
    assert d.dimensions is not None
    assert (d.dimensions.as_tuple(), d.dimensions.source) == ((250.0, 500.0, 500.0), "stated")


# ---- OKH 2.x, parts ------------------------------------------------------------------


def test_mosh_b_with_its_two_part_manifests() -> None:
    design = one(MOSH_B)
    assert design.format == "okh-2" and design.cpc == ["D03D 35/00"]
    assert design.technology_readiness == "OTRL-5"  # "OTLR-5"
    parts = []
    for p in MOSH_B_PARTS:
        result = read_path(p)
        assert result.designs == [] and len(result.parts) == 1
        parts += result.parts
    assert attach_parts([design], parts) == []
    by_name = {p.name: p for p in design.parts}
    assert sorted(by_name) == ["Clamp Ring", "Comb"]
    ring = by_name["Clamp Ring"]
    assert ring.manifest == str(MOSH_B_PARTS[0])
    assert ring.materials == ["pla"] and "3d-printing" in ring.processes
    assert ring.tsdc == ["3DP"]
    assert ring.dimensions is not None and ring.dimensions.as_tuple() == (28.0, 28.0, 30.0)
    # paths rebased from the part's folder onto the module's
    assert ring.sources == ["3DParts/ClampRing/ClampRing.scad"]
    assert ring.image == "Documentation/part-pictures/Parts_Print_2.jpg"


def test_orphan_part_is_warned() -> None:
    result = read_path(MOSH_B_PARTS[0])
    problems = attach_parts([one(CROWN)], result.parts)
    assert [(p.source, p.severity) for p in problems] == [(str(MOSH_B_PARTS[0]), "warning")]


def test_printing_process_and_material_ids() -> None:
    rec = canonicalise(
        tomllib.loads(
            'name = "Clamp Ring"\ntsdc = "3DP"\nprinting-process = "FDM"'
            '\nmaterial = "ABS"\nsource = "ClampRing.scad"'
        )
    )
    p = part(Ctx("t"), "part", rec)
    assert p is not None and (p.processes, p.materials) == (["fdm"], ["abs"])


def test_legacy_mosh_posh_sections() -> None:
    raw = tomllib.loads(LEGACY.read_text())
    rec = canonicalise(raw)
    assert rec["okhv"] == "2.0" and rec["license"] == "CERN-OHL-S-2.0"  # spdx-license
    assert rec["outer-dimensions"] == "cube(size = [400,350,150]"
    [posh] = rec["part"]
    p = part(Ctx(str(LEGACY)), "parts[0]", posh)
    assert p is not None and p.name == "POSH1"
    assert (p.processes, p.materials) == (["3d-printing"], ["pla"])  # "3D printed", "PLA"
    assert p.dimensions is not None and p.dimensions.as_tuple() == (120.0, 100.0, 3.0)
    # the sample itself is a template ("xxx"): rejected with its placeholders warned
    result = read_path(LEGACY)
    assert result.designs == []
    assert any(p.severity == "error" and p.field == "name" for p in result.problems)


def test_german_24_template_fixmes_warned() -> None:
    result = read_path(HEIMELIQ)
    assert result.designs == []
    warned = {p.field for p in result.problems if p.severity == "warning"}
    assert {"name", "repo", "function", "licensor", "dimensions"} <= warned
    assert any("FIXME" in p.message for p in result.problems)
    assert [p.field for p in result.problems if p.severity == "error"] == ["name"]


# ---- OKH v1 ------------------------------------------------------------------------


def test_v1_percent_header_file() -> None:
    d = one(RAIDLIGHT)  # line 1: "%Open know-how manifest 0.1"
    assert d.format == "okh-v1"
    assert d.name == "Raidlight Responsiv"
    assert d.repo == "https://github.com/Raidlight/Projet-Pilote-Open-Source"
    assert d.languages == ["fr-FR", "en-GB"]  # French-FR, English-UK
    assert d.technology_readiness == "OTRL-5"  # "in production"
    assert d.licence is None  # no hardware licence stated
    assert d.licences["documentation"].expression == "CC-BY-SA-3.0"
    assert d.created == "2019-10-07"


def test_v1_full_licences_and_licensor() -> None:
    d = one(LIPSYNC)
    assert d.licence is not None and d.licence.expression == "CERN-OHL-W-2.0"
    assert {k: v.expression for k, v in d.licences.items()} == {
        "hardware": "CERN-OHL-W-2.0",
        "documentation": "CC-BY-SA-4.0",
        "software": "GPL-3.0-or-later",
    }
    assert (d.licensor, d.organisation) == ("Jacob McIvor", "Neil Squire Society")
    assert d.version == "4.0" and d.technology_readiness == "OTRL-5"  # product
    assert d.intended_use and d.intended_use.startswith("The LipSync is intended")
    assert (
        d.bom
        == "https://github.com/makersmakingchange/LipSync/tree/master/Documentation/LipSync_BOM.xlsx"
    )
    assert d.languages == ["en-CA"]


def test_v1_value_placeholder_is_absent_with_warning() -> None:
    d = one(FLYPI)  # development-stage: [value]
    assert d.technology_readiness is None
    assert [(p.severity, p.field) for p in d.problems] == [("warning", "technology_readiness")]
    assert "[value]" in d.problems[0].message


@pytest.mark.parametrize("path", [EMPTY_YML, COMMENTS_YML, EMPTY_TOML])
def test_empty_manifest_rejected(path: Path) -> None:
    result = read_path(path)
    assert result.designs == [] and not result.skipped
    [problem] = result.problems
    assert problem.severity == "error" and (
        "empty" in problem.message or "only comments" in problem.message
    )


def test_broken_yaml_has_line_number() -> None:
    lines = LIPSYNC.read_text().splitlines(keepends=True)
    lines[9] = "  hardware: [CERN-OHL-W-2.0\n"  # line 10: an unclosed flow sequence
    result = read_bytes(str(LIPSYNC), "".join(lines).encode())
    [problem] = result.problems
    assert problem.severity == "error" and problem.message.startswith("invalid YAML")
    assert problem.line is not None and 10 <= problem.line <= 11


def test_broken_toml_has_line_number() -> None:
    data = CP002.read_bytes().replace(b'version = "UNVERSIONED"', b'version = "UNVERSIONED')
    [problem] = read_bytes(str(CP002), data).problems
    assert (problem.severity, problem.line) == ("error", 4)
    assert problem.message.startswith("invalid TOML")


# ---- sniffing, JSON -------------------------------------------------------------------


def test_non_manifests_are_skipped() -> None:
    workflow = b"name: CI\non:\n  push:\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    result = read_bytes(".github/workflows/ci.yml", workflow)
    assert result.skipped and "not an OKH manifest" in (result.skip_reason or "")
    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    result = read_path(pyproject)
    assert result.skipped and "not an OKH manifest" in (result.skip_reason or "")


def test_sniffing_uses_content() -> None:
    reader = detect("manifest", LIPSYNC.read_bytes())  # no extension
    assert reader is not None and reader.format == "okh-v1"
    reader = detect("download", MOSH_B.read_bytes())
    assert reader is not None and reader.format == "okh-2"


def test_json_rendering_reads_like_toml() -> None:
    toml_design = one(CROWN)
    data = json.dumps(tomllib.loads(CROWN.read_text())).encode()
    result = read_bytes("crown.json", data)
    [json_design] = result.designs
    assert json_design.format == "okh-json"
    a, b = toml_design.to_dict(), json_design.to_dict()
    for k in ("format", "provenance", "key"):
        a.pop(k), b.pop(k)
    assert a == b


# ---- identity, provenance --------------------------------------------------------------


def test_identity_is_stable_and_documented() -> None:
    assert (
        one(CP002).key
        == one(CP002).key
        == ("https://field-ready-projects.openknowhow.org/cp002#cp002-baby-crib")
    )
    assert normalise_repo_url("HTTPS://GitLab.com/OSEGermany/ohloom.git/") == (
        "https://gitlab.com/OSEGermany/ohloom"
    )
    assert normalise_repo_url("https://github.com/a/b/tree/master/hw") == "https://github.com/a/b"
    assert design_key(None, "X", "/data/okh.toml") == "source:/data/okh.toml"
    assert platform_of("https://en.oho.wiki/wiki/Crown_Cap_Machine", "x") == "oho"
    assert platform_of(None, "https://example.org/okh.toml") == "example.org"
    # the v1 YAML and its LOSH-list conversion are the same design
    assert (
        one(RAIDLIGHT).key
        == "https://github.com/Raidlight/Projet-Pilote-Open-Source#raidlight-responsiv"
    )


def test_provenance() -> None:
    d = one(CP002)
    assert d.provenance is not None
    assert d.provenance.source == str(CP002) and d.provenance.format == "okh-losh"
    assert len(d.provenance.checksum) == 64
    assert d.provenance.text == CP002.read_text()
    assert d.provenance.imported_at.endswith("+00:00")


# ---- the whole real corpus -------------------------------------------------------------


def test_real_corpus(shared_data: Path) -> None:
    designs, parts, rejected, skipped = [], [], {}, {}
    for path in sorted((shared_data / "okh").rglob("*")):
        if not path.is_file() or path.suffix == ".csv":
            continue
        result = read_path(path)
        assert not any("internal error" in p.message for p in result.problems), path
        designs += result.designs
        parts += result.parts
        if result.designs or result.parts:
            continue
        if result.skipped:
            skipped[path.name] = result.skip_reason
        else:
            rejected[path.name] = [p.message for p in result.problems if p.severity == "error"]
    assert len(designs) >= 2100
    assert all(skipped.values()) and all(rejected.values()), (skipped, rejected)
    assert len(parts) == 7 and attach_parts(designs, parts) == []
    assert all(d.provenance and d.name and d.name == d.name.strip() for d in designs)
    # every Appropedia forkOf is a topic page: none is left as a fork
    appropedia = [d for d in designs if d.platform == "appropedia"]
    assert not [d.links for d in appropedia if d.links]
    assert sum(1 for d in appropedia if d.categories) == 697
