"""`kgtool serve` against hostile clients (#14.1, #14.5, #14.6): one request never kills the
server, slow or idle sockets do not lock real clients out, smuggling and rebinding are refused."""
from __future__ import annotations

import socket
import time
import urllib.parse
from pathlib import Path
from typing import Iterator

import pytest

from conftest_server import ServerProcess, get_query, http

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    srv = ServerProcess(["--data", str(ROOT / "graph" / "songjiang.ttl"), "--workers", "1",
                         "--client-timeout", "2", "--quiet", "--no-pages",
                         "--allowed-host", "proxy.example"])
    yield srv
    srv.stop()


def raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
    return b"".join(chunks)


def post(port: int, body: bytes, extra: str = "", host: str = "localhost") -> bytes:
    head = (f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
            f"Connection: close\r\n{extra}")
    if "Content-Length" not in extra:
        head += f"Content-Length: {len(body)}\r\n"
    return raw(port, head.encode() + b"\r\n" + body)


def alive(server: ServerProcess) -> bool:
    return server.alive() and get_query(server.url, "ASK { ?s ?p ?o }")[0] == 200


def test_deep_nesting_is_400_and_the_server_stays_up(server: ServerProcess) -> None:
    for opener, closer in (("(", ")"), ("{", "}")):
        text = "SELECT * WHERE { FILTER(" + opener * 5000 + "1" + closer * 5000 + ") }"
        answer = post(server.port, text.encode())
        assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]
        assert b"nesting deeper than 64" in answer and b"<query>:1:" in answer
    assert alive(server)


def test_query_that_crashes_the_engine_costs_no_server(server: ServerProcess) -> None:
    answer = post(server.port, ("SELECT * WHERE { " + " MINUS {}" * 5000 + " }").encode())
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]
    assert b"the query engine crashes on this query" in answer
    assert alive(server)


@pytest.mark.parametrize("extra", [
    "Content-Length: 5\r\nContent-Length: 6\r\n",
    "Content-Length: 5\r\nContent-Length: 5\r\n",
    "Content-Length: 5, 5\r\n",
    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
])
def test_ambiguous_body_length_is_refused(server: ServerProcess, extra: str) -> None:
    answer = post(server.port, b"ASK{}", extra)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]


@pytest.mark.parametrize("host,status", [
    ("evil.example", 421), ("evil.example:{port}", 421), ("127.0.0.1.evil.example", 421),
    ("localhost:{port}", 200), ("127.0.0.1:{port}", 200), ("[::1]:{port}", 200),
    ("proxy.example", 200), ("PROXY.example:{port}", 200), ("localhost:1", 421)])
def test_host_header_must_name_this_server(server: ServerProcess, host: str, status: int) -> None:
    qs = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    answer = raw(server.port, (f"GET /sparql?{qs} HTTP/1.1\r\nHost: {host.format(port=server.port)}"
                               "\r\nConnection: close\r\n\r\n").encode())
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:300]


def test_missing_host_in_http11_is_400(server: ServerProcess) -> None:
    answer = raw(server.port, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]


def real_client_served(server: ServerProcess, tries: int = 3) -> list[int]:
    statuses = []
    for _ in range(tries):
        t0 = time.monotonic()
        status = http("GET", server.url + "?" + urllib.parse.urlencode(
            {"query": "ASK { ?s ?p ?o }"}), timeout=5)[0]
        statuses.append(status)
        assert time.monotonic() - t0 < 3
    return statuses


def test_trickling_and_idle_sockets_do_not_lock_out_real_clients(server: ServerProcess) -> None:
    socks: list[socket.socket] = []
    try:
        for _ in range(64):  # one header byte at a time
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            s.sendall(b"G")
            socks.append(s)
        for _ in range(200):  # idle: connect and say nothing
            try:
                socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            except OSError:
                pass
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:  # keep trickling while real clients ask
            for s in socks[:64]:
                try:
                    s.send(b"E")
                except OSError:
                    pass
            assert real_client_served(server, 1) == [200]
            time.sleep(0.5)
        assert real_client_served(server) == [200, 200, 200]
    finally:
        for s in socks:
            s.close()
    assert alive(server)


def test_whole_request_deadline_applies_to_a_trickle(server: ServerProcess) -> None:
    """A byte every 0.5 s never trips a per-read timeout; the 2 s request deadline cuts it."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    t0 = time.monotonic()
    closed = False
    try:
        for ch in b"GET /sparql?query=ASK HTTP/1.1\r\n":
            try:
                s.send(bytes([ch]))
                s.settimeout(0.5)
                s.recv(1)  # an answer (400/408) or the end of the connection
                closed = True
                break
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
    finally:
        s.close()
    assert closed and time.monotonic() - t0 < 4
