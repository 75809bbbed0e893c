"""Design observations also keep the matching engine's requirements of the design.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL until derived: rows derived before 0004 are found stale and derived again.
    op.add_column("design_observations", sa.Column("requirements", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("design_observations", "requirements")
