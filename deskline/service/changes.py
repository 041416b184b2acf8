"""Which rows of the change log an actor may hear about: one rule for every follower of the
log — the server's event streams and a local console polling its own file.

The service decides, as for every other read: a ticket that still exists is told when the
actor may see it now; a deleted one when its team was visible (and, for a customer's
account, when it was theirs). A customer's account never hears of internal comments or
tracked changes, nor of presence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from deskline import access
from deskline.store.changes import Change

if TYPE_CHECKING:
    from deskline.service import Service


def visible_changes(service: Service, rows: Sequence[Change]) -> list[Change]:
    """The rows (oldest first, as read) this service's actor may hear about."""
    if not rows:
        return []
    scope = service.scope()
    live = service.visible_ticket_ids(r[2] for r in rows
                                      if r[1] not in ("ticket.deleted", "notification"))
    # A notification row (the unread count changed) is for its one agent only.
    mine = {i for i, agent_id in service.store.change_agents(
        [r[0] for r in rows if r[1] == "notification"]).items()
        if agent_id == scope.agent_id} if any(r[1] == "notification" for r in rows) else set()
    kept = []
    for row in rows:
        _id, kind, ticket_id, _version, team_id, customer_id, message_kind = row
        if kind == "notification":
            ok = _id in mine
        elif kind == "ticket.deleted":
            ok = access.team_visible(scope, team_id) and (
                not scope.portal or customer_id == scope.customer_id)
        else:
            ok = ticket_id in live
        if ok and scope.portal and kind == "message.created" and message_kind != "reply":
            ok = False  # internal comments and tracked changes are never told
        if ok and scope.portal and kind == "presence":
            ok = False  # nor who of the team is on a ticket
        if ok:
            kept.append(row)
    return kept
