"""The machinery behind every SCIM model: lazy, lenient, round-trip safe.

A model wraps the JSON object it was read from and converts an attribute only when it is first
read, so turning a page of 1,000 users into `User` objects costs little more than `json.loads`.
What the model does not know (attributes of a newer schema, extension objects) stays in the
wrapped object and is written back unchanged by `to_dict()`.

Three states per attribute, as RFC 7643 §2.5 asks a client to tell apart on the wire:

- never set: left out of `to_dict()` (the server keeps what it has on PATCH);
- set to `None`: sent as JSON `null`;
- set to a value: sent as that value.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Union

from .._wire import MAX_JSON_DEPTH, shown

if TYPE_CHECKING:
    from typing_extensions import Self, dataclass_transform
else:

    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        return lambda cls: cls


__all__ = ["SCIMModel", "attribute", "camel_case", "lenient_int", "snake_case"]


class _Deleted:
    """The mark of an attribute deleted with `del model.attr`.

    Left out of `to_dict()` even when the object the model was read from had it.
    """

    __slots__ = ()

    def __reduce__(self) -> str:
        # One marker: a pickled or deep-copied model refers to it by name, not to a copy.
        return "_DELETED"


_DELETED: Any = _Deleted()
_MISSING: Any = object()

# Attribute values that must never appear in a repr.
_SECRET_ATTRIBUTES = frozenset({"password"})

# How many attribute names an error lists before it shortens the list.
_NAMES_SHOWN = 12


def camel_case(name: str) -> str:
    """`user_name` -> `userName`, `x509_certificates` -> `x509Certificates`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake_case(name: str) -> str:
    """`userName` -> `user_name`, `$ref` -> `ref`, `x509Certificates` -> `x509_certificates`."""
    out: list[str] = []
    for char in name.lstrip("$"):
        if char.isupper():
            if out:
                out.append("_")
            out.append(char.lower())
        else:
            out.append(char)
    return "".join(out)


