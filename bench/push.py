"""Push benchmark for issue 12.3: `kgtool push --store` of a national-size graph (2.5M triples).

    python bench/push.py                      # 2,500,000 triples
    python bench/push.py --triples 500000 --chunk 20000

What it measures: the client side of a push, end to end as a process (wall, CPU, peak RSS via
os.wait4), against a small counting endpoint in this script (Fuseki URL layout on 127.0.0.1) that
parses nothing: GSP POSTs add their line count to the graph, MOVE renames the count, COUNT
queries answer it. So the figures are kgtool's own cost (read the store, build N-Triples, send
bounded requests, verify) without a real store's load time, and the server also records the
largest request body (the bound the chunks promise). Everything is written to a temp dir removed
at the end: the data (bench/gen.py) and the store (`kgtool load`).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from link_scale import CLI, ENV, PY, run  # noqa: E402  (the same whole-process timer)

ENV.pop("KGTOOL_STORE", None)
MOVE = re.compile(r"MOVE SILENT GRAPH <([^>]+)> TO <([^>]+)>")
COUNT = re.compile(r"GRAPH <([^>]+)>")


class Counter:
    def __init__(self) -> None:
        self.graphs: dict[str, int] = {}
        self.requests = 0
        self.largest = 0
        self.lock = threading.Lock()


def handler(c: Counter) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(parts.query)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with c.lock:
                c.requests += 1
                c.largest = max(c.largest, len(body))
                if parts.path == "/ds/data" and self.command == "POST":
                    g = params["graph"][0]
                    c.graphs[g] = c.graphs.get(g, 0) + body.count(b"\n")
                    return self._send(200)
                if parts.path == "/ds/update":
                    text = body.decode("utf-8")
                    m = MOVE.search(text)
                    if m:
                        c.graphs[m.group(2)] = c.graphs.pop(m.group(1), 0)
                    elif text.startswith("DROP SILENT GRAPH"):
                        c.graphs.pop(COUNT.search(text).group(1), None)
                    return self._send(204)
                if parts.path == "/ds/sparql":
                    q = params.get("query", [""])[0] or urllib.parse.parse_qs(
                        body.decode()).get("query", [""])[0]
                    g = COUNT.search(q).group(1)
                    n = c.graphs.get(g, 0)
                    xml = ('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-'
                           'results#"><head><variable name="n"/></head><results><result><binding '
                           'name="n"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">'
                           f'{n}</literal></binding></result></results></sparql>')
                    return self._send(200, xml.encode(), "application/sparql-results+xml")
            return self._send(404)

        do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 - http.server names

    return H


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=2_500_000)
    ap.add_argument("--chunk", type=int, default=50_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kgtool-bench-push-"))
    counter = Counter()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler(counter))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        data, store = tmp / "big.ttl", tmp / "store"
        subprocess.run([PY, str(ROOT / "bench" / "gen.py"), "--triples", str(args.triples),
                        "--out", str(data)], check=True, env=ENV, cwd=ROOT)
        t0 = time.perf_counter()
        run([*CLI, "load", "--store", str(store), str(data)], tmp / "load.log")
        print(f"loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        url = f"http://127.0.0.1:{srv.server_port}/ds"
        wall, cpu, peak = run([*CLI, "push", "--endpoint", url, "--vendor", "fuseki", "--store",
                               str(store), "--chunk", str(args.chunk)], tmp / "push.log")
        out = (tmp / "push.log").read_text(encoding="utf-8")
        sent = sum(int(m) for m in re.findall(r": (\d+) triples by", out))
        print(out.strip())
        print("\n| triples pushed | graphs | requests | largest request | wall | CPU | "
              "peak RSS (client) | load average |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {sent:,} | {out.count('pushed <')} | {counter.requests} | "
              f"{counter.largest / 2**20:.1f} MiB | {wall:.1f} s | {cpu:.1f} s | "
              f"{peak / 1024:.0f} MiB | {os.getloadavg()[0]:.2f} |")
    finally:
        srv.shutdown()
        srv.server_close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
