"""Documents obtained elsewhere (a PDF saved by hand, a colleague's collection) entering the
archive with their provenance: `gkcrawl import` (importer.py)."""
