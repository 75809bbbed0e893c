"""Federation: the records written since the outbox's last sync, kept by the database.

Triggers on `designs` and `facilities` (insert, delete, and an update of what a record's
stamp is made of) mark the record in `federation_dirty`, whoever wrote it: an import, a
manager's edit, a crawl's withdrawal or a hand-made SQL statement. The outbox's sync then
compares only the marked records instead of hashing the whole registry on every pull.
`n` counts the marks, so a sync clears only the marks it has read.

Old rows: every stored record is marked, so the first sync after the upgrade compares
them all, as before.

Revision ID: 0027
Revises: 0018
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0018"
branch_labels = None
depends_on = None

# (table, kind, the columns a stamp is made of)
WATCHED = (("designs", "design", "record, withdrawn_at"), ("facilities", "facility", "record"))
_MARK = (
    "INSERT INTO federation_dirty (kind, record_id) VALUES ({kind}, {row}.id) "
    "ON CONFLICT (kind, record_id) DO UPDATE SET n = federation_dirty.n + 1"
)


def _sqlite_triggers() -> None:
    for table, kind, columns in WATCHED:
        for name, event, row in (
            ("ins", "INSERT", "NEW"),
            ("upd", f"UPDATE OF {columns}", "NEW"),
            ("del", "DELETE", "OLD"),
        ):
            mark = _MARK.format(kind=f"'{kind}'", row=row)
            op.execute(
                f"CREATE TRIGGER {table}_federation_{name} AFTER {event} ON {table} "
                f"BEGIN {mark}; END"
            )


def _postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION refaire_federation_mark() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP = 'DELETE' THEN "
        f"{_MARK.format(kind='TG_ARGV[0]', row='OLD')}; ELSE "
        f"{_MARK.format(kind='TG_ARGV[0]', row='NEW')}; END IF; RETURN NULL; END $$"
    )
    for table, kind, columns in WATCHED:
        op.execute(
            f"CREATE TRIGGER {table}_federation_mark AFTER INSERT OR DELETE OR UPDATE OF "
            f"{columns} ON {table} FOR EACH ROW EXECUTE FUNCTION refaire_federation_mark('{kind}')"
        )


def upgrade() -> None:
    op.create_table(
        "federation_dirty",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("record_id", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False, server_default="1"),
    )
    for table, kind, _ in WATCHED:
        op.execute(
            f"INSERT INTO federation_dirty (kind, record_id) SELECT '{kind}', id FROM {table}"
        )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, _ in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_federation_mark ON {table}")
        op.execute("DROP FUNCTION IF EXISTS refaire_federation_mark()")
    else:
        for table, _, _ in WATCHED:
            for name in ("ins", "upd", "del"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_federation_{name}")
    op.drop_table("federation_dirty")
