"""Offers "near me" read from one covering index; requests for a member's own part files
(issue 15).

Requests get `parts`: the measured parts of the member's own files (JSON: name, format,
bounding box, area, volume or cut length, process, material), NULL for a registry design.

The search by place reads, for the grid cells around the searcher, only the offer's
coordinates, delivery radius and whether it is active: with those columns in the index
(id is the row id on SQLite) the candidates come from the index alone, without one
table lookup per candidate, which was most of the query's time at 100,000 offers.
The index on the cell alone is dropped: it is this index's first column.

Revision ID: 0019
Revises: 0027
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("production_requests") as batch:
        batch.add_column(sa.Column("parts", sa.Text))
    op.create_index(
        "ix_production_offers_near",
        "production_offers",
        ["cell", "latitude", "longitude", "radius_km", "active", "id"],
    )
    # its first column: the new index serves every query the old one did
    op.drop_index("ix_production_offers_cell", table_name="production_offers")


def downgrade() -> None:
    op.create_index("ix_production_offers_cell", "production_offers", ["cell"])
    op.drop_index("ix_production_offers_near", table_name="production_offers")
    with op.batch_alter_table("production_requests") as batch:
        batch.drop_column("parts")
