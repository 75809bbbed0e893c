"""Build a normalised `Design` (or a stand-alone `Part`) from a canonical OKH record.

This is the one mapping shared by every OKH dialect: the readers only parse bytes and
call `canonicalise` (`okh_keys`), then `record_to_result` here. Field by field:

- name (required; a placeholder name means a template, which is rejected), function,
  description, intended-use, keywords: trimmed, placeholders dropped;
- repo = repo / v1 project-link, else v1 documentation-home (noted); readme = readme,
  else a documentation-home that differs from the repo;
- licence: ``license`` as one SPDX value, or v1 ``{hardware, documentation, software}``;
  ``design.licence`` is the hardware licence, ``design.licences`` all of them;
- licensor (and v1 licensor.affiliation as organisation when none is stated);
- languages = documentation-language then manifest-language, as BCP-47 tags;
- readiness: technology / documentation levels, or v1 development-stage mapped;
- cpc, sectors (from CPC, else inferred and noted), tsdc, parts with vocabulary ids;
- lineage links, Appropedia topic pages as categories (`okh_lineage`);
- created / updated dates (the converted corpus's Unix ``timestamp`` as updated).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from refaire.ingest import okh_fields as f
from refaire.ingest.base import ReadResult
from refaire.ingest.identity import design_key, platform_of, repo_identity_problem
from refaire.ingest.okh_design_level import design_requirements, display_name, nasa_trl
from refaire.ingest.okh_lineage import LINEAGE_KEYS, appropedia_topics, lineage_targets
from refaire.ingest.okh_values import dedupe, is_placeholder, scalar_text
from refaire.model import Design, Licence, Link, Part, Problem, Provenance

_PART_TRAITS = ("tsdc", "material", "source", "export", "process")
_MODULE_TRAITS = ("repo", "license", "documentation-home", "licensor", "function")
# The LOSH-list converter wrote this where the source had no version.
_NO_VERSION = {"unversioned"}


def is_part_manifest(record: dict[str, Any], source: str) -> bool:
    """A stand-alone part manifest (``okh-<Part>.toml``) rather than a module.

    Rule: it has a name and part traits (tsdc, material, source, export or process)
    but none of the module traits (repo, license, licensor, function, documentation-home).
    The ``okh-<Part>`` file name is a hint only: module manifests are named so too.
    """
    if record.get("part") or not scalar_text(record.get("name")):
        return False
    has_part_traits = any(record.get(k) not in (None, "", []) for k in _PART_TRAITS)
    has_module_traits = any(record.get(k) not in (None, "", []) for k in _MODULE_TRAITS)
    return has_part_traits and not has_module_traits


def provenance(source: str, fmt: str, data: bytes, text: str) -> Provenance:
    return Provenance(
        source=source,
        format=fmt,
        checksum=hashlib.sha256(data).hexdigest(),
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        text=text,
    )


def _licences(ctx: f.Ctx, rec: dict[str, Any]) -> dict[str, Licence]:
    out: dict[str, Licence] = {}
    value = rec.get("license")
    if isinstance(value, dict):  # OKH v1
        for kind, raw in value.items():
            lic = f.licence(ctx, f"licences.{kind}", raw)
            if lic is not None:
                out[str(kind)] = lic
    else:
        lic = f.licence(ctx, "licence", value)
        if lic is not None:
            out["hardware"] = lic
    # `documentation-license`, `software-license`…: the other v1 licences as written
    # by Refaire's OKH-LOSH export
    for key, raw in rec.items():
        kind = key.removesuffix("-license")
        if key.endswith("-license") and kind and kind not in out:
            lic = f.licence(ctx, f"licences.{kind}", raw)
            if lic is not None:
                out[kind] = lic
    return out


def _lineage(ctx: f.Ctx, rec: dict[str, Any], repo: str | None) -> tuple[list[Link], list[str]]:
    links: list[Link] = []
    categories = f.texts(ctx, "categories", rec.get("categories"))
    for kind in LINEAGE_KEYS:
        for target in lineage_targets(rec.get(kind)):
            if is_placeholder(target):
                ctx.warn(kind, f"template placeholder {target!r} treated as absent")
                continue
            topics = appropedia_topics(target, repo) if kind == "fork-of" else None
            if topics:
                ctx.note("categories", target, "; ".join(topics), "appropedia-topic")
                categories.extend(topics)
            else:
                links.append(Link(kind, target))  # type: ignore[arg-type]
    return links, dedupe(categories)


def _parts(ctx: f.Ctx, rec: dict[str, Any]) -> list[Part]:
    parts = []
    for i, prec in enumerate(rec.get("part") or []):
        p = f.part(ctx, f"parts[{i}]", prec)
        if p is not None:
            parts.append(p)
    # OKH v1 `sub`: sub-assemblies documented by their own manifest
    for i, sub in enumerate(rec.get("sub") or []):
        if not isinstance(sub, dict):
            continue
        name = f.text(ctx, f"sub[{i}].title", sub.get("title"))
        web = f.text(ctx, f"sub[{i}].web", sub.get("web"))
        manifest = f.text(ctx, f"sub[{i}].manifest", sub.get("manifest"))
        if name:
            parts.append(Part(name=name, sources=[web] if web else [], manifest=manifest))
    return parts


def _software(value: Any) -> Any:
    """OKH-LOSH `[[software]]` tables ({release, installation-guide}) as their texts, both
    kept: a release number alone says nothing of where the software is."""
    items = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            out += [item[k] for k in ("release", "installation-guide") if item.get(k)]
        elif item is not None:
            out.append(item)
    return out or None


def build_design(rec: dict[str, Any], ctx: f.Ctx, fmt: str) -> Design | None:
    """The design described by a canonical record, or None (with an error) if unusable."""
    # without a usable name there is no design, but every other field is still read so
    # that a template reports all its placeholders at once
    given_name = f.text(ctx, "name", rec.get("name"))
    name, original_name = display_name(ctx, given_name) if given_name else ("", None)
    repo = f.text(ctx, "repo", rec.get("repo"))
    home = f.text(ctx, "documentation-home", rec.get("documentation-home"))
    if repo is None and home is not None:
        repo = home
        ctx.note("repo", home, home, "from-documentation-home")
    stated_repo = repo
    if repo is not None and (why := repo_identity_problem(repo)) is not None:
        # Not an identity: the design is known by its source path/URL instead; the text
        # stays in the notes (original kept) and the warning says why.
        ctx.warn("repo", f"{why}: not used as the design's identity (its source is)")
        ctx.note("repo", repo, "", "repo-not-an-identity")
        repo = None
    readme = f.text(ctx, "readme", rec.get("readme"))
    if readme is None and home is not None and home != repo:
        readme = home
    licences = _licences(ctx, rec)
    licensor_value = rec.get("licensor")
    organisation = f.names(ctx, "organisation", rec.get("organisation"))
    if organisation is None and isinstance(licensor_value, dict):
        organisation = f.names(ctx, "organisation", licensor_value.get("affiliation"))
    version = f.text(ctx, "version", rec.get("version"))
    if version is not None and version.lower() in _NO_VERSION:
        ctx.note("version", version, "", "unversioned-marker")
        version = None
    tech = rec.get("technology-readiness-level")
    trl = nasa_trl(ctx, rec.get("trl"), tech)
    if tech is not None and nasa_trl(None, None, tech) is not None:
        tech = None  # the value was a TRL, kept as such: not an OTRL
    if tech is not None:
        technology = f.readiness(ctx, "technology_readiness", tech, "technology")
    else:
        technology = f.readiness(ctx, "technology_readiness", rec.get("development-stage"), "stage")
    languages = f.languages(ctx, "languages", rec.get("documentation-language"))
    languages = dedupe(languages + f.languages(ctx, "languages", rec.get("manifest-language")))
    function = f.text(ctx, "function", rec.get("function"))
    description = f.text(ctx, "description", rec.get("description"))
    keywords = f.texts(ctx, "keywords", rec.get("keywords"))
    cpc = f.cpc_codes(ctx, "cpc", rec.get("cpc-patent-class"))
    inference_text = " ".join([name, function or description or "", " ".join(keywords)])
    user_manuals = f.texts(ctx, "user_manual", rec.get("user-manual"))
    links, categories = _lineage(ctx, rec, repo)
    updated = f.text(ctx, "updated", rec.get("date-updated"))
    size = f.dimensions(
        ctx, "dimensions", rec.get("outer-dimensions"), rec.get("outer-dimensions-unit")
    )
    if updated is None and rec.get("timestamp") is not None:
        updated = f.epoch_time(ctx, "updated", rec.get("timestamp"))
    design = Design(
        key=design_key(repo, name, ctx.source),
        name=name,
        format=fmt,
        okhv=f.text(ctx, "okhv", rec.get("okhv")),
        version=version,
        repo=repo,
        function=function,
        description=description,
        intended_use=f.text(ctx, "intended_use", rec.get("intended-use")),
        keywords=keywords,
        licence=licences.get("hardware"),
        licences=licences,
        licensor=f.names(ctx, "licensor", licensor_value),
        organisation=organisation,
        languages=languages,
        technology_readiness=technology,
        trl=trl,
        documentation_readiness=f.readiness(
            ctx,
            "documentation_readiness",
            rec.get("documentation-readiness-level"),
            "documentation",
        ),
        cpc=cpc,
        sectors=f.sectors(ctx, cpc, inference_text),
        tsdc=f.tsdc_codes(ctx, "tsdc", rec.get("tsdc")),
        images=f.texts(ctx, "images", rec.get("image")),
        readme=readme,
        bom=f.text(ctx, "bom", rec.get("bom")),
        manufacturing_instructions=f.texts(
            ctx, "manufacturing_instructions", rec.get("manufacturing-instructions")
        ),
        user_manual=user_manuals[0] if user_manuals else None,
        sources=f.texts(ctx, "sources", rec.get("source")),
        exports=f.texts(ctx, "exports", rec.get("export")),
        dimensions=size,
        dimensions_text=f.size_kept_as_text(
            ctx, "dimensions", size, rec.get("outer-dimensions"), rec.get("outer-dimensions-unit")
        ),
        parts=_parts(ctx, rec),
        links=links,
        categories=categories,
        platform=platform_of(stated_repo, ctx.source),
        created=f.text(ctx, "created", rec.get("date-created")),
        updated=updated,
        design_requirements=design_requirements(ctx, rec),
        schematics=f.texts(ctx, "schematics", rec.get("schematics")),
        software=f.texts(ctx, "software", _software(rec.get("software"))),
        original_name=original_name,
    )
    if given_name is None:
        if any(p.field == "name" for p in ctx.problems):
            ctx.error("name", "the name is a template placeholder: a template, not a design")
        else:
            ctx.error("name", "no name (OKH-LOSH `name`, OKH v1 `title`): not a design")
        return None
    return design


def record_to_result(
    rec: dict[str, Any], *, source: str, fmt: str, data: bytes, text: str
) -> ReadResult:
    """A design (or a stand-alone part) from a canonical record, with its problems."""
    ctx = f.Ctx(source)
    if is_part_manifest(rec, source):
        part = f.part(ctx, "part", rec, manifest=source)
        # a Part has no notes of its own: keep what was normalised as info problems
        infos = [
            Problem(source, "info", n.field, f"{n.rule}: {n.original!r} -> {n.value!r}")
            for n in ctx.notes
        ]
        if part is None:
            return ReadResult(problems=ctx.problems + infos)
        return ReadResult(parts=[part], problems=ctx.problems + infos)
    design = build_design(rec, ctx, fmt)
    if design is None:
        return ReadResult(problems=ctx.problems)
    design.notes = ctx.notes
    design.problems = ctx.problems
    design.provenance = provenance(source, fmt, data, text)
    return ReadResult(designs=[design])


def guarded(source: str, build: Any) -> ReadResult:
    """Run a mapping step; a value of a shape no rule foresaw becomes an error, not a crash."""
    try:
        return build()
    except Exception as exc:  # one odd file must not stop a batch
        msg = f"internal error while mapping ({type(exc).__name__}: {exc})"
        return ReadResult(problems=[Problem(source, "error", None, msg)])
