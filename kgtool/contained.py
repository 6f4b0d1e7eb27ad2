"""Run a risky native call in a forked child first, so that its crash is not ours.

Why: pyoxigraph's SPARQL parser and optimiser recurse on the native stack; a query with a few
thousand chained steps (`a/b/c/...`, MINUS or BIND after MINUS or BIND) overflows it and the
process dies with SIGSEGV -- no exception, no message, and for `kgtool serve` no server. The
lexer bounds nesting (kgtool.sparql_policy.MAX_DEPTH), but flat chains crash at sizes that
depend on the construct, so a query outside the measured safe envelope is first tried in a
child process: if the child dies, the caller reports a one-line error instead of dying too.
The child's work is deterministic, so when it survives the same call is safe in the parent.
Standard library only (the query path must start fast).
"""
from __future__ import annotations

import os
import signal
from typing import Callable


def survives(func: Callable[[], object]) -> bool:
    """Run `func()` in a forked child; False when the child was killed by a signal (a crash).

    Exceptions raised by `func` count as surviving: the caller runs it again in-process to get
    the real exception. Without `os.fork` (Windows) `func` is not tried and True is returned."""
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        return True
    pid = os.fork()
    if pid == 0:  # child: never return into the caller's stack
        code = 0
        try:
            func()
        except BaseException:  # noqa: BLE001 - a Python error is not a crash
            code = 0
        finally:
            os._exit(code)
    try:
        _, status = os.waitpid(pid, 0)
    except BaseException:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
        raise
    return not os.WIFSIGNALED(status)


__all__ = ["survives"]
