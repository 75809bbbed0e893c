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
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
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
    # set when a crawled source's URL for this design answered 404/410 several crawls in a
    # row (issue 16): the record is kept, shown as withdrawn from that date
    Column("withdrawn_at", String(40)),
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
    # the feed an item came from (migration 0017); null for signals typed by a person
    Column("feed_id", Integer),
    # lower-cased, punctuation-free title: near-identical items are one signal
    Column("norm_title", String(500)),
)

# kind in: sector, practice, actor
signal_tags = Table(
    "signal_tags",
    metadata,
    Column("signal_id", Integer, ForeignKey("signals.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("value", String(300), nullable=False),
    # stated (typed by a person or said by the feed), inferred (a classifier, with its
    # confidence) or confirmed (an analyst checked it); migration 0017
    Column("origin", String(12), nullable=False, server_default="stated"),
    Column("confidence", Float),
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

# --- people: accounts, sessions, tokens, roles, audit (migration 0006) ---------------------

# One row per person. An account that is deleted keeps its row, emptied of everything
# personal (`deleted_at` set), so that audit entries and ownership keep a party to name.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
    Column("password_hash", String(200)),  # NULL: no password set yet, or deleted
    Column("display_name", String(200)),
    Column("languages", JSONText),  # BCP-47 tags, e.g. ["fr", "en"]
    Column("town", String(200)),
    Column("country", String(2)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("public", Boolean, nullable=False, server_default="0"),
    Column("is_admin", Boolean, nullable=False, server_default="0"),
    Column("verified_at", String(40)),
    Column("created_at", String(40), nullable=False),
    Column("deleted_at", String(40)),
    # never reuse an id: the audit trail names people by it
    sqlite_autoincrement=True,
)

# Browser sessions: the cookie carries a random id; only its SHA-256 is stored.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Index("ix_user_sessions_user", "user_id"),
)

# Personal API tokens: shown once, stored as SHA-256, revoked by stamping `revoked_at`.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("scopes", JSONText, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("last_used_at", String(40)),
    Column("revoked_at", String(40)),
    Index("ix_api_tokens_user", "user_id"),
)

# Single-use, expiring links sent by mail (purpose: verify, reset).
user_links = Table(
    "user_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(10), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("used_at", String(40)),
    Index("ix_user_links_user", "user_id", "purpose"),
)

# role in: manager, co-manager
facility_managers = Table(
    "facility_managers",
    metadata,
    Column(
        "facility_id",
        Integer,
        ForeignKey("facilities.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(12), nullable=False),
    Column("added_by", String(60), nullable=False),
    Column("added_at", String(40), nullable=False),
    Index("ix_facility_managers_user", "user_id"),
)

# Append-only (migration 0006 adds triggers refusing UPDATE and DELETE). `actor` is an
# Actor.label ("user:12", "admin-token", "cli"); before/after never hold a person's e-mail
# or name, so deleting an account leaves nothing personal here.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(60), nullable=False),
    Column("action", String(60), nullable=False),
    Column("target_type", String(40), nullable=False),
    Column("target_id", String(200), nullable=False),
    Column("before", JSONText),
    Column("after", JSONText),
    Index("ix_audit_log_target", "target_type", "target_id", "id"),
    Index("ix_audit_log_actor", "actor", "id"),
)

# Server secrets generated on first use (the key that signs session cookies and CSRF
# tokens) unless REFAIRE_SECRET_KEY gives one.
site_secrets = Table(
    "site_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

# --- facility management (migration 0007): claims and suggested corrections -----------------
# user ids are plain integers (no foreign key to users): a deleted account leaves its claims
# and suggestions with an anonymised party, as the audit trail does.

# A member's request to manage a facility. method "admin" waits for an admin; "mail" is
# confirmed by the link mailed to `email` (an address at the facility website's domain).
facility_claims = Table(
    "facility_claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("method", String(10), nullable=False),
    Column("email", String(320)),
    Column("token_hash", String(64)),
    Column("message", Text),
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("created_at", String(40), nullable=False),
    Column("decided_at", String(40)),
    Column("decided_by", String(100)),
    Index("ix_facility_claims_status", "status", "id"),
    Index("ix_facility_claims_facility", "facility_id"),
)

# A member's correction to a facility they do not manage: `changes` maps fields to values,
# applied through the same editing path as a manager's edit when accepted.
facility_suggestions = Table(
    "facility_suggestions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("changes", JSONText, nullable=False),
    Column("note", Text),
    Column("status", String(10), nullable=False),  # pending | accepted | rejected
    Column("created_at", String(40), nullable=False),
    Column("decided_at", String(40)),
    Column("decided_by", String(100)),
    Index("ix_facility_suggestions_facility", "facility_id", "status"),
)

# A design's maintainers: who registered it, or whose claim on an imported design an admin
# approved (via "registered" | "claim").
design_maintainers = Table(
    "design_maintainers",
    metadata,
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("via", String(20), nullable=False),
    Column("added_at", String(40), nullable=False),
    Index("ix_design_maintainers_user", "user_id"),
)

# A member's request to maintain an imported design, decided by a site admin.
design_claims = Table(
    "design_claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("message", Text),
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("created_at", String(40), nullable=False),
    Column("decided_at", String(40)),
    Column("decided_by", String(100)),
    Index("ix_design_claims_status", "status", "id"),
)

# --- sharing: bookable machines, spaces and lent tools (migration 0008) ------------------------
# Times are UTC instants (timestamptz on PostgreSQL); wall-clock rules live in `rules` and are
# read in the resource's IANA `time_zone`. A resource with capacity N has units 0..N-1, and
# every active booking holds one unit: on PostgreSQL an exclusion constraint (btree_gist,
# tstzrange &&, migration 0008) forbids two active bookings of one unit overlapping.
# user ids are plain integers, as in the claims above (a deleted account leaves its bookings).

# kind in: machine, space, tool. A facility's machine or space has facility_id; a member's
# tool has owner_user_id, a pick-up place and lending rules.
resources = Table(
    "resources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE")),
    Column("owner_user_id", Integer),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("process", String(40)),
    Column("machine_index", Integer),
    Column("units", Integer, nullable=False),
    Column("time_zone", String(60), nullable=False),
    Column("rules", JSONText, nullable=False),
    Column("required_trainings", JSONText, nullable=False),
    Column("pickup_place", String(300)),
    Column("lending_rules", Text),
    Column("active", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(60), nullable=False),
    Index("ix_resources_facility", "facility_id"),
    Index("ix_resources_owner", "owner_user_id"),
)

# status in: pending (awaiting approval), confirmed, refused, cancelled, no_show, completed;
# pending and confirmed are active (they hold their unit). kind in: booking, block (a manager
# closes the slot without deleting anything; one row per unit).
bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("resource_id", Integer, ForeignKey("resources.id", ondelete="CASCADE"), nullable=False),
    Column("unit", Integer, nullable=False),
    Column("user_id", Integer),
    Column("kind", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("note", Text),
    Column("price", Float),
    Column("currency", String(3)),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    CheckConstraint("ends_at > starts_at", name="ck_bookings_positive"),
    Index("ix_bookings_resource_time", "resource_id", "starts_at"),
    Index("ix_bookings_user", "user_id", "starts_at"),
)

trainings = Table(
    "trainings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("valid_months", Integer),
    Index("ix_trainings_facility", "facility_id"),
)

# A manager's statement that a member is trained: who recorded it and when.
training_records = Table(
    "training_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("training_id", Integer, ForeignKey("trainings.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("trained_on", String(10), nullable=False),
    Column("expires_on", String(10)),
    Column("recorded_by", String(60), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Index("ix_training_records_user", "user_id", "training_id"),
)

training_sessions = Table(
    "training_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("training_id", Integer, ForeignKey("trainings.id", ondelete="CASCADE"), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Index("ix_training_sessions_training", "training_id", "starts_at"),
)

session_signups = Table(
    "session_signups",
    metadata,
    Column(
        "session_id",
        Integer,
        ForeignKey("training_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Integer, primary_key=True),
    Column("created_at", String(40), nullable=False),
)

# A member's private calendar feed: the token in the URL is shown once, stored as a digest;
# making a new one revokes the old.
feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
)

# --- network (issue 16): background jobs, crawled sources --------------------------------
# One row per job put on the queue (huey keeps the queue itself; this is what people see):
# state in queued, running, retrying, done, failed; `error` is the last failure's text.
job_log = Table(
    "job_log",
    metadata,
    Column("id", String(64), primary_key=True),  # the queue's task id
    Column("name", String(80), nullable=False),
    Column("label", String(500), nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("enqueued_at", String(40), nullable=False),
    Column("started_at", String(40)),
    Column("finished_at", String(40)),
    Index("ix_job_log_state", "state", "enqueued_at"),
    Index("ix_job_log_enqueued", "enqueued_at"),
)

# An upload waiting to be measured by a queued job (issue 16): the files until the job has
# measured them (then deleted: the result is what is kept), the result as JSON once done.
# `purpose`: "measure" (reports per file) or "part-meshes" (meshes attached to `design`).
measurements = Table(
    "measurements",
    metadata,
    Column("id", String(64), primary_key=True),  # random, the handle in /api/measurements/{id}
    Column("job_id", String(64)),  # the job_log row of its job
    Column("purpose", String(20), nullable=False),
    Column("design", String(200)),
    Column("file_names", Text, nullable=False),  # JSON list, kept after the files are gone
    Column("result", Text),
    Column("created_at", String(40), nullable=False),
)
measurement_files = Table(
    "measurement_files",
    metadata,
    Column(
        "measurement_id",
        String(64),
        ForeignKey("measurements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("name", String(500), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# A URL the instance crawls again and again: a manifest, a list of manifest URLs, a
# facility list (OKW, SpaceAPI directory); `every_s` null = only when asked.
crawl_sources = Table(
    "crawl_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False, unique=True),
    Column("every_s", Integer),
    Column("added_by", String(60), nullable=False),
    Column("added_at", String(40), nullable=False),
    Column("last_crawled_at", String(40)),
    Column("next_due_at", String(40), index=True),
)

# Each document a source leads to (the source URL itself, or each URL of a list), with what
# conditional GET needs next time and how many crawls in a row it answered 404/410.
crawl_documents = Table(
    "crawl_documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("crawl_sources.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("etag", String(300)),
    Column("last_modified", String(100)),
    Column("checksum", String(64)),
    Column("last_status", Integer),
    Column("gone_count", Integer, nullable=False, server_default="0"),
    Column("withdrawn_at", String(40)),
    Column("last_seen_at", String(40)),
    Index("ux_crawl_documents_source_url", "source_id", "url", unique=True),
)

# One row per crawl of a source: what happened, for its history page.
crawl_history = Table(
    "crawl_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("crawl_sources.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40), nullable=False),
    Column("http_status", Integer),
    Column("documents", Integer, nullable=False),
    Column("not_modified", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("withdrawn", Integer, nullable=False),
    Column("errors", JSONText, nullable=False),
    Index("ix_crawl_history_source", "source_id", "started_at"),
)

# --- production (issue 15): requests, routing, quotes, orders, reviews, offers, inbox ---------
# Money is kept as the exact decimal text (`Decimal` → str) with its ISO 4217 currency, so
# neither SQLite (no decimal type) nor a float rounds an amount; no payment is processed.
# visibility: public | recipients. status: open | ordered | closed | cancelled.
production_requests = Table(
    "production_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("requester_id", Integer, nullable=False),
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="SET NULL")),
    Column("title", String(300), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("materials", JSONText, nullable=False),
    Column("deadline", String(10)),
    Column("place", String(300), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("radius_km", Float, nullable=False),
    Column("budget", String(32)),
    Column("currency", String(3)),
    Column("visibility", String(12), nullable=False),
    Column("note", Text),
    Column("status", String(12), nullable=False),
    Column("created_at", String(40), nullable=False),
    # a member's own part files, measured (production.part_files); NULL for a registry design
    Column("parts", JSONText),
    Index("ix_production_requests_requester", "requester_id"),
    Index("ix_production_requests_design", "design_id"),
)

# Whom a request was sent to: a facility (its managers are told) or a maker (a member).
# basis: stated | probable — how the facility's capability for it is known.
production_recipients = Table(
    "production_recipients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("production_requests.id", ondelete="CASCADE"),
           nullable=False),  # fmt: skip
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE")),
    Column("maker_user_id", Integer),
    Column("basis", String(10), nullable=False),
    Column("distance_km", Float),
    Column("notified", Integer, nullable=False),
    Index("ix_production_recipients_request", "request_id"),
    Index("ix_production_recipients_facility", "facility_id"),
    Index("ix_production_recipients_maker", "maker_user_id"),
)

# status: open | accepted | declined (another quote was accepted) | withdrawn
production_quotes = Table(
    "production_quotes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("production_requests.id", ondelete="CASCADE"),
           nullable=False),  # fmt: skip
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE")),
    Column("maker_user_id", Integer),
    Column("author_id", Integer, nullable=False),
    Column("lines", JSONText, nullable=False),
    Column("total", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lead_days", Integer, nullable=False),
    Column("conditions", Text),
    Column("valid_until", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_at", String(40), nullable=False),
    Index("ix_production_quotes_request", "request_id"),
)

# A standing made-to-order offer of a maker (member) or a facility.
production_offers = Table(
    "production_offers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="CASCADE")),
    Column("maker_user_id", Integer),
    Column("author_id", Integer, nullable=False),
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="SET NULL")),
    Column("title", String(300), nullable=False),
    Column("description", Text),
    Column("okh_url", String(500)),
    Column("variants", JSONText, nullable=False),
    Column("price_breaks", JSONText, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lead_days", Integer, nullable=False),
    Column("place", String(300), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("radius_km", Float, nullable=False),
    Column("countries", JSONText, nullable=False),
    Column("shipping", String(32), nullable=False),
    Column("sector", String(10)),
    Column("search_text", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    # refaire.geo.grid_cell of the offer's place: "near me" reads the few cells around
    Column("cell", Integer, nullable=False),
    # near me: the candidates read from the index alone; it also serves "cell =" (0019)
    Index("ix_production_offers_near", "cell", "latitude", "longitude", "radius_km", "active", "id"),
    Index("ix_production_offers_place", "latitude", "longitude"),
    Index("ix_production_offers_design", "design_id"),
    Index("ix_production_offers_maker", "maker_user_id"),
)

# state: see refaire.production.orders.TRANSITIONS. `version` grows with each transition so
# two concurrent moves cannot both succeed (compare-and-set on it).
production_orders = Table(
    "production_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("production_requests.id", ondelete="SET NULL")),
    Column("quote_id", Integer, ForeignKey("production_quotes.id", ondelete="SET NULL"),
           unique=True),  # fmt: skip
    Column("offer_id", Integer, ForeignKey("production_offers.id", ondelete="SET NULL")),
    Column("buyer_id", Integer, nullable=False),
    Column("facility_id", Integer, ForeignKey("facilities.id", ondelete="SET NULL")),
    Column("maker_user_id", Integer),
    Column("title", String(300), nullable=False),
    Column("design_id", Integer),
    Column("quantity", Integer, nullable=False),
    Column("details", JSONText, nullable=False),
    Column("total", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lead_days", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("cancelled_by", String(10)),
    Column("reason", Text),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("ix_production_orders_buyer", "buyer_id"),
    Index("ix_production_orders_facility", "facility_id"),
    Index("ix_production_orders_maker", "maker_user_id"),
)

production_order_events = Table(
    "production_order_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("production_orders.id", ondelete="CASCADE"),
           nullable=False),  # fmt: skip
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("party", String(10), nullable=False),
    Column("actor", String(60), nullable=False),
    Column("note", Text),
    Column("at", String(40), nullable=False),
    Index("ix_production_order_events_order", "order_id"),
)

production_messages = Table(
    "production_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("production_orders.id", ondelete="CASCADE"),
           nullable=False),  # fmt: skip
    Column("author_id", Integer),
    Column("party", String(10), nullable=False),
    Column("body", Text, nullable=False),
    Column("file_name", String(200)),
    Column("file_type", String(100)),
    Column("file_data", LargeBinary),
    Column("at", String(40), nullable=False),
    Index("ix_production_messages_order", "order_id"),
)

# One review per party per order, of the other party (a facility or a member).
production_reviews = Table(
    "production_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("production_orders.id", ondelete="CASCADE"),
           nullable=False),  # fmt: skip
    Column("author_id", Integer, nullable=False),
    Column("subject_facility_id", Integer),
    Column("subject_user_id", Integer),
    Column("rating", Integer, nullable=False),
    Column("text", Text),
    Column("at", String(40), nullable=False),
    CheckConstraint("rating BETWEEN 1 AND 5", name="ck_production_reviews_rating"),
    Index("ux_production_reviews_once", "order_id", "author_id", unique=True),
    Index("ix_production_reviews_facility", "subject_facility_id"),
    Index("ix_production_reviews_user", "subject_user_id"),
)

# The in-app inbox: one row per notice to one member.
production_inbox = Table(
    "production_inbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(300), nullable=False),
    Column("at", String(40), nullable=False),
    Column("read_at", String(40)),
    Index("ix_production_inbox_user", "user_id", "id"),
)

# --- the watch reads feeds (issue 17, migration 0017) --------------------------------------

# An RSS or Atom feed whose items become signals; `every_s` null = polled only when asked.
signal_feeds = Table(
    "signal_feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False, unique=True),
    Column("title", String(500)),
    Column("every_s", Integer),
    Column("added_by", String(60), nullable=False),
    Column("added_at", String(40), nullable=False),
    Column("etag", String(300)),
    Column("last_modified", String(100)),
    Column("last_polled_at", String(40)),
    Column("next_due_at", String(40), index=True),
)

# One row per poll of a feed: what it gave, or the error, for the feed's history.
signal_feed_runs = Table(
    "signal_feed_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("signal_feeds.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40), nullable=False),
    Column("http_status", Integer),
    Column("items", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("error", Text),
    Index("ix_signal_feed_runs_feed", "feed_id", "started_at"),
)
Index("ix_signals_url", signals.c.url)
Index("ix_signals_norm_title", signals.c.norm_title)
# Federation (issue 16). This instance's Ed25519 key pair, made on first use.
instance_keys = Table(
    "instance_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("public_pem", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

# What the outbox last published of each local record ("stamp": its imported_at and
# withdrawn_at), so a later sync knows what was created, changed or deleted since.
federation_published = Table(
    "federation_published",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("key", String(1000), nullable=False),
    Column("stamp", String(100), nullable=False),
    Column("deleted_at", String(40)),
    Index("ux_federation_published", "kind", "record_id", unique=True),
)

# Records written since the outbox's last sync, marked by database triggers (migration 0027)
# whoever writes; `n` counts the marks so a sync clears only those it read.
federation_dirty = Table(
    "federation_dirty",
    metadata,
    Column("kind", String(10), primary_key=True),
    Column("record_id", Integer, primary_key=True),
    Column("n", Integer, nullable=False, server_default="1"),
)

# The outbox: one row per change of a local public record; `seq` is the peers' cursor.
federation_changes = Table(
    "federation_changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("key", String(1000), nullable=False),
    Column("action", String(10), nullable=False),
    Column("at", String(40), nullable=False),
)

# Instances this one follows; their public key pinned at first contact (trust on first use).
peers = Table(
    "peers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("url", String(2000), nullable=False),
    Column("actor_id", String(2000), nullable=False),
    Column("public_pem", Text, nullable=False),
    Column("cursor", Integer, nullable=False, server_default="0"),
    Column("added_by", String(60), nullable=False),
    Column("added_at", String(40), nullable=False),
    Column("last_pulled_at", String(40)),
)

peer_history = Table(
    "peer_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("peer_id", Integer, ForeignKey("peers.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("deleted", Integer, nullable=False),
    Column("cursor_from", Integer, nullable=False),
    Column("cursor_to", Integer, nullable=False),
    Column("errors", JSONText, nullable=False),
    Index("ix_peer_history_peer", "peer_id", "started_at"),
)

# Each record pulled from a peer: its origin id there, the local row, and its tombstone date
# once the peer deleted it (the last record is kept here).
federation_origins = Table(
    "federation_origins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("peer_id", Integer, ForeignKey("peers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("origin_id", String(2000), nullable=False),
    Column("local_key", String(1000), nullable=False),
    Column("record_id", Integer),
    Column("updated_at", String(40), nullable=False),
    Column("deleted_at", String(40)),
    Column("record", JSONText),
    Index("ux_federation_origins", "peer_id", "kind", "origin_id", unique=True),
    Index("ix_federation_origins_local", "kind", "record_id"),
)

# Issue 12: what identifies a design across sources besides its key — its normalised
# repository URL ("repo") or its OSHWA UID ("oshwa") — one row per design and kind,
# rewritten with the design; looked up at import to link records of one project.
design_identities = Table(
    "design_identities",
    metadata,
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("value", String(1000), nullable=False),
    Index("ix_design_identities_value", "kind", "value", "design_id"),
    Index("ix_design_identities_design", "design_id"),
)

# Two stored records of one design read from different sources (same repository, or same
# OSHWA UID, under different keys): linked, never merged — each keeps its own data and
# provenance. `design_id` is the first stored record of the group, `linked_design_id` the other.
design_same = Table(
    "design_same",
    metadata,
    Column("design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False),
    Column(
        "linked_design_id", Integer, ForeignKey("designs.id", ondelete="CASCADE"), nullable=False
    ),
    Column("reason", String(40), nullable=False),
    Column("linked_at", String(40), nullable=False),
    Index("ux_design_same", "linked_design_id", unique=True),
    Index("ix_design_same_design", "design_id"),
)
