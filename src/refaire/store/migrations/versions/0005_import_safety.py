"""Import safety: the word index's work queue, and conflicting claims on a design's identity.

`design_index_queue` is written in the same transaction as the design it
describes, so a killed or concurrent import can never leave a stored design out
of the word index: whoever opens the store next applies what is queued.
`design_conflicts` keeps a manifest that claimed an existing design's identity
(same repository and name) from another source: it is not allowed to replace the
stored design silently, and waits for a maintainer's decision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty at first: rows stored before 0005 had their words indexed by the import
    # that stored them.
    op.create_table(
        "design_index_queue",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "design_id",
            sa.Integer(),
            sa.ForeignKey("designs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("old_terms", sa.Text(), nullable=False),
        sa.Column("new_terms", sa.Text(), nullable=False),
    )
    op.create_table(
        "design_conflicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "design_id",
            sa.Integer(),
            sa.ForeignKey("designs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("manifest_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, server_default="open"),
        sa.Column("resolved_by", sa.String(length=200)),
        sa.Column("resolved_at", sa.String(length=40)),
    )
    op.create_index("ix_design_conflicts_design", "design_conflicts", ["design_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_design_conflicts_design", table_name="design_conflicts")
    op.drop_table("design_conflicts")
    op.drop_table("design_index_queue")
