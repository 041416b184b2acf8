"""Reads the PostgreSQL store keeps rather than sends again: each statement is a round trip
to the server, where SQLite's are calls inside the process.

- The directory reads a use case repeats (stages, SLA policies, templates, agents, their
  notification settings, the webhook endpoints) are kept in the store's memo, with the
  teams and the actor (`DirectoryQueries`), while the directory's version is unchanged
  (`postgres/memo.py`).
- A ticket read again inside a write transaction, with no write of this transaction
  between (a comment's notifications read it twice), is the one read before: other
  writers wait for the transaction's lock.

Callers get new lists and copies of what is kept, never the kept objects.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from deskline.access import Scope
from deskline.models import Agent, MailTemplate, NotificationSettings, SlaPolicy, Stage, Ticket
from deskline.store.directory import DirectoryQueries
from deskline.store.notifications import NotificationQueries
from deskline.store.tickets import TicketQueries
from deskline.store.webhooks import WebhookQueries

if TYPE_CHECKING:
    from deskline.store.postgres.connection import PgConnections
    from deskline.store.postgres.memo import VersionMemo
    from deskline.store.postgres.statements import StatementConnection


class TransactionTicket(threading.local):
    """The last ticket this thread read in its transaction."""

    key: tuple[Scope, int] | None = None
    writes = -1  # this thread's write count when it was read
    ticket: Ticket | None = None


class PgKeptReads(DirectoryQueries, TicketQueries, NotificationQueries, WebhookQueries):
    db: PgConnections
    memo: VersionMemo
    statements: StatementConnection
    _ticket_read: TransactionTicket

    def agent_now(self, agent_id: int) -> Agent | None:
        """As `DirectoryQueries.agent_now`, a use case's first read: its look is shared by
        the kept reads right after it (`VersionMemo.use_case_began`)."""
        self.memo.use_case_began()
        return super().agent_now(agent_id)

    def agents(self, ids: Iterable[int] | None = None) -> list[Agent]:
        wanted = None if ids is None else tuple(ids)
        read = super().agents
        return list(self.memo.get(("agents", wanted), lambda: read(wanted)))

    def stages(self, team_id: int | None = None) -> list[Stage]:
        read = super().stages
        return list(self.memo.get(("stages", team_id), lambda: read(team_id)))

    def sla_policies(self, team_id: int | None = None) -> list[SlaPolicy]:
        read = super().sla_policies
        return list(self.memo.get(("sla_policies", team_id), lambda: read(team_id)))

    def templates(self) -> list[MailTemplate]:
        return list(self.memo.get("templates", super().templates))

    def notification_settings_of(self, agent_ids: Sequence[int]
                                 ) -> dict[int, NotificationSettings]:
        wanted = tuple(agent_ids)
        read = super().notification_settings_of
        return dict(self.memo.get(("notification_settings", wanted), lambda: read(wanted)))

    def webhook_targets(self) -> list[tuple[int, list[str], bool]]:
        return [(endpoint, list(events), internal) for endpoint, events, internal
                in self.memo.get("webhook_targets", super().webhook_targets)]

    def ticket(self, scope: Scope, ticket_id: int) -> Ticket | None:
        if not self.db.in_transaction():
            return super().ticket(scope, ticket_id)
        last, writes = self._ticket_read, self.statements.counts().writes
        if last.key != (scope, ticket_id) or last.writes != writes or last.ticket is None:
            last.key, last.writes = (scope, ticket_id), writes
            last.ticket = super().ticket(scope, ticket_id)
        return last.ticket.model_copy(deep=True) if last.ticket is not None else None

    def forget_transaction_reads(self) -> None:
        """At a transaction's end (its ticket may change once the lock is let go)."""
        self._ticket_read.key, self._ticket_read.ticket = None, None

