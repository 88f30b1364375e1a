"""Alembic revisions of the coordination domain's own tables (branch `coordination`)."""
