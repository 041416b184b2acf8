"""Each agent's notification inbox: who hears of a change (mentions, assignments, customers
writing, SLA deadlines, followed teams), written in the transaction of the change that
caused it, with the mail the agent asked for; reading the inbox, marking read, the
agent's settings and following a team's tickets.

Rules kept here once: the actor never hears of their own action; nobody hears of a ticket
they may not see (checked when written, and again when the inbox is read); inactive and
portal accounts hear nothing; each agent gets one notification per change (the first
reason that applies: mention, assignment, customer, followed team); a followed team's
ticket notifies again only once its last notification was read; an SLA warning or
failure is written once per clock and deadline however often the maintenance pass runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from deskline import access
from deskline.access import Scope
from deskline.clock import to_db
from deskline.errors import ValidationFailed
from deskline.models import (
    Agent,
    Notification,
    NotificationCount,
    NotificationKind,
    NotificationSettings,
    Page,
    Role,
    Team,
    Ticket,
)
from deskline.rules import sla
from deskline.service.base import MAX_PAGE, ServiceBase, existing
from deskline.store import keyset
from deskline.store.notifications import NewNotification, SlaClock

# (agent id, kind, sentence): callers list them in order of precedence.
Wanted = tuple[int, NotificationKind, str]

ORDERS = ("newest", "unread")  # newest first; or unread first, each part newest first


def _line(text: str | None) -> str:
    """Stored text as one line of a sentence (it is sanitized again where shown)."""
    return " ".join((text or "").split())


class NotificationUseCases(ServiceBase):

    # --- the inbox ----------------------------------------------------------------------

    def notifications(self, unread: bool = False, order: str = "newest",
                      cursor: str | None = None, limit: int = 50) -> Page[Notification]:
        """The actor's inbox, newest first (`order="unread"`: the unread part first);
        `unread`: only what is unread. Keyset pages."""
        scope = self._inbox_scope()
        if order not in ORDERS:
            raise ValidationFailed(f"order is one of {', '.join(ORDERS)}", field="order")
        if limit < 1 or limit > MAX_PAGE:
            raise ValidationFailed(f"a page holds 1 to {MAX_PAGE} items", field="limit")
        # The cursor: (part, last id); part 1 is the unread part of "unread first", 0 the
        # rest (or the whole inbox newest first).
        part, before = (1 if order == "unread" else 0), None
        if cursor:
            part, before = keyset.decode(cursor, 2)
            if part not in (0, 1) or not isinstance(before, int):
                raise ValidationFailed("the page cursor is not valid", field="cursor")
        items: list[Notification] = []
        while True:
            want: bool | None = True if unread or part == 1 else (
                False if order == "unread" else None)
            items += self.store.notifications_page(scope, self.actor.id, want, before,
                                                   limit + 1 - len(items))
            if len(items) > limit or part == 0 or unread:
                break
            part, before = 0, None  # the unread part is over: on to the read ones
        more = len(items) > limit
        items = items[:limit]
        if more and items:
            last = items[-1]
            next_part = 1 if order == "unread" and last.unread else 0
            return Page(items=items, next_cursor=keyset.encode(next_part, last.id))
        return Page(items=items, next_cursor=None)

    def unread_notifications(self) -> NotificationCount:
        scope = self._inbox_scope()
        return NotificationCount(unread=self.store.unread_notification_count(scope,
                                                                             self.actor.id))

    def mark_notifications_read(self, ids: Sequence[int]) -> NotificationCount:
        """Mark the actor's notifications `ids` read (others' ids are ignored)."""
        self._inbox_scope()
        with self.store.transaction():
            self.store.mark_notifications_read(self.actor.id, [int(i) for i in ids],
                                               to_db(self.clock()))
        return self.unread_notifications()

    def mark_all_notifications_read(self) -> NotificationCount:
        self._inbox_scope()
        with self.store.transaction():
            self.store.mark_notifications_read(self.actor.id, None, to_db(self.clock()))
        return self.unread_notifications()

    def notification_settings(self) -> NotificationSettings:
        self._inbox_scope()
        return self.store.notification_settings(self.actor.id)

    def update_notification_settings(self, data: NotificationSettings
                                     ) -> NotificationSettings:
        """The actor's own choice: which kinds also come by mail, and the bell."""
        self._inbox_scope()
        data = NotificationSettings(mail_kinds=list(dict.fromkeys(data.mail_kinds)),
                                    bell=data.bell)
        with self.store.transaction():
            self.store.save_notification_settings(self.actor.id, data)
        return self.store.notification_settings(self.actor.id)

    def follow_team(self, team_id: int, following: bool = True) -> Team:
        """Follow (or stop following) every ticket of a team the actor sees: its new and
        changed tickets come to the inbox. An agent's own choice, not configuration."""
        scope = self._inbox_scope()
        team = self._team(scope, team_id)
        with self.store.transaction():
            self.store.set_team_follower(team.id, self.actor.id, following)
        return existing(self.store.team(team.id))

    def _inbox_scope(self) -> Scope:
        scope = self.scope()
        access.require_agent(scope, "have a notification inbox")
        return scope

    # --- who hears of what (called inside the change's transaction) ----------------------

    def _notify(self, ticket_id: int, message_id: int | None, wanted: Sequence[Wanted], *,
                once: str | None = None, by_actor: bool = True) -> None:
        """Write the notifications `wanted` about a ticket, and queue the mail their
        agents chose. `by_actor`: the change is the actor's (who is then left out);
        `once`: a key written once per agent."""
        if not wanted:
            return
        ticket = existing(self.store.ticket(self._system_scope(), ticket_id))
        teams = self.store.teams()
        chosen: dict[int, Wanted] = {}
        for entry in wanted:
            if entry[0] not in chosen and not (by_actor and entry[0] == self.actor.id):
                chosen[entry[0]] = entry
        agents = {a.id: a for a in self.store.agents(list(chosen))}
        again = self.store.unread_about(ticket.id, NotificationKind.team_ticket.value,
                                        [aid for aid, e in chosen.items()
                                         if e[1] is NotificationKind.team_ticket])
        rows = []
        for aid, (_aid, kind, sentence) in chosen.items():
            agent = agents.get(aid)
            if agent is None or not self._may_hear(agent, ticket, teams) or aid in again:
                continue
            rows.append(NewNotification(aid, kind.value, ticket.id, message_id, sentence,
                                        once))
        if not rows:
            return
        now = to_db(self.clock())
        notified = set(self.store.add_notifications(rows, now))
        settings = self.store.notification_settings_of([r.agent_id for r in rows])
        for row in rows:
            wants_mail = settings.get(row.agent_id)
            if row.agent_id in notified and wants_mail is not None and \
                    NotificationKind(row.kind) in wants_mail.mail_kinds:
                self._notification_mail(agents[row.agent_id], ticket, row.body, now)

    @staticmethod
    def _may_hear(agent: Agent, ticket: Ticket, teams: Sequence[Team]) -> bool:
        if not agent.active or agent.role is Role.portal:
            return False
        scope = access.scope_for(agent, teams)
        return access.team_visible(scope, ticket.team_id) or agent.id in ticket.follower_ids

    def _notification_mail(self, agent: Agent, ticket: Ticket, sentence: str,
                           now: str) -> None:
        """To the agent's own address, from the ticket's team; our sentence and the
        ticket's number only — never a comment's text. No ticket id on the row, so it is
        not threaded into the customer's conversation."""
        self.store.queue_mail(
            ticket_id=None, message_id=None, kind="notification", to_addr=agent.email,
            subject=f"[#{ticket.number}] {_line(sentence)}",
            body=(f"{sentence}\n\nTicket #{ticket.number}: {_line(ticket.subject)}\n"
                  f"Open it with: deskline --ticket {ticket.number}\n\n"
                  "You get this mail because you chose it in your notification settings.\n"),
            created_at=now, team_id=ticket.team_id)

    def _who(self) -> str:
        return _line(self.actor.name) or self.actor.email

    def _watchers(self, ticket: Ticket, sentence: str) -> list[Wanted]:
        """The followers of the ticket's team: each hears of it as a followed team's."""
        team = self.store.team(ticket.team_id)
        return [(aid, NotificationKind.team_ticket, sentence)
                for aid in (team.follower_ids if team else ())]

    def _notify_created(self, ticket_id: int, message_id: int, automatic: bool) -> None:
        """A new ticket: its assignee (by someone else, or automatically) and the followers
        of its team."""
        ticket = existing(self.store.ticket(self._system_scope(), ticket_id))
        about = f"#{ticket.number} {_line(ticket.subject)}"
        wanted: list[Wanted] = []
        if ticket.assignee_id is not None:
            wanted.append((ticket.assignee_id, NotificationKind.assigned,
                           f"New ticket {about} was assigned to you automatically"
                           if automatic else f"{self._who()} assigned new ticket {about} "
                           "to you"))
        wanted += self._watchers(ticket, f"New ticket {about} in {_line(ticket.team_name)}")
        self._notify(ticket.id, message_id, wanted)

    def _notify_changed(self, before: Ticket, message_id: int, automatic: bool = False
                        ) -> None:
        """A ticket changed (fields, stage, assignee, archive): a new assignee hears they
        got it; the followers of its team that it changed."""
        ticket = existing(self.store.ticket(self._system_scope(), before.id))
        about = f"#{ticket.number} {_line(ticket.subject)}"
        wanted: list[Wanted] = []
        if ticket.assignee_id is not None and ticket.assignee_id != before.assignee_id:
            wanted.append((ticket.assignee_id, NotificationKind.assigned,
                           f"{about} was assigned to you automatically" if automatic
                           else f"{self._who()} assigned {about} to you"))
        wanted += self._watchers(ticket, f"{self._who()} changed {about} in "
                                         f"{_line(ticket.team_name)}")
        self._notify(ticket.id, message_id, wanted)

    def _notify_message(self, ticket_id: int, message_id: int,
                        mentioned: Sequence[int] = (), customer: str | None = None) -> None:
        """A reply or comment: the agents it mentions; when a customer wrote (`customer`,
        their name), the assignee and the followers; the followers of the team."""
        ticket = existing(self.store.ticket(self._system_scope(), ticket_id))
        about = f"#{ticket.number} {_line(ticket.subject)}"
        wanted: list[Wanted] = [(aid, NotificationKind.mention,
                                 f"{self._who()} mentioned you on {about}")
                                for aid in mentioned]
        if customer is not None:
            said = f"{_line(customer) or 'The customer'} wrote on {about}"
            people = [ticket.assignee_id] if ticket.assignee_id is not None else []
            wanted += [(aid, NotificationKind.customer_wrote, said)
                       for aid in [*people, *ticket.follower_ids]]
            wanted += self._watchers(ticket, f"{said} in {_line(ticket.team_name)}")
        else:
            wanted += self._watchers(ticket, f"{self._who()} wrote on {about} in "
                                             f"{_line(ticket.team_name)}")
        self._notify(ticket.id, message_id, wanted, by_actor=customer is None)

    def customer_message_arrived(self, ticket_id: int, message_id: int,
                                 customer_id: int | None) -> None:
        """Mail intake's hook, inside its transaction: a customer's mail was threaded into
        the ticket. (A portal reply notifies through `reply`.)"""
        customer = self.store.customer(customer_id) if customer_id is not None else None
        name = (customer.name or customer.email) if customer else None
        self._notify_message(ticket_id, message_id, customer=name or "The customer")

    # --- SLA warnings, from the maintenance pass -------------------------------------------

    def _notify_sla_due(self, now: datetime) -> None:
        """Clocks of assigned tickets due within the next working hour of their team's
        calendar: their assignee hears once per clock and deadline."""
        found: list[tuple[SlaClock, NotificationKind]] = []
        for team in self.store.teams():
            if team.archived:
                continue
            until = sla.add_working_hours(now, 1.0, team.calendar)
            found += [(c, NotificationKind.sla_due)
                      for c in self.store.sla_clocks_due(team.id, to_db(now), to_db(until))]
        self._notify_clocks(found)

    def _notify_sla_failed(self, now: datetime) -> None:
        """Clocks about to fail (inside refresh_sla's transaction)."""
        self._notify_clocks([(c, NotificationKind.sla_failed)
                             for c in self.store.sla_clocks_overdue(to_db(now))])

    def _notify_clocks(self, found: Sequence[tuple[SlaClock, NotificationKind]]) -> None:
        if not found:
            return
        keyed = [(f"{kind.value}:{c[0]}:{c[1]}:{c[2]}", c, kind) for c, kind in found]
        done = self.store.existing_once_keys([k for k, _c, _kind in keyed])
        todo = [(k, c, kind) for k, c, kind in keyed if (k, c[3]) not in done]
        if not todo:  # the usual case: nothing new, and no write transaction
            return
        with self.store.transaction():  # joins refresh_sla's when it is open
            for key, (ticket_id, _policy, deadline, assignee, number, subject), kind in todo:
                about = f"#{number} {_line(subject)}"
                when = datetime.fromisoformat(deadline).strftime("%a %H:%M UTC")
                sentence = (f"SLA deadline of {about} is within the hour ({when})"
                            if kind is NotificationKind.sla_due
                            else f"SLA failed on {about} (deadline {when})")
                self._notify(ticket_id, None, [(assignee, kind, sentence)], once=key,
                             by_actor=False)

