"""The built-in function registry, and the core built-ins.

A built-in function (bif, Zeek's term) is a Python callable registered with
its zscript signature written in zscript syntax::

    @bif("to_upper", "function(s: string): string")
    def to_upper(s):
        return s.upper()

The host parses the signatures, declares the functions to the checker and
puts the callables into the compiled code's namespace.  Arguments arrive in
their runtime representation (see :mod:`.values`); parameters of type
``any`` receive :class:`~.values.Boxed` values for numbers, so a bif can tell
a count from an int.  ``varargs=True`` accepts extra ``any`` arguments.

``result`` computes the result type from the argument types when it depends
on them (``sort`` returns its argument's type).  ``context=True`` passes the
host's :class:`BifContext` as first argument, for bifs that need the event
loop or the reporter.

Errors a bif detects itself are raised as :class:`~.errors.ScriptError` with
Zeek's message; the event loop reports them at the calling expression.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable

from ..types import COUNT, STRING, RecordType, TableType, Type, VectorType
from . import builtins as _more
from . import zeekrandom
from .containers import Set, Vector
from .describe import formatter
from .errors import ScriptError
from .values import Boxed, EnumVal, Record, TypeVal, type_of, unbox

__all__ = ["BIFS", "Bif", "BifContext", "ScriptId", "bif", "bif_names", "get_bif"]

_STRING_SET = TableType([STRING], None)


class Bif:
    __slots__ = ("context", "func", "is_async", "name", "result", "signature", "varargs")

    def __init__(
        self,
        name: str,
        signature: str,
        func: Callable,
        varargs: bool,
        result,
        context: bool,
        is_async: bool = False,
    ):
        self.name = name
        self.signature = signature
        self.func = func
        self.varargs = varargs
        self.result = result
        self.context = context
        #: Returns a :class:`~.asyncval.Pending`: callable only in a ``when`` condition.
        self.is_async = is_async


BIFS: dict[str, Bif] = {}


def bif(
    name: str,
    signature: str,
    *,
    varargs: bool = False,
    result=None,
    context: bool = False,
    is_async: bool = False,
):
    def deco(func):
        BIFS[name] = Bif(name, signature, func, varargs, result, context, is_async)
        return func

    return deco


class BifContext:
    """What context-bound bifs may use; the host provides the implementation."""

    def network_time(self) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def set_network_time(self, t: float) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def terminate(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def is_terminating(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def exit(self, code: int):  # pragma: no cover - interface
        raise NotImplementedError

    def types_by_name(self, name: str) -> Type | None:  # pragma: no cover - interface
        raise NotImplementedError

    def current_event_time(self) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def raise_event(self, name: str, args: tuple) -> bool:  # pragma: no cover - interface
        """Queue script event ``name`` if it has handlers."""
        raise NotImplementedError

    def script_ids(self) -> list[ScriptId]:  # pragma: no cover - interface
        """Every global identifier and module, for ``global_ids``."""
        raise NotImplementedError

    def script_id(self, name: str) -> ScriptId | None:  # pragma: no cover - interface
        """The global identifier ``name`` (``lookup_ID``)."""
        raise NotImplementedError

    def event_handled(self, name: str) -> bool:  # pragma: no cover - interface
        """Whether event ``name`` has a handler body."""
        raise NotImplementedError

    def in_script_function(self) -> bool:  # pragma: no cover - interface
        """False while the scripts are still being loaded (global initializers)."""
        raise NotImplementedError

    def run_blocking(self, fn: Callable[[], object]):  # pragma: no cover - interface
        """Run ``fn`` in a worker thread; a :class:`~.asyncval.Pending` that
        the event loop resolves with its result (the loop stays alive meanwhile)."""
        raise NotImplementedError

    def record_field_table(self, rt: RecordType, rec) -> object:  # pragma: no cover - interface
        """``record_fields``' table for record type ``rt`` (with the values of
        record ``rec``, or None), in the script's ``record_field`` types."""
        raise NotImplementedError


class ScriptId:
    """What the bifs may know about one global identifier (Zeek's ``ID``).

    :param kind: ``var``, ``const``, ``option``, ``type``, ``enum``, ``func`` or ``module``.
    :param attrs: (attribute name, text of its expression or None), in declaration order.
    :param value: a function returning the identifier's current value.
    """

    __slots__ = (
        "attrs",
        "backend",
        "exported",
        "key",
        "kind",
        "redef",
        "type",
        "type_name",
        "value",
    )

    def __init__(self, key, kind, type, type_name, *, exported, redef, backend, attrs, value):
        self.key = key
        self.kind = kind
        self.type = type
        self.type_name = type_name
        self.exported = exported
        self.redef = redef
        self.backend = backend
        self.attrs = attrs
        self.value = value

    @property
    def has_value(self) -> bool:
        return self.value is not None


def _arg_type(v) -> Type | None:
    return type_of(v)


def describe_any(v) -> str:
    """Render an ``any`` argument the way ``fmt("%s")`` and ``cat`` do."""
    if type(v) is Boxed:
        return formatter(v.t)(v.v)
    t = type_of(v)
    if t is None:
        return str(v)
    return formatter(t)(v)


