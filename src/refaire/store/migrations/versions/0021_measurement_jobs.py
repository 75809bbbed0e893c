"""Uploads measured by queued jobs (issue 16): the files waiting for their job, the result.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measurements",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(64)),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("design", sa.String(200)),
        sa.Column("file_names", sa.Text, nullable=False),
        sa.Column("result", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "measurement_files",
        sa.Column(
            "measurement_id",
            sa.String(64),
            sa.ForeignKey("measurements.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("measurement_files")
    op.drop_table("measurements")
