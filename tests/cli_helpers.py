"""Plumbing for the command-line tests: an in-process `scimkit` runner with its own streams,
and small helpers to seed a local server and read back what a run did to it."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable
from typing import Any

from scimkit._cli.console import Console
from scimkit.cli import run
from scimkit.testing import SCIMServer

TOKEN = "cli-S3CRET-token-4e8d"


class Result:
    """What one run printed, and its exit code."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines()]

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


class CLI:
    """Runs `scimkit ...` in-process with its own streams and environment."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.environ = environ
        self.prompts: list[str] = []
        #: What the token prompt gets: text, or an exception the person's keys raise.
        self.answer: str | type[BaseException] = ""

    def _prompt(self, text: str) -> str:
        self.prompts.append(text)
        if isinstance(self.answer, type):
            raise self.answer()
        return self.answer

    def __call__(
        self,
        *argv: str,
        stdin: str = "",
        tty: bool = False,
        stdin_tty: bool = False,
        env: dict[str, str] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> Result:
        console = Console(
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin=io.StringIO(stdin),
            environ={**self.environ, **(env or {})},
            stdout_is_tty=tty,
            stderr_is_tty=tty,
            stdin_is_tty=stdin_tty,
            prompt=self._prompt,
            clock=clock or (lambda: 0.0),
        )
        code = run(list(argv), console)
        out = console.stdout.getvalue()  # type: ignore[attr-defined]
        err = console.stderr.getvalue()  # type: ignore[attr-defined]
        return Result(code, out, err)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on once this returns."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def closed_port_url() -> str:
    """A SCIM base URL where every connection is refused."""
    return f"http://127.0.0.1:{free_port()}/scim/v2"


def add_user(server: SCIMServer, user_name: str, /, **attributes: Any) -> str:
    """Store a user straight on the server, bypassing HTTP; its id."""
    created = server.add_resource("Users", {"userName": user_name, **attributes})
    return str(created["id"])


def writes(server: SCIMServer) -> list[str]:
    """The methods of every request but the reads, in the order the server saw them."""
    return [r.method for r in server.requests if r.method != "GET"]


class CtrlCAt:
    """A clock that reads 1.0, 2.0... and raises KeyboardInterrupt at its `n`-th reading,
    as if Ctrl+C were pressed while a progress line is up."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        if self.reads == self.n:
            raise KeyboardInterrupt
        return float(self.reads)