def lenient_int(value: Any) -> int | None:
    """A JSON integer, or a string of ASCII digits, as an int; anything else is `None`.

    Servers send `"status": "409"` as often as `409`. `true`, `1.5`, `"²"` (a digit to
    `str.isdigit`, not to `int`) and digit strings longer than `int()` reads are not numbers.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            try:
                return int(text)
            except ValueError:  # more digits than int() converts (Python 3.11+)
                return None
    return None


def copy_json(value: Any, depth: int = 0) -> Any:
    """A deep copy of a JSON value (dicts and lists copied, scalars shared).

    Below `MAX_JSON_DEPTH` levels (what a server may have nested) values are shared, not
    copied, so that no nesting ends in `RecursionError`.
    """
    if depth >= MAX_JSON_DEPTH:
        return value
    if isinstance(value, dict):
        return {key: copy_json(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item, depth + 1) for item in value]
    return value


def dump_value(value: Any, depth: int = 0) -> Any:
    """A Python value as JSON: models become dicts, datetimes RFC 3339 strings.

    Lists and dicts deeper than `MAX_JSON_DEPTH` (a server's, read back) are kept as they are.
    """
    if isinstance(value, SCIMModel):
        return value.to_dict()
    if depth >= MAX_JSON_DEPTH:
        return value
    if isinstance(value, (list, tuple)):
        return [dump_value(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): dump_value(item, depth + 1) for key, item in value.items()}
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        text = value.astimezone(datetime.timezone.utc).isoformat()
        return text.replace("+00:00", "Z")
    return value


class Attribute:
    """A descriptor for one SCIM attribute of a model.

    Reading converts the wrapped JSON on first access and caches the result, so that changes
    made to a returned list or sub-model are what `to_dict()` writes.
    """

    __slots__ = ("aliases", "json_name", "lower_names", "model", "multi_valued", "name")

    def __init__(
        self,
        json_name: str | None,
        model: type[SCIMModel] | None,
        multi_valued: bool,
        aliases: tuple[str, ...],
    ) -> None:
        self.json_name = json_name or ""
        self.model = model
        self.multi_valued = multi_valued
        self.aliases = aliases
        self.name = ""
        self.lower_names: tuple[str, ...] = ()

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        if not self.json_name:
            self.json_name = camel_case(name)
        self.lower_names = (self.json_name.lower(), *(a.lower() for a in self.aliases))

    def __get__(self, obj: SCIMModel | None, owner: type) -> Any:
        if obj is None:
            return self
        values = obj._values
        name = self.name
        if name in values:
            value = values[name]
            return None if value is _DELETED else value
        raw = obj._raw.get(self.json_name, _MISSING)
        if raw is _MISSING:
            raw = obj._lookup(self)
            if raw is _MISSING:
                return None
        value = self.load(raw)
        values[name] = value
        return value

    def __set__(self, obj: SCIMModel, value: Any) -> None:
        obj._values[self.name] = value

    def __delete__(self, obj: SCIMModel) -> None:
        obj._values[self.name] = _DELETED

    def load(self, raw: Any) -> Any:
        """JSON as a server sent it -> the Python value; never raises (RFC 7644 leniency)."""
        model = self.model
        if self.multi_valued:
            if raw is None:
                return None
            items = raw if isinstance(raw, list) else [raw]
            if model is None:
                return list(items)
            return [model._load_lenient(item) for item in items]
        if model is not None:
            return model._load_lenient(raw)
        return raw


def attribute(
    json_name: str | None = None,
    *,
    model: type[SCIMModel] | None = None,
    multi_valued: bool = False,
    aliases: tuple[str, ...] = (),
) -> Any:
    """Declare an attribute: `user_name: Optional[str] = attribute()`.

    `json_name` defaults to the camelCase of the Python name; `model` is the sub-model of a
    complex attribute; `multi_valued` makes it a list; `aliases` are other JSON names accepted
    when reading (e.g. SCIM 1.1's extension URN).
    """
    return Attribute(json_name, model, multi_valued, aliases)


@dataclass_transform(kw_only_default=True)
class SCIMModel:
    """The base of every SCIM model (resources, complex attributes, messages).

    - `Model(**attributes)` sets attributes by their snake_case Python names;
    - `Model.from_dict(data)` wraps a JSON object (camelCase keys, read case-insensitively);
    - `model.to_dict()` gives plain JSON with the attributes that are set, unknown ones kept;
    - `model["jsonName"]` reads or writes any attribute by its JSON name, known or not
      (e.g. a custom extension keyed by its schema URN).
    """

    __slots__ = ("_index", "_owned", "_raw", "_values")

    _attributes: ClassVar[dict[str, Attribute]] = {}
    _by_json_name: ClassVar[dict[str, Attribute]] = {}
    #: The `attribute()`s the class itself declares (`_attributes` adds its bases').
    _declared: ClassVar[dict[str, Attribute]] = {}
    #: Names an instance may be assigned: its `attribute()`s, slots and settable properties.
    _settable: ClassVar[frozenset[str]]  # set below the class, then by `__init_subclass__`

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._declared = _declared_by(cls)
        attributes: dict[str, Attribute] = {}
        for klass in reversed(cls.__mro__):
            # A model base's own are listed already: walking every base's members again
            # for each of the ~35 model classes was a visible part of `import scimkit`.
            declared = vars(klass).get("_declared")
            attributes.update(_declared_by(klass) if declared is None else declared)
        cls._attributes = attributes
        cls._by_json_name = {
            lower: attr for attr in attributes.values() for lower in attr.lower_names
        }
        cls._settable = settable_names(cls)

    def __init__(self, **attributes: Any) -> None:
        self._raw: dict[str, Any]
        self._values: dict[str, Any]
        self._owned: bool
        self._index: dict[str, str] | None
        _set_raw(self, {})
        _set_values(self, {})
        _set_owned(self, True)
        cls = type(self)
        known = cls._attributes
        for name, value in attributes.items():
            if name not in known:
                raise TypeError(
                    f"{cls.__name__}() got an unexpected keyword argument {name!r}"
                    + _hint(name, list(known), cls)
                )
            self._values[name] = value

    if not TYPE_CHECKING:
        # Hidden from type checkers: a class with `__setattr__` or `__getattr__` lets mypy
        # accept any attribute name, and catching `user.titel` before run time is the point.

        def __setattr__(self, name: str, value: Any) -> None:
            # Only declared names: a typo such as `user.titel = "CTO"` would otherwise be
            # stored and never sent (`to_dict()` writes declared attributes and JSON members).
            if name not in type(self)._settable:
                raise no_attribute(self, name, settable=True)
            object.__setattr__(self, name, value)

        def __getattr__(self, name: str) -> Any:
            # Called only when normal lookup failed. `from_dict` leaves `_owned` and `_index`
            # unset (two stores fewer per resource of a page); unset, they read as defaults.
            if name == "_owned":
                return False
            if name == "_index":
                return None
            raise no_attribute(self, name, settable=False)

    # -- reading JSON ---------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Wrap a JSON object as this model; never raises on what a server may send.

        The model keeps a reference to `data` and converts attributes as they are read;
        pass a copy if you go on changing `data` yourself.
        """
        if not isinstance(data, dict):
            raise TypeError(f"{cls.__name__}.from_dict() needs a dict, got {type(data).__name__}")
        obj = cls.__new__(cls)
        _set_raw(obj, data)
        _set_values(obj, {})
        return obj

    @classmethod
    def _load_lenient(cls, raw: Any) -> Any:
        """A sub-model from whatever the server sent in its place.

        Servers send `"emails": ["a@example.com"]`; a bare string becomes the `value` of the
        sub-model when it has one. Anything else unexpected is kept as it came.
        """
        if isinstance(raw, dict):
            return cls.from_dict(raw)
        if isinstance(raw, str) and "value" in cls._attributes:
            return cls(value=raw)
        return raw

    def _lookup(self, attr: Attribute) -> Any:
        """The raw JSON value of `attr`, matching names case-insensitively (RFC 7643 §2.1).

        `Attribute.__get__` tries the exact JSON name first; this is the slower way round.
        """
        raw = self._raw
        if not raw:
            return _MISSING
        index = self._index
        if index is None:
            index = {key.lower(): key for key in raw}
            _set_index(self, index)
        for lower in attr.lower_names:
            key = index.get(lower)
            if key is not None:
                return raw[key]
        return _MISSING

    # -- writing JSON ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: attributes that are set, plus everything unknown read from the server."""
        by_json_name = type(self)._by_json_name
        attributes = type(self)._attributes
        values = self._values
        out: dict[str, Any] = {}
        done: set[str] = set()
        for key, raw in self._raw.items():
            attr = by_json_name.get(key.lower())
            if attr is None:
                out[key] = copy_json(raw)
                continue
            if attr.name in done:
                continue
            done.add(attr.name)
            if attr.name in values:
                value = values[attr.name]
                if value is not _DELETED:
                    out[attr.json_name] = dump_value(value)
            else:
                out[attr.json_name] = copy_json(raw)
        for name, value in values.items():
            if name not in done and value is not _DELETED:
                out[attributes[name].json_name] = dump_value(value)
        return out

    # -- access by JSON name --------------------------------------------------------------

    def _json_key(self, key: str) -> str | None:
        lower = key.lower()
        for existing in self._raw:
            if existing.lower() == lower:
                return existing
        return None

    def __getitem__(self, key: str) -> Any:
        attr = type(self)._by_json_name.get(key.lower())
        if attr is not None:
            return getattr(self, attr.name)
        existing = self._json_key(key)
        if existing is None:
            raise KeyError(key)
        return self._raw[existing]

    def __setitem__(self, key: str, value: Any) -> None:
        attr = type(self)._by_json_name.get(key.lower())
        if attr is not None:
            setattr(self, attr.name, value)
            return
        existing = self._json_key(key)
        self._own_raw()[existing or key] = dump_value(value)

    def __delitem__(self, key: str) -> None:
        attr = type(self)._by_json_name.get(key.lower())
        if attr is not None:
            delattr(self, attr.name)
            return
        existing = self._json_key(key)
        if existing is None:
            raise KeyError(key)
        del self._own_raw()[existing]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        attr = type(self)._by_json_name.get(key.lower())
        if attr is not None:
            return attr.name in self._set_names()
        return self._json_key(key) is not None

    def _own_raw(self) -> dict[str, Any]:
        # A model never writes into the caller's dict: copy it on the first write.
        if not self._owned:
            self._raw = dict(self._raw)
            self._owned = True
        self._index = None
        return self._raw

    def _set_names(self) -> list[str]:
        """Python names of the attributes that `to_dict()` would write, in order."""
        names: list[str] = []
        by_json_name = type(self)._by_json_name
        for key in self._raw:
            attr = by_json_name.get(key.lower())
            if attr is not None and attr.name not in names:
                names.append(attr.name)
        names.extend(name for name in self._values if name not in names)
        return [n for n in names if self._values.get(n, None) is not _DELETED]

    def extra(self) -> dict[str, Any]:
        """The JSON members this model does not declare (unknown attributes, extensions)."""
        by_json_name = type(self)._by_json_name
        return {k: v for k, v in self._raw.items() if k.lower() not in by_json_name}

    # `model[key]` is lookup by JSON name, not a sequence: iterating a model is a mistake.
    __iter__ = None

    # -- comparing and showing ------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = []
        for name in self._set_names():
            value = getattr(self, name)
            text = "'[secure]'" if name in _SECRET_ATTRIBUTES and value else shown(value)
            parts.append(f"{name}={text}")
        extra = self.extra()
        if extra:
            parts.append(f"extra={shown(extra)}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _declared_by(klass: type) -> dict[str, Attribute]:
    """The `attribute()`s defined in `klass`'s own body."""
    return {name: value for name, value in vars(klass).items() if isinstance(value, Attribute)}


def settable_names(cls: type) -> frozenset[str]:
    """The names `cls`'s instances may be assigned: those of its data descriptors.

    That is every `attribute()`, every slot (scimkit's own and those a subclass declares in
    `__slots__`) and every property with a setter.
    """
    names: set[str] = set()
    done: set[type] = set()
    for klass in cls.__mro__:
        if klass in done:
            continue
        known = vars(klass).get("_settable") if klass is not cls else None
        if known is not None:
            # A model base's names, found over its own MRO when it was made.
            names.update(known)
            done.update(klass.__mro__)
            continue
        for name, value in vars(klass).items():
            if isinstance(value, property) and value.fset is None:
                continue
            if hasattr(type(value), "__set__"):
                names.add(name)
    return frozenset(names)


SCIMModel._settable = settable_names(SCIMModel)

# The slots' own setters, which skip `SCIMModel.__setattr__` and its name check: `from_dict`
# runs once per resource of a page, and a Python-level `__setattr__` call per slot made it
# about 2.5 times as slow (measured on the benchmark's 1,000-user page).
_set_raw = SCIMModel.__dict__["_raw"].__set__
_set_values = SCIMModel.__dict__["_values"].__set__
_set_owned = SCIMModel.__dict__["_owned"].__set__
_set_index = SCIMModel.__dict__["_index"].__set__


def no_attribute(obj: SCIMModel, name: str, *, settable: bool) -> AttributeError:
    """The error for reading or assigning a name `obj`'s class does not have, naming the fix.

    The message reads as CPython's own ("'User' object has no attribute 'titel'. Did you
    mean: 'title'?"), so that `str(error)` carries the hint and not only a printed traceback.
    """
    cls = type(obj)
    text = f"{cls.__name__!r} object has no attribute {name!r}"
    if name.startswith("__") and name.endswith("__"):
        # Protocol probes (`copy` asks for `__deepcopy__`) are not typos; answer them fast.
        return AttributeError(text)
    if hasattr(cls, name):
        if settable:  # a method or a class attribute such as `endpoint`
            return AttributeError(f"{cls.__name__!r} object attribute {name!r} is read-only")
        # The class has it: a slot that was never set, or a property that failed inside.
        return AttributeError(text)
    public = [n for n in cls._settable if not n.startswith("_")]
    names = list(cls._attributes) + sorted(set(public) - set(cls._attributes))
    if not settable:
        names += sorted(n for n in dir(cls) if not n.startswith("_") and n not in names)
    error = AttributeError(text + _hint(name, names, cls))
    # Setting `obj` (and leaving `name` unset) stops CPython 3.10+ from appending a second
    # "Did you mean" of its own when it prints the traceback.
    error.obj = obj
    return error


def _hint(name: str, names: list[str], cls: type[SCIMModel]) -> str:
    """The message's end: "Did you mean" the closest name, or the names there are."""
    import difflib  # here, not at the top: only a mistake needs it (`import scimkit` stays cheap)

    # `user.userName` is the JSON name of `user_name`; difflib may not rank it first.
    attr = cls._by_json_name.get(name.lower())
    close = [attr.name] if attr is not None else difflib.get_close_matches(name, names, n=1)
    if close:
        return f". Did you mean: {close[0]!r}?"
    shown_names = ", ".join(names[:_NAMES_SHOWN])
    if len(names) > _NAMES_SHOWN:
        shown_names += f", … ({len(names) - _NAMES_SHOWN} more)"
    return (
        f". {cls.__name__} has: {shown_names}. Members it does not declare (extensions, "
        "a server's own attributes) are read and written by JSON name: model['jsonName']"
    )


JSONObject = dict[str, Any]
ModelOrDict = Union[SCIMModel, JSONObject]
