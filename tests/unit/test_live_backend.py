"""Every backend offers LiveBackend: both follow events (a server's stream, the local file's
change log: tests/tui/test_live_local.py); presence only with a server."""

from __future__ import annotations

import asyncio
import inspect

from deskline.backend import LiveBackend
from deskline.local import LocalBackend
from deskline.remote import RemoteBackend

MEMBERS = ("on_state", "events", "presence", "set_presence")


def test_both_backends_have_the_live_members_with_the_protocols_parameters():
    for backend in (LocalBackend, RemoteBackend):
        for name in MEMBERS:
            want = inspect.signature(getattr(LiveBackend, name))
            got = inspect.signature(getattr(backend, name))
            assert list(got.parameters) == list(want.parameters), (backend, name)
    assert RemoteBackend.live is True and LocalBackend.live is True
    assert LocalBackend.state == "connected"


def test_a_local_backend_sees_nobody():
    local = LocalBackend.__new__(LocalBackend)  # presence needs no database

    async def run():
        assert await local.presence(1) == [] and await local.set_presence(1, "viewing") == []

    local.on_state(lambda state: None)
    asyncio.run(run())
