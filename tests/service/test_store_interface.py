"""`SqliteStore` implements the whole `Store` protocol."""

from __future__ import annotations

import inspect

from deskline.store.interface import Store
from deskline.store.sqlite import SqliteStore


def _protocol_methods(protocol: type) -> set[str]:
    return {name for klass in protocol.__mro__ if klass is not object
            for name, value in vars(klass).items()
            if not name.startswith("_") and inspect.isfunction(value)}


def assert_implements_store(store_class: type) -> None:
    """`store_class` has every method of `Store`, with the same parameters by name."""
    methods = _protocol_methods(Store)
    assert len(methods) > 100
    missing = {m for m in methods if not callable(getattr(store_class, m, None))}
    assert not missing
    for name in methods:
        wanted = list(inspect.signature(getattr(Store, name)).parameters)
        actual = list(inspect.signature(getattr(store_class, name)).parameters)
        assert actual == wanted, name


def test_sqlite_store_has_every_method_of_the_store_protocol() -> None:
    assert_implements_store(SqliteStore)
