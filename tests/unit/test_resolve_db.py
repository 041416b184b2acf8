"""One resolver for the helpdesk file, used by the command line and the console."""

from __future__ import annotations

import pytest

from deskline.paths import NoDatabase, resolve_db


def test_db_then_environment_then_config_then_default(tmp_path, monkeypatch):
    monkeypatch.delenv("DESKLINE_DB", raising=False)
    named, env, configured = (tmp_path / n for n in ("named.db", "env.db", "config.db"))
    for path in (named, env, configured):
        path.touch()
    asked: list[str] = []

    def config() -> str:
        asked.append("config")
        return str(configured)

    assert resolve_db(named, config) == named
    monkeypatch.setenv("DESKLINE_DB", str(env))
    assert resolve_db(None, config) == env
    assert asked == []  # the config is read only when nothing else names the file
    monkeypatch.delenv("DESKLINE_DB")
    assert resolve_db(None, config) == configured


def test_a_missing_file_names_init_and_demo(tmp_path):
    with pytest.raises(NoDatabase) as refused:
        resolve_db(tmp_path / "none.db")
    assert "deskline init --db" in str(refused.value) and "deskline demo" in str(refused.value)
    assert resolve_db(tmp_path / "new.db", must_exist=False) == tmp_path / "new.db"
