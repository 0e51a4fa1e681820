"""Alembic migrations of the student data store, applied by `selfexplore.store.Store.open`."""
