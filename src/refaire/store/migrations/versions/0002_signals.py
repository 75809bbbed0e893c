"""Observatory: weak signals with their tags; per-design derived figures and tags, and
the covering indexes the dashboard reads them through.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("published", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_signals_published"), "signals", ["published"], unique=False)
    op.create_table(
        "signal_tags",
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_signal_tags_kind_value", "signal_tags", ["kind", "value", "signal_id"], unique=False
    )
    op.create_index("ix_signal_tags_signal", "signal_tags", ["signal_id"], unique=False)
    op.create_table(
        "design_observations",
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.String(length=40), nullable=False),
        sa.Column("completeness", sa.Float(), nullable=False),
        sa.Column("components", sa.Integer(), nullable=False),
        sa.Column("otrl", sa.Integer(), nullable=True),
        sa.Column("odrl", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("date_kind", sa.String(length=20), nullable=True),
        sa.Column("cpc_declared", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["designs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("design_id"),
    )
    op.create_table(
        "design_observation_tags",
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["design_id"], ["designs.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_design_obs_tags_kind_value",
        "design_observation_tags",
        ["kind", "value", "design_id", "confidence"],
        unique=False,
    )
    op.create_index(
        "ix_design_obs_tags_design", "design_observation_tags", ["design_id"], unique=False
    )
    op.create_index(
        "ix_designs_version", "designs", ["id", "checksum", "imported_at"], unique=False
    )
    op.create_index(
        "ix_design_obs_version",
        "design_observations",
        ["design_id", "checksum", "imported_at"],
        unique=False,
    )
    op.create_index(
        "ix_design_obs_figures",
        "design_observations",
        ["design_id", "otrl", "completeness"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_design_obs_figures", table_name="design_observations")
    op.drop_index("ix_design_obs_version", table_name="design_observations")
    op.drop_index("ix_designs_version", table_name="designs")
    op.drop_index("ix_design_obs_tags_design", table_name="design_observation_tags")
    op.drop_index("ix_design_obs_tags_kind_value", table_name="design_observation_tags")
    op.drop_table("design_observation_tags")
    op.drop_table("design_observations")
    op.drop_index("ix_signal_tags_signal", table_name="signal_tags")
    op.drop_index("ix_signal_tags_kind_value", table_name="signal_tags")
    op.drop_table("signal_tags")
    op.drop_index(op.f("ix_signals_published"), table_name="signals")
    op.drop_table("signals")
