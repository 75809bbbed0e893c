"""The schema, as SQLAlchemy Core tables. Alembic migrations mirror this file.

Designs and facilities keep their whole normalised record as JSON (`record`), plus
the columns that queries filter or sort on. Multi-valued attributes used as search
facets live in one generic (entity, facet, value) table each, so every facet is
counted and filtered by the same indexed query.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

metadata = MetaData()


class JSONText(TypeDecorator):
    """JSON kept as text. A value may arrive already serialised: the import path
    serialises records in its worker processes, so the writer only stores them."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else json.loads(value)


# A counter per kind of record, bumped by every write: in-process caches (the
# design facet index) compare it to know whether they are still current.
store_generations = Table(
    "store_generations",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("generation", Integer, nullable=False),
)

designs = Table(
    "designs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(1000), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("name_sort", String(500), nullable=False, index=True),
    Column("format", String(40), nullable=False),
    Column("version", String(200)),
    Column("repo", String(1000)),
    Column("licence", String(300)),
    Column("openness", String(40)),
    Column("technology_readiness", String(20)),
    Column("documentation_readiness", String(20)),
    Column("platform", String(100)),
    Column("source", String(2000), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("imported_at", String(40), nullable=False),
    Column("record", JSONText, nullable=False),
    Column("manifest_text", Text, nullable=False),
    # the design's indexed terms, so a rewrite knows which postings to drop it from
    Column("terms", Text, nullable=False, server_default=""),
)

# facet in: openness, sector, readiness, language, platform, format, licence
design_facets = Table(
    "design_facets",
    metadata,
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False),
    Column("facet", String(40), nullable=False),
    Column("value", String(300), nullable=False),
    Index("ix_design_facets_facet_value", "facet", "value", "design_id"),
    Index("ix_design_facets_design", "design_id", "facet", "value"),
)

# Word index of designs: one row per folded term with its postings packed as arrays
# (see refaire.store.postings).
design_postings = Table(
    "design_postings",
    metadata,
    Column("term", String(100), primary_key=True),
    Column("ids", LargeBinary, nullable=False),  # int32 design ids, ascending
    Column("weights", LargeBinary, nullable=False),  # uint8 field weight per id
)

design_links = Table(
    "design_links",
    metadata,
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("target", String(2000), nullable=False),
    Index("ix_design_links_design", "design_id"),
    Index("ix_design_links_target", "target"),
)

import_problems = Table(
    "import_problems",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_at", String(40), nullable=False, index=True),
    Column("source", String(2000), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("field", String(300)),
    Column("line", Integer),
    Column("message", Text, nullable=False),
)

facilities = Table(
    "facilities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(1000), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("name_sort", String(500), nullable=False, index=True),
    Column("latitude", Float),
    Column("longitude", Float),
    # "stated" by a source, or "inferred": the centre of the town it names (gazetteer).
    Column("location_origin", String(10), nullable=False, server_default="stated"),
    Column("country", String(2), index=True),
    Column("city", String(200)),
    Column("kind", String(60)),
    Column("imported_at", String(40), nullable=False),
    Column("record", JSONText, nullable=False),
    Index("ix_facilities_lat_lon", "latitude", "longitude"),
)

facility_capabilities = Table(
    "facility_capabilities",
    metadata,
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("value", String(100), nullable=False),
    Column("origin", String(20), nullable=False),
    # refaire.geo.grid_cell of the facility; NULL when it has no coordinates
    Column("cell", Integer),
    Index("ix_facility_caps_kind_value", "kind", "value", "facility_id"),
    Index("ix_facility_caps_kind_value_cell", "kind", "value", "cell", "facility_id"),
    Index("ix_facility_caps_facility", "facility_id"),
)

facility_terms = Table(
    "facility_terms",
    metadata,
    Column("term", String(100), nullable=False),
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False),
    Column("weight", Integer, nullable=False),
    Index("ix_facility_terms_term", "term", "facility_id", "weight"),
    Index("ix_facility_terms_facility", "facility_id"),
)

# Every key a facility is known by (its own and those of the records merged into it),
# so that re-importing any of its sources updates it instead of adding a duplicate.
facility_keys = Table(
    "facility_keys",
    metadata,
    Column("key", String(1000), primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False),
    Index("ix_facility_keys_facility", "facility_id"),
)

# --- observatory (migration 0002) ----------------------------------------------------------

# Weak signals of the movement: an article, event or project news, with its tags.
signals = Table(
    "signals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(500), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("published", String(10), nullable=False, index=True),
    Column("summary", Text),
    Column("created_at", String(40), nullable=False),
)

# kind in: sector, practice, actor
signal_tags = Table(
    "signal_tags",
    metadata,
    Column("signal_id", Integer, ForeignKey("signals.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("value", String(300), nullable=False),
    Index("ix_signal_tags_kind_value", "kind", "value", "signal_id"),
    Index("ix_signal_tags_signal", "signal_id"),
)

# What the observatory derives from each design's JSON record, computed once per
# stored version (checksum, imported_at): the dashboard then reads small columns
# instead of parsing every record (see refaire.observatory.derive).
design_observations = Table(
    "design_observations",
    metadata,
    Column(
        "design_id",
        Integer,
        ForeignKey("designs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("checksum", String(64), nullable=False),
    Column("imported_at", String(40), nullable=False),
    Column("completeness", Float, nullable=False),
    Column("components", Integer, nullable=False),
    Column("otrl", Integer),
    Column("odrl", Integer),
    Column("year", Integer),
    Column("date_kind", String(20)),
    Column("cpc_declared", Integer, nullable=False),
    # the matching engine's requirements of the design (JSON), read to build its index
    Column("requirements", Text),
)

# kind in: sector (confidence NULL when declared by CPC), country, category, actor
design_observation_tags = Table(
    "design_observation_tags",
    metadata,
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("value", String(300), nullable=False),
    Column("confidence", Float),
    # covering the grouped counts per (kind, value): no table lookup per tag row
    Index("ix_design_obs_tags_kind_value", "kind", "value", "design_id", "confidence"),
    Index("ix_design_obs_tags_design", "design_id"),
)

# Covering indexes for the observatory's two hot paths: finding designs whose derived
# row is missing or outdated, and joining sector tags to maturity and completeness.
Index("ix_designs_version", designs.c.id, designs.c.checksum, designs.c.imported_at)
Index(
    "ix_design_obs_version",
    design_observations.c.design_id,
    design_observations.c.checksum,
    design_observations.c.imported_at,
)
Index(
    "ix_design_obs_figures",
    design_observations.c.design_id,
    design_observations.c.otrl,
    design_observations.c.completeness,
)

# --- import safety (migration 0005, issue 10) ---------------------------------------------

# Word-index changes not yet applied, written in the design's own transaction
# (see refaire.store.index_queue): old_terms space-separated, new_terms {term: weight}.
design_index_queue = Table(
    "design_index_queue",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False),
    Column("old_terms", Text, nullable=False),
    Column("new_terms", Text, nullable=False),
)

# A manifest that claimed a stored design's identity from another source; status in:
# open, kept (the stored design stays), replaced (the claim replaced it).
design_conflicts = Table(
    "design_conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(2000), nullable=False),
    Column("format", String(40), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("record", JSONText, nullable=False),
    Column("manifest_text", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("status", String(20), nullable=False, server_default="open"),
    Column("resolved_by", String(200)),
    Column("resolved_at", String(40)),
    Index("ix_design_conflicts_design", "design_id", "status"),
)
