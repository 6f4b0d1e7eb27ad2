"""`kgtool dump DIR`: the dataset in the form big triple stores load natively (issue 12.4).

Why this shape: Virtuoso's bulk loader (`ld_dir` + `rdf_loader_run`) and QLever's index builder
both read gzipped N-Quads fastest, in parallel, one file per worker; they cannot load blank
nodes consistently across files, and a person handing data over needs to check it arrived whole.
So a dump is:

- `<graph>.<n>.nq.gz`: N-Quads, every triple in the named graph of its source (the store's own
  graphs, or for a project the graphs `kgtool export --format nq` uses), at most `part_size`
  triples per file; blank nodes replaced by stable `…/.well-known/genid/` IRIs (from canonical
  labels, so the same content gives the same IRIs);
- `manifest.json`: per file its graph, triple count, byte size and SHA-256; per graph its count;
- `virtuoso-load.sql` (for `isql-vt`) and `Qleverfile` (for `qlever index`): the load recipes.

Output is deterministic: gzip with mtime 0 and no file name, engine order (a store) or sorted
lines (a project), no timestamps in the manifest. Files are written under temporary names and
renamed at the end, so an interrupted dump never looks complete.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kgtool.errors import InputError, UsageError

GENID = "https://w3id.org/kgtool/.well-known/genid/"
GRAPH_BASE = "https://w3id.org/kgtool/graph/"
PART_SIZE = 1_000_000
MANIFEST = "manifest.json"


def graph_key(iri: str) -> str:
    """A file-name stem for a graph: the path under …/graph/ (`facts`, `dataset-gbt4754`),
    else `g-` + a hash of the IRI."""
    if iri.startswith(GRAPH_BASE) and re.fullmatch(r"[A-Za-z0-9_/-]+", iri[len(GRAPH_BASE):]):
        return iri[len(GRAPH_BASE):].strip("/").replace("/", "-")
    return "g-" + hashlib.sha256(iri.encode("utf-8")).hexdigest()[:16]


class _Part:
    """One gzip file being written: counts lines and hashes the compressed bytes."""

    def __init__(self, directory: Path, name: str) -> None:
        self.name, self.path = name, directory / name
        self.tmp = directory / f".{name}.tmp"
        self.raw = open(self.tmp, "wb")
        self.sha = hashlib.sha256()
        self.size = 0
        self.triples = 0
        outer = self

        class _Hashing:
            def write(self, b: bytes) -> int:
                outer.sha.update(b)
                outer.size += len(b)
                return outer.raw.write(b)

            def flush(self) -> None:
                outer.raw.flush()

        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=_Hashing(),
                                compresslevel=6, mtime=0)

    def write(self, data: bytes, lines: int) -> None:
        self.gz.write(data)
        self.triples += lines

    def close(self) -> None:
        self.gz.close()
        self.raw.close()


class _GraphWriter:
    """N-Quads lines of one graph into parts of at most `part_size` triples."""

    def __init__(self, directory: Path, iri: str, part_size: int, files: list[_Part]) -> None:
        self.directory, self.iri, self.part_size, self.files = directory, iri, part_size, files
        self.suffix = f" <{iri}> .\n".encode("utf-8")
        self.key = graph_key(iri)
        self.part: _Part | None = None

    def _next(self) -> _Part:
        if self.part is not None:
            self.part.close()
        n = sum(1 for f in self.files if f.name.startswith(self.key + ".")) + 1
        self.part = _Part(self.directory, f"{self.key}.{n:04d}.nq.gz")
        self.files.append(self.part)
        return self.part

    def triples(self, data: bytes) -> None:
        """A chunk of complete N-Triples lines (` .\\n` ends each, never inside a literal)."""
        data = data.replace(b" .\n", self.suffix)
        while data:
            part = self.part if self.part is not None and self.part.triples < self.part_size \
                else self._next()
            room = self.part_size - part.triples
            n = data.count(b"\n")
            if n <= room:
                part.write(data, n)
                return
            cut = -1
            for _ in range(room):
                cut = data.index(b"\n", cut + 1)
            part.write(data[:cut + 1], room)
            data = data[cut + 1:]

    def close(self) -> None:
        if self.part is not None:
            self.part.close()
            self.part = None


def _skolem(lines: Sequence[str]) -> list[str]:
    """Blank-node lines with canonical labels turned into genid IRIs, sorted."""
    from kgtool import ntstream  # noqa: PLC0415

    ts = [ntstream.split_triple(line) for line in lines]
    labels = {b: f"<{GENID}{lbl[2:]}>" for b, lbl in ntstream.canonical_labels(ts).items()}
    return sorted({f"{labels.get(s, s)} {p} {labels.get(o, o)} .\n" for s, p, o in ts})


def dump(directory: str | os.PathLike[str], *, store_dir: str | os.PathLike[str] | None = None,
         project: Any = None, data: Sequence[str] = (), part_size: int = PART_SIZE,
         default_graph: str | None = None,
         on_graph: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Write a dump of a store (`store_dir`) or of the project's dataset (data, ontology and
    shapes, or `data` files as the data) into `directory`; return the manifest. The store's
    default graph, if it holds triples, needs a name (`default_graph`)."""
    if part_size < 1:
        raise UsageError("--part-size must be at least 1", source="--part-size")
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise UsageError("not a directory", source=str(out))
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    stale = sorted(p.name for p in out.iterdir() if p.name.endswith(".nq.gz"))
    if stale:
        raise UsageError(f"{out} already holds a dump ({stale[0]} …); choose an empty directory",
                         source=str(out))
    files: list[_Part] = []
    graphs: dict[str, int] = {}
    try:
        if store_dir is not None:
            _from_store(Path(store_dir), out, part_size, default_graph, files, graphs, on_graph)
        else:
            _from_project(project, data, out, part_size, files, graphs, on_graph)
        manifest = {
            "generator": "kgtool dump",
            "format": "application/n-quads",
            "compression": "gzip",
            "blank_nodes": f"none: replaced by IRIs under {GENID}",
            "triples": sum(graphs.values()),
            "graphs": {g: {"triples": n, "files": [f.name for f in files
                                                   if f.name.startswith(graph_key(g) + ".")]}
                       for g, n in sorted(graphs.items())},
            "files": [{"path": f.name, "graph": g, "triples": f.triples, "bytes": f.size,
                       "sha256": f.sha.hexdigest()}
                      for g in sorted(graphs) for f in files if f.name.startswith(graph_key(g) + ".")],
        }
        recipes = {MANIFEST: json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                   "virtuoso-load.sql": virtuoso_recipe(out.resolve(), manifest),
                   "Qleverfile": qleverfile(manifest)}
        for name, text in recipes.items():
            (out / f".{name}.tmp").write_text(text, encoding="utf-8")
        for f in files:
            os.replace(f.tmp, f.path)
        for name in recipes:
            os.replace(out / f".{name}.tmp", out / name)
    except BaseException:
        for f in files:
            try:
                f.close()
            except Exception:  # noqa: BLE001 - cleaning up after the real error
                pass
        for p in out.glob(".*.tmp"):
            p.unlink(missing_ok=True)
        if created and not any(out.iterdir()):
            out.rmdir()   # a failed dump leaves no trace of the folder it made
        raise
    return manifest


