from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.helpers import add_hostile, build, copy_db
from tests.tui.hostile import Hostile, make_hostile


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build(path)
    add_hostile(path)
    return path


@pytest.fixture
def demo_db(demo_master, tmp_path) -> Path:
    """A fresh copy of the deterministic demo for each test (tests write to it)."""
    return copy_db(demo_master, tmp_path / "demo.db")


@pytest.fixture
def hostile(demo_master, tmp_path) -> tuple[Path, Hostile]:
    """A copy of the demo whose every name is hostile (`tests/tui/hostile.py`)."""
    path = copy_db(demo_master, tmp_path / "hostile.db")
    return path, make_hostile(path)
