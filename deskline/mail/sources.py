"""Where imported mail comes from: .eml files, mbox files and Maildir folders.

Each yields (source label, raw bytes). A source that cannot be read at all yields one
(label, exception) pair instead, so the caller reports it and goes on with the others.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from pathlib import Path


def kind_of(path: Path) -> str:
    """'maildir', 'mbox' or 'eml'."""
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            return "maildir"
        return "dir"
    with path.open("rb") as handle:
        start = handle.read(5)
    return "mbox" if start == b"From " else "eml"


def read(path: Path) -> Iterator[tuple[str, bytes | Exception]]:
    try:
        kind = kind_of(path)
    except OSError as exc:
        yield str(path), exc
        return
    if kind == "eml":
        try:
            yield str(path), path.read_bytes()
        except OSError as exc:
            yield str(path), exc
    elif kind == "dir":
        for child in sorted(path.iterdir()):
            if child.is_file() and not child.name.startswith("."):
                yield from read(child)
    elif kind == "mbox":
        box: mailbox.Mailbox = mailbox.mbox(path, create=False)
        try:
            for n, key in enumerate(box.iterkeys(), start=1):
                label = f"{path}#{n}"
                try:
                    yield label, box.get_bytes(key)
                except Exception as exc:
                    yield label, exc
        finally:
            box.close()
    else:
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.iterkeys(), key=_delivery_order):
            label = f"{path}/{key}"
            try:
                yield label, box.get_bytes(key)
            except Exception as exc:
                yield label, exc


_MICROS = re.compile(r"M(\d+)")
_COUNT = re.compile(r"Q(\d+)")


def _delivery_order(key: str) -> tuple:
    """Maildir names start with the delivery time ("1700000000.M123456P42Q1.host"):
    compared as numbers (seconds, microseconds, counter), oldest first."""
    seconds, _, rest = key.partition(".")
    if not seconds.isdigit():
        return (1 << 62, 0, 0, key)
    unique = rest.split(".", 1)[0]
    micros, count = _MICROS.search(unique), _COUNT.search(unique)
    return (int(seconds), int(micros.group(1)) if micros else 0,
            int(count.group(1)) if count else 0, key)
