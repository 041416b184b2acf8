"""What the contract tests share: a team by name and every page of a paged list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


async def team_named(backend, name: str = "Customer Care"):
    return next(t for t in await backend.list_teams() if t.name == name)


async def every_page(fetch: Callable[[str | None], Awaitable]) -> list:
    """The items of every page of a keyset-paged list; `fetch(cursor)` asks for one."""
    items: list = []
    cursor = None
    while True:
        page = await fetch(cursor)
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor
