"""kgtool: a knowledge-graph builder with a SPARQL query layer for open government data.

The command line (`kgtool ...`) is a thin layer over the functions exported here, from
`kgtool.api` (see its docstring for examples):

>>> import kgtool
>>> kgtool.open().query("ASK { ?d a kg:District }").value
True

The names are loaded on first use (PEP 562), so `import kgtool` stays free: `kgtool query`
starts without importing what it does not need.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Boolean", "Dataset", "Result", "Row", "Solutions", "StaleGraphWarning", "Triples",
           "build", "export", "is_stale", "link", "open", "push", "to_python", "validate"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from kgtool.api import (Boolean, Dataset, Result, Row, Solutions, StaleGraphWarning,
                            Triples, build, export, is_stale, link, open, push, to_python,
                            validate)


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kgtool import api

        return getattr(api, name)
    raise AttributeError(f"module 'kgtool' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
