"""Merging tickets into one, and splitting messages out into a new ticket."""

from __future__ import annotations

from collections.abc import Sequence

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, ValidationFailed
from deskline.models import (
    MERGE_FIELDS,
    PRIORITY_LABELS,
    EventData,
    FieldValues,
    MergePreview,
    MergeRequest,
    PairScore,
    SplitRequest,
    Ticket,
    WebhookEvent,
)
from deskline.rules import similarity
from deskline.service.base import ServiceBase, existing

# How a sentence names a field that a merge chooses.
MERGE_FIELD_NAMES = {"customer_id": "customer", "assignee_id": "assignee", "stage_id": "stage",
                     "team_id": "team"}


class MergeUseCases(ServiceBase):

    def _field_value(self, ticket: Ticket, field: str) -> str | None:
        shown = {
            "customer_id": ticket.customer_name or ticket.customer_email,
            "assignee_id": ticket.assignee_name,
            "priority": PRIORITY_LABELS[ticket.priority],
            "stage_id": ticket.stage_name,
            "team_id": ticket.team_name,
        }
        if field in shown:
            return shown[field]
        return getattr(ticket, field)

    def merge_preview(self, ticket_ids: Sequence[int]) -> MergePreview:
        scope = self.scope()
        access.require_agent(scope, "merge tickets")
        ids = list(dict.fromkeys(ticket_ids))
        if len(ids) < 2:
            raise ValidationFailed("choose at least two different tickets to merge",
                                   field="ticket_ids")
        tickets = [self._ticket(scope, i) for i in ids]
        pairs = [PairScore(a=a.id, b=b.id, score=similarity.similarity(a, b))
                 for n, a in enumerate(tickets) for b in tickets[n + 1:]]
        fields = []
        for field in MERGE_FIELDS:
            values = {t.id: self._field_value(t, field) for t in tickets}
            fields.append(FieldValues(field=field, values=values,
                                      differs=len(set(values.values())) > 1))
        return MergePreview(tickets=tickets, pairs=pairs, fields=fields,
                            message_count=sum(t.message_count for t in tickets))

    def merge(self, request: MergeRequest) -> Ticket:
        scope = self.scope()
        access.require_agent(scope, "merge tickets")
        sources = list(dict.fromkeys(request.source_ids))
        if request.target_id in sources:
            raise ValidationFailed("a ticket cannot be merged into itself", field="source_ids")
        target = self._ticket(scope, request.target_id)
        tickets = {target.id: target} | {s: self._ticket(scope, s) for s in sources}
        for t in tickets.values():
            if t.merged_into is not None:
                raise ConflictError(f"ticket #{t.number} was already merged into another ticket")
            if t.id not in request.versions:
                raise ValidationFailed(f"the version you saw of ticket #{t.number} is missing",
                                       field="versions")
            self._check_version(t, request.versions[t.id])
        columns: dict = {}
        changes: list[EventData] = []
        for field, chosen in request.choices.items():
            if field not in MERGE_FIELDS:
                raise ValidationFailed(f"{field} cannot be chosen in a merge", field="choices")
            if chosen not in tickets:
                raise ValidationFailed(f"ticket {chosen} is not part of this merge",
                                       field="choices")
            value = getattr(tickets[chosen], field)
            if value != getattr(target, field):
                columns[field] = value
                changes.append(EventData(field=field.removesuffix("_id"),
                                         old=self._field_value(target, field),
                                         new=self._field_value(tickets[chosen], field)))
        team_id = columns.get("team_id", target.team_id)
        team = self._team(scope, team_id, field="choices")
        stage_id = columns.get("stage_id", target.stage_id)
        if stage_id not in team.stage_ids:
            stage_id = team.stage_ids[0]
        if stage_id != target.stage_id:
            stage = existing(self.store.stage(stage_id))  # one of the team's stages
            columns["stage_id"] = stage_id
            columns["closed_at"] = to_db(self.clock()) if stage.closing else None
            columns["is_open"] = int(not stage.closing and not target.archived)
        if "customer_id" in columns:
            customer = self.store.customer(columns["customer_id"]) if columns["customer_id"] \
                else None
            columns["organization_id"] = customer.organization_id if customer else None
        now = to_db(self.clock())
        with self.store.transaction():
            # The sources' own values stay on record (structured), under one sentence.
            kept = [EventData(field=f"{f.removesuffix('_id')} of #{tickets[sid].number}",
                              old=self._field_value(tickets[sid], f))
                    for sid in sources for f in MERGE_FIELDS]
            mid = self._event(target.id, kept, body=_merged_sentence(target, sources, tickets,
                                                                     request.choices))
            self._write(target, request.versions[target.id], columns)
            if changes:
                self._event(target.id, changes)
            self.store.move_messages(None, sources, target.id)
            tags = list(dict.fromkeys(tag for t in tickets.values() for tag in t.tags))
            if tags != target.tags:
                self.store.set_tags(target.id, self.store.tag_ids(tags), tags)
            for aid in {a for t in tickets.values() for a in t.follower_ids}:
                self.store.set_follower(target.id, aid, True)
            for sid in sources:
                source = tickets[sid]
                self._write(source, request.versions[sid], {
                    "merged_into": target.id, "archived": 1, "is_open": 0, "updated_at": now})
                self._event(sid, [EventData(field="merged_into", new=f"#{target.number}")],
                            body=f"Merged into #{target.number}; its messages are there now")
                self._webhook(WebhookEvent.ticket_merged, sid)
            self.store.recount_messages([target.id, *sources])
            self._notify_changed(target, mid)
            self._webhook_change(target, target.id)
        return self._ticket(scope, target.id)

    def split(self, ticket_id: int, request: SplitRequest) -> Ticket:
        scope = self.scope()
        access.require_agent(scope, "split tickets")
        ticket = self._ticket(scope, ticket_id)
        chosen = list(dict.fromkeys(request.message_ids))
        found = self.store.message_rows(ticket.id, chosen)
        missing = set(chosen) - set(found)
        if missing:
            raise ValidationFailed(f"messages {sorted(missing)} are not part of ticket "
                                   f"#{ticket.number}", field="message_ids")
        if self.store.replies_and_comments_besides(ticket.id, chosen) == 0:
            raise ValidationFailed("splitting every message away would leave an empty ticket; "
                                   "keep at least one reply or comment", field="message_ids")
        self._check_version(ticket, request.version)
        team = existing(self.store.team(ticket.team_id))
        now = self.clock()
        with self.store.transaction():
            self._write(ticket, request.version, {})
            new_id = self.store.insert_ticket({
                "number": self.store.next_number(),
                "subject": request.subject or f"Split from #{ticket.number}: {ticket.subject}",
                "description": "", "team_id": ticket.team_id, "stage_id": team.stage_ids[0],
                "assignee_id": ticket.assignee_id, "customer_id": ticket.customer_id,
                "organization_id": ticket.organization_id, "priority": ticket.priority,
                "channel": ticket.channel.value, "created_at": to_db(now),
                "updated_at": to_db(now), "split_from": ticket.id,
            })
            if ticket.tags:
                self.store.set_tags(new_id, self.store.tag_ids(ticket.tags), ticket.tags)
            for aid in ticket.follower_ids:
                self.store.set_follower(new_id, aid, True)
            self.store.move_messages(chosen, [ticket.id], new_id)
            new_number = self.store.ticket_number(new_id)
            moved = _messages(len(chosen))
            mid = self._event(new_id, [EventData(field="split_from", new=f"#{ticket.number}")],
                              body=f"Split from #{ticket.number}: {moved}")
            self._event(ticket.id, [EventData(field="split_into", new=f"#{new_number}")],
                        body=f"Split into #{new_number}: {moved}")
            self.store.recount_messages([ticket.id, new_id])
            self._apply_slas(new_id, team, team.stage_ids[0], ticket.priority, ticket.tags,
                             ticket.customer_id, now)
            self._notify_created(new_id, mid, automatic=False)
            self._webhook(WebhookEvent.ticket_created, new_id)
            self._webhook_change(ticket, ticket.id)
        return self._ticket(scope, new_id)


def _messages(n: int) -> str:
    return f"{n} message" if n == 1 else f"{n} messages"


def _merged_sentence(target: Ticket, sources: list[int], tickets: dict[int, Ticket],
                     choices: dict[str, int]) -> str:
    """"Merged #12 and #15 into this ticket; kept the subject of #12 and the priority of
    #15": for each field whose values differed, the ticket whose value the target keeps."""
    numbers = [f"#{tickets[s].number}" for s in sources]
    names = numbers[0] if len(numbers) == 1 else \
        ", ".join(numbers[:-1]) + " and " + numbers[-1]
    kept = []
    for field in MERGE_FIELDS:
        if len({repr(getattr(t, field)) for t in tickets.values()}) > 1:
            owner = tickets[choices.get(field, target.id)]
            kept.append(f"the {MERGE_FIELD_NAMES.get(field, field)} of #{owner.number}")
    sentence = f"Merged {names} into this ticket"
    if kept:
        sentence += "; kept " + (kept[0] if len(kept) == 1 else
                                 ", ".join(kept[:-1]) + " and " + kept[-1])
    return sentence
