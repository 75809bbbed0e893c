"""Federation: this instance's key pair, its outbox of changes, the peers it follows,
their pull history and the origin of each record pulled from them.

Old rows: every stored design and facility is local; the first outbox request publishes
them all as Create.

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "federation_published",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(1000), nullable=False),
        sa.Column("stamp", sa.String(100), nullable=False),
        sa.Column("deleted_at", sa.String(40)),
    )
    op.create_index(
        "ux_federation_published", "federation_published", ["kind", "record_id"], unique=True
    )
    op.create_table(
        "federation_changes",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(1000), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_table(
        "peers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("actor_id", sa.String(2000), nullable=False),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("cursor", sa.Integer, nullable=False, server_default="0"),
        sa.Column("added_by", sa.String(60), nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
        sa.Column("last_pulled_at", sa.String(40)),
    )
    op.create_table(
        "peer_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "peer_id", sa.Integer, sa.ForeignKey("peers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Integer, nullable=False),
        sa.Column("cursor_from", sa.Integer, nullable=False),
        sa.Column("cursor_to", sa.Integer, nullable=False),
        sa.Column("errors", sa.Text, nullable=False),
    )
    op.create_index("ix_peer_history_peer", "peer_history", ["peer_id", "started_at"])
    op.create_table(
        "federation_origins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "peer_id", sa.Integer, sa.ForeignKey("peers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("origin_id", sa.String(2000), nullable=False),
        sa.Column("local_key", sa.String(1000), nullable=False),
        sa.Column("record_id", sa.Integer),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("deleted_at", sa.String(40)),
        sa.Column("record", sa.Text),
    )
    op.create_index(
        "ux_federation_origins", "federation_origins", ["peer_id", "kind", "origin_id"], unique=True
    )
    op.create_index("ix_federation_origins_local", "federation_origins", ["kind", "record_id"])


def downgrade() -> None:
    for name in ("federation_origins", "peer_history", "peers", "federation_changes",
                 "federation_published", "instance_keys"):  # fmt: skip
        op.drop_table(name)
