"""Cross-report analysis: what no single report shows, computed over the whole archive.

`analyze_archive(db)` recomputes every cross-report table from the latest report versions
(runner.py: a plain list of steps, each a table and the function that computes its rows) and is
run at the end of a crawl's derivation, of `gkcrawl reparse`, of `gkcrawl import`, by
`gkcrawl analyze` and in `gkcrawl demo`. Reads and writes go through gkcrawl.archive only."""

from .runner import STEPS, analyze_archive

__all__ = ["STEPS", "analyze_archive"]
