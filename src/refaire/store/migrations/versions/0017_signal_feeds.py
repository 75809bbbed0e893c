"""The watch reads feeds: RSS/Atom feeds and their poll history; signals remember their
feed and normalised title (deduplication); signal tags say where they come from (stated,
inferred with a confidence, confirmed by an analyst).

Old rows: every existing tag was typed by a person, so it is `stated`; old signals have
no feed, and their normalised title is filled here so new feed items are checked against
them too.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from refaire.observatory.dedupe import normalise_title

    with op.batch_alter_table("signal_tags") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(12), nullable=False, server_default="stated")
        )
        batch.add_column(sa.Column("confidence", sa.Float()))
    with op.batch_alter_table("signals") as batch:
        batch.add_column(sa.Column("feed_id", sa.Integer()))
        batch.add_column(sa.Column("norm_title", sa.String(500)))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, title FROM signals")).all()
    for sid, title in rows:
        conn.execute(
            sa.text("UPDATE signals SET norm_title = :n WHERE id = :i"),
            {"n": normalise_title(title)[:500], "i": sid},
        )
    op.create_index("ix_signals_url", "signals", ["url"])
    op.create_index("ix_signals_norm_title", "signals", ["norm_title"])
    op.create_table(
        "signal_feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False, unique=True),
        sa.Column("title", sa.String(500)),
        sa.Column("every_s", sa.Integer()),
        sa.Column("added_by", sa.String(60), nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
        sa.Column("etag", sa.String(300)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("last_polled_at", sa.String(40)),
        sa.Column("next_due_at", sa.String(40)),
    )
    op.create_index("ix_signal_feeds_next_due_at", "signal_feeds", ["next_due_at"])
    op.create_table(
        "signal_feed_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "feed_id",
            sa.Integer(),
            sa.ForeignKey("signal_feeds.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=False),
        sa.Column("http_status", sa.Integer()),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text()),
    )
    op.create_index("ix_signal_feed_runs_feed", "signal_feed_runs", ["feed_id", "started_at"])


def downgrade() -> None:
    op.drop_table("signal_feed_runs")
    op.drop_index("ix_signal_feeds_next_due_at", table_name="signal_feeds")
    op.drop_table("signal_feeds")
    op.drop_index("ix_signals_norm_title", table_name="signals")
    op.drop_index("ix_signals_url", table_name="signals")
    with op.batch_alter_table("signals") as batch:
        batch.drop_column("norm_title")
        batch.drop_column("feed_id")
    with op.batch_alter_table("signal_tags") as batch:
        batch.drop_column("confidence")
        batch.drop_column("origin")
