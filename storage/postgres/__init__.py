"""The PostgreSQL store: several bot processes on one shared database."""

from storage.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
