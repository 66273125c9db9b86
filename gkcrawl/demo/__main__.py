"""`python -m gkcrawl.demo --port 8000`: serve the demo portal until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from .portal import DEMO, serve_style


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gkcrawl.demo",
                                     description="Serve the gkcrawl demo portal on the loopback address.")
    parser.add_argument("--style", default="demo", choices=("demo",), help="kept for old scripts: only demo ships")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--generation", type=int, default=1, choices=(1, 2))
    args = parser.parse_args(argv)
    try:
        portal = serve_style(DEMO, args.host, args.port)
    except OSError as error:
        print(f"cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    portal.set_generation(args.generation)
    # SIGTERM stops the server as Ctrl-C does (its stalled answers end too).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # The URL goes to stdout only once the port is bound: `gkcrawl demo` waits for this line.
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
