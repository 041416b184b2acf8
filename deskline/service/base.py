"""The core every use case shares: the actor, its scope, versions and chatter events, and
the declarations of the helpers one mixin writes and others call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from deskline import access
from deskline.access import Scope
from deskline.clock import to_db, utcnow
from deskline.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from deskline.models import (
    Agent,
    Customer,
    CustomerCreate,
    EventData,
    Message,
    MessageKind,
    Page,
    Role,
    Stage,
    Team,
    Ticket,
    TicketCard,
    WebhookEvent,
)
from deskline.store import keyset
from deskline.store.interface import Store

MAX_PAGE = 200

_Row = TypeVar("_Row")


def existing(row: _Row | None) -> _Row:
    """A row the caller knows is there — just written in this transaction, or named by
    another stored row (a ticket's team, a stage of that team) — narrowed from the store's
    optional answer. Where a row may be missing, the use case raises NotFound or
    ValidationFailed itself instead."""
    assert row is not None, "a row known to exist is missing"
    return row


def _limit(limit: int) -> int:
    if limit < 1 or limit > MAX_PAGE:
        raise ValidationFailed(f"a page holds 1 to {MAX_PAGE} items", field="limit")
    return limit


def snippet(text: str, query: str, width: int = 100) -> str:
    """One line of `text` around the first word of `query` it contains."""
    flat = " ".join(text.split())
    lower = flat.lower()
    at = -1
    for word in query.lower().split():
        at = lower.find(word.strip("#"))
        if at >= 0:
            break
    start = max(0, at - width // 3) if at >= 0 else 0
    piece = flat[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


class ServiceBase:
    def __init__(self, store: Store, actor: Agent,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.actor = actor
        self.clock = clock

    # --- who and what is visible ------------------------------------------------------

    def scope(self) -> Scope:
        if self.actor.id > 0:  # a role changed or an account deactivated counts at once
            current = self.store.agent_now(self.actor.id)
            if current is None or not current.active and self.actor.active:
                raise PermissionDenied("this account was removed or deactivated")
            self.actor = current
        return access.scope_for(self.actor, self.store.teams())

    def me(self) -> Agent:
        return self.actor

    def _ticket(self, scope: Scope, ticket_id: int) -> Ticket:
        ticket = self.store.ticket(scope, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return ticket

    def _team(self, scope: Scope, team_id: int, field: str | None = None) -> Team:
        team = self.store.team(team_id)
        if team is None or not access.team_visible(scope, team_id):
            if field:
                raise ValidationFailed(f"team {team_id} does not exist", field=field)
            raise NotFound(f"team {team_id} does not exist")
        return team

    def _check_version(self, ticket: Ticket, version: int) -> None:
        if ticket.version != version:
            raise ConflictError(
                f"ticket #{ticket.number} was changed by someone else (you saw version "
                f"{version}, it is now {ticket.version}); reload it and try again",
                current_version=ticket.version,
            )

    def _write(self, ticket: Ticket, version: int, values: dict) -> None:
        self._check_version(ticket, version)
        values.setdefault("updated_at", to_db(self.clock()))
        if not self.store.update_ticket(ticket.id, version, values):
            raise ConflictError(f"ticket #{ticket.number} was changed by someone else; reload it",
                                current_version=None)

    def _event(self, ticket_id: int, changes: Sequence[EventData], body: str = "", *,
               customer_id: int | None = None) -> int:
        """A tracked change, by the actor (or by the customer `customer_id`: what they
        caused by writing, e.g. reopening)."""
        body = body or "; ".join(f"{e.field}: {e.old or '—'} → {e.new or '—'}" for e in changes)
        now = to_db(self.clock())
        agent_id = None if self.actor.role is Role.portal or customer_id else self.actor.id
        if customer_id is None and self.actor.role is Role.portal:
            customer_id = self.actor.customer_id
        mid = self.store.insert_message(ticket_id, MessageKind.event, body, now,
                                        agent_id=agent_id, customer_id=customer_id,
                                        events=changes)
        self.store.touch(ticket_id, now, 1)
        return mid

    @staticmethod
    def _page(items: list, limit: int, key: Callable) -> Page:
        more = len(items) > limit
        items = items[:limit]
        return Page(items=items, next_cursor=keyset.encode(*key(items[-1])) if more else None)

    def _message(self, scope: Scope, ticket_id: int, message_id: int) -> Message:
        page = self.store.messages_page(scope, ticket_id, message_id - 1, 1)
        return page[0]

    # --- configuration changes --------------------------------------------------------

    def _audit(self, kind: str, object_id: int | None, object_name: str, action: str,
               changes: Sequence[EventData] = ()) -> None:
        """The audit row of a configuration change, in the change's transaction."""
        self.store.insert_audit(at=to_db(self.clock()), actor_id=self.actor.id,
                                actor_name=self.actor.name or self.actor.email, kind=kind,
                                object_id=object_id, object_name=object_name, action=action,
                                changes=changes)

    @staticmethod
    def _changes(before: dict, after: dict, show: Callable[[str, object], str] | None = None
                 ) -> list[EventData]:
        """Each field of `after` whose value differs from `before`, as text for people."""
        def text(key: str, value: object) -> str | None:
            if value is None:
                return None
            if show is not None:
                return show(key, value)
            if isinstance(value, list | tuple):
                return ", ".join(str(v) for v in value)
            return str(value.value if hasattr(value, "value") else value)

        return [EventData(field=key, old=text(key, before.get(key)), new=text(key, value))
                for key, value in after.items() if before.get(key) != value]

    @staticmethod
    def _check_config_version(what: str, current: int, version: int | None) -> None:
        if version is not None and version != current:
            raise ConflictError(
                f"{what} was changed by someone else (you saw version {version}, it is now "
                f"{current}); reload it and try again", current_version=current)

    def _system_scope(self) -> Scope:
        return Scope(agent_id=0, role=Role.admin, all_teams=True, team_ids=frozenset(),
                     public_team_ids=frozenset(), customer_id=None)

    # --- written in one mixin, called from others -------------------------------------
    # Declared here so that a reader of any mixin sees what they are and where they live;
    # `Service` puts the mixins before this class, so their bodies are the ones that run.

    def _apply_slas(self, ticket_id: int, team: Team, stage_id: int, priority: int,
                    tags: Sequence[str], customer_id: int | None, now: datetime,
                    keep: Sequence[tuple] = ()) -> None:
        """Start the clocks of the team's matching SLA policies (clocks.py)."""
        raise NotImplementedError

    def _advance_slas(self, ticket_id: int, team: Team, stage: Stage, now: datetime) -> None:
        """After a move: reach, pause or resume the ticket's SLA clocks (clocks.py)."""
        raise NotImplementedError

    def _template_context(self, ticket: Ticket, stage: Stage | None) -> dict:
        """What a mail template sees for this ticket (clocks.py)."""
        raise NotImplementedError

    def _stage_mail(self, ticket_id: int, stage: Stage) -> None:
        """Queue the stage's template for the customer, in the caller's transaction
        (clocks.py)."""
        raise NotImplementedError

    def _rating_request(self, ticket_id: int) -> bool:
        """Queue the rating request of a ticket just closed, when due (ratings.py)."""
        raise NotImplementedError

    def _close_into(self, ticket: Ticket, version: int, team: Team, stage: Stage,
                    body: str, now: datetime) -> None:
        """Move an open ticket into a closing stage, in the caller's transaction
        (closing.py)."""
        raise NotImplementedError

    # Notifications (notifications.py), each inside the caller's transaction.

    def _notify_created(self, ticket_id: int, message_id: int, automatic: bool) -> None:
        """A new ticket: its assignee and its team's followers hear of it."""
        raise NotImplementedError

    def _notify_changed(self, before: Ticket, message_id: int, automatic: bool = False
                        ) -> None:
        """A changed ticket (`before`: as it was): a new assignee, the team's followers."""
        raise NotImplementedError

    def _notify_message(self, ticket_id: int, message_id: int,
                        mentioned: Sequence[int] = (), customer: str | None = None) -> None:
        """A reply or comment: mentioned agents; when a customer wrote, the assignee and
        followers; the team's followers."""
        raise NotImplementedError

    def _notify_sla_due(self, now: datetime) -> None:
        """SLA deadlines within the next working hour: their assignees hear, once."""
        raise NotImplementedError

    def _notify_sla_failed(self, now: datetime) -> None:
        """SLA clocks about to fail: their assignees hear, once."""
    def _webhook(self, event: WebhookEvent, ticket_id: int, *, message_id: int | None = None,
                 ticket: Ticket | None = None, extra: dict[str, Any] | None = None) -> None:
        """Queue a webhook event for the subscribed endpoints, its payload built just
        before the caller's transaction commits (webhooks.py)."""
        raise NotImplementedError

    def _webhook_change(self, before: Ticket, ticket_id: int) -> None:
        """A ticket's fields changed: ticket.closed, .reopened or .updated (webhooks.py)."""
        raise NotImplementedError

    def create_customer(self, data: CustomerCreate) -> Customer:
        """A new customer (directory.py)."""
        raise NotImplementedError

    def get_customer(self, customer_id: int) -> Customer:
        """A customer the actor may see (directory.py)."""
        raise NotImplementedError

    def customer_tickets(self, customer_id: int, cursor: str | None = None,
                         limit: int = 50) -> Page[TicketCard]:
        """A customer's tickets the actor may see, newest first (customers.py)."""
        raise NotImplementedError
