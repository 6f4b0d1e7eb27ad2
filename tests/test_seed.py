"""The seed article is byte-identical to the shared copy (issue #2 point 1)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from conftest import ROOT, SEED_SHA256

SEED = ROOT / "seeds" / "songjiang-advanced-manufacturing.txt"


def test_seed_checksum() -> None:
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256


def test_seed_matches_shared_copy() -> None:
    shared = Path(os.environ.get("KGTOOL_SHARED", ROOT.parent / "shared"))
    copy = shared / "seeds" / SEED.name
    if not copy.exists():
        pytest.skip(f"shared folder not present at {shared} (set KGTOOL_SHARED)")
    assert copy.read_bytes() == SEED.read_bytes()


def test_seed_is_utf8_with_the_documented_length() -> None:
    assert len(SEED.read_text(encoding="utf-8")) == 3763
