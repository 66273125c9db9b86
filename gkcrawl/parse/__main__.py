"""`python -m gkcrawl.parse PATH [--json]` is `gkcrawl parse`."""

import sys

from gkcrawl.cli import main

main(["parse", *sys.argv[1:]], prog_name="python -m gkcrawl")
