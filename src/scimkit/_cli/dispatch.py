"""Which function runs each command: `(command, action)` -> handler.

A command without actions (`search`, `serve`...) is `(command, None)`. A new command lives in
its own module, which imports from `common`, `connection`, `console` and `output`, and gets
one line here and its arguments in `parser`.
"""

from __future__ import annotations

from typing import Callable

from . import commands
from .connection import Session
from .inspection import discover, raw
from .service import demo, serve
from .sync import run_sync
from .transfer import run_export, run_import

__all__ = ["COMMANDS"]

COMMANDS: dict[tuple[str, str | None], Callable[[Session], int]] = {
    ("users", "list"): commands.users_list,
    ("users", "get"): commands.users_get,
    ("users", "create"): commands.users_create,
    ("users", "update"): commands.users_update,
    ("users", "patch"): commands.users_patch,
    ("users", "deactivate"): commands.users_deactivate,
    ("users", "delete"): commands.users_delete,
    ("groups", "list"): commands.groups_list,
    ("groups", "get"): commands.groups_get,
    ("groups", "create"): commands.groups_create,
    ("groups", "update"): commands.groups_update,
    ("groups", "rename"): commands.groups_rename,
    ("groups", "add-member"): commands.groups_add_member,
    ("groups", "remove-member"): commands.groups_remove_member,
    ("groups", "delete"): commands.groups_delete,
    ("search", None): commands.search,
    ("discover", None): discover,
    ("raw", None): raw,
    ("serve", None): serve,
    ("demo", None): demo,
    ("export", None): run_export,
    ("import", None): run_import,
    ("sync", None): run_sync,
}
