"""The object store: versioned STIX objects with their labels in indexed columns,
the visibility condition pushed down into SQL, and migrations."""

from kizuna.db import Database
from kizuna.errors import Conflict, Invalid, NotFound, Refused, StoreError
from kizuna.store.objects import MAX_LIMIT, Arrival, Batch, Page, Store, StoredObject

__all__ = [
    "MAX_LIMIT",
    "Arrival",
    "Batch",
    "Conflict",
    "Database",
    "Invalid",
    "NotFound",
    "Page",
    "Refused",
    "Store",
    "StoreError",
    "StoredObject",
]
