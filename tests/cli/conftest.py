from __future__ import annotations

from pathlib import Path

import pytest

from deskline.cli import main
from tests.cli.helpers import ADMIN


@pytest.fixture
def db(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "team.db"
    assert main(["init", "--db", str(path), "--admin", ADMIN, "--name", "Bo Boss",
                 "--timezone", "UTC"]) == 0
    capsys.readouterr()
    return path
