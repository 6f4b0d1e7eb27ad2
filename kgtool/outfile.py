"""The one way kgtool opens an output file (`-o FILE`, `atomic_write`): atomic, and never harmful.

Why: the temp-file-and-rename write that keeps a regular file whole also *replaces* whatever
the name pointed at. As root, `export -o` turned a device node (a copy of /dev/full or
/dev/null) into a regular file, exit 0. So, by what the target is:

* a regular file, or nothing yet: temp file beside it, fsync, rename -- readers see the old
  file or the complete new one;
* a character device or a FIFO (`/dev/stdout`, `/dev/null`, a named pipe): written through,
  in place; a full device is an OutputError (exit 3) naming it;
* anything else (a directory, a socket, a block device): refused, nothing written;
* the same file as one the command reads (`protect`: the built graph, its inputs): refused, so
  `export --data a.ttl -o a.ttl` cannot truncate its own input.

Standard library only.
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kgtool.errors import InputError, OutputError, UsageError

WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})


def write_failed(exc: OSError, target: str) -> OutputError:
    return OutputError(f"cannot write: {exc.strerror or exc}", source=target)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


@contextmanager
def open_output(path: str | os.PathLike[str],
                protect: Iterable[str | os.PathLike[str]] = ()) -> Iterator[Callable[[bytes], object]]:
    """A `write(bytes)` function for `path`, committed when the block ends without error."""
    target = Path(path)
    name = str(path)
    for other in protect:
        if _same_file(target, Path(other)):
            raise UsageError(f"refusing to overwrite {other}: the command reads it", source=name)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", source=name) from None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        try:
            with open(target, "wb") as handle:
                yield handle.write
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            raise write_failed(exc, name) from None
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError("refusing to replace something that is not a regular file "
                         f"({'a directory' if stat.S_ISDIR(mode) else 'a special file'})",
                         source=name)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError("directory does not exist", source=str(directory))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise write_failed(exc, name) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle.write
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(mode) if mode is not None else 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        _unlink(tmp)
        raise write_failed(exc, name) from None
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_bytes(path: str | os.PathLike[str], data: bytes,
                protect: Iterable[str | os.PathLike[str]] = ()) -> None:
    """`data` into `path` the `open_output` way."""
    with open_output(path, protect) as write:
        write(data)


__all__ = ["WRITE_ERRNOS", "open_output", "write_bytes", "write_failed"]