# ------------------------------------------------------------------- formatting


@bif("cat", "function(): string", varargs=True)
def cat(*args):
    return "".join(describe_any(a) for a in args)


@bif("type_name", "function(t: any): string")
def type_name(v):
    if type(v) is TypeVal:
        # A type given as a value has the type "type" (Zeek's TypeType).
        return "type"
    t = type_of(v)
    return str(t) if t is not None else "any"


@bif("type_aliases", "function(x: any): string_set")
def type_aliases(v):
    """Every name declared for the type of ``v`` (or for the type ``v``):
    empty for a type no declaration names."""
    t = v.type if type(v) is TypeVal else type_of(v)
    return Set(_STRING_SET, sorted(t.aliases or ()) if t is not None else ())


# ----------------------------------------------------------------- conversions


@bif("count_to_double", "function(c: count): double")
def count_to_double(c):
    return float(c)


@bif("int_to_double", "function(i: int): double")
def int_to_double(i):
    return float(i)


@bif("double_to_time", "function(d: double): time")
def double_to_time(d):
    return float(d)


@bif("time_to_double", "function(t: time): double")
def time_to_double(t):
    return float(t)


@bif("interval_to_double", "function(i: interval): double")
def interval_to_double(i):
    return float(i)


@bif("double_to_interval", "function(d: double): interval")
def double_to_interval(d):
    return float(d)


# --------------------------------------------------------------------- strings


@bif("to_upper", "function(str: string): string")
def to_upper(s):
    return s.upper() if s.isascii() else "".join(c.upper() if c < "\x80" else c for c in s)


@bif("to_lower", "function(str: string): string")
def to_lower(s):
    return s.lower() if s.isascii() else "".join(c.lower() if c < "\x80" else c for c in s)


@bif("sub_bytes", "function(s: string, start: count, n: int): string")
def sub_bytes(s, start, n):
    if start < 1:
        start = 1
    i = start - 1
    if n < 0:
        return s[i:]
    return s[i : i + n]


@bif("strstr", "function(big: string, little: string): count")
def strstr(big, little):
    return big.find(little) + 1


@bif(
    "find_str",
    "function(str: string, sub: string, start: count &default=0, end: int &default=-1, case_sensitive: bool &default=T): int",
)
def find_str(s, sub, start=0, end=-1, case_sensitive=True):
    if not case_sensitive:
        s, sub = s.lower(), sub.lower()
    e = len(s) if end < 0 else end
    return s.find(sub, start, e)


@bif("starts_with", "function(str: string, sub: string): bool")
def starts_with(s, sub):
    return s.startswith(sub)


@bif("ends_with", "function(str: string, sub: string): bool")
def ends_with(s, sub):
    return s.endswith(sub)


@bif("strip", "function(str: string): string")
def strip(s):
    return s.strip(" \t\n\r\f\v")


@bif("lstrip", 'function(str: string, chars: string &default=" \\t\\n\\r\\v\\f"): string')
def lstrip(s, chars=" \t\n\r\v\f"):
    return s.lstrip(chars)


@bif("rstrip", 'function(str: string, chars: string &default=" \\t\\n\\r\\v\\f"): string')
def rstrip(s, chars=" \t\n\r\v\f"):
    return s.rstrip(chars)


@bif("reverse", "function(str: string): string")
def reverse(s):
    return s[::-1]


@bif("subst_string", "function(s: string, from: string, to: string): string")
def subst_string(s, frm, to):
    return s.replace(frm, to) if frm else s


@bif("strcmp", "function(s1: string, s2: string): int")
def strcmp(a, b):
    return (a > b) - (a < b)


@bif("is_ascii", "function(str: string): bool")
def is_ascii(s):
    return all(c < "\x80" for c in s)


@bif("escape_string", "function(s: string): string")
def escape_string(s):
    from .describe import escape_bytes

    return escape_bytes(s.replace("\\", "\\\\"))


@bif("bytestring_to_hexstr", "function(bytestring: string): string")
def bytestring_to_hexstr(s):
    return s.encode("latin-1").hex()


_STRING_VEC = VectorType(STRING)
_COUNT_VEC = VectorType(COUNT)


@bif("join_string_vec", "function(vec: vector of string, sep: string): string")
def join_string_vec(vec, sep):
    return sep.join("" if x is None else x for x in vec)


@bif("str_split_indices", "function(s: string, idx: vector of count): vector of string")
def str_split_indices(s, idx):
    """Zeek's ``String::Split``: the pieces starting at 0 and at each index
    (indices out of range count as 0; duplicates are used once)."""
    if not idx:
        return Vector(_STRING_VEC)
    n = len(s)
    starts = sorted({0} | {i if i is not None and 0 <= i < n else 0 for i in idx})
    ends = starts[1:] + [n]
    return Vector(_STRING_VEC, [s[a:b] for a, b in zip(starts, ends, strict=True)])


