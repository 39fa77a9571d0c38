"""Write scimkit's API reference, one Markdown page per public module, from its docstrings.

    python docs/api/generate.py               # rewrites docs/api/*.md
    python docs/api/generate.py --out DIR     # writes somewhere else (the test compares)

Standard library only (`inspect`, `pkgutil`), and deterministic: the same code gives the same
pages byte for byte, with no memory addresses and no absolute paths. A public module is one
whose dotted name has no part starting with `_`; its public names are its `__all__`. Each
object is described once, on the page of the public module that defines it (or, for an object
defined in a private module, of the shortest public module that exports it); every other page
that exports it links there. A class defined in a private module and exported by no public one
(a base that holds part of a public class, such as `AsyncSCIMClient`'s lifecycle) has no entry
of its own: its members are described with each documented class that inherits from it, and it
is not named among that class's bases.

Exits with status 1, naming them, when a public class, function, method or property has no
docstring of its own.
"""

from __future__ import annotations

import argparse
import enum
import functools
import importlib
import inspect
import pkgutil
import re
import sys
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Union

import scimkit
from scimkit.models._base import Attribute

HERE = Path(__file__).resolve().parent
PLUGIN = "scimkit.testing.pytest_plugin"
# Hooks a subclass overrides; they keep slack_sdk's underscore names.
DOCUMENTED_HOOKS = {"RetryHandler._can_retry", "RetryHandler._may_repeat"}
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_CLASS_REPR = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")
_SIMPLE_CONSTANTS = (str, int, float, bool)
# A signature longer than this is written one parameter a line.
WIDTH = 96


def public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with `_`."""
    found = ["scimkit"]
    for info in pkgutil.walk_packages(scimkit.__path__, "scimkit."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return sorted(found)


def is_public(module_name: str) -> bool:
    return not any(part.startswith("_") for part in module_name.split("."))


def page_name(module_name: str) -> str:
    return f"{module_name}.md"


def anchor(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation but `-` and `_` dropped."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def fence(text: str) -> str:
    """`text` in a fenced block that no backtick run inside it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def own_doc(obj: object) -> str | None:
    """The object's own docstring, cleaned; never one inherited from a base class."""
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return None
    return inspect.cleandoc(doc)


def summary(doc: str | None) -> str:
    if not doc:
        return ""
    first = doc.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in first.splitlines()).replace("|", "\\|")


def kind_of(module_name: str, obj: object) -> str:
    if module_name == PLUGIN:
        return "pytest fixture"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isfunction(obj):
        return "function"
    return "data"


@functools.cache
def home_modules() -> dict[int, str]:
    """id(object) -> the public module whose page describes it."""
    exporters: dict[int, tuple[object, list[str]]] = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            exporters.setdefault(id(obj), (obj, []))[1].append(module_name)
    homes: dict[int, str] = {}
    for key, (obj, names) in exporters.items():
        defines = getattr(obj, "__module__", None)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and defines in names:
            homes[key] = str(defines)
        else:
            homes[key] = min(names, key=lambda m: (m.count("."), m))
    return homes


# -- signatures -------------------------------------------------------------------------


def _annotation(annotation: object) -> str:
    if isinstance(annotation, str):
        return annotation
    return inspect.formatannotation(annotation)


def _default(value: object) -> str:
    text = _CLASS_REPR.sub(r"\1", repr(value))
    if _ADDRESS.search(text):
        raise ValueError(f"a default value has no stable repr: {text}")
    return text


