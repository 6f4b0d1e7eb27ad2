"""The linter and the type checker pass on kgtool/, and every suppression says why.

`ruff check kgtool` and `mypy` run as configured in pyproject.toml ([tool.ruff], [tool.mypy]),
with the venv's own executables (`sys.executable -m ...`, from the `test` extra), so the README's
test command -- what .ci/run runs -- enforces them. Their caches go to the temp directory, not
the checkout. On failure the findings are printed.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_ruff_passes_on_kgtool() -> None:
    r = _run("ruff", "check", "--no-cache", "--output-format", "concise", "kgtool")
    assert r.returncode == 0, f"ruff check kgtool found:\n{r.stdout}{r.stderr}"


def test_mypy_passes_on_kgtool() -> None:
    cache = Path(tempfile.gettempdir()) / ("kgtool-mypy-" + hashlib.sha256(
        str(ROOT).encode()).hexdigest()[:12])
    r = _run("mypy", "--cache-dir", str(cache))
    assert r.returncode == 0, f"mypy (files = kgtool) found:\n{r.stdout}{r.stderr}"


# A type-ignore with its [code] or a noqa with its CODE, then the reason (` - why`, `# why`...).
_SUPPRESSION = re.compile(r"#\s*(type:\s*ignore(?:\[[^\]]*\])?|noqa(?::\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)?)"
                          r"(.*)$")
# A noqa for PLC0415 marks an import deferred on purpose (cold start: `kgtool query` imports
# neither rdflib nor pySHACL, test_rules.py); the rule is not enabled, so the marker suppresses
# nothing and needs no reason of its own.
_MARKERS = {"noqa: PLC0415"}


def test_every_suppression_is_specific_and_justified() -> None:
    """Each `# noqa` / `# type: ignore` names its code and gives a reason, on its line or in the
    comment just above it."""
    markers = {x.replace(" ", "") for x in _MARKERS}
    bad = []
    for path in sorted((ROOT / "kgtool").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            m = _SUPPRESSION.search(line)
            if m is None or m.group(1).replace(" ", "") in markers:
                continue
            what, why = m.group(1), m.group(2).strip(" -—:#()")
            above = lines[n - 2].strip() if n > 1 else ""
            if "[" not in what and ":" not in what.replace("type:", ""):
                bad.append(f"{path.relative_to(ROOT)}:{n}: a blanket `# {what}` (name the code)")
            elif len(why) < 8 and not above.startswith("#"):
                bad.append(f"{path.relative_to(ROOT)}:{n}: `# {what}` without a reason")
    assert not bad, "suppressions must name the code and say why:\n" + "\n".join(bad)
