"""The store interface: every method the engine asks of a store, by subject.

Each query mixin declares its own protocol next to it; `Store` puts them together with
what `SqliteStore` adds (transactions, closing). The service is typed against `Store`,
so another store (the PostgreSQL path) is written against this list.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from deskline.store.administration import AdministrationStore
from deskline.store.bulk import BulkStore
from deskline.store.bulk_actions import BulkActionStore
from deskline.store.canned import CannedStore
from deskline.store.changes import ChangeStore
from deskline.store.counts import CountStore
from deskline.store.customers import CustomerStore
from deskline.store.directory import DirectoryStore
from deskline.store.export import ExportStore
from deskline.store.idempotency import IdempotencyStore
from deskline.store.mail import MailStore
from deskline.store.mappings import MappingStore
from deskline.store.notifications import NotificationStore
from deskline.store.outbox import OutboxStore
from deskline.store.presence import PresenceStore
from deskline.store.reports import ReportStore
from deskline.store.search import SearchStore
from deskline.store.throttles import ThrottleStore
from deskline.store.ticket_lists import TicketListStore
from deskline.store.tickets import TicketStore
from deskline.store.tokens import TokenStore
from deskline.store.views import ViewStore
from deskline.store.webhooks import WebhookStore


class TransactionStore(Protocol):
    """Transactions and the end of the store's life."""

    def transaction(self) -> AbstractContextManager[None]: ...
    def before_commit(self, callback: Callable[[], None]) -> bool: ...
    def close(self) -> None: ...


class Store(DirectoryStore, CustomerStore, TicketStore, SearchStore, MappingStore,
            AdministrationStore, MailStore, OutboxStore, BulkStore, ReportStore, ExportStore,
            TokenStore, IdempotencyStore, ChangeStore, CountStore, TransactionStore,
            CannedStore, BulkActionStore, NotificationStore, TicketListStore,
            ViewStore, WebhookStore, PresenceStore, ThrottleStore, Protocol):
    """Everything the service asks of a store."""


__all__ = ["Store", "TransactionStore"]