def render_signature(
    prefix: str,
    signature: inspect.Signature,
    *,
    drop_first: bool = False,
    returns: bool = True,
) -> str:
    """`prefix(parameters) -> return`, one parameter a line when it would be long."""
    parts: list[str] = []
    parameters = list(signature.parameters.values())
    if drop_first and parameters:
        parameters = parameters[1:]
    star_added = False
    for index, parameter in enumerate(parameters):
        if parameter.kind is parameter.KEYWORD_ONLY and not star_added:
            parts.append("*")
            star_added = True
        if parameter.kind is parameter.VAR_POSITIONAL:
            star_added = True
            text = f"*{parameter.name}"
        elif parameter.kind is parameter.VAR_KEYWORD:
            text = f"**{parameter.name}"
        else:
            text = parameter.name
        if parameter.annotation is not parameter.empty:
            text += f": {_annotation(parameter.annotation)}"
            if parameter.default is not parameter.empty:
                text += f" = {_default(parameter.default)}"
        elif parameter.default is not parameter.empty:
            text += f"={_default(parameter.default)}"
        parts.append(text)
        following = parameters[index + 1] if index + 1 < len(parameters) else None
        if parameter.kind is parameter.POSITIONAL_ONLY and (
            following is None or following.kind is not parameter.POSITIONAL_ONLY
        ):
            parts.append("/")
    tail = ""
    if returns and signature.return_annotation is not signature.empty:
        tail = f" -> {_annotation(signature.return_annotation)}"
    one_line = f"{prefix}({', '.join(parts)}){tail}"
    if len(one_line) <= WIDTH or not parts:
        return one_line
    inner = "".join(f"    {part},\n" for part in parts)
    return f"{prefix}(\n{inner}){tail}"


def _init_owner(cls: type) -> type | None:
    """The class in `cls`'s MRO whose `__init__` it uses, if that is one of scimkit's."""
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            return klass if klass.__module__.startswith("scimkit") else None
    return None


def qualified(cls: type) -> str:
    """`module.Name` under the public module that describes it, else where it is defined."""
    if cls.__module__ == "builtins":
        return cls.__name__
    home = home_modules().get(id(cls), cls.__module__)
    return f"{home}.{cls.__name__}"


def is_folded(cls: type) -> bool:
    """Whether `cls` is a private module's class that no public module exports.

    No page can describe such a class, so it is folded into each documented class that
    inherits from it: its members are described there, and `Bases:` names its own bases in
    its place. (A private class of a public module, such as `filters._Node`, keeps today's
    treatment: named among the bases, its members not repeated.)
    """
    module = cls.__module__
    return module.startswith("scimkit") and not is_public(module) and id(cls) not in home_modules()


def documented_bases(cls: type) -> list[type]:
    """`cls`'s direct bases, each folded one replaced by its own documented bases."""
    found: list[type] = []
    for base in cls.__bases__:
        if base is object:
            continue
        for candidate in documented_bases(base) if is_folded(base) else [base]:
            if candidate not in found:
                found.append(candidate)
    return found


def bases_of(cls: type) -> str:
    """`cls`'s documented bases, e.g. `scimkit.errors.TransportError`."""
    return ", ".join(qualified(base) for base in documented_bases(cls))


def class_header(cls: type) -> str:
    """`class Name(parameters of its __init__)`, or `class Name(bases)` when it has none."""
    owner = None if issubclass(cls, enum.Enum) else _init_owner(cls)
    if owner is None:
        bases = bases_of(cls)
        return f"class {cls.__name__}({bases})" if bases else f"class {cls.__name__}"
    init = inspect.signature(vars(owner)["__init__"])
    return render_signature(f"class {cls.__name__}", init, drop_first=True, returns=False)


# -- one object -------------------------------------------------------------------------


def namespace(cls: type) -> dict[str, tuple[type, object]]:
    """name -> (owner, value) for what `cls` defines or inherits from a folded base.

    Names come in the order the classes define them, a folded base's before the class's
    own; each value is the one attribute lookup on `cls` finds. A name it finds on a
    documented base (or outside scimkit) is left to that base's entry.
    """
    folded = [klass for klass in reversed(cls.__mro__) if klass is cls or is_folded(klass)]
    found: dict[str, tuple[type, object]] = {}
    for klass in folded:
        for name in vars(klass):
            owner = next(k for k in cls.__mro__ if name in vars(k))
            if owner in folded and name not in found:
                found[name] = (owner, vars(owner)[name])
    return found


