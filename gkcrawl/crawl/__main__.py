"""`python -m gkcrawl.crawl URL... --db PATH` is `gkcrawl crawl`."""

from .command import crawl_command

crawl_command()
