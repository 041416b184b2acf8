"""Canned replies: agents keep their own, admins their teams'; rendered for a ticket here,
so a console on a server inserts the same text as one on the file.

The body is a template of the mail templates' kind (`rules.templates`: one sandbox, one
list of placeholders), checked when saved. `agent` is the one inserting the reply, not
the ticket's assignee. Rendering never fails the agent: a body that cannot be rendered
comes back as written, with the problem said."""

from __future__ import annotations

from deskline import access
from deskline.access import Scope
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, ValidationFailed
from deskline.models import CannedRender, CannedReply, CannedReplyCreate, CannedReplyUpdate
from deskline.rules import templates
from deskline.service.base import ServiceBase, existing


class CannedUseCases(ServiceBase):

    def list_canned_replies(self, team_id: int | None = None,
                            ticket_id: int | None = None) -> list[CannedReply]:
        """The actor's own replies and those of the teams they see; `team_id`: only that
        team's; `ticket_id`: their own and those of the ticket's team (what the composer
        offers)."""
        scope = self.scope()
        access.require_agent(scope, "use canned replies")
        if team_id is not None:
            return self.store.canned_replies(None, [self._team(scope, team_id).id])
        if ticket_id is not None:
            team_ids = [self._ticket(scope, ticket_id).team_id]
        else:
            team_ids = [t.id for t in self.store.teams() if access.team_visible(scope, t.id)]
        return self.store.canned_replies(self.actor.id, team_ids)

    def get_canned_reply(self, reply_id: int) -> CannedReply:
        scope = self.scope()
        access.require_agent(scope, "use canned replies")
        return self._canned(scope, reply_id)

    def _canned(self, scope: Scope, reply_id: int) -> CannedReply:
        """A reply the actor may see: their own, or of a team they see."""
        reply = self.store.canned_reply(reply_id)
        if reply is None or (reply.agent_id is not None and reply.agent_id != self.actor.id) \
                or (reply.team_id is not None and not access.team_visible(scope, reply.team_id)):
            raise NotFound(f"canned reply {reply_id} does not exist")
        return reply

    @staticmethod
    def _check_body(body: str | None) -> None:
        if body is None:
            return
        try:
            templates.check_template(body)
        except templates.TemplateError as exc:
            raise ValidationFailed(str(exc), field="body") from exc

    def _check_name_free(self, name: str, agent_id: int | None, team_id: int | None,
                         reply_id: int | None = None) -> None:
        other = self.store.canned_reply_named(name, agent_id, team_id)
        if other is not None and other != reply_id:
            owner = "you have" if agent_id is not None else "the team has"
            raise ConflictError(f"{owner} a canned reply named {name} already", field="name")

    def _may_change(self, scope: Scope, reply: CannedReply, what: str) -> None:
        if reply.team_id is not None:
            access.require_admin(scope, f"{what} a team's canned replies")

    def create_canned_reply(self, data: CannedReplyCreate) -> CannedReply:
        scope = self.scope()
        access.require_agent(scope, "keep canned replies")
        if data.team_id is not None:
            access.require_admin(scope, "create a team's canned replies")
            self._team(scope, data.team_id, field="team_id")
        self._check_body(data.body)
        agent_id = self.actor.id if data.team_id is None else None
        with self.store.transaction():
            self._check_name_free(data.name, agent_id, data.team_id)
            rid = self.store.insert_canned_reply(data.name, data.body, agent_id, data.team_id,
                                                 to_db(self.clock()))
            if data.team_id is not None:
                self._audit("canned_reply", rid, data.name, "created",
                            self._changes({}, data.model_dump()))
        return existing(self.store.canned_reply(rid))

    def update_canned_reply(self, reply_id: int, data: CannedReplyUpdate) -> CannedReply:
        scope = self.scope()
        access.require_agent(scope, "keep canned replies")
        values = data.model_dump(exclude_unset=True, exclude_none=True)
        self._check_body(values.get("body"))
        with self.store.transaction():
            reply = self._canned(scope, reply_id)
            self._may_change(scope, reply, "change")
            if "name" in values:
                self._check_name_free(values["name"], reply.agent_id, reply.team_id, reply_id)
            changes = self._changes(reply.model_dump(), values)
            if not changes:
                return reply
            self.store.update_canned_reply(reply_id, values, to_db(self.clock()))
            if reply.team_id is not None:
                self._audit("canned_reply", reply_id, reply.name, "changed", changes)
        return existing(self.store.canned_reply(reply_id))

    def delete_canned_reply(self, reply_id: int) -> None:
        scope = self.scope()
        access.require_agent(scope, "keep canned replies")
        with self.store.transaction():
            reply = self._canned(scope, reply_id)
            self._may_change(scope, reply, "delete")
            self.store.delete_canned_reply(reply_id)
            if reply.team_id is not None:
                self._audit("canned_reply", reply_id, reply.name, "deleted")

    def render_canned_reply(self, reply_id: int, ticket_id: int) -> CannedRender:
        """The reply filled in for the ticket, as the composer inserts it."""
        scope = self.scope()
        access.require_agent(scope, "use canned replies")
        reply = self._canned(scope, reply_id)
        ticket = self._ticket(scope, ticket_id)
        context = self._template_context(ticket, self.store.stage(ticket.stage_id))
        context["agent"] = {"name": self.actor.name or ""}
        try:
            return CannedRender(text=templates.render_template(reply.body, context))
        except templates.TemplateError as exc:
            return CannedRender(text=reply.body, problem=str(exc))
