"""What agents read: dashboard, board columns, search, tickets and their threads."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from datetime import datetime

from deskline import access
from deskline.clock import to_db
from deskline.errors import NotFound, ValidationFailed
from deskline.models import (
    AttachmentFile,
    BoardColumn,
    BoardFilter,
    Message,
    Page,
    SearchHit,
    TeamFigures,
    Ticket,
    TicketCard,
    WebhookEvent,
)
from deskline.service.base import ServiceBase, _limit, snippet
from deskline.store import keyset

# A board column under a filter the kept counts do not answer (text, tag, project, and a
# portal account's board) counts at most this many tickets, so that its cost is bounded.
COLUMN_COUNT_CAP = 1000


# The due-soon pass reads every running clock due within its team's next working hour
# (thousands at a million tickets outside working hours: 17 of a dashboard's 25 ms): per
# store, it runs again when a minute passed or a ticket changed (its change number).
DUE_PASS_EVERY = 60.0  # seconds
_due_passes: weakref.WeakKeyDictionary[object, tuple[datetime, int]] = \
    weakref.WeakKeyDictionary()


class ReadingUseCases(ServiceBase):

    def refresh_sla(self) -> int:
        """Fail the SLA clocks whose deadline passed; how many tickets changed."""
        moment = self.clock()
        now = to_db(moment)
        last = _due_passes.get(self.store)
        position = self.store.sync_position()[0]
        if last is None or last[1] != position or \
                not 0 <= (moment - last[0]).total_seconds() < DUE_PASS_EVERY:
            self._notify_sla_due(moment)  # once per deadline, however often this runs
            last = (moment, 0)
        failed = self._fail_overdue_slas(moment, now)
        if failed:  # the clocks failed just now bring no clock due: their change counts as seen
            position = self.store.sync_position()[0]
        _due_passes[self.store] = (last[0], position)
        return failed

    def _fail_overdue_slas(self, moment: datetime, now: str) -> int:
        if not self.store.has_overdue_slas(now):
            return 0
        with self.store.transaction():
            self._notify_sla_failed(moment)
            failed = self.store.fail_overdue_slas(now)
            for ticket_id in failed:
                self._webhook(WebhookEvent.sla_failed, ticket_id)
            return len(failed)

    def dashboard(self) -> list[TeamFigures]:
        scope = self.scope()
        access.require_agent(scope, "see the dashboard")
        self.refresh_sla()
        teams = [t for t in self.store.teams()
                 if access.team_visible(scope, t.id) and not t.archived]
        figures = self.store.team_figures(scope, [t.id for t in teams])
        return [
            TeamFigures(team_id=t.id, team_name=t.name,
                        **dict(zip(("open", "unassigned", "mine", "urgent", "sla_failed"),
                                   figures.get(t.id, (0, 0, 0, 0, 0)), strict=True)))
            for t in teams
        ]

    def my_tickets(self, cursor: str | None = None, limit: int = 50) -> Page[TicketCard]:
        """An agent's open tickets; a portal account's, the tickets it opened (its
        customer's), newest first."""
        scope = self.scope()
        if scope.portal and self.actor.customer_id is not None:
            return self.customer_tickets(self.actor.customer_id, cursor, limit)
        after = tuple(keyset.decode(cursor, 2)) if cursor else None
        items = self.store.assigned_page(scope, self.actor.id, True, after, _limit(limit) + 1)
        return self._page(items, limit, lambda c: (to_db(c.created_at), c.id))

    def board_columns(self, team_id: int, filter: BoardFilter | None = None) -> list[BoardColumn]:
        scope = self.scope()
        self._team(scope, team_id)
        counts = self.store.column_counts(scope, team_id, filter, COLUMN_COUNT_CAP)
        columns = []
        for stage in self.store.stages(team_id):
            count, capped = counts.get(stage.id, (0, False))
            columns.append(BoardColumn(stage=stage, count=count, capped=capped))
        return columns

    def board_page(self, team_id: int, stage_id: int, filter: BoardFilter | None = None,
                   cursor: str | None = None, limit: int = 50) -> Page[TicketCard]:
        scope = self.scope()
        self._team(scope, team_id)
        after = tuple(keyset.decode(cursor, 3)) if cursor else None
        items = self.store.column_page(scope, team_id, stage_id, filter, after, _limit(limit) + 1)
        return self._page(items, limit, lambda c: (c.priority, to_db(c.created_at), c.id))

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        scope = self.scope()
        if not text.strip():
            return []
        found = self.store.search_ids(scope, text, _limit(limit))
        cards = {c.id: c for c in self.store.cards(scope, [tid for tid, _, _ in found])}
        return [SearchHit(ticket=cards[tid], matched=how, snippet=snippet(source, text))
                for tid, how, source in found if tid in cards]

    # --- tickets: reading ------------------------------------------------------------

    def get_ticket(self, ticket_id: int) -> Ticket:
        return self._ticket(self.scope(), ticket_id)

    def visible_ticket_ids(self, ticket_ids: Iterable[int]) -> set[int]:
        """Which of these tickets the actor may see (the server filters live events by it)."""
        return {c.id for c in self.store.cards(self.scope(), list(dict.fromkeys(ticket_ids)))}

    def get_ticket_by_number(self, number: int) -> Ticket:
        tid = self.store.ticket_id_by_number(number)
        if tid is None:
            raise NotFound(f"ticket #{number} does not exist")
        try:
            return self._ticket(self.scope(), tid)
        except NotFound:
            raise NotFound(f"ticket #{number} does not exist") from None

    def get_attachment(self, attachment_id: int) -> AttachmentFile:
        """A file that came with a customer's mail, to whoever may read its ticket (and,
        for a customer's account, the public message it came with)."""
        found = self.store.attachment(attachment_id)
        missing = NotFound(f"attachment {attachment_id} does not exist")
        if found is None:
            raise missing
        ticket_id, message_id, file = found
        scope = self.scope()
        try:
            self._ticket(scope, ticket_id)
        except NotFound:
            raise missing from None
        if message_id is not None:
            seen = self.store.messages_page(scope, ticket_id, message_id - 1, 1)
            if not seen or seen[0].id != message_id:
                raise missing
        return file

    def ticket_messages(self, ticket_id: int, cursor: str | None = None,
                        limit: int = 50, after_message_id: int | None = None) -> Page[Message]:
        """A page of the thread, oldest first: from the start, after `cursor`, or after the
        message `after_message_id` (what a console that shows it asks for next)."""
        if cursor and after_message_id is not None:
            raise ValidationFailed("give a cursor or a message id to page from, not both",
                                   field="after_message_id")
        scope = self.scope()
        self._ticket(scope, ticket_id)
        after = keyset.decode(cursor, 1)[0] if cursor else after_message_id
        items = self.store.messages_page(scope, ticket_id, after, _limit(limit) + 1)
        return self._page(items, limit, lambda m: (m.id,))
