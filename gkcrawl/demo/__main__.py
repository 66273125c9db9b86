"""`python -m gkcrawl.demo --style demo --port 8000`: serve a test portal until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import time

from .registry import STYLES, start_portal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gkcrawl.demo",
                                     description="Serve a gkcrawl test portal on the loopback address.")
    parser.add_argument("--style", default="demo", choices=STYLES)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--generation", type=int, default=1, choices=(1, 2))
    args = parser.parse_args(argv)
    try:
        portal = start_portal(args.style, args.host, args.port)
    except OSError as error:
        print(f"cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    portal.set_generation(args.generation)
    print(portal.url, flush=True)
    print(f"serving the {args.style!r} portal (generation {args.generation}); Ctrl-C stops", file=sys.stderr)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
