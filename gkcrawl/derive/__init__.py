"""The derivation room: archived bytes -> ParseResult, in supervised worker processes.

Parsing is the one stage whose cost a hostile or broken document controls (a PDF that
takes minutes and gigabytes, a DOCX zip bomb, a converter that never returns). So it runs
outside the crawl, in long-lived worker processes with an address-space limit, each job
under a wall-time limit; a document that breaks a limit is recorded as a failed parse
(`derivations` row and a report row flagged `parse_failed`) and every other document goes
on. The crawl and `gkcrawl reparse` both feed it from the archive. Never imports Scrapy.
"""
