"""Triage of one ticket, the same from the board and from the ticket view: take it, assign
it, change its priority, delete it (admins). Each names the version the screen showed (a
stale one is refused and `failed` reloads); `done` gets the changed ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.base import BackendCalls

Done = Callable[[Any], Any]
Failed = Callable[[BaseException], Any]


def take(screen: BackendCalls, ticket: Any, done: Done, what: str, failed: Failed) -> None:
    """Assign the ticket (a Ticket or a TicketCard) to the agent at the console; a ticket a
    colleague holds is taken only once the agent confirms."""

    def go() -> None:
        screen.call(lambda b: b.assign_to_me(ticket.id, ticket.version), done, what,
                    failed=failed)

    me = screen.app.me
    holder = ticket.assignee_id
    if holder is None or (me is not None and holder == me.id):
        go()
        return
    from deskline.text import plain
    from tui.pickers import Confirm

    name = plain(ticket.assignee_name or "another agent", one_line=True)
    screen.app.push_screen(Confirm(f"#{ticket.number} is assigned to {name}. Take it?",
                                   "Take it", f"Leave it with {name}"),
                           lambda yes: go() if yes else None)


def assign(screen: BackendCalls, ticket: Any, done: Done, what: str, failed: Failed,
           current: int | None = None) -> None:
    """Pick an agent (or nobody), then assign; `current` is marked in the picker."""
    from tui.pickers import pick_agent

    def chosen(agent_id) -> None:
        if agent_id is None:
            return
        agent = None if agent_id == 0 else agent_id
        screen.call(lambda b: b.assign_ticket(ticket.id, ticket.version, agent), done, what,
                    failed=failed)

    pick_agent(screen, chosen, current if current is not None else ticket.assignee_id,
               team_id=ticket.team_id)


def set_priority(screen: BackendCalls, ticket: Any, done: Done, what: str,
                 failed: Failed) -> None:
    """Pick a priority (the ticket's own marked), then change it."""
    from tui.pickers import pick_priority

    def chosen(value) -> None:
        if value is None:
            return
        from deskline.models import TicketUpdate

        screen.call(lambda b: b.update_ticket(ticket.id, ticket.version,
                                              TicketUpdate(priority=value)),
                    done, what, failed=failed)

    pick_priority(screen, ticket.priority, chosen)


SUBJECT_CELLS = 40  # of the subject in the delete confirmation, which must keep its warning


def delete(screen: BackendCalls, ticket: Any, done: Done, failed: Failed, *,
           admin: bool) -> None:
    """Admins (`admin`: the screen asks `tui.screens.settings.is_admin`, which this module
    may not import): delete the ticket once confirmed by its number and subject; an agent
    is told it is for admins, without a call. `done` gets the ticket, once deleted."""
    if not admin:
        screen.notify("Deleting tickets is for admins.", severity="warning", timeout=4)
        return
    from deskline.text import plain
    from tui.pickers import Confirm
    from widgets.lines import truncate

    def chosen(yes) -> None:
        if yes:
            screen.call(lambda b: b.delete_ticket(ticket.id, ticket.version),
                        lambda _none: done(ticket), f"Deleting #{ticket.number}",
                        failed=failed)

    subject = truncate(plain(ticket.subject, one_line=True), SUBJECT_CELLS)
    screen.app.push_screen(Confirm(f"Delete #{ticket.number} {subject}? It cannot be undone.",
                                   f"Delete #{ticket.number}"), chosen)
