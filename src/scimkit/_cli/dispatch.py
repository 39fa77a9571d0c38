"""Which function runs each command: `(command, action)` -> `"module:function"`.

A command without actions (`search`, `serve`...) is `(command, None)`. A new command lives in
its own module, which imports from `common`, `connection`, `console` and `output`, and gets
one line here and its arguments in `parser`.

The table names handlers instead of holding them, so that `scimkit --version`, `--help` and
a usage error import no command module (nor the library parts they pull in: the filter
builder, the local server, the sync planner); `handler` imports the one module a run needs.
`tests/test_cli.py` checks that every command the parser defines has an entry that imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .connection import Session

__all__ = ["COMMANDS", "handler"]

COMMANDS: dict[tuple[str, str | None], str] = {
    ("users", "list"): "commands:users_list",
    ("users", "get"): "commands:users_get",
    ("users", "create"): "commands:users_create",
    ("users", "update"): "commands:users_update",
    ("users", "patch"): "commands:users_patch",
    ("users", "deactivate"): "commands:users_deactivate",
    ("users", "delete"): "commands:users_delete",
    ("groups", "list"): "commands:groups_list",
    ("groups", "get"): "commands:groups_get",
    ("groups", "create"): "commands:groups_create",
    ("groups", "update"): "commands:groups_update",
    ("groups", "rename"): "commands:groups_rename",
    ("groups", "add-member"): "commands:groups_add_member",
    ("groups", "remove-member"): "commands:groups_remove_member",
    ("groups", "delete"): "commands:groups_delete",
    ("search", None): "commands:search",
    ("discover", None): "inspection:discover",
    ("raw", None): "inspection:raw",
    ("serve", None): "service:serve",
    ("demo", None): "service:demo",
    ("export", None): "transfer:run_export",
    ("import", None): "transfer:run_import",
    ("sync", None): "sync:run_sync",
}


def handler(command: str, action: str | None) -> Callable[[Session], int]:
    """The function that runs `(command, action)`, its module imported now.

    A pair the table lacks is a `KeyError`: the parser and the table disagree (a bug here).
    """
    module_name, _, function = COMMANDS[(command, action)].partition(":")
    module = importlib.import_module(f".{module_name}", __package__)
    found: Callable[[Session], int] = getattr(module, function)
    return found
