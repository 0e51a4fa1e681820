"""One module per schema version; each upgrades the store from the one before it."""
