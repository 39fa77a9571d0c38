"""The `scimkit` command line (also `python -m scimkit`)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from ._version import __version__

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scimkit", description="A SCIM 1.1 / 2.0 client and local test server."
    )
    parser.add_argument("--version", action="version", version=f"scimkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run the whole client against a local SCIM server and print each call"
    )
    demo.add_argument("--scim-version", choices=("2.0", "1.1"), default="2.0")
    serve = commands.add_parser("serve", help="run the local SCIM server until interrupted")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--scim-version", choices=("2.0", "1.1"), default="2.0")
    serve.add_argument("--no-auth", action="store_true", help="accept requests without a token")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        return run_demo(scim_version=args.scim_version)
    if args.command == "serve":
        from .testing import SCIMServer

        server = SCIMServer(port=args.port, scim_version=args.scim_version)
        if args.no_auth:
            server.token = None
        with server:
            print(f"SCIM {args.scim_version} server at {server.url}", flush=True)
            if server.token:
                # The local server's own throwaway token: printing it is how a person uses it.
                print(f"bearer token: {server.token}", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
