"""Replace a store's contents all at once: load into a checkpoint in a child, then swap folders.

Why: pyoxigraph's bulk loader is native code that holds the GIL for the whole file, so Ctrl-C
waited for it (13.7 s measured), and `kgtool load` cleared a graph before re-loading it, so an
interrupted re-load lost the graph while the manifest still listed it. Copying a graph inside the
store to swap it is far too slow (a SPARQL `ADD` of 1.5M triples: minutes). So instead:

1. the store is checkpointed with `Store.backup` into `.NAME.loading` beside it (hard links:
   cheap, and the manifest file is copied with it);
2. a child process loads into the checkpoint and writes its manifest there; the parent only
   waits, so Ctrl-C (or SIGTERM) kills the child at once and removes the checkpoint;
3. when the child succeeds the folders are swapped (`NAME` -> `.NAME.old`, checkpoint ->
   `NAME`, then `.NAME.old` removed) with SIGINT/SIGTERM held off.

Data and manifest travel together, so they never disagree. Whatever kills the parent (kill -9)
leaves at most `.NAME.loading` / `.NAME.old`, which the next `load` cleans up (restoring
`.NAME.old` if the swap was cut between its two renames). A failed first load creates nothing.
"""
from __future__ import annotations

import os
import pickle
import select
import shutil
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from kgtool import errors
from kgtool.errors import InputError, KgtoolError


def _siblings(directory: Path) -> tuple[Path, Path]:
    return (directory.parent / f".{directory.name}.loading",
            directory.parent / f".{directory.name}.old")


def recover(directory: Path) -> None:
    """Clean what an interrupted load left: a checkpoint, or a swap cut half-way."""
    loading, old = _siblings(directory)
    if old.exists():
        if not (directory / "CURRENT").is_file():
            if directory.exists():
                shutil.rmtree(directory)
            os.replace(old, directory)
        else:
            shutil.rmtree(old, ignore_errors=True)
    if loading.exists():
        shutil.rmtree(loading, ignore_errors=True)


def _send(fd: int, obj: Any) -> None:
    data = pickle.dumps(obj)
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def child_main() -> None:
    """Entry point of the load process: unpickle (function path, args) from stdin, run it on
    the checkpoint, send framed ("bytes", n) progress and the ("ok"|"error", value) result."""
    import importlib  # noqa: PLC0415

    fd = os.dup(1)
    os.dup2(2, 1)  # stray prints must not corrupt the protocol stream
    target, func_path, args, want_progress = pickle.loads(sys.stdin.buffer.read())
    module, _, name = func_path.partition(":")
    func = getattr(importlib.import_module(module), name)
    relay = (lambda n: _send(fd, ("bytes", n))) if want_progress else None
    try:
        result: tuple[str, Any] = ("ok", func(Path(target), *args, relay))
    except KgtoolError as exc:
        result = ("error", (type(exc).__name__, exc.exit_code, exc.message, exc.source,
                            exc.line, exc.column))
    except BaseException as exc:  # noqa: BLE001 - reported by the parent as internal
        result = ("error", ("KgtoolError", errors.INTERNAL,
                            f"internal error: {type(exc).__name__}: {exc}", None, None, None))
    _send(fd, result)


def _rebuild(info: tuple[Any, ...]) -> KgtoolError:
    name, code, message, source, line, column = info
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, KgtoolError)) or cls.exit_code != code:
        exc = KgtoolError(message, source=source, line=line, column=column)
        exc.exit_code = code
        return exc
    return cls(message, source=source, line=line, column=column)


def _read_result(fd: int, proc: subprocess.Popen[bytes], on_bytes: Callable[[int], None] | None) -> Any:
    """Wait for the child's framed messages; interrupts reach us every 0.2 s."""
    buf = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 4:
            (n,) = struct.unpack(">I", buf[:4])
            if len(buf) < 4 + n:
                break
            kind, value = pickle.loads(buf[4:4 + n])
            buf = buf[4 + n:]
            if kind == "bytes":
                if on_bytes:
                    on_bytes(value)
            else:
                return kind, value
    status = proc.wait()
    raise KgtoolError(f"the load process died (status {status}); the store is unchanged")


def run(directory: str | os.PathLike[str], func_path: str, args: Sequence[Any],
        on_bytes: Callable[[int], None] | None = None) -> Any:
    """`func(path, *args, report)` (`func_path` "module:name") in a child process on a
    checkpoint of the store at `directory`, swapped in when it returns. `report(n)` (None
    without `on_bytes`) relays progress to the parent's `on_bytes`.
    KgtoolErrors raised by `work` are raised here with their exit code; the store is then
    unchanged."""
    from kgtool import store as kstore  # noqa: PLC0415

    directory = Path(directory)
    recover(directory)
    loading, old = _siblings(directory)
    if (directory / "CURRENT").is_file():
        st = kstore.open_store(directory)
        try:
            st.backup(str(loading))
        except OSError as exc:
            raise InputError(f"cannot checkpoint the store: {exc}", source=str(directory)) from None
        finally:
            del st
        meta = directory / kstore.META_NAME
        if meta.is_file():
            shutil.copy2(meta, loading / kstore.META_NAME)
    elif directory.exists() and any(directory.iterdir()):
        raise InputError("not a kgtool store (and not empty): refusing to load into it",
                         source=str(directory))
    # A fresh process, not a fork: RocksDB's background threads make forking after any store
    # was opened a deadlock risk.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c",
                             "from kgtool.atomic_load import child_main; child_main()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                            start_new_session=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(pickle.dumps((str(loading), func_path, tuple(args), on_bytes is not None)))
        proc.stdin.close()
        kind, value = _read_result(proc.stdout.fileno(), proc, on_bytes)
        proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        shutil.rmtree(loading, ignore_errors=True)
        raise
    finally:
        proc.stdout.close()
    if kind == "error":
        shutil.rmtree(loading, ignore_errors=True)
        raise _rebuild(value)
    _swap(directory, loading, old)
    return value


def _swap(directory: Path, loading: Path, old: Path) -> None:
    """Put the checkpoint in place of the store, with interrupts held until both renames ran."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        if directory.exists():
            os.replace(directory, old)
        os.replace(loading, directory)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["recover", "run"]
