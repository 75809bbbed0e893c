"""Sharing: bookable resources (machines, spaces, members' tools), bookings, trainings,
training sessions and their sign-ups, private calendar feed tokens.

No double booking is enforced by the database itself, not only by the check before the
insert: on PostgreSQL an exclusion constraint (btree_gist) forbids two active bookings
(pending, confirmed) of the same resource unit whose [starts_at, ends_at) ranges overlap.
SQLite has no such constraint; there the booking service takes the write lock
(BEGIN IMMEDIATE) before it checks, so checks and inserts are serialised.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: nothing existing is bookable until a manager or a member says so.
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id", ondelete="CASCADE")),
        sa.Column("owner_user_id", sa.Integer),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("process", sa.String(40)),
        sa.Column("machine_index", sa.Integer),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("time_zone", sa.String(60), nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("required_trainings", sa.Text, nullable=False),
        sa.Column("pickup_place", sa.String(300)),
        sa.Column("lending_rules", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
    )
    op.create_index("ix_resources_facility", "resources", ["facility_id"])
    op.create_index("ix_resources_owner", "resources", ["owner_user_id"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "resource_id",
            sa.Integer,
            sa.ForeignKey("resources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("unit", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("price", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ck_bookings_positive"),
    )
    op.create_index("ix_bookings_resource_time", "bookings", ["resource_id", "starts_at"])
    op.create_index("ix_bookings_user", "bookings", ["user_id", "starts_at"])
    if op.get_bind().dialect.name == "postgresql":
        # In `public` when there is one: created in the current schema, the extension would
        # go with it (DROP SCHEMA … CASCADE), taking other schemas' constraints along.
        op.execute(
            "DO $$ BEGIN "
            "IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN "
            "CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public; "
            "ELSE CREATE EXTENSION IF NOT EXISTS btree_gist; END IF; END $$"
        )
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist "
            "(resource_id WITH =, unit WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status IN ('pending', 'confirmed'))"
        )
    op.create_table(
        "trainings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "facility_id",
            sa.Integer,
            sa.ForeignKey("facilities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("valid_months", sa.Integer),
    )
    op.create_index("ix_trainings_facility", "trainings", ["facility_id"])
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "training_id",
            sa.Integer,
            sa.ForeignKey("trainings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("trained_on", sa.String(10), nullable=False),
        sa.Column("expires_on", sa.String(10)),
        sa.Column("recorded_by", sa.String(60), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_training_records_user", "training_records", ["user_id", "training_id"])
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "training_id",
            sa.Integer,
            sa.ForeignKey("trainings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index(
        "ix_training_sessions_training", "training_sessions", ["training_id", "starts_at"]
    )
    op.create_table(
        "session_signups",
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("training_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "feed_tokens",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "feed_tokens",
        "session_signups",
        "training_sessions",
        "training_records",
        "trainings",
        "bookings",
        "resources",
    ):
        op.drop_table(table)
