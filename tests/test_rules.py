"""Architecture rules that must stay true, checked on the code itself (issue #9 point 6).

* only the CLI modules (kgtool/cli.py, kgtool/cli_*.py) import click;
* nothing imports the CLI (except `python -m kgtool`);
* `kgtool query` loads neither rdflib nor pySHACL, nor the build;
* `kgtool serve` can never import the build (checked on every import statement it can reach);
* read commands never build or write: on a stale graph, query, stats, describe, export, serve
  and push leave every file of the checkout as it was, and warn once, naming `kgtool build`.
"""
from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_kgtool
from conftest_server import ServerProcess

PACKAGE = ROOT / "kgtool"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module an import statement in `path` names (top level or inside functions; not
    the ones under `if TYPE_CHECKING:`, which never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: set[str] = set()
    for node in list(ast.walk(tree)):   # `if TYPE_CHECKING:` bodies never run: leave them out
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)  # `from kgtool import x`
    return out


IMPORTS = {_module_name(p): _imports(p) for p in MODULES}


def _is_cli(module: str) -> bool:
    leaf = module.rsplit(".", 1)[-1]
    return module.count(".") == 1 and (leaf == "cli" or leaf.startswith("cli_"))


def test_the_scan_sees_the_package() -> None:
    assert len(IMPORTS) > 30 and "kgtool.api" in IMPORTS and "kgtool.cli_query" in IMPORTS


def test_only_cli_modules_import_click() -> None:
    offenders = sorted(m for m, imps in IMPORTS.items()
                       if any(i == "click" or i.startswith("click.") for i in imps) and not _is_cli(m))
    assert offenders == [], f"click imported outside the CLI modules: {offenders}"


def test_nothing_imports_the_cli() -> None:
    offenders = sorted(f"{m} -> {i}" for m, imps in IMPORTS.items() for i in imps
                       if _is_cli(i) and not _is_cli(m) and m != "kgtool.__main__")
    assert offenders == [], f"library modules import the CLI: {offenders}"


def _reachable(start: str) -> dict[str, str]:
    """Modules of kgtool reachable from `start` through any import statement: name -> via."""
    seen = {start: start}
    todo = [start]
    while todo:
        mod = todo.pop()
        for imp in IMPORTS.get(mod, ()):
            target = imp if imp in IMPORTS else imp.rpartition(".")[0]
            if target in IMPORTS and target not in seen:
                seen[target] = mod
                todo.append(target)
    return seen


def test_serve_never_imports_build() -> None:
    reach = _reachable("kgtool.serve")
    assert "kgtool.query" in reach  # the scan follows imports
    for forbidden in ("kgtool.build", "kgtool.validate", "kgtool.api"):
        if forbidden in reach:
            chain, cur = [forbidden], forbidden
            while reach[cur] != cur:
                cur = reach[cur]
                chain.append(cur)
            pytest.fail(f"kgtool serve can import {forbidden}: " + " <- ".join(chain))


PROBE = """
import atexit, sys
def report():
    heavy = [m for m in ("rdflib", "pyshacl", "kgtool.build", "kgtool.validate") if m in sys.modules]
    sys.stderr.write("LOADED:" + ",".join(heavy) + "\\n")
atexit.register(report)
from kgtool.cli import main
sys.argv = ["kgtool", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("args", [["query", "cq01"], ["query", "ASK { ?s a kg:District }"],
                                  ["query", "cq01", "--timeout", "30", "--format", "json"]])
def test_query_loads_neither_rdflib_nor_pyshacl(args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("KGTOOL_STORE", None)
    r = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    loaded = [line for line in r.stderr.splitlines() if line.startswith("LOADED:")]
    assert loaded == ["LOADED:"], r.stderr


# ------------------------------------------------------------------------ read commands

def _snapshot(root: Path) -> dict[str, tuple[int, str]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def stale_copy(project_copy):  # noqa: ANN001 - conftest fixture
    from kgtool import staleness

    root = project_copy.root
    facts = sorted((root / "graph" / "facts").glob("*.ttl"))
    with open(facts[0], "a", encoding="utf-8") as handle:
        handle.write("\n# an edit made after the last build\n")
    assert staleness.is_stale(project_copy)
    return root


READS = [
    ["query", "cq01"],
    ["query", "SELECT * WHERE { ?s a kg:District }", "--format", "json"],
    ["stats"],
    ["describe", "松江区"],
    ["export"],
    ["export", "--what", "all", "--format", "nq"],
    ["push", "--endpoint", "http://127.0.0.1:9/sparql", "--timeout", "2"],
]


def test_read_commands_never_build_or_write_on_a_stale_graph(stale_copy: Path) -> None:
    before = _snapshot(stale_copy)
    for args in READS:
        r = run_kgtool([*args, "--project", str(stale_copy)], cwd=stale_copy)
        assert r.returncode in (0, 6), (args, r.stderr)   # push: nothing listens on port 9
        warnings = [line for line in r.stderr.splitlines() if "older than its sources" in line]
        assert len(warnings) == 1 and "run `kgtool build`" in warnings[0], (args, r.stderr)
        assert _snapshot(stale_copy) == before, f"kgtool {' '.join(args)} changed the checkout"
    srv = ServerProcess(["--project", str(stale_copy), "--quiet"], cwd=stale_copy)
    try:
        assert any("run `kgtool build`" in line for line in srv.stderr_lines)
    finally:
        srv.stop()
    assert _snapshot(stale_copy) == before, "kgtool serve changed the checkout"


def test_serve_default_port_clashes_with_no_common_store() -> None:
    from kgtool.cli_store import serve_cmd
    from kgtool.serve import ServeConfig

    port = next(p.default for p in serve_cmd.params if p.name == "port")
    assert ServeConfig().port == port, "the CLI and the library disagree on serve's default port"
    stores = {8890: "Virtuoso", 3030: "Fuseki", 7200: "GraphDB", 7878: "Oxigraph",
              9999: "Blazegraph", 5820: "Stardog", 8080: "Tomcat-hosted stores", 10035: "AllegroGraph"}
    assert port not in stores and 1024 < port < 49152, f"serve defaults to {stores.get(port, port)}'s port"
    assert f"127.0.0.1:{port}/sparql" in (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
