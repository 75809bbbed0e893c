"""Designs as RDF Turtle in the OKH ontology (``http://w3id.org/oseg/ont/okh#``), streamed.

Terms follow the OKH-LOSH ontology (iop-alliance/OpenKnowHow, ``OKH-LOSH.ttl``):
``okh:Module`` / ``okh:Part`` linked by ``okh:hasComponent``; ``rdfs:label`` (name),
``okh:repo``, ``okh:version``, ``okh:spdxLicense`` (the expression as a literal, plus
``dcterms:license <http://spdx.org/licenses/ID>`` when it is a single SPDX id),
``okh:licensor``, ``okh:organization``, ``okh:function``, ``okh:documentationLanguage``,
``okh:technologyReadinessLevel otrl:OTRL5``, ``okh:documentationReadinessLevel
otrl:ODRL3Star``, ``okh:cpcPatentClass``, ``okh:tsdc tsdc:3DP``, ``okh:hasOuterDimensions``
(``okh:openSCAD``, ``okh:unit``), ``okh:hasMass``, ``okh:manufacturingProcess`` and
``okh:material`` (Refaire vocabulary ids), ``okh:forkOf``; files (image, readme, BoM,
instructions, user manual, source, export) as blank ``okh:File`` sub-class nodes with
``okh:url`` (absolute URLs) or ``okh:relativePath``. Where the ontology has no term,
schema.org / Dublin Core are used (description, keywords, dates, categories, lineage).

Subjects are ``urn:refaire:design:<key>`` (parts: ``…#part-<n>``), IRI-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from refaire.ingest.okh_values import openscad_cube
from refaire.model import Design, Dimensions, Part

PREFIXES = {
    "okh": "http://w3id.org/oseg/ont/okh#",
    "otrl": "http://w3id.org/oseg/ont/otrl#",
    "tsdc": "http://w3id.org/oseg/ont/tsdc/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "schema": "http://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "spdx": "http://spdx.org/licenses/",
}

_STRING_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
# characters not allowed in a Turtle IRIREF (plus space), percent-encoded
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_SPDX_ID = re.compile(r"^[A-Za-z0-9.+-]+$")
_LEVEL = re.compile(r"^(OTRL|ODRL)-(\d)(\*?)$")
_TSDC = re.compile(r"^[A-Za-z0-9-]+$")


def literal(text: str) -> str:
    """A Turtle string literal with every character that needs it escaped."""
    out = []
    for ch in text:
        if ch in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def iri(text: str) -> str:
    """``<…>`` with the characters Turtle forbids in IRIs percent-encoded."""
    encoded = _IRI_FORBIDDEN.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), text)
    return f"<{encoded}>"


def _is_url(text: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S", text))


def _number(x: float) -> str:
    return f'"{x!r}"^^xsd:decimal' if not float(x).is_integer() else f'"{int(x)}"^^xsd:decimal'


def _file(cls: str, ref: str) -> str:
    # OKH-LOSH paths starting with "/" are relative to the repository root; the
    # ontology's relativePath is written without the leading "/" or "./"
    rel = re.sub(r"^(\./|/)+", "", ref)
    where = f"okh:url {iri(ref)}" if _is_url(ref) else f"okh:relativePath {literal(rel)}"
    return f"[ a okh:{cls} ; {where} ]"


def _level(level: str) -> str:
    m = _LEVEL.match(level)
    if not m:
        return literal(level)
    return f"otrl:{m.group(1)}{m.group(2)}{'Star' if m.group(3) else ''}"


def _tsdc(code: str) -> str:
    return iri(PREFIXES["tsdc"] + code) if _TSDC.match(code) else literal(code)


def _subject(design: Design, part: int | None = None) -> str:
    # the key may hold a "#" (repo#slug): escaped so that parts can use the fragment
    base = "urn:refaire:design:" + design.key.replace("%", "%25").replace("#", "%23")
    return iri(base if part is None else f"{base}#part-{part}")


def _dimensions(dims: Dimensions) -> str:
    scad = openscad_cube(dims.width, dims.depth, dims.height)
    return f'[ a okh:OuterDimensions ; okh:openSCAD {literal(scad)} ; okh:unit "mm" ]'


class _Node:
    """Collects predicate-object pairs of one subject and renders them as one block."""

    def __init__(self, subject: str, cls: str) -> None:
        self.subject = subject
        self.pairs: list[tuple[str, str]] = [("a", cls)]

    def add(self, predicate: str, obj: str | None) -> None:
        if obj is not None:
            self.pairs.append((predicate, obj))

    def text(self, predicate: str, value: str | None) -> None:
        if value:
            self.add(predicate, literal(value))

    def render(self) -> str:
        body = " ;\n".join(f"  {p} {o}" for p, o in self.pairs)
        return f"{self.subject}\n{body} .\n"


def _part_node(subject: str, part: Part) -> _Node:
    node = _Node(subject, "okh:Part")
    node.text("rdfs:label", part.name)
    for code in part.tsdc:
        node.add("okh:tsdc", _tsdc(code))
    for p in part.processes:
        node.text("okh:manufacturingProcess", p)
    for m in part.materials:
        node.text("okh:material", m)
    for s in part.sources:
        node.add("okh:source", _file("SourceFile", s))
    for e in part.exports:
        node.add("okh:export", _file("ExportFile", e))
    if part.image:
        node.add("okh:hasImage", _file("Image", part.image))
    if part.dimensions:
        node.add("okh:hasOuterDimensions", _dimensions(part.dimensions))
    if part.mass_g is not None:
        node.add("okh:hasMass", f'[ a okh:Mass ; okh:value {_number(part.mass_g)} ; okh:unit "g" ]')
    if part.quantity != 1:
        node.add("schema:quantity", f'"{part.quantity}"^^xsd:integer')
    if part.manifest and _is_url(part.manifest):  # a local import path means nothing here
        node.add("okh:hasManifestFile", _file("ManifestFile", part.manifest))
    return node


def design_to_turtle(design: Design) -> str:
    """The Turtle block(s) of one design and its parts (no prefixes)."""
    subject = _subject(design)
    node = _Node(subject, "okh:Module")
    node.text("rdfs:label", design.name)
    if design.repo:
        node.add("okh:repo", iri(design.repo) if _is_url(design.repo) else literal(design.repo))
    node.text("okh:version", design.version)
    if design.licence:
        node.text("okh:spdxLicense", design.licence.expression)
        expr = design.licence.expression
        if _SPDX_ID.match(expr) and not expr.startswith("LicenseRef-"):
            node.add("dcterms:license", iri(PREFIXES["spdx"] + expr))
    node.text("okh:licensor", design.licensor)
    node.text("okh:organization", design.organisation)
    node.text("okh:function", design.function)
    node.text("schema:description", design.description)
    node.text("schema:keywords", ", ".join(design.keywords) if design.keywords else None)
    for lang in design.languages:
        node.text("okh:documentationLanguage", lang)
    if design.technology_readiness:
        node.add("okh:technologyReadinessLevel", _level(design.technology_readiness))
    if design.documentation_readiness:
        node.add("okh:documentationReadinessLevel", _level(design.documentation_readiness))
    for code in design.cpc:
        node.text("okh:cpcPatentClass", code)
    for code in design.tsdc:
        node.add("okh:tsdc", _tsdc(code))
    for img in design.images:
        node.add("okh:hasImage", _file("Image", img))
    if design.readme:
        node.add("okh:hasReadme", _file("Readme", design.readme))
    if design.bom:
        node.add("okh:hasBoM", _file("BoM", design.bom))
    for mi in design.manufacturing_instructions:
        node.add("okh:hasManufacturingInstructions", _file("ManufacturingInstructions", mi))
    if design.user_manual:
        node.add("okh:hasUserManual", _file("UserManual", design.user_manual))
    for s in design.sources:
        node.add("okh:source", _file("SourceFile", s))
    for e in design.exports:
        node.add("okh:export", _file("ExportFile", e))
    if design.dimensions:
        node.add("okh:hasOuterDimensions", _dimensions(design.dimensions))
    predicates = {
        "fork-of": "okh:forkOf",
        "derivative-of": "schema:isBasedOn",
        "variant-of": "schema:isVariantOf",
    }
    for link in design.links:
        target = iri(link.target) if _is_url(link.target) else literal(link.target)
        node.add(predicates[link.kind], target)
    for cat in design.categories:
        node.text("dcterms:subject", cat)
    node.text("dcterms:created", design.created)
    node.text("dcterms:modified", design.updated)
    blocks = []
    for i, part in enumerate(design.parts, 1):
        part_subject = _subject(design, i)
        node.add("okh:hasComponent", part_subject)
        blocks.append(_part_node(part_subject, part).render())
    return "\n".join([node.render(), *blocks])


def designs_to_turtle(designs: Iterable[Design]) -> Iterator[str]:
    """Turtle text in chunks: the prefixes, then one chunk per design (constant memory)."""
    yield "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n"
    for design in designs:
        yield design_to_turtle(design) + "\n"