def members(cls: type) -> Iterator[tuple[str, object, str]]:
    """(name, member, kind) for what a user calls or reads on `cls`, folded bases included."""
    for name, (_, value) in namespace(cls).items():
        qualified = f"{cls.__name__}.{name}"
        if name.startswith("_") and qualified not in DOCUMENTED_HOOKS:
            continue
        if isinstance(value, property):
            getter = value.fget
            if getter is not None and getter.__module__.startswith("scimkit"):
                yield name, value, "property"
        elif isinstance(value, (classmethod, staticmethod)):
            function = value.__func__
            if getattr(function, "__module__", "").startswith("scimkit"):
                label = "classmethod" if isinstance(value, classmethod) else "staticmethod"
                yield name, value, label
        elif inspect.isfunction(value) and value.__module__.startswith("scimkit"):
            yield name, value, "async" if inspect.iscoroutinefunction(value) else "method"


def constants(cls: type) -> list[tuple[str, object]]:
    """Class-level settings a reader wants to see (`schema`, `endpoint`...), own or folded."""
    found: list[tuple[str, object]] = []
    for name, (_, value) in namespace(cls).items():
        if name.startswith("_") or callable(value):
            continue
        if isinstance(value, _SIMPLE_CONSTANTS) or (
            isinstance(value, tuple) and all(isinstance(item, _SIMPLE_CONSTANTS) for item in value)
        ):
            found.append((name, value))
    return found


def model_attributes(cls: type) -> list[tuple[str, str, str]]:
    """(Python name, JSON name, annotation) of the SCIM attributes `cls` declares or folds."""
    rows = []
    for name, (owner, value) in namespace(cls).items():
        if isinstance(value, Attribute):
            annotations = vars(owner).get("__annotations__", {})
            rows.append((name, value.json_name, _annotation(annotations.get(name, "Any"))))
    return rows


def describe_member(cls: type, name: str, member: object, kind: str) -> list[str]:
    function: Any = member.fget if isinstance(member, property) else member
    if isinstance(member, (classmethod, staticmethod)):
        function = member.__func__
    heading = f"### `{cls.__name__}.{name}`"
    lines = [heading, ""]
    if kind == "property":
        returns = inspect.signature(function).return_annotation
        shown = "" if returns is inspect.Signature.empty else f": {_annotation(returns)}"
        lines += [fence(f"property {name}{shown}"), ""]
    else:
        prefix = f"{kind} {name}" if kind != "method" else name  # `async read_user(...)`
        signature = inspect.signature(function)
        lines += [fence(render_signature(prefix, signature, drop_first=kind != "staticmethod")), ""]
    doc = own_doc(function)
    if doc:
        lines += [fence(doc), ""]
    return lines


def describe(module_name: str, name: str, obj: object) -> list[str]:
    lines = [f"## `{name}`", ""]
    kind = kind_of(module_name, obj)
    if kind == "pytest fixture":
        function = inspect.unwrap(obj)  # type: ignore[arg-type]
        parameters = ", ".join(inspect.signature(function).parameters)
        lines += [fence(f"@pytest.fixture\n{name}({parameters})"), ""]
        doc = own_doc(function)
    elif inspect.isclass(obj):
        lines += [fence(class_header(obj)), ""]
        if bases_of(obj):
            lines += [f"Bases: `{bases_of(obj)}`", ""]
        doc = own_doc(obj)
    elif inspect.isfunction(obj):
        lines += [fence(render_signature(name, inspect.signature(obj))), ""]
        doc = own_doc(obj)
    else:
        lines += [fence(f"{name}: {data_type(obj)}"), ""]
        doc = None
    if doc:
        lines += [fence(doc), ""]
    if inspect.isclass(obj):
        if issubclass(obj, enum.Enum):
            lines += ["Members: " + ", ".join(f"`{m.name}`" for m in obj), ""]
        settings = constants(obj)
        if settings:
            lines += ["| class attribute | value |", "| --- | --- |"]
            lines += [f"| `{key}` | `{_default(value)}` |" for key, value in settings]
            lines.append("")
        attributes = model_attributes(obj)
        if attributes:
            lines += ["| attribute | JSON name | type |", "| --- | --- | --- |"]
            lines += [
                f"| `{a}` | `{j}` | `{t.replace('|', chr(92) + '|')}` |" for a, j, t in attributes
            ]
            lines.append("")
        for member_name, member, member_kind in members(obj):
            lines += describe_member(obj, member_name, member, member_kind)
    return lines


