"""The Scrapy crawler: one generic disclosure spider, discovery rules, WARC provenance."""
