"""Helpers for tests that run `kgtool serve` as a real process on 127.0.0.1 (imported by
test_serve.py and test_store.py; not a pytest plugin, so it adds no fixtures to other modules).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class ServerProcess:
    """A `kgtool serve --port 0` subprocess; `url` is its /sparql endpoint."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
        full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        full.pop("KGTOOL_STORE", None) if "KGTOOL_STORE" not in (env or {}) else None
        self.proc = subprocess.Popen([sys.executable, "-m", "kgtool", "serve", "--port", "0",
                                      *args], cwd=cwd, env=full, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.stderr_lines: list[str] = []
        deadline = time.monotonic() + 60
        port = None
        assert self.proc.stderr is not None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.stderr_lines.append(line)
            m = re.search(r"serving http://[^:]+:(\d+)/sparql", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            self.stop()
            raise RuntimeError("kgtool serve did not start: " + "".join(self.stderr_lines))
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.url = self.base + "/sparql"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def http(method: str, url: str, body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, Any, bytes]:
    """(status, headers, body) without raising on 4xx/5xx."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get_query(url: str, query: str, accept: str | None = None, **params: str) -> tuple[int, Any, bytes]:
    qs = urllib.parse.urlencode({"query": query, **params})
    return http("GET", f"{url}?{qs}", headers={"Accept": accept} if accept else {})


def tree_rss_kib(pid: int) -> int:
    """RSS of a process and its children (the query workers), in KiB, from /proc."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total
