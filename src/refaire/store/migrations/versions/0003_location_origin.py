"""Facilities: whether the coordinates are the source's or a town centre the gazetteer gave.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows stored before 0003 all had the coordinates their source stated.
    op.add_column(
        "facilities",
        sa.Column("location_origin", sa.String(length=10), nullable=False, server_default="stated"),
    )


def downgrade() -> None:
    op.drop_column("facilities", "location_origin")
