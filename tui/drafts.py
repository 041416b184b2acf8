"""Unsent replies and comments, per ticket, kept in a JSON file so none is lost silently."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path


class Drafts:
    def __init__(self, path: Path | Callable[[], Path] | None) -> None:
        """`path` may be a function that finds it, called when the drafts are first used
        (the platform's data directory is not looked up before the first frame)."""
        self._path = path
        self._data: dict[str, dict[str, str]] = {}
        self._loaded = False

    @property
    def path(self) -> Path | None:
        if callable(self._path):
            self._path = self._path()
        return self._path

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self._data = {str(k): {kk: str(vv) for kk, vv in v.items()}
                              for k, v in data.items() if isinstance(v, dict)}
        except (OSError, ValueError):
            pass

    def get(self, ticket_id: int) -> dict[str, str]:
        self._load()
        return dict(self._data.get(str(ticket_id), {}))

    def put(self, ticket_id: int, kind: str, text: str) -> None:
        self._load()
        entry = self._data.setdefault(str(ticket_id), {})
        if text.strip():
            entry[kind] = text
        else:
            entry.pop(kind, None)
        if not any(v.strip() for k, v in entry.items() if k in ("reply", "comment", "files")):
            self._data.pop(str(ticket_id), None)

    def set_tab(self, ticket_id: int, tab: str) -> None:
        self._load()
        if str(ticket_id) in self._data:
            self._data[str(ticket_id)]["tab"] = tab

    def unsent(self) -> list[int]:
        self._load()
        return sorted(int(k) for k in self._data)

    def save(self) -> None:
        if self.path is None or not self._loaded:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
