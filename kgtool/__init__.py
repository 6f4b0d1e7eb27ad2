"""kgtool: a knowledge-graph builder with a SPARQL query layer for open government data.

The command line (`kgtool ...`) is a thin layer over the functions exported here, from
`kgtool.api` (see its docstring for examples):

>>> import kgtool
>>> kgtool.open().query("ASK { ?d a kg:District }").value
True

The names are loaded on first use (PEP 562), so `import kgtool` stays free: `kgtool query`
starts without importing what it does not need. The verbs whose names are also modules of this
package (`build`, `validate`, `link`, `export`, `push`) are called through `kgtool.api`
(`kgtool.api.build(...)`): re-exporting them here would make `kgtool.build` the function or the
module depending on import order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Boolean", "Dataset", "Result", "Row", "Solutions", "StaleGraphWarning", "Triples",
           "api", "is_stale", "open", "to_python"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from kgtool import api
    from kgtool.api import (Boolean, Dataset, Result, Row, Solutions, StaleGraphWarning,
                            Triples, is_stale, open, to_python)  # noqa: A004 - kgtool.open, like io.open


def __getattr__(name: str) -> Any:
    if name in __all__:
        import importlib

        api = importlib.import_module("kgtool.api")
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module 'kgtool' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
