"""The README's "How to add a source" walk-through, run command by command in a copy of the
project: what the README tells a user to type must work (issue 8 point 5)."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

BLOCK = re.compile(r"<!-- walkthrough:begin -->\s*```sh\n(.*?)```\s*<!-- walkthrough:end -->", re.S)


def commands() -> list[tuple[str, int]]:
    """(command, expected exit code) for each command of the README block; `# exit N` says N."""
    m = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert m, "README.md has no walk-through block"
    text = m.group(1).replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        code = re.search(r"#\s*exit (\d+)", line)
        out.append((line.split(" #")[0].strip(), int(code.group(1)) if code else 0))
    return out


def test_walkthrough_runs_in_a_copy(tmp_path: Path) -> None:
    proj = tmp_path / "project"
    proj.mkdir()
    for folder in ("seeds", "ontology", "graph"):
        shutil.copytree(ROOT / folder, proj / folder)
    shutil.copytree(ROOT / "tests" / "fixtures" / "sources", proj / "tests" / "fixtures" / "sources")
    (proj / "pyproject.toml").write_text('[project]\nname = "kgtool"\n', encoding="utf-8")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "kgtool"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kgtool "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(ROOT)}
    env.pop("KGTOOL_STORE", None)
    outputs = {}
    cmds = commands()
    assert [c.split()[:2] for c, _ in cmds][0] == ["kgtool", "source"]
    for cmd, expected in cmds:
        r = subprocess.run(["bash", "-c", cmd], cwd=proj, env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == expected, f"{cmd!r}: exit {r.returncode}\n{r.stderr}"
        assert "Traceback" not in r.stderr
        outputs[cmd.split("--")[0].strip()] = r.stdout
    assert "songjiang-bulletin-2025" in (proj / "seeds" / "sources.toml").read_text(encoding="utf-8")
    assert "checksum ok" in outputs["kgtool source list"]
    conflict = outputs["kgtool conflicts"]
    assert "1718" in conflict and "1725" in conflict
    # the article is dated 2025 (year precision), the bulletin 2025-12-20: neither is preferred
    assert conflict.count(" normal ") == 2 and "preferred" not in conflict, conflict
    series = [line for line in outputs["kgtool query series"].splitlines() if "规上工业总产值" in line]
    years = [int(line.split("\t")[2]) for line in series]   # TSV when not a terminal
    assert years == [2023, 2024, 2025], outputs["kgtool query series"]
    # the real checkout is untouched: the walk-through wrote only into the copy
    assert "songjiang-bulletin-2025" not in (ROOT / "seeds" / "sources.toml").read_text(encoding="utf-8")
