"""rdflib's process-wide switches, changed only for the length of a kgtool call.

Why: rdflib keeps some behaviour in module globals. `rdflib.NORMALIZE_LITERALS` (on by default)
rewrites the lexical form of every typed literal it constructs, so `"0012"^^xsd:integer`
becomes `"12"`, `"1.0E8"^^xsd:double` becomes `"100000000.0"` and `"PT24H"^^xsd:duration`
becomes `"P1D"`. kgtool's facts are figures quoted from
documents and must keep their words, so its readers need the switch off. A program that imports
kgtool (a notebook, a pipeline) must keep its own rdflib behaviour, so the switch is turned off
on entry to `exact_literals()` and put back on exit, never set at import.

The scope nests and is safe across threads: the first caller to enter saves the setting, the
last to leave restores it, and while any kgtool call is inside, the switch stays off. A thread
of the host program that builds rdflib literals during that time sees it off too; that is the
nature of a global, and it never outlasts the call.

Literals that kgtool builds itself from a known lexical form (pyoxigraph terms converted to
rdflib) pass `normalize=False` explicitly instead, so they need no scope at all.

>>> import rdflib
>>> before = rdflib.NORMALIZE_LITERALS
>>> with exact_literals():
...     str(rdflib.Literal("0012", datatype=rdflib.XSD.integer))
'0012'
>>> rdflib.NORMALIZE_LITERALS == before
True
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import wraps
from typing import Any, Callable, Iterator, TypeVar, cast

_F = TypeVar("_F", bound=Callable[..., Any])


class _Scope:
    """The count of kgtool calls inside the scope and the setting to restore when it reaches 0.

    One instance per process (rdflib's setting is per process too); it holds no command's data,
    and is back to its initial state whenever no call is inside."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved: bool | None = None


_SCOPE = _Scope()


@contextmanager
def exact_literals() -> Iterator[None]:
    """Turn `rdflib.NORMALIZE_LITERALS` off inside the block, and back to what it was after it.

    Entering and leaving a nested block switch it off again, so a library inside the block that
    turned it back on (pySHACL does, after each validation) cannot change how the rest of the
    block parses."""
    import rdflib  # noqa: PLC0415 - callers already have rdflib loaded; `kgtool query` must not

    with _SCOPE.lock:
        if _SCOPE.depth == 0:
            _SCOPE.saved = rdflib.NORMALIZE_LITERALS
        _SCOPE.depth += 1
        rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        with _SCOPE.lock:
            _SCOPE.depth -= 1
            if _SCOPE.depth == 0:
                rdflib.NORMALIZE_LITERALS = bool(_SCOPE.saved)
                _SCOPE.saved = None
            else:       # still inside an outer call: off, even if a library turned it on
                rdflib.NORMALIZE_LITERALS = False


def scoped(function: _F) -> _F:
    """Decorator: run `function` inside `exact_literals()`."""
    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with exact_literals():
            return function(*args, **kwargs)

    return cast(_F, wrapper)
