"""Persistence: SQLAlchemy Core tables, Alembic migrations, and the queries services use."""

from refaire.store.db import Store, default_database_url, open_store

__all__ = ["Store", "default_database_url", "open_store"]
