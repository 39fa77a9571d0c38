"""The commands that run a server on this machine: `serve` (the local SCIM server, until
Ctrl+C) and `demo` (a scripted tour against one).
"""

from __future__ import annotations

import contextlib
import shlex
import signal
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .._schemas import CORE_USER, V1_CORE
from .connection import BASE_URL_ENV, TOKEN_ENV, Session, token_variable
from .console import EXIT_OK, UsageError

if TYPE_CHECKING:
    from ..testing import SCIMServer

__all__ = ["demo", "serve", "serve_exports"]


def serve(session: Session) -> int:
    import time

    from ..testing import SCIMServer

    args = session.args
    console = session.console
    from_env = None
    if args.serve_token_env:
        from_env = console.environ.get(args.serve_token_env, "").strip()
        if not from_env:
            shown = token_variable(args.serve_token_env) or "the variable it names"
            raise UsageError(f"--token-env: {shown} is not set")
    server = SCIMServer(host=args.host, port=args.port, scim_version=args.scim_version)
    if args.no_auth:
        server.token = None
    elif from_env:
        server.token = from_env
    # Before `start()`: whoever reads the first line may interrupt us straight away.
    with _interrupted_by_sigint():
        try:
            server.start()
        except OSError as exc:
            raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        out = console.stdout
        try:
            _seed(server, args.seed_users)
            lines = [
                f"SCIM {args.scim_version} server at {server.url}",
                *serve_exports(
                    server.url, server.token, args.serve_token_env if from_env else None
                ),
                "press Ctrl+C to stop",
            ]
            print("\n".join(lines), file=out, flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    return EXIT_OK


def serve_exports(url: str, token: str | None, token_env: str | None) -> list[str]:
    """The shell lines that point a client at the server, ready to paste.

    The token is the local server's own throwaway value, made up at start: printing it is how
    a person uses it. A token taken from `--token-env` is never printed; the line refers to
    the variable instead.

        serve_exports("http://127.0.0.1:8080/scim/v2", "t0k", None) == [
            "export SCIM_BASE_URL=http://127.0.0.1:8080/scim/v2",
            "export SCIM_TOKEN=t0k",
        ]
    """
    lines = [f"export {BASE_URL_ENV}={shlex.quote(url)}"]
    if token is None:
        lines.append("# no token needed (--no-auth): clients pass --no-token")
    elif token_env is None:
        lines.append(f"export {TOKEN_ENV}={shlex.quote(token)}")
    elif token_variable(token_env) is not None:
        lines.append(f'export {TOKEN_ENV}="${token_env}"')
    else:
        lines.append("# the token is the value of the variable --token-env names")
    return lines


@contextlib.contextmanager
def _interrupted_by_sigint() -> Iterator[None]:
    """SIGINT raises `KeyboardInterrupt` inside the block, even when this process was started
    with SIGINT ignored.

    A shell without job control (`sh -c '... &'`, a CI script that runs jobs side by side)
    starts a background command with SIGINT ignored (POSIX 2.11, "Signals and Error
    Handling"); Python then installs no handler, so `kill -INT` and Ctrl+C did nothing and
    `serve` ran forever. A handler the program itself installed is left alone, and so is
    everything outside the main thread, where Python runs no signal handlers."""
    previous = signal.getsignal(signal.SIGINT)
    if callable(previous) or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _seed(server: SCIMServer, count: int) -> None:
    """`count` users, stored straight away, without the checks `add_resource` makes of
    every write: these users are valid and their names unique by construction. Seeded
    after `start()`, so that `meta.location` has the real port."""
    schema = V1_CORE if server.scim_version == "1.1" else CORE_USER
    for number in range(1, count + 1):
        name = f"user{number:05d}"
        user = {
            "schemas": [schema],
            "userName": name,
            "externalId": f"seed-{number}",
            "name": {"givenName": "User", "familyName": f"{number:05d}"},
            "emails": [{"value": f"{name}@example.com", "primary": True}],
            "active": True,
        }
        server.store.put("Users", user, location=server.url)


def demo(session: Session) -> int:
    from .._demo import run_demo

    return run_demo(scim_version=session.args.scim_version, out=session.console.stdout)
