"""The error tree shared by every kgtool module, and the exit codes the CLI maps it to.

Library code raises these; only the CLI turns them into `error: SOURCE:LINE:COL: message` on
stderr and an exit code. Keeping the codes here (and nowhere else) is what lets a CI script rely
on them:

    0 ok / conforms        1 violations           2 usage error
    3 unreadable/invalid input, or unwritable output   4 refused by policy    5 timeout
    6 remote/network       70 internal error
"""
from __future__ import annotations

OK = 0
VIOLATIONS = 1
USAGE = 2
INPUT = 3
POLICY = 4
TIMEOUT = 5
REMOTE = 6
INTERNAL = 70


class KgtoolError(Exception):
    """Base class: a user-facing error with a location and an exit code."""

    exit_code = INTERNAL

    def __init__(self, message: str, *, source: str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column

    def location(self) -> str:
        """`SOURCE:LINE:COL` with the unknown parts left out (empty when nothing is known)."""
        parts = [p for p in (self.source, self.line, self.column) if p is not None]
        if self.source is None and parts:
            parts.insert(0, "<input>")
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        loc = self.location()
        return printable(f"{loc}: {self.message}" if loc else self.message)


# C0 controls but newline, DEL and C1 controls: a file name or query quoted in an error must not
# ring the bell, retitle the terminal (ESC ] ... BEL) or hide text behind a NUL.
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
            if c != 0x0A}


def printable(text: str) -> str:
    """`text` with control characters (all but newline) written as `\\xNN` escapes."""
    return text.translate(_CONTROL)


class UsageError(KgtoolError):
    """The command was called wrongly (bad option value, missing output path...)."""

    exit_code = USAGE


class InputError(KgtoolError):
    """A file or text could not be read or parsed (RDF, SPARQL, a quote not in the seed...)."""

    exit_code = INPUT


class ValidationFailed(KgtoolError):
    """SHACL found violations (or warnings under --strict)."""

    exit_code = VIOLATIONS


class PolicyError(KgtoolError):
    """Refused by a safety policy: SERVICE, LOAD, FROM, updates, network or file access."""

    exit_code = POLICY


class QueryTimeout(KgtoolError):
    """A query or validation exceeded its time limit and was stopped."""

    exit_code = TIMEOUT


class OutputError(KgtoolError):
    """The output could not be written (disk full, a read-only target...). Exit 3: the command's
    own data was fine, the place it was asked to write to was not."""

    exit_code = INPUT


class RemoteError(KgtoolError):
    """A remote endpoint or the network failed."""

    exit_code = REMOTE
