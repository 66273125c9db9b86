"""Scrapy spiders (one: `disclosure`)."""
