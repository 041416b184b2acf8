"""Saved column mappings of the CSV importer, by name. A mixin of `SqliteStore`."""

from __future__ import annotations

import json
import sqlite3
from typing import Protocol

from deskline.models import SavedMapping


class MappingQueries:
    conn: sqlite3.Connection

    def save_mapping(self, name: str, kind: str, columns: dict[str, str], now: str) -> None:
        self.conn.execute(
            "INSERT INTO import_mappings (name, kind, columns, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, columns = excluded.columns,"
            " created_at = excluded.created_at", (name, kind, json.dumps(columns), now))

    def delete_mapping(self, name: str) -> None:
        self.conn.execute("DELETE FROM import_mappings WHERE name = ?", (name,))

    def mappings(self, kind: str | None = None) -> list[SavedMapping]:
        sql = "SELECT name, kind, columns, created_at FROM import_mappings"
        params: tuple = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        return [SavedMapping(name=r[0], kind=r[1], columns=json.loads(r[2]), created_at=r[3])
                for r in self.conn.execute(sql + " ORDER BY name", params)]

    def mapping(self, name: str) -> SavedMapping | None:
        return next((m for m in self.mappings() if m.name.casefold() == name.casefold()), None)


class MappingStore(Protocol):
    """Saved import mappings."""

    def save_mapping(self, name: str, kind: str, columns: dict[str, str], now: str) -> None: ...
    def delete_mapping(self, name: str) -> None: ...
    def mappings(self, kind: str | None = None) -> list[SavedMapping]: ...
    def mapping(self, name: str) -> SavedMapping | None: ...