@bif("md5_hash", "function(): string", varargs=True)
def md5_hash(*args):
    import hashlib  # here: OpenSSL loads slowly (start-up)

    return hashlib.md5("".join(describe_any(a) for a in args).encode("latin-1")).hexdigest()


@bif("sha1_hash", "function(): string", varargs=True)
def sha1_hash(*args):
    import hashlib  # here: OpenSSL loads slowly (start-up)

    return hashlib.sha1("".join(describe_any(a) for a in args).encode("latin-1")).hexdigest()


@bif("sha256_hash", "function(): string", varargs=True)
def sha256_hash(*args):
    import hashlib  # here: OpenSSL loads slowly (start-up)

    return hashlib.sha256("".join(describe_any(a) for a in args).encode("latin-1")).hexdigest()


# ------------------------------------------------------------------ containers


def _result_first(types, args):
    return types[0] if types else None


@bif("same_object", "function(o1: any, o2: any): bool")
def same_object(a, b):
    # Arguments of type any arrive boxed, a new box per call: compare what is inside.
    return unbox(a) is unbox(b)


@bif("length", "function(v: any): count")
def length(v):
    v = unbox(v)
    return len(v)


@bif("resize", "function(aggr: any, newsize: count): count")
def resize(v, n):
    old = len(v)
    if n < old:
        del v[n:]
    else:
        v.extend([None] * (n - old))
    return old


@bif("all_set", "function(v: any): bool")
def all_set(v):
    return all(x is not None and x for x in v)


@bif("any_set", "function(v: any): bool")
def any_set(v):
    return any(x is not None and x for x in v)


def _record_fields_type(types, args):
    return None


@bif("getpid", "function(): count")
def getpid():
    return os.getpid()


@bif("getenv", "function(var: string): string")
def getenv(var):
    return os.environ.get(var, "")


@bif("setenv", "function(var: string, val: string): bool")
def setenv(var, val):
    os.environ[var] = val
    return True


@bif("current_time", "function(): time")
def current_time():
    return time.time()


@bif("network_time", "function(): time", context=True)
def network_time(ctx):
    return ctx.network_time()


@bif("set_network_time", "function(nt: time): bool", context=True)
def set_network_time(ctx, nt):
    """Network time becomes ``nt``; meant for ``allow_network_time_forward=F``."""
    ctx.set_network_time(nt)
    return True


@bif("current_event_time", "function(): time", context=True)
def current_event_time(ctx):
    return ctx.current_event_time()


@bif("terminate", "function(): bool", context=True)
def terminate(ctx):
    return ctx.terminate()


@bif("zeek_is_terminating", "function(): bool", context=True)
def zeek_is_terminating(ctx):
    return ctx.is_terminating()


@bif("exit", "function(code: int): any", context=True)
def exit_(ctx, code):
    return ctx.exit(code)


@bif("rand", "function(max: count): count")
def rand(n):
    # Zeek scales the generator's value into [0, n) (src/zeek.bif).
    return int(n * zeekrandom.random_number() / (zeekrandom.max_random() + 1.0))


@bif("srand", "function(seed: count): any")
def srand(seed):
    zeekrandom.seed_random(seed)


@bif("enum_to_int", "function(e: any): int")
def enum_to_int(e):
    if type(e) is not EnumVal:
        raise ScriptError("enum_to_int() requires enum value")
    return e.value


#: The Zeek script-language version zscript implements (what scripts test
#: with ``Version::at_least``).
ZEEK_LANGUAGE_VERSION = "8.1.0"


@bif("zeek_version", "function(): string")
def zeek_version():
    return ZEEK_LANGUAGE_VERSION


@bif("record_fields", "function(rec: any): record_field_table", context=True)
def record_fields(ctx, rec):
    if type(rec) is str:
        # A type given by name (src/zeek.bif).
        rt = ctx.types_by_name(rec)
        if not isinstance(rt, RecordType):
            ctx.reporter_error("record_fields string argument does not name a record type")
            rt = RecordType([])
    elif type(rec) is TypeVal:
        rt = rec.type
    elif isinstance(rec, Record):
        rt = rec._rtype
    else:
        rt = None
    if not isinstance(rt, RecordType):
        ctx.reporter_error("non-record value/type passed to record_fields")
        rt = RecordType([])
    # The table's types mirror Zeek's record_field from init-bare: the host
    # builds it, from the types its scripts declared.
    return ctx.record_field_table(rt, rec if isinstance(rec, Record) else None)


def table_keys_type(t: TableType) -> Type:
    return t


#: Bif name -> the module of :mod:`.builtins` that registers it (not yet imported).
_UNLOADED: dict[str, str] = {
    name: f"{_more.__name__}.{module}" for module, names in _more.INDEX.items() for name in names
}


def bif_names() -> list[str]:
    """The names of every core built-in function, registered or not yet imported."""
    return [*BIFS, *(n for n in _UNLOADED if n not in BIFS)]


def get_bif(name: str) -> Bif | None:
    """The core built-in function ``name``, importing its module on first use."""
    b = BIFS.get(name)
    if b is None and name in _UNLOADED:
        importlib.import_module(_UNLOADED[name])
        b = BIFS.get(name)
    return b
