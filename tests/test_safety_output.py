"""Outputs that tell the truth (#14.4, #14.7): -o writes through devices and FIFOs, never
replaces a non-regular file or the command's own input; a full disk is a clear exit 3; error
lines never carry raw control characters."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kgtool import outfile
from kgtool.errors import OutputError, UsageError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "graph" / "songjiang.ttl"


def kgtool(*args: str, stdout: object = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kgtool", *args], cwd=ROOT, text=True,
                          stdout=stdout, stderr=subprocess.PIPE, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_full_device_is_a_clear_error_and_stays_a_device(tmp_path: Path) -> None:
    res = kgtool("export", "--data", str(DATA), "-o", "/dev/full")
    assert res.returncode == 3, res.stderr
    assert res.stderr == "error: /dev/full: cannot write: No space left on device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_disk_full_stdout_is_exit_3_for_query_and_export() -> None:
    for args in (["query", "--data", str(DATA), "SELECT * WHERE { ?s ?p ?o }"],
                 ["export", "--data", str(DATA)]):
        with open("/dev/full", "w") as full:
            res = kgtool(*args, stdout=full)
        assert res.returncode == 3, (args, res.returncode, res.stderr)
        assert res.stderr == "error: <stdout>: cannot write the output: No space left on device\n"


def test_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    res = kgtool("export", "--data", str(DATA), "--format", "nt", "-o", str(fifo))
    reader.join(30)
    assert res.returncode == 0, res.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].count(b"\n") > 1000 and b" .\n" in got[0]
    assert res.stderr == f"wrote {fifo} (nt)\n"   # a FIFO's size is not what was written


def test_wrote_line_counts_bytes_only_for_regular_files(tmp_path: Path) -> None:
    res = kgtool("export", "--data", str(DATA), "--format", "nt", "-o", "/dev/null")
    assert res.returncode == 0 and res.stderr == "wrote /dev/null (nt)\n", res.stderr
    out = tmp_path / "out.nt"
    res = kgtool("export", "--data", str(DATA), "--format", "nt", "-o", str(out))
    assert res.stderr == f"wrote {out} ({out.stat().st_size} bytes, nt)\n", res.stderr
    assert out.stat().st_size > 1000


def test_character_device_is_not_replaced(tmp_path: Path) -> None:
    with outfile.open_output("/dev/null") as write:
        write(b"discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if os.geteuid() == 0:  # a copy of /dev/full, as in the report (mknod needs root)
        node = tmp_path / "full"
        os.mknod(node, 0o644 | stat.S_IFCHR, os.makedev(1, 7))
        with pytest.raises(OutputError):
            outfile.write_bytes(node, b"x")
        assert stat.S_ISCHR(os.stat(node).st_mode)


def test_non_regular_targets_and_inputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        outfile.write_bytes(tmp_path, b"x")
    copy = tmp_path / "in.ttl"
    copy.write_bytes(DATA.read_bytes())
    res = kgtool("export", "--data", str(copy), "-o", str(copy))
    assert res.returncode == 2 and "the command reads it" in res.stderr
    assert copy.read_bytes() == DATA.read_bytes()
    link = tmp_path / "alias.ttl"
    link.symlink_to(copy)
    res = kgtool("export", "--data", str(copy), "-o", str(link))
    assert res.returncode == 2 and copy.read_bytes() == DATA.read_bytes()
    assert list(tmp_path.glob(".*.tmp")) == []


def test_regular_file_is_still_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.nt"
    target.write_text("old\n")
    os.chmod(target, 0o600)
    outfile.write_bytes(target, b"new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nt"]


def test_error_lines_escape_control_characters(tmp_path: Path) -> None:
    query = "SELECT * WHERE { ?s ?p \"\x1b]0;owned\x07\x00\" \x01 }"
    path = tmp_path / "hostile.rq"
    path.write_text(query)
    res = kgtool("query", "--data", str(DATA), "-f", str(path))
    assert res.returncode == 3, res.stderr
    for ch in "\x1b\x07\x00\x01":
        assert ch not in res.stderr
    assert "\\x1b]0;owned\\x07\\x00" in res.stderr


def test_corrupt_bom_or_emptied_reference_file_is_named(tmp_path: Path) -> None:
    from kgtool.errors import InputError
    from kgtool.link import references

    good = b'<https://e.org/c> <http://www.w3.org/2004/02/skos/core#member> <https://e.org/m> .\n'
    bom = tmp_path / "bom.nt"
    bom.write_bytes(b"\xef\xbb\xbf" + good)
    assert references.collection_members(bom, "https://e.org/c") == ["https://e.org/m"]
    for name, data in (("corrupt.nt", good[:40]), ("empty.nt", b"")):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError) as err:
            references.collection_members(path, "https://e.org/c")
        assert err.value.source == str(path) and "import-reference" in str(err.value)
