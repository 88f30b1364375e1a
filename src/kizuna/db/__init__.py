"""The floor under the store, the audit log and identity: the engine, its two kinds of
transaction, the tables they share, and the migrations that build them."""

from kizuna.db.engine import Database, alembic_config

__all__ = ["Database", "alembic_config"]
