"""The integrations' views over tickets: the filtered list and the change feed.

The feed follows `ticket_sync` (migration 0013): each ticket once, at its latest change,
in change order. The cursor is the number of the last change read — the newest committed
one when the page ends early, read before the page, so a write that commits meanwhile is
above it and comes next time: nothing is missed or given twice while writes go on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from deskline import access
from deskline.clock import to_db
from deskline.errors import ValidationFailed
from deskline.models import ChangePage, Page, TicketListFilter, TicketSummary, ViewRow
from deskline.service.base import ServiceBase, _limit
from deskline.store import keyset
from deskline.store.ticket_filters import SORTS

MAX_CHANGES = 1000  # a feed page; larger than a list page, for draining a backlog fast


class TicketListUseCases(ServiceBase):

    def list_tickets(self, filter: TicketListFilter | None = None, cursor: str | None = None,
                     limit: int = 50) -> Page[TicketSummary]:
        """Tickets the actor may see that pass the filter, by `filter.sort` (newest
        update, newest creation, or most urgent then newest; `filter.order` "asc" turns it
        round), in keyset pages whose cursor names the sort and the order."""
        f = filter or TicketListFilter()
        scope = self.scope()
        if f.team_id is not None:
            self._team(scope, f.team_id, field="team_id")
        keys = len(SORTS[f.sort])
        after = None
        if cursor:
            values = keyset.decode(cursor, keys + 2)
            if values[:2] != [f.sort, f.order]:
                raise ValidationFailed("the page cursor belongs to another sort order",
                                       field="cursor")
            after = values[2:]
        items = self.store.ticket_list(scope, f, after, _limit(limit) + 1)
        key = sort_key(f.sort)
        return self._page(items, limit, lambda s: (f.sort, f.order, *key(s)))

    def ticket_changes(self, cursor: str | None = None, limit: int = 500) -> ChangePage:
        """Every ticket the actor may see changed after `cursor` (from the start without
        one), deleted ones as tombstones, oldest change first."""
        if limit < 1 or limit > MAX_CHANGES:
            raise ValidationFailed(f"a page of changes holds 1 to {MAX_CHANGES}", field="limit")
        after = 0
        if cursor:
            value = keyset.decode(cursor, 1)[0]
            if not isinstance(value, int) or value < 0:
                raise ValidationFailed("the change cursor is not valid", field="cursor")
            after = value
        scope = self.scope()
        newest, trimmed = self.store.sync_position()
        reset = False
        if after and (after < trimmed or after > newest):  # too old, or another helpdesk's
            after, reset = 0, True
        items = self.store.ticket_changes(scope, after, newest, limit)
        last = items[-1].seq if len(items) == limit else newest
        return ChangePage(items=items, cursor=keyset.encode(last), more=last < newest,
                          reset=reset)

    def trim_tombstones(self, days: int = 90) -> int:
        """Drop tombstones older than `days` (admins; maintenance does it): a feed cursor
        older than them starts again from the beginning."""
        access.require_admin(self.scope(), "trim the change feed")
        with self.store.transaction():
            return self.store.trim_tombstones(to_db(self.clock() - timedelta(days=days)))


def sort_key(sort: str) -> Callable[[TicketSummary | ViewRow], tuple]:
    """The sort's columns of a row, as `store.ticket_filters.SORTS` names them (a saved
    view's rows are "updated")."""
    if sort == "priority":
        return lambda s: (s.priority, to_db(s.created_at), s.id)
    if sort == "created":
        return lambda s: (to_db(s.created_at), s.id)
    return lambda s: (to_db(s.updated_at), s.id)
