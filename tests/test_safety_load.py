"""An interrupted or failed `kgtool load` never loses data (#14.3, #14.7): the old store stays
until the new one is complete, Ctrl-C acts at once, and nothing stray is left behind."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgtool import store

ROOT = Path(__file__).resolve().parents[1]
GRAPH = "https://example.org/g"


def kgtool_proc(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kgtool", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~400k triples: several seconds of bulk loading on a shared CI machine."""
    path = tmp_path_factory.mktemp("big") / "big.nt"
    with path.open("w") as fh:
        for i in range(400_000):
            fh.write(f'<https://e.org/s{i}> <https://e.org/p> "value {i}" .\n')
    return path


def small_store(tmp_path: Path) -> Path:
    small = tmp_path / "small.nt"
    small.write_text("".join(f'<https://e.org/k{i}> <https://e.org/p> "{i}" .\n' for i in range(50)))
    directory = tmp_path / "st"
    store.load_files(directory, [str(small)], graph=GRAPH)
    return directory


def state(directory: Path) -> tuple[list[tuple[str, int]], int]:
    meta = json.loads((directory / store.META_NAME).read_text())
    return store.graphs(directory), meta["graphs"][GRAPH]["triples"]


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".st."))


def wait_started(proc: subprocess.Popen[str], tmp_path: Path) -> None:
    deadline = time.monotonic() + 30
    while not (tmp_path / ".st.loading").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.8)  # into the bulk load proper


def test_ctrl_c_during_reload_keeps_the_old_graph_and_acts_at_once(tmp_path: Path,
                                                                  big_file: Path) -> None:
    directory = small_store(tmp_path)
    before = state(directory)
    assert before == ([(GRAPH, 50)], 50)
    proc = kgtool_proc("load", "--store", str(directory), "--graph", GRAPH, str(big_file))
    wait_started(proc, tmp_path)
    assert proc.poll() is None, proc.communicate()
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - sent
    assert took < 1.0, f"Ctrl-C took {took:.2f} s"
    assert proc.returncode in (1, 130), (proc.returncode, err)
    assert "Traceback" not in err
    assert state(directory) == before
    assert leftovers(tmp_path) == []


def test_kill_9_during_reload_is_cleaned_next_run(tmp_path: Path, big_file: Path) -> None:
    directory = small_store(tmp_path)
    before = state(directory)
    proc = kgtool_proc("load", "--store", str(directory), "--graph", GRAPH, str(big_file))
    wait_started(proc, tmp_path)
    proc.kill()
    proc.communicate(timeout=30)
    assert state(directory) == before  # readers see the old store
    again = tmp_path / "again.nt"
    again.write_text('<https://e.org/x> <https://e.org/p> "x" .\n')
    store.load_files(directory, [str(again)], graph=GRAPH)
    assert state(directory) == ([(GRAPH, 1)], 1)
    assert leftovers(tmp_path) == []


def test_cut_swap_is_restored(tmp_path: Path) -> None:
    """kill -9 between the swap's two renames: the next load puts the old store back first."""
    directory = small_store(tmp_path)
    before = state(directory)
    os.replace(directory, tmp_path / ".st.old")
    (tmp_path / ".st.loading").mkdir()
    from kgtool import atomic_load

    atomic_load.recover(directory)
    assert state(directory) == before and leftovers(tmp_path) == []


def test_failed_first_load_creates_no_store_folder(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<https://e.org/s> <https://e.org/p> .\n")
    proc = kgtool_proc("load", "--store", str(tmp_path / "st"), str(bad))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 3 and err.startswith(f"error: {bad}:1:"), err
    assert not (tmp_path / "st").exists() and leftovers(tmp_path) == []


def test_failed_reload_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    directory = small_store(tmp_path)
    before = state(directory)
    bad = tmp_path / "bad.nt"
    bad.write_text('<https://e.org/a> <https://e.org/p> "a" .\nnot n-triples\n')
    proc = kgtool_proc("load", "--store", str(directory), "--graph", GRAPH, str(bad))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    assert state(directory) == before and leftovers(tmp_path) == []