def _from_store(store_dir: Path, out: Path, part_size: int, default_graph: str | None,
                files: list[_Part], graphs: dict[str, int],
                on_graph: Callable[[str], None] | None) -> None:
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool import ntstream  # noqa: PLC0415
    from kgtool import store as kstore  # noqa: PLC0415

    st = kstore.open_store(store_dir, read_only=True)
    restore = ntstream.tag_restorer(kstore.read_meta(store_dir).get("langtags", {}))
    names: list[Any] = sorted(st.named_graphs(), key=lambda g: str(g.value))
    if next(iter(st.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        if not default_graph:
            raise UsageError("the store's default graph holds triples: name its graph in the dump "
                             "with --graph IRI", source="--graph")
        if any(g.value == default_graph for g in names):
            raise UsageError(f"--graph <{default_graph}> is already a graph of the store",
                             source="--graph")
        names.insert(0, ox.DefaultGraph())
    for g in names:
        iri = default_graph if isinstance(g, ox.DefaultGraph) else g.value
        assert iri is not None
        if on_graph:
            on_graph(iri)
        w = _GraphWriter(out, iri, part_size, files)
        lines = ntstream.dump_graph(st, g, w.triples, restore)
        if lines:
            # Blank-node lines of this graph: skolemized with labels from the graph's own lines
            # (a node shared by two graphs gets the same IRI: its content is the same).
            w.triples("".join(_skolem(lines)).encode("utf-8"))
        w.close()
        graphs[iri] = sum(f.triples for f in files if f.name.startswith(w.key + "."))


def _from_project(project: Any, data: Sequence[str], out: Path, part_size: int,
                  files: list[_Part], graphs: dict[str, int],
                  on_graph: Callable[[str], None] | None) -> None:
    import kgtool.export as ex  # noqa: PLC0415 - not `from kgtool import export`: that is the API function

    if project is None:
        raise InputError("no project: run inside a kgtool checkout or pass --store")
    for part in sorted(ex.collect(project, "all", data), key=lambda p: p.iri):
        if on_graph:
            on_graph(part.iri)
        lines = sorted(set(ex._nt_lines(part.graph)))
        plain = [line for line in lines if "_:" not in line.split('"', 1)[0]]
        blank = [line.rstrip("\n") for line in lines if "_:" in line.split('"', 1)[0]]
        w = _GraphWriter(out, part.iri, part_size, files)
        body = "".join(plain) + "".join(_skolem(blank))
        if body:
            w.triples(body.encode("utf-8"))
        w.close()
        graphs[part.iri] = len(plain) + len(blank)


def virtuoso_recipe(directory: Path, manifest: dict[str, Any]) -> str:
    """An isql-vt script that bulk-loads the dump (the folder must be in DirsAllowed)."""
    clear = "\n".join(f"-- SPARQL CLEAR GRAPH <{g}>;" for g in manifest["graphs"])
    return f"""-- Load this kgtool dump with Virtuoso's bulk loader:
--   isql-vt 127.0.0.1:1111 dba PASSWORD virtuoso-load.sql
-- The folder must be listed in DirsAllowed of virtuoso.ini, and be readable by the server at
-- the path below (edit it if the dump was moved). Each quad goes to its own named graph.
-- To replace earlier loads of these graphs, uncomment:
{clear}
ld_dir('{directory}', '*.nq.gz', '{GRAPH_BASE}default');
rdf_loader_run();
checkpoint;
-- Every file should show ll_state 2 and no ll_error:
SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file LIKE '{directory}/%';
-- Expected: {manifest['triples']} triples in {len(manifest['graphs'])} graphs (manifest.json).
"""


def qleverfile(manifest: dict[str, Any]) -> str:
    """A Qleverfile for `qlever index` / `qlever start` in the dump's folder."""
    return f"""# Qleverfile for this kgtool dump: run `qlever index` then `qlever start` in this folder
# (https://github.com/ad-freiburg/qlever-control). {manifest['triples']} triples in
# {len(manifest['graphs'])} named graphs; see manifest.json for counts and checksums.
[data]
NAME = kgtool
DESCRIPTION = kgtool dump ({manifest['triples']} triples)
FORMAT = nq

[index]
INPUT_FILES = *.nq.gz
MULTI_INPUT_JSON = {{ "cmd": "zcat {{}}", "format": "nq", "parallel": "true", "for-each": "*.nq.gz" }}
SETTINGS_JSON = {{ "num-triples-per-batch": 1000000 }}

[server]
PORT = 7019
MEMORY_FOR_QUERIES = 2G
TIMEOUT = 60s

[runtime]
SYSTEM = docker
IMAGE = docker.io/adfreiburg/qlever:latest

[ui]
UI_CONFIG = default
"""


def verify(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Check a dump against its manifest (sizes, SHA-256, line counts); InputError if not."""
    d = Path(directory)
    try:
        manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"no readable manifest: {exc}", source=str(d / MANIFEST)) from None
    for f in manifest["files"]:
        p = d / f["path"]
        raw = p.read_bytes()
        if hashlib.sha256(raw).hexdigest() != f["sha256"] or len(raw) != f["bytes"]:
            raise InputError("checksum differs from the manifest", source=str(p))
        if gzip.decompress(raw).count(b"\n") != f["triples"]:
            raise InputError("triple count differs from the manifest", source=str(p))
    return manifest


__all__ = ["dump", "verify", "graph_key", "virtuoso_recipe", "qleverfile", "PART_SIZE"]
