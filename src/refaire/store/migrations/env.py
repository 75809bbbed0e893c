"""Alembic environment: runs against the connection `refaire.store.db` hands over."""

from alembic import context

from refaire.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `refaire db upgrade` (refaire.store.db.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
