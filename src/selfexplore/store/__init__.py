"""The student data store: one facade (`Store`) over the database, SQLite by default, PostgreSQL by URL.

The facade is selfexplore.store.facade.Store, one class as nbgrader keeps its Gradebook; beside it are the
engine and migrations (engine), the database's tables (schema, migrations/) and the files kept on this
machine (files). The records it returns and its errors are in selfexplore.records, so that the rules, the
services and the views name them without loading SQLAlchemy. Only the services call the store.
"""

from __future__ import annotations

from selfexplore.store.facade import Store

__all__ = ["Store"]
