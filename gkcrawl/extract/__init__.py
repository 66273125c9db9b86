"""Extraction: the bytes of one document to a readable document.

Decoding (charset evidence over a lying header), the HTML, PDF, DOCX and DOC readers, table
grids, boilerplate removal and spam removal live here. Pure: never imports Scrapy, SQLite or
the archive; `gkcrawl.parse` builds on it, never the reverse.
"""
