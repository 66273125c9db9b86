"""`python -m gkcrawl.parse PATH [--json] [--url URL] [--content-type TYPE]`: one JSON object out.

The same function backs `gkcrawl parse`; this entry point imports nothing heavy."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import parse_document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gkcrawl.parse", description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--json", action="store_true", help="print the full JSON result (default)")
    parser.add_argument("--url", default=None)
    parser.add_argument("--content-type", default=None)
    args = parser.parse_args(argv)
    if not args.path.is_file():
        print(f"no such file: {args.path}", file=sys.stderr)
        return 2
    result = parse_document(args.path.read_bytes(), filename=args.path.name,
                            content_type=args.content_type, url=args.url)
    json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
