"""The archive: SQLite schema, the store API (the only writer), reparse, snapshots, serving."""
