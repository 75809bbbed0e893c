"""Network: the job log beside the queue, crawled sources with their documents and history,
and the date a crawled design was withdrawn by its source.

Old rows: no design is withdrawn (`withdrawn_at` null); no source is crawled until someone
adds it.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("designs") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.String(40)))
    op.create_table(
        "job_log",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("label", sa.String(500), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("enqueued_at", sa.String(40), nullable=False),
        sa.Column("started_at", sa.String(40)),
        sa.Column("finished_at", sa.String(40)),
    )
    op.create_index("ix_job_log_state", "job_log", ["state", "enqueued_at"])
    op.create_index("ix_job_log_enqueued", "job_log", ["enqueued_at"])
    op.create_table(
        "crawl_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False, unique=True),
        sa.Column("every_s", sa.Integer),
        sa.Column("added_by", sa.String(60), nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
        sa.Column("last_crawled_at", sa.String(40)),
        sa.Column("next_due_at", sa.String(40), index=True),
    )
    op.create_table(
        "crawl_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("crawl_sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("etag", sa.String(300)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("checksum", sa.String(64)),
        sa.Column("last_status", sa.Integer),
        sa.Column("gone_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("withdrawn_at", sa.String(40)),
        sa.Column("last_seen_at", sa.String(40)),
    )
    op.create_index(
        "ux_crawl_documents_source_url", "crawl_documents", ["source_id", "url"], unique=True
    )
    op.create_table(
        "crawl_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("crawl_sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("not_modified", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("withdrawn", sa.Integer, nullable=False),
        sa.Column("errors", sa.Text, nullable=False),
    )
    op.create_index("ix_crawl_history_source", "crawl_history", ["source_id", "started_at"])


def downgrade() -> None:
    op.drop_table("crawl_history")
    op.drop_table("crawl_documents")
    op.drop_table("crawl_sources")
    op.drop_table("job_log")
    with op.batch_alter_table("designs") as batch:
        batch.drop_column("withdrawn_at")
