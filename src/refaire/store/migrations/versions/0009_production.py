"""Production: requests to have a design made, whom they were sent to, quotes, orders with
their transitions, order messages (with attachments), reviews, made-to-order offers, and the
in-app inbox of notices.

Money columns hold exact decimal text with an ISO 4217 currency (no float rounding, and
SQLite has no decimal type). No payment is processed: amounts are what the parties agree.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: existing rows are untouched, nothing is requested or offered yet.
    op.create_table(
        "production_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("requester_id", sa.Integer, nullable=False),
        sa.Column("design_id", sa.Integer, sa.ForeignKey("designs.id", ondelete="SET NULL")),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("materials", sa.Text, nullable=False),
        sa.Column("deadline", sa.String(10)),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("radius_km", sa.Float, nullable=False),
        sa.Column("budget", sa.String(32)),
        sa.Column("currency", sa.String(3)),
        sa.Column("visibility", sa.String(12), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_production_requests_design", "production_requests", ["design_id"])
    op.create_index("ix_production_requests_requester", "production_requests", ["requester_id"])
    op.create_table(
        "production_recipients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("production_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id", ondelete="CASCADE")),
        sa.Column("maker_user_id", sa.Integer),
        sa.Column("basis", sa.String(10), nullable=False),
        sa.Column("distance_km", sa.Float),
        sa.Column("notified", sa.Integer, nullable=False),
    )
    op.create_index("ix_production_recipients_request", "production_recipients", ["request_id"])
    op.create_index("ix_production_recipients_maker", "production_recipients", ["maker_user_id"])
    op.create_index("ix_production_recipients_facility", "production_recipients", ["facility_id"])
    op.create_table(
        "production_quotes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("production_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id", ondelete="CASCADE")),
        sa.Column("maker_user_id", sa.Integer),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("total", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lead_days", sa.Integer, nullable=False),
        sa.Column("conditions", sa.Text),
        sa.Column("valid_until", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_production_quotes_request", "production_quotes", ["request_id"])
    op.create_table(
        "production_offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id", ondelete="CASCADE")),
        sa.Column("maker_user_id", sa.Integer),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("design_id", sa.Integer, sa.ForeignKey("designs.id", ondelete="SET NULL")),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("okh_url", sa.String(500)),
        sa.Column("variants", sa.Text, nullable=False),
        sa.Column("price_breaks", sa.Text, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lead_days", sa.Integer, nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("radius_km", sa.Float, nullable=False),
        sa.Column("countries", sa.Text, nullable=False),
        sa.Column("shipping", sa.String(32), nullable=False),
        sa.Column("sector", sa.String(10)),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("cell", sa.Integer, nullable=False),
    )
    op.create_index("ix_production_offers_cell", "production_offers", ["cell"])
    op.create_index("ix_production_offers_place", "production_offers", ["latitude", "longitude"])
    op.create_index("ix_production_offers_design", "production_offers", ["design_id"])
    op.create_index("ix_production_offers_maker", "production_offers", ["maker_user_id"])
    op.create_table(
        "production_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id", sa.Integer, sa.ForeignKey("production_requests.id", ondelete="SET NULL")
        ),
        sa.Column(
            "quote_id",
            sa.Integer,
            sa.ForeignKey("production_quotes.id", ondelete="SET NULL"),
            unique=True,
        ),
        sa.Column(
            "offer_id", sa.Integer, sa.ForeignKey("production_offers.id", ondelete="SET NULL")
        ),
        sa.Column("buyer_id", sa.Integer, nullable=False),
        sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id", ondelete="SET NULL")),
        sa.Column("maker_user_id", sa.Integer),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("design_id", sa.Integer),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("total", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lead_days", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("cancelled_by", sa.String(10)),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_production_orders_facility", "production_orders", ["facility_id"])
    op.create_index("ix_production_orders_maker", "production_orders", ["maker_user_id"])
    op.create_index("ix_production_orders_buyer", "production_orders", ["buyer_id"])
    op.create_table(
        "production_order_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "order_id",
            sa.Integer,
            sa.ForeignKey("production_orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("party", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_index("ix_production_order_events_order", "production_order_events", ["order_id"])
    op.create_table(
        "production_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "order_id",
            sa.Integer,
            sa.ForeignKey("production_orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer),
        sa.Column("party", sa.String(10), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("file_name", sa.String(200)),
        sa.Column("file_type", sa.String(100)),
        sa.Column("file_data", sa.LargeBinary),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_index("ix_production_messages_order", "production_messages", ["order_id"])
    op.create_table(
        "production_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "order_id",
            sa.Integer,
            sa.ForeignKey("production_orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("subject_facility_id", sa.Integer),
        sa.Column("subject_user_id", sa.Integer),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("at", sa.String(40), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_production_reviews_rating"),
    )
    op.create_index("ix_production_reviews_facility", "production_reviews", ["subject_facility_id"])
    op.create_index("ix_production_reviews_user", "production_reviews", ["subject_user_id"])
    op.create_index(
        "ux_production_reviews_once", "production_reviews", ["order_id", "author_id"], unique=True
    )
    op.create_table(
        "production_inbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(300), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("read_at", sa.String(40)),
    )
    op.create_index("ix_production_inbox_user", "production_inbox", ["user_id", "id"])


def downgrade() -> None:
    op.drop_table("production_inbox")
    op.drop_table("production_reviews")
    op.drop_table("production_messages")
    op.drop_table("production_order_events")
    op.drop_table("production_orders")
    op.drop_table("production_offers")
    op.drop_table("production_quotes")
    op.drop_table("production_recipients")
    op.drop_table("production_requests")
