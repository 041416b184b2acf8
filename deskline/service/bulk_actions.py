"""Many tickets at once: one action (assign, move, priority, tags, close, archive, merge)
on marked tickets or on all that match a board's filter; a preview of what it will do;
one undo of an agent's last bulk action.

Each ticket goes through the single-ticket use case (events, SLA clocks, stage mail,
change log as for one ticket), the whole batch in one transaction with a savepoint per
ticket: a ticket that is not visible, changed since the caller saw it, or refused is left
out and reported, and the others are written. A preview runs the same code and rolls it
all back, so it says exactly what applying would do at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from deskline import access
from deskline.access import Scope
from deskline.clock import to_db
from deskline.errors import DesklineError, NotFound, ValidationFailed
from deskline.models import (
    MAX_BULK_TICKETS,
    BulkAction,
    BulkOutcome,
    BulkRequest,
    BulkSkip,
    MergeRequest,
    Ticket,
    TicketCard,
    TicketUpdate,
)
from deskline.service.base import ServiceBase
from deskline.store.bulk_actions import UndoEntry

if TYPE_CHECKING:
    from deskline.service.closing import ClosingUseCases
    from deskline.service.merging import MergeUseCases
    from deskline.service.tickets import TicketUseCases

    # The single-ticket use cases this module runs for each ticket; `Service` mixes
    # them in beside this one.
    class _Base(TicketUseCases, MergeUseCases, ClosingUseCases):  # in `Service` order
        pass
else:
    _Base = ServiceBase

_MATCH_PAGE = 1000
_MERGE_NOTE = "A merge cannot be undone."


class _DryRun(Exception):  # noqa: N818 - not an error: how a preview rolls back
    def __init__(self, outcome: BulkOutcome) -> None:
        super().__init__("preview")
        self.outcome = outcome


class BulkActionUseCases(_Base):

    def bulk_preview(self, request: BulkRequest) -> BulkOutcome:
        """What `bulk_apply` would do now: how many change, which are left out and why."""
        # A savepoint, not the transaction, rolls it back: the transaction may be an outer
        # one (the server's, which keeps an idempotent answer), and a nested use only joins.
        with self.store.transaction(), self.store.ticket_writes_only():
            try:
                with self.store.savepoint():
                    raise _DryRun(self._bulk(request, preview=True))
            except _DryRun as dry:
                return dry.outcome

    def bulk_apply(self, request: BulkRequest) -> BulkOutcome:
        """Run the action on every ticket that can take it, in one transaction; it becomes
        the agent's last bulk action (what `undo_last_bulk` undoes), a merge excepted."""
        with self.store.transaction(), self.store.ticket_writes_only():
            return self._bulk(request, preview=False)

    def undo_last_bulk(self) -> BulkOutcome:
        """Put back each ticket of the agent's last bulk action that is still as that
        action left it; the others (changed since, no longer visible) are listed."""
        scope = self.scope()
        access.require_agent(scope, "undo bulk actions")
        with self.store.transaction(), self.store.ticket_writes_only():
            found = self.store.bulk_undo(self.actor.id)
            if found is None:
                raise NotFound("there is no bulk action of yours to undo")
            action, entries = BulkAction(found[0]), found[1]
            outcome = BulkOutcome(action=action, total=len(entries), undoable=False)
            before = {tid: was for tid, _v, was in entries}
            for ticket in self._still_as_seen(scope, [(tid, v) for tid, v, _b in entries],
                                              outcome, "after the bulk action"):
                try:
                    with self.store.savepoint():
                        self._revert(action, ticket, before[ticket.id])
                except DesklineError as exc:
                    outcome.skipped.append(_refused(ticket, exc))
                else:
                    outcome.changed.append(ticket.id)
            self.store.drop_bulk_undo(self.actor.id)
        return outcome

    # --- one batch ----------------------------------------------------------------------

    def _bulk(self, request: BulkRequest, *, preview: bool) -> BulkOutcome:
        scope = self.scope()
        access.require_agent(scope, "change tickets in bulk")
        self._check_argument(request)
        named = list(self._selection(scope, request))
        outcome = BulkOutcome(action=request.action, total=len(named),
                              undoable=request.action is not BulkAction.merge,
                              note=_MERGE_NOTE if request.action is BulkAction.merge else "")
        fresh = self._still_as_seen(scope, named, outcome, "since you saw it")
        if request.action is BulkAction.merge:
            self._bulk_merge(request, [self._ticket(scope, c.id) for c in fresh], outcome)
            if not preview:
                self.store.drop_bulk_undo(self.actor.id)  # the last bulk action: not undoable
            return outcome
        undo: list[UndoEntry] = []
        # A preview rolls everything back at its end; a savepoint per ticket inside its
        # own would cost more than the writes (SQLite keeps every page for both).
        one: Callable[[], AbstractContextManager[None]] = \
            nullcontext if preview else self.store.savepoint
        for ticket in fresh:
            try:
                with one():
                    changed = self._apply_one(request, ticket)
            except DesklineError as exc:
                outcome.skipped.append(_refused(ticket, exc))
                continue
            if changed is None:
                outcome.unchanged.append(ticket.id)
            else:
                outcome.changed.append(ticket.id)
                undo.append((ticket.id, changed.version, _before(request.action, ticket)))
        if not preview:  # the last bulk action, even one that changed nothing
            if undo:
                self.store.save_bulk_undo(self.actor.id, request.action.value,
                                          to_db(self.clock()), undo)
            else:
                self.store.drop_bulk_undo(self.actor.id)
        return outcome

    def _still_as_seen(self, scope: Scope, named: list[tuple[int, int]],
                       outcome: BulkOutcome, since: str) -> list[TicketCard]:
        """The tickets still at the version named, in order, read in one query (whether
        each is visible, its version, what it is now); the others go to the skipped."""
        cards = {c.id: c for c in self.store.cards(scope, [tid for tid, _v in named])}
        fresh = []
        for ticket_id, version in named:
            ticket = cards.get(ticket_id)
            if ticket is None:
                outcome.skipped.append(_not_visible(ticket_id))
            elif ticket.version != version:
                outcome.skipped.append(BulkSkip(
                    ticket_id=ticket_id, number=ticket.number, reason="changed_since",
                    detail=f"#{ticket.number} changed {since} (version {version}, now "
                           f"{ticket.version})"))
            else:
                fresh.append(ticket)
        return fresh

    def _check_argument(self, request: BulkRequest) -> None:
        """The action's argument, once for the batch: a bad one refuses the whole request,
        naming the field."""
        action = request.action
        if action is BulkAction.assign and request.agent_id is not None:
            self._assignable(request.agent_id, field="agent_id")
        elif action is BulkAction.move:
            if request.stage_id is None or self.store.stage(request.stage_id) is None:
                raise ValidationFailed("choose the stage to move the tickets into",
                                       field="stage_id")
        elif action is BulkAction.priority and request.priority is None:
            raise ValidationFailed("choose the priority", field="priority")
        elif action in (BulkAction.add_tag, BulkAction.remove_tag) and \
                not (request.tag or "").strip():
            raise ValidationFailed("name the tag", field="tag")

    def _selection(self, scope: Scope, request: BulkRequest) -> Iterator[tuple[int, int]]:
        """(ticket id, version seen) of each ticket named once, or of each that matches."""
        if request.match is None:
            seen: set[int] = set()
            for item in request.tickets:
                if item.ticket_id not in seen:
                    seen.add(item.ticket_id)
                    yield item.ticket_id, item.version
            return
        match = request.match
        team = self._team(scope, match.team_id, field="match")
        if match.stage_id is not None and match.stage_id not in team.stage_ids:
            raise ValidationFailed(f"stage {match.stage_id} is not a stage of team "
                                   f"{team.name}", field="match")
        count = 0
        for stage_id in [match.stage_id] if match.stage_id is not None else team.stage_ids:
            after = None
            while True:  # the board's own pages, so "all that match" is what the board shows
                cards = self.store.column_page(scope, team.id, stage_id, match.filter, after,
                                               _MATCH_PAGE)
                for card in cards:
                    count += 1
                    if count > MAX_BULK_TICKETS:
                        raise ValidationFailed(f"more than {MAX_BULK_TICKETS:,} tickets match; "
                                               "narrow the filter", field="match")
                    yield card.id, card.version
                if len(cards) < _MATCH_PAGE:
                    break
                last = cards[-1]
                after = (last.priority, to_db(last.created_at), last.id)

    def _apply_one(self, request: BulkRequest, ticket: TicketCard) -> Ticket | None:
        """The action on one ticket through its single-ticket use case; None when the
        ticket was already as asked (the use case then writes nothing: same version)."""
        action, tid, version = request.action, ticket.id, ticket.version
        tag = (request.tag or "").strip()
        if action is BulkAction.assign:
            done = self.assign_ticket(tid, version, request.agent_id)
        elif action is BulkAction.move:
            assert request.stage_id is not None  # _check_argument
            done = self.move_ticket(tid, version, request.stage_id)
        elif action is BulkAction.priority:
            done = self.update_ticket(tid, version, TicketUpdate(priority=request.priority))
        elif action is BulkAction.add_tag:
            if tag in ticket.tags:
                return None
            done = self.update_ticket(tid, version, TicketUpdate(tags=[*ticket.tags, tag]))
        elif action is BulkAction.remove_tag:
            if tag not in ticket.tags:
                return None
            done = self.update_ticket(tid, version,
                                      TicketUpdate(tags=[t for t in ticket.tags if t != tag]))
        elif action is BulkAction.close:
            done = self.close_my_ticket(tid, version)
        else:
            assert action is BulkAction.archive  # merge is _bulk_merge
            done = self.archive_ticket(tid, version, True)
        return None if done.version == version else done

    def _revert(self, action: BulkAction, ticket: TicketCard, before: Any) -> None:
        tid, version = ticket.id, ticket.version
        if action is BulkAction.assign:
            self.assign_ticket(tid, version, before)
        elif action in (BulkAction.move, BulkAction.close):
            self.move_ticket(tid, version, before)
        elif action is BulkAction.priority:
            self.update_ticket(tid, version, TicketUpdate(priority=before))
        elif action in (BulkAction.add_tag, BulkAction.remove_tag):
            self.update_ticket(tid, version, TicketUpdate(tags=before))
        elif action is BulkAction.archive:
            self.archive_ticket(tid, version, False)

    def _bulk_merge(self, request: BulkRequest, fresh: list[Ticket],
                    outcome: BulkOutcome) -> None:
        """Every ticket that can take part into the chosen one, else into the oldest,
        through the merge use case."""
        usable = []
        for ticket in fresh:
            if ticket.merged_into is not None:
                outcome.skipped.append(BulkSkip(
                    ticket_id=ticket.id, number=ticket.number, reason="refused",
                    detail=f"#{ticket.number} was already merged into another ticket"))
            else:
                usable.append(ticket)
        if len(usable) < 2:
            raise ValidationFailed("a merge needs two or more tickets that can be merged",
                                   field="tickets")
        target = min(usable, key=lambda t: (t.created_at, t.number))
        if request.target_id is not None:
            chosen = next((t for t in usable if t.id == request.target_id), None)
            if chosen is None:
                raise ValidationFailed("the ticket to merge into must be one of the tickets "
                                       "that can be merged", field="target_id")
            target = chosen
        self.merge(MergeRequest(target_id=target.id,
                                source_ids=[t.id for t in usable if t.id != target.id],
                                versions={t.id: t.version for t in usable}))
        outcome.target_id = target.id
        outcome.changed = [t.id for t in usable]


def _not_visible(ticket_id: int) -> BulkSkip:
    # Only the id the caller sent: whether it exists or is hidden is not told.
    return BulkSkip(ticket_id=ticket_id, reason="not_visible",
                    detail=f"ticket {ticket_id} does not exist or is not visible to you")


def _refused(ticket: TicketCard, exc: DesklineError) -> BulkSkip:
    return BulkSkip(ticket_id=ticket.id, number=ticket.number, reason="refused",
                    detail=f"#{ticket.number}: {exc.message}")


def _before(action: BulkAction, ticket: TicketCard) -> Any:
    """What `_revert` needs to put the ticket back (JSON)."""
    if action is BulkAction.assign:
        return ticket.assignee_id
    if action in (BulkAction.move, BulkAction.close):
        return ticket.stage_id
    if action is BulkAction.priority:
        return ticket.priority
    if action in (BulkAction.add_tag, BulkAction.remove_tag):
        return list(ticket.tags)
    return None
