"""From command-line options and the environment to a `SCIMClient`.

The token is never an option: a value on the command line shows in `ps`, in shell history
and in CI logs. It comes from an environment variable (`--token-env`, `SCIM_TOKEN` by
default) or, when a person is at the terminal, from a prompt that does not echo.
"""

from __future__ import annotations

import argparse
import re
import ssl

from .._version import __version__
from ..client import SCIMClient
from ..retry import RateLimitErrorRetryHandler, default_retry_handlers
from .console import Console, UsageError

__all__ = [
    "BASE_URL_ENV",
    "TOKEN_ENV",
    "Session",
    "build_client",
    "insecure_context",
    "resolve_token",
    "token_variable",
]

BASE_URL_ENV = "SCIM_BASE_URL"
TOKEN_ENV = "SCIM_TOKEN"

INSECURE_WARNING = (
    "scimkit: WARNING: --insecure: TLS certificates and host names are NOT verified. "
    "Anyone on the network path can impersonate the server and read your token and data. "
    "Use it only against a test server."
)


def token_variable(name: str) -> str | None:
    """`$NAME`, for a message, when `name` looks like an environment variable (upper case,
    as they are written); else None, and the message does not repeat it, in case the token
    itself was given to `--token-env`."""
    if re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", name):
        return f"${name}"
    return None


def resolve_token(args: argparse.Namespace, console: Console) -> str | None:
    """The bearer token: from the `--token-env` variable, else a prompt on a terminal.

    `--no-token` sends none (a local `scimkit serve --no-auth`).
    """
    if getattr(args, "no_token", False):
        return None
    name = args.token_env or TOKEN_ENV
    shown = token_variable(name)
    token = console.environ.get(name, "")
    if token.strip():
        return token.strip()
    if console.stdin_is_tty:
        try:
            hint = f" (or set {shown})" if shown else ""
            entered = console.prompt(f"SCIM bearer token{hint}: ").strip()
        except EOFError:  # Ctrl+D at the prompt
            entered = ""
        if entered:
            return entered
    if shown is None:
        raise UsageError(
            "no token: the variable --token-env names is not set (its name is not shown: "
            "it does not look like a variable name; give --token-env the name, not the token)"
        )
    raise UsageError(
        f"no token: set {shown} (or name another variable with --token-env), "
        "run in a terminal to be asked for it, or pass --no-token"
    )


def insecure_context() -> ssl.SSLContext:
    """A TLS context that checks neither certificates nor host names."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def build_client(args: argparse.Namespace, console: Console) -> tuple[SCIMClient, str | None]:
    """The client the options describe, and the token it uses (so that errors can be
    scrubbed of it)."""
    base_url = args.base_url or console.environ.get(BASE_URL_ENV, "")
    if not base_url.strip():
        raise UsageError(f"no SCIM base URL: pass --base-url or set ${BASE_URL_ENV}")
    token = resolve_token(args, console)
    context = None
    if args.insecure:
        console.error(INSECURE_WARNING)
        context = insecure_context()
    handlers = default_retry_handlers()
    # A script that walks a whole directory meets rate limits; wait as the server asks.
    handlers.append(RateLimitErrorRetryHandler(max_retry_count=3, max_wait=60))
    try:
        client = SCIMClient(
            base_url.strip(),
            token=token,
            timeout=args.timeout,
            proxy=args.proxy,
            ssl=context,
            scim_version=args.scim_version,
            retry_handlers=handlers,
            user_agent_suffix=f"scimkit-cli/{__version__}",
            # No logger=: the client writes to `scimkit`'s logger once `logging` is loaded,
            # which `-v` does before the client is built; without -v nothing imports it.
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    return client, token


class Session:
    """One command run: its options, its console, and the client, built on first use (so
    that `--help`, `serve` and usage errors never ask for a token)."""

    def __init__(self, args: argparse.Namespace, console: Console) -> None:
        self.args = args
        self.console = console
        self.token: str | None = None
        self._client: SCIMClient | None = None

    @property
    def client(self) -> SCIMClient:
        if self._client is None:
            self._client, self.token = build_client(self.args, self.console)
        return self._client

    def connect(self) -> SCIMClient:
        """Build the client now, so that a missing URL or token fails early."""
        return self.client

    @property
    def v1(self) -> bool:
        """Slack's SCIM 1.1: PATCH bodies are partial resources, not `PatchOp`s."""
        return bool(self.args.scim_version == "1.1")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
