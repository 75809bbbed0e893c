"""Records of one design from several sources: identities (normalised repository, OSHWA
UID) per design, and links between records that share one (issue 12).

Old designs get their identities on their next import; links are made at import.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "design_identities",
        sa.Column(
            "design_id",
            sa.Integer,
            sa.ForeignKey("designs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.String(1000), nullable=False),
    )
    op.create_index(
        "ix_design_identities_value", "design_identities", ["kind", "value", "design_id"]
    )
    op.create_index("ix_design_identities_design", "design_identities", ["design_id"])
    op.create_table(
        "design_same",
        sa.Column(
            "design_id",
            sa.Integer,
            sa.ForeignKey("designs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "linked_design_id",
            sa.Integer,
            sa.ForeignKey("designs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("linked_at", sa.String(40), nullable=False),
    )
    op.create_index("ux_design_same", "design_same", ["linked_design_id"], unique=True)
    op.create_index("ix_design_same_design", "design_same", ["design_id"])


def downgrade() -> None:
    op.drop_table("design_same")
    op.drop_table("design_identities")
