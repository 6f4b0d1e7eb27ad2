"""docs/cli.md is generated from the live `--help`, and every command and option is documented.

Because the reference comes from the click group itself, commands added later (by anyone) are
covered: the test fails until they have help text with an example and the reference is
regenerated with `python scripts/gen_cli_docs.py`.
"""
from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import click
import pytest

from kgtool.cli import cli

from conftest import ROOT
from conftest_server import ServerProcess


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()
ROOT_CTX = GEN.context(cli, "kgtool", None)
COMMANDS = GEN.commands(cli, ROOT_CTX)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_cli_reference_is_up_to_date() -> None:
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == GEN.generate(), "docs/cli.md is out of date: run python scripts/gen_cli_docs.py"


def test_there_are_commands_to_document() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"kgtool build", "kgtool validate", "kgtool coverage"} <= names


@pytest.mark.parametrize("name, cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_and_option_is_documented(name: str, cmd: click.Command) -> None:
    sections = _sections((ROOT / "docs" / "cli.md").read_text(encoding="utf-8"))
    assert name in sections, f"{name} is missing from docs/cli.md"
    assert (cmd.help or "").strip(), f"{name} has no help text"
    assert "example" in (cmd.help or "").lower(), f"{name}'s help has no example"
    for param in cmd.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        if set(param.opts) & {"--help", "--version"}:
            continue
        assert (param.help or "").strip(), f"{name} {param.opts[0]} has no help text"
        for opt in param.opts:
            assert opt in sections[name], f"{name} {opt} is not in docs/cli.md"


# ------------------------------------------------------------------------ every example runs
#
# Every `kgtool ...` line of an `Examples:` block in --help, and of a sh/console block in
# README.md and docs/*.md, runs in a sandbox copy of the checkout (paths such as /data/kg,
# /tmp/..., ~/.cache/kgtool and the files the examples name are mapped into it). Servers get a
# free port; remote queries go to a `kgtool serve` of the sandbox; pushes go to a port where
# nothing listens and must fail as a network error (exit 6), which proves the command line is
# right. README's console blocks show real output: it must match (`...` stands for cut lines).

import os  # noqa: E402 - the examples section of this file
import shlex  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```(sh|bash|console|shell)\n(.*?)```", re.S)
SHARED = Path(os.environ.get("KGTOOL_SHARED", ROOT.parent / "shared")).resolve()


def _help_examples() -> list[tuple[str, str]]:
    out = []
    for name, cmd in COMMANDS:
        lines = (cmd.help or "").splitlines()
        inside = False
        pending = ""
        for raw in lines:
            s = raw.strip()
            if s.lower().startswith(("example:", "examples:")):
                inside = True
                continue
            if not inside or not s:
                continue
            s = pending + s
            if s.endswith("\\"):
                pending = s[:-1] + " "
                continue
            pending = ""
            if s.startswith(("kgtool ", "KGTOOL_", "curl ")):
                out.append((f"{name} --help", s))
    return out


def _doc_examples() -> list[tuple[str, str, list[str]]]:
    """(where, command, shown output lines) for every command line of the docs' shell blocks."""
    out = []
    for path in DOCS:
        for lang, block in FENCE.findall(path.read_text(encoding="utf-8")):
            lines = re.sub(r"\\\n\s*", " ", block).splitlines()   # join continuation lines
            for i, line in enumerate(lines):
                s = line.strip()
                if lang == "console":
                    if not s.startswith("$ "):
                        continue
                    s = s[2:]
                if s.startswith(SETUP):   # a walkthrough's own steps run too, in their place
                    out.append((path.relative_to(ROOT).as_posix(), s, []))
                    continue
                if not s.startswith(("kgtool ", "KGTOOL_")):
                    continue
                shown: list[str] = []
                if lang == "console":
                    for nxt in lines[i + 1:]:
                        if nxt.startswith("$ "):
                            break
                        shown.append(nxt)
                    while shown and not shown[-1].strip():
                        shown.pop()
                out.append((path.relative_to(ROOT).as_posix(), s, shown))
    return out


SETUP = ("mkdir ", "cp ", "mv ", "cat > ", "echo ")
HELP_EXAMPLES = _help_examples()
DOC_EXAMPLES = _doc_examples()


def test_examples_are_found() -> None:
    assert len(HELP_EXAMPLES) >= len(COMMANDS) and len(DOC_EXAMPLES) >= 10
    assert any("--param" in cmd for _, cmd in HELP_EXAMPLES)
    assert any(shown for _, _, shown in DOC_EXAMPLES)   # README's real output


class Sandbox:
    """A copy of the checkout where examples may write, with the files they name."""

    def __init__(self, base: Path) -> None:
        self.root = base / "kg"
        self.tmp = base / "tmp"
        self.cache = base / "cache"
        self.store = base / "store"
        ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", "kgtool", "bench",
                                        ".pytest_cache", "node_modules")
        shutil.copytree(ROOT, self.root, ignore=ignore, symlinks=True)
        self.tmp.mkdir()
        (self.root / "my.rq").write_text("SELECT ?s WHERE { ?s a kg:District }\n", encoding="utf-8")
        extra = '<https://w3id.org/kgtool/id/place/松江区> <http://www.w3.org/2000/01/rdf-schema#comment> "an extra fact" .\n'
        for name in ("extra.ttl", "a.ttl", "b.nt"):
            (self.root / name).write_text(extra, encoding="utf-8")
        facts = sorted((self.root / "graph" / "facts").glob("*.ttl"))
        shutil.copy(facts[0], self.root / "my-facts.ttl")
        shutil.copy(facts[-1], self.root / "other.ttl")
        (self.root / "national").mkdir()
        (self.root / "national" / "a.nt").write_text(extra, encoding="utf-8")
        for name in ("report.txt", "report-2025.txt"):   # `kgtool source add` examples
            (self.root / name).write_text(f"松江区2025年经济运行情况({name})。全区规上工业总产值保持增长。\n",
                                          encoding="utf-8")
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "KGTOOL_CACHE": str(self.cache),
                    "KGTOOL_SHARED": str(SHARED), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        for key in ("KGTOOL_STORE", "KGTOOL_DEBUG", "KGTOOL_ENDPOINT_USER", "KGTOOL_ENDPOINT_PASSWORD",
                    "KGTOOL_ENDPOINT_TOKEN"):
            self.env.pop(key, None)
        r = self.run(f"kgtool load --store {self.store} graph/songjiang.ttl")
        assert r.returncode == 0, r.stderr
        self.server: ServerProcess | None = None

    def endpoint(self) -> str:
        if self.server is None:
            self.server = ServerProcess(["--quiet"], env={"PYTHONPATH": str(ROOT)}, cwd=self.root)
        return self.server.url

    def map(self, command: str) -> str:
        """The example with its placeholder paths and URLs mapped into the sandbox."""
        c = re.sub(r"(?<![\w/.])/tmp/", f"{self.tmp}/", command)
        c = c.replace("/data/kg", str(self.store)).replace("~/.cache/kgtool", str(self.cache))
        c = c.replace("../shared", str(SHARED))
        c = c.split(" && python3 -m http.server")[0]
        if re.match(r"(\S+=\S+ )*kgtool push ", c):
            return re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:9", c) + " --timeout 5"
        if re.search(r"--endpoint http://127\.0\.0\.1:\d+/\S*sparql|^curl ", c):
            c = re.sub(r"http://127\.0\.0\.1:\d+/\S*sparql", self.endpoint(), c)
        return c

    def run(self, command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def serve(self, command: str) -> tuple[bool, str]:
        """Start a `kgtool serve` example on a free port; True once it says it is serving."""
        args = shlex.split(command, comments=True)[2:]
        if "--port" in args:
            i = args.index("--port")
            del args[i:i + 2]
        try:
            srv = ServerProcess([*args, "--quiet"], env={"PYTHONPATH": str(ROOT)}, cwd=self.root)
        except RuntimeError as exc:
            return False, str(exc)
        srv.stop()
        return True, "".join(srv.stderr_lines)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a generator fixture
    box = Sandbox(tmp_path_factory.mktemp("examples"))
    try:
        yield box
    finally:
        box.close()


# Exit codes an example may end with besides 0: checks report findings with 1.
MAY_FIND = re.compile(r"^kgtool (validate|coverage|conflicts)\b|--check\b")


def _check(box: Sandbox, where: str, command: str, shown: list[str]) -> None:
    if command.startswith(SETUP):
        r = box.run(box.map(command))
        assert r.returncode == 0, f"{where}: `{command}` exited {r.returncode}: {r.stderr}"
        return
    if re.match(r"kgtool serve\b", command):
        ok, log = box.serve(box.map(command))
        assert ok, f"{where}: `{command}` did not start serving: {log}"
        return
    mapped = box.map(command)
    r = box.run(mapped)
    said = r.stdout + r.stderr
    assert "Traceback" not in said and "internal error" not in said, f"{where}: `{command}`\n{said}"
    if "kgtool push " in mapped:
        assert r.returncode == 6 and "cannot reach http://127.0.0.1:9" in r.stderr, \
            f"{where}: `{command}` should only fail to reach the (absent) store:\n{said}"
        return
    allowed = (0, 1) if MAY_FIND.search(command) else (0,)
    assert r.returncode in allowed, f"{where}: `{command}` exited {r.returncode}:\n{said}"
    if r.returncode == 0:
        redirect = re.search(r"\s>\s*([^\s'\"]+)\s*$", mapped.split(" #")[0])
        target = box.root / redirect.group(1) if redirect else None
        wrote = target is not None and target.is_file() and target.stat().st_size > 0
        assert said.strip() or wrote, f"{where}: `{command}` printed nothing"
        assert "error:" not in r.stderr, f"{where}: `{command}`\n{r.stderr}"
    if shown:
        actual = r.stdout.splitlines()
        segments: list[list[str]] = [[]]
        for line in shown:
            if line.strip() == "...":
                segments.append([])
            else:
                segments[-1].append(line.rstrip())
        pos = 0
        for seg in (s for s in segments if s):
            found = next((i for i in range(pos, len(actual) - len(seg) + 1)
                          if [a.rstrip() for a in actual[i:i + len(seg)]] == seg), None)
            assert found is not None, (f"{where}: the output shown for `{command}` is not what it "
                                       f"prints now; missing:\n" + "\n".join(seg)
                                       + "\n--- actual:\n" + r.stdout)
            pos = found + len(seg)


# Examples that change the checkout or the cache run in their documented order (import, then
# link, then the queries that use the imported graphs).
EXAMPLES = [(w, c, s) for w, c, s in DOC_EXAMPLES] + [(w, c, []) for w, c in HELP_EXAMPLES]
EXAMPLES.sort(key=lambda e: 0 if "import-reference" in e[1] else 1)


def test_every_example_runs(sandbox: Sandbox) -> None:
    failures = []
    seen: set[str] = set()
    for where, command, shown in EXAMPLES:
        key = " ".join(sandbox.map(command).split(" #")[0].split(" && ")[0].split())
        if not shown and key in seen and not command.startswith(SETUP):
            continue   # the same command line in two places: run once
        seen.add(key)
        try:
            _check(sandbox, where, command, shown)
        except AssertionError as exc:
            failures.append(str(exc)[:1500])
    assert not failures, f"{len(failures)} example(s) fail:\n\n" + "\n\n".join(failures)
