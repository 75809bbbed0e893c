"""Facility management: members' claims to manage a facility, suggested corrections, and
designs' maintainers with the claims on imported designs.

Manager-stated fields live in the facility record itself (its `sources` and
`extra["manager"]`), so they need no table; claims and suggestions are queues with a status.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: existing facilities have no claim and no suggestion, and existing
    # designs (all imported) have no maintainer until someone claims them.
    op.create_table(
        "facility_claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "facility_id",
            sa.Integer,
            sa.ForeignKey("facilities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("token_hash", sa.String(64)),
        sa.Column("message", sa.Text),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("decided_at", sa.String(40)),
        sa.Column("decided_by", sa.String(100)),
    )
    op.create_index("ix_facility_claims_status", "facility_claims", ["status", "id"])
    op.create_index("ix_facility_claims_facility", "facility_claims", ["facility_id"])
    op.create_table(
        "facility_suggestions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "facility_id",
            sa.Integer,
            sa.ForeignKey("facilities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("decided_at", sa.String(40)),
        sa.Column("decided_by", sa.String(100)),
    )
    op.create_index(
        "ix_facility_suggestions_facility", "facility_suggestions", ["facility_id", "status"]
    )
    op.create_table(
        "design_maintainers",
        sa.Column(
            "design_id",
            sa.Integer,
            sa.ForeignKey("designs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_design_maintainers_user", "design_maintainers", ["user_id"])
    op.create_table(
        "design_claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "design_id",
            sa.Integer,
            sa.ForeignKey("designs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("decided_at", sa.String(40)),
        sa.Column("decided_by", sa.String(100)),
    )
    op.create_index("ix_design_claims_status", "design_claims", ["status", "id"])


def downgrade() -> None:
    op.drop_table("design_claims")
    op.drop_table("design_maintainers")
    op.drop_table("facility_suggestions")
    op.drop_table("facility_claims")
