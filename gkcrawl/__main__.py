"""`python -m gkcrawl` is the `gkcrawl` command."""

from .cli import main

main()
