"""Keys, config, palette and the CLI's start path, without running the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from deskline.config import load_config
from tui import keymap
from tui.commands import action_commands

ROOT = Path(__file__).resolve().parents[2]


def test_binding_ids_are_unique_and_scoped():
    ids = [spec.id for spec in keymap.SPECS]
    assert len(ids) == len(set(ids))
    assert all("." in i and i.split(".")[0] for i in ids)


def test_defaults_avoid_keys_that_do_not_arrive_over_ssh_and_tmux():
    for spec in keymap.SPECS:
        for key in spec.keys.split(","):
            assert not key.startswith(keymap.FORBIDDEN), (spec.id, key)
            assert key not in ("ctrl+enter", "shift+enter", "ctrl+h", "ctrl+i", "ctrl+m")


def test_no_key_is_bound_twice_on_one_screen():
    for scope in {spec.scope for spec in keymap.SPECS}:
        seen: dict[str, str] = {}
        for spec in keymap.SPECS:
            if spec.scope != scope:
                continue
            for key in spec.keys.split(","):
                assert key not in seen, f"{key} is {seen[key]} and {spec.id}"
                seen[key] = spec.id


def test_palette_lists_every_action():
    listed = {spec.id for _text, spec in action_commands()}
    wanted = {(s.scope, s.description) for s in keymap.SPECS}
    assert {(keymap.BY_ID[i].scope, keymap.BY_ID[i].description) for i in listed} == wanted


def test_keymap_overrides_are_checked():
    keymap_, problems = keymap.resolve({"board.fold": "z", "board.nope": "x",
                                        "ticket.send": "ctrl+s, f5", "ticket.edit": "!!"})
    assert keymap_ == {"board.fold": "z", "ticket.send": "ctrl+s,f5"}
    assert any("board.nope" in p for p in problems)
    assert any("ticket.edit" in p for p in problems)


def test_bad_config_names_the_line_and_keeps_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "deskline-light"\n\n[keys]\n"board.fold" = 3\n', encoding="utf-8")
    config, problem = load_config(path)
    assert config.theme == "deskline-dark"  # defaults
    assert problem is not None and "line 4" in problem


def test_config_sets_theme_keys_and_editor(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "deskline-ansi"\neditor = "nano"\n[keys]\n"board.fold" = "z"\n',
                    encoding="utf-8")
    config, problem = load_config(path)
    assert problem is None
    assert (config.theme, config.editor, config.keys) == ("deskline-ansi", "nano",
                                                          {"board.fold": "z"})


def test_help_does_not_import_textual():
    code = ("import sys\nfrom tui.launch import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = ('textual', 'tui.app', 'tui.screens', 'pydantic')\n"
            "assert not any(m.startswith(heavy) for m in sys.modules),"
            " sorted(m for m in sys.modules if m.startswith(heavy))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert "--ticket" in result.stdout


def test_first_screen_imports_no_engine():
    """Before the first frame: Textual, the app and the dashboard, not the service/store."""
    code = ("import sys\nimport tui.app, tui.screens.dashboard\n"
            "heavy = [m for m in sys.modules if m.startswith(('deskline.service',"
            " 'deskline.store', 'deskline.local', 'httpx', 'jinja2', 'fastapi'))]\n"
            "assert not heavy, heavy\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


def test_widgets_never_import_a_backend():
    for path in (ROOT / "widgets").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("deskline.local", "deskline.remote", "deskline.store",
                       "deskline.server", "deskline.service", "markup=True", "ListView"):
            assert banned not in text, (path.name, banned)
    for path in [*(ROOT / "tui").rglob("*.py"), *(ROOT / "themes").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "markup=True" not in text and "ListView" not in text, path
