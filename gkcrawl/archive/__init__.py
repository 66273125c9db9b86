"""The archive: SQLite schema, the store API (the only writer), reading WARC records back, snapshots."""
