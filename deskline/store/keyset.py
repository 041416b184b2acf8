"""Opaque keyset cursors: the sort key of the last row a page showed."""

from __future__ import annotations

import base64
import json

from deskline.errors import ValidationFailed


def encode(*values: object) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, arity: int) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("the page cursor is not valid", field="cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise ValidationFailed("the page cursor is not valid", field="cursor")
    for value in values:
        if not isinstance(value, int | str):
            raise ValidationFailed("the page cursor is not valid", field="cursor")
    return values