def data_type(obj: object) -> str:
    if typing.get_origin(obj) is Union:
        return "Union[" + ", ".join(arg.__name__ for arg in typing.get_args(obj)) + "]"
    return type(obj).__name__


# -- pages ------------------------------------------------------------------------------


def module_page(module_name: str, homes: dict[int, str]) -> str:
    module = importlib.import_module(module_name)
    source = Path(inspect.getsourcefile(module) or "")
    relative = source.relative_to(Path(scimkit.__file__).resolve().parent.parent).as_posix()
    lines = [f"# `{module_name}`", "", f"[API reference](index.md) · source: `{relative}`", ""]
    doc = own_doc(module)
    if doc:
        lines += [fence(doc), ""]
    lines += ["| name | kind | summary |", "| --- | --- | --- |"]
    described: list[tuple[str, object]] = []
    for name in module.__all__:
        obj = getattr(module, name)
        home = homes[id(obj)]
        target = f"#{anchor(name)}" if home == module_name else f"{page_name(home)}#{anchor(name)}"
        if home == module_name:
            described.append((name, obj))
        doc_of = None if kind_of(home, obj) == "data" else own_doc(inspect.unwrap(obj))
        kind = kind_of(home, obj)
        where = "" if home == module_name else f" (in `{home}`)"
        lines.append(f"| [`{name}`]({target}) | {kind}{where} | {summary(doc_of)} |")
    lines.append("")
    for name, obj in described:
        lines += describe(module_name, name, obj)
    return "\n".join(lines).rstrip("\n") + "\n"


def index_page(modules: Sequence[str]) -> str:
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `python docs/api/generate.py` (standard library only);",
        "do not edit these pages by hand. `python -m pydoc scimkit.retry` shows the same",
        "docstrings in a terminal. A test regenerates the pages and fails when they are stale.",
        "",
        "| module | summary |",
        "| --- | --- |",
    ]
    for module_name in modules:
        doc = own_doc(importlib.import_module(module_name))
        lines.append(f"| [`{module_name}`]({page_name(module_name)}) | {summary(doc)} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name -> content, for every page of the reference."""
    modules = public_modules()
    homes = home_modules()
    found = {"index.md": index_page(modules)}
    for module_name in modules:
        found[page_name(module_name)] = module_page(module_name, homes)
    return found


def missing_docstrings() -> list[str]:
    """Public classes, functions, methods and properties without a docstring of their own."""
    missing = []
    homes = home_modules()
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        if own_doc(module) is None:
            missing.append(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if homes[id(obj)] != module_name or kind_of(module_name, obj) == "data":
                continue
            target = inspect.unwrap(obj) if not inspect.isclass(obj) else obj
            if own_doc(target) is None:
                missing.append(f"{module_name}.{name}")
            if inspect.isclass(obj):
                for member_name, member, _ in members(obj):
                    function: Any = member.fget if isinstance(member, property) else member
                    if isinstance(member, (classmethod, staticmethod)):
                        function = member.__func__
                    if own_doc(function) is None:
                        missing.append(f"{module_name}.{name}.{member_name}")
    return missing


def write(out_dir: Path) -> list[Path]:
    """Write every page into `out_dir`, removing pages of modules that are gone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    content = pages()
    for stale in out_dir.glob("*.md"):
        if stale.name not in content:
            stale.unlink()
    written = []
    for file_name, text in sorted(content.items()):
        path = out_dir / file_name
        path.write_bytes(text.encode("utf-8"))  # "\n" line ends on every system
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE, help="directory for the pages")
    args = parser.parse_args(argv)
    written = write(args.out)
    print(f"wrote {len(written)} pages to {args.out}")
    missing = missing_docstrings()
    for name in missing:
        print(f"no docstring: {name}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
