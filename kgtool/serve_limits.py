"""Connection and request limits of `kgtool serve`: slow clients, per-client caps, HTTP hygiene.

Why a module of its own: these are the server's defences, and they have to be read together.

* **Whole-request deadline.** A socket timeout applies per read, so a client trickling one byte
  every few seconds never times out. Each connection gets a deadline when a request starts (the
  idle wait before it counts): a reaper thread shuts down sockets still *reading a request* past
  it, which ends the handler's blocked read. Time spent running a query is not reading.
* **Eviction, not lock-out.** When all connection slots (or a client's own share) are taken, the
  connection that has been reading its request the longest is shut down to make room, so 200
  idle sockets or 64 trickling ones cost each other their slots, not real clients theirs; only
  when every slot is busy running a query is a newcomer answered 503.
* **HTTP hygiene.** Duplicate or conflicting Content-Length, and Content-Length together with
  Transfer-Encoding, are refused (request smuggling behind a proxy); a Host header naming
  anything but this server is refused (DNS rebinding from a browser against the loopback port).
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Any, Iterable

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")


class _Conn:
    __slots__ = ("sock", "ip", "opened", "deadline", "late")

    def __init__(self, sock: Any, ip: str, deadline: float) -> None:
        self.sock, self.ip, self.opened, self.deadline = sock, ip, time.monotonic(), deadline
        self.late = False


class ConnectionGuard:
    """The live connections, their request deadlines and the per-client caps."""

    def __init__(self, *, max_connections: int, max_per_client: int, request_timeout: float) -> None:
        self.max_connections, self.max_per_client = max_connections, max_per_client
        self.request_timeout = request_timeout
        self.lock = threading.Lock()
        self.conns: dict[int, _Conn] = {}
        self.stopped = threading.Event()
        self.reaper = threading.Thread(target=self._reap, name="kgtool-reaper", daemon=True)
        self.reaper.start()

    def admit(self, sock: Any, ip: str) -> bool:
        """Register a new connection, evicting a slow reader if full; False: answer 503."""
        with self.lock:
            mine = [c for c in self.conns.values() if c.ip == ip]
            for pool, cap in ((mine, self.max_per_client), (list(self.conns.values()),
                                                             self.max_connections)):
                if len(pool) >= cap and not self._evict_oldest_reader(pool):
                    return False
            self.conns[id(sock)] = _Conn(sock, ip, time.monotonic() + self.request_timeout)
        return True

    def _evict_oldest_reader(self, pool: Iterable[_Conn]) -> bool:
        readers = [c for c in pool if c.deadline > 0]
        if not readers:
            return False
        oldest = min(readers, key=lambda c: c.opened)
        self._shut(oldest)
        del self.conns[id(oldest.sock)]
        return True

    def reading(self, sock: Any) -> None:
        """A (next) request starts: its whole reading must finish within request_timeout."""
        with self.lock:
            conn = self.conns.get(id(sock))
            if conn is not None:
                conn.deadline, conn.opened = time.monotonic() + self.request_timeout, time.monotonic()

    def working(self, sock: Any) -> None:
        """The request has been read; the query may take its own time (its own timeout)."""
        with self.lock:
            conn = self.conns.get(id(sock))
            if conn is not None:
                conn.deadline = 0.0

    def timed_out(self, sock: Any) -> bool:
        """True when the reaper cut this connection's request short (answer 408)."""
        with self.lock:
            conn = self.conns.get(id(sock))
            return conn is not None and conn.late

    def release(self, sock: Any) -> None:
        with self.lock:
            self.conns.pop(id(sock), None)

    def close(self) -> None:
        self.stopped.set()

    @staticmethod
    def _shut(conn: _Conn, how: int = socket.SHUT_RDWR) -> None:
        try:
            conn.sock.shutdown(how)  # the handler's blocked read returns at once
        except OSError:
            pass

    def _reap(self) -> None:
        while not self.stopped.wait(0.25):
            now = time.monotonic()
            with self.lock:
                late = [c for c in self.conns.values() if 0 < c.deadline < now]
                for c in late:
                    c.deadline, c.late = 0.0, True
            for c in late:
                self._shut(c, socket.SHUT_RD)  # reading ends; a 408 can still be written


def allowed_hosts(bound: str, port: int, extra: Iterable[str]) -> set[str]:
    """Host header values accepted: the bound host, loopback names and `extra`, each bare or
    with this server's port, lower-cased."""
    names = {bound.lower(), *LOOPBACK_NAMES, *(h.lower() for h in extra)}
    if ":" in bound and not bound.startswith("["):
        names.add(f"[{bound.lower()}]")
    out = set()
    for name in names:
        out.add(name)
        if not (":" in name and not name.startswith("[")):
            out.add(f"{name}:{port}")
    return out


def header_problem(headers: Any, allowed: set[str], version: str) -> tuple[int, str] | None:
    """(status, message) when the request headers must be refused, else None."""
    hosts = headers.get_all("Host") or []
    if len(hosts) > 1:
        return 400, "more than one Host header"
    if not hosts and version >= "HTTP/1.1":
        return 400, "an HTTP/1.1 request needs a Host header"
    if hosts and hosts[0].strip().lower() not in allowed:
        return 421, (f"unknown Host {hosts[0].strip()[:100]!r}: this server answers only to its "
                     "own names (serve --allowed-host NAME adds one)")
    lengths = headers.get_all("Content-Length") or []
    if len(lengths) > 1:
        return 400, "more than one Content-Length header"
    if lengths and headers.get_all("Transfer-Encoding"):
        return 400, "Content-Length together with Transfer-Encoding is refused"
    if lengths and not lengths[0].strip().isdigit():
        return 400, "bad Content-Length"
    return None


__all__ = ["ConnectionGuard", "allowed_hosts", "header_problem"]


def linger(sock: socket.socket, seconds: float = 2.0, limit: int = 64 << 20) -> None:
    """After answering a request whose body we did not read (413), read and drop what the
    client is still sending, for at most `seconds` and `limit` bytes, before the socket closes.

    Why: closing a socket with unread bytes makes the kernel answer with a reset, and a client
    still sending its body (urllib, curl) then sees "broken pipe" instead of our 413. Our side
    is shut for writing first, so the client has the whole answer; the bound keeps a client
    from holding the thread."""
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline, got = time.monotonic() + seconds, 0
        while got < limit:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            got += len(chunk)
    except OSError:
        pass
