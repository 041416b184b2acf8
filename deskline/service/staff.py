"""Use cases over the people who work the helpdesk: roles, deactivation, time off, team
membership, API tokens, and the audit trail of configuration changes.

A helpdesk always keeps an active admin: demoting or deactivating the last one is refused
inside the transaction that would do it.
"""

from __future__ import annotations

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, ValidationFailed
from deskline.models import (
    Agent,
    AgentDeactivation,
    AgentUpdate,
    ApiToken,
    AuditEntry,
    EventData,
    Page,
    Role,
    TimeOffCreate,
)
from deskline.service.base import ServiceBase, _limit, existing
from deskline.store import keyset

LAST_ADMIN = ("a helpdesk needs an active admin: make another agent an admin first")


class StaffUseCases(ServiceBase):

    def _agent(self, agent_id: int) -> Agent:
        agent = self.store.agent(agent_id)
        if agent is None or agent.role is Role.portal and self.actor.role is not Role.admin:
            raise NotFound(f"agent {agent_id} does not exist")
        return agent

    def _keep_an_admin(self, agent: Agent, field: str) -> None:
        if agent.role is Role.admin and agent.active and \
                self.store.active_admins() == [agent.id]:
            raise ValidationFailed(LAST_ADMIN, field=field)

    def update_agent(self, agent_id: int, data: AgentUpdate) -> Agent:
        """Name, email, role and active; deactivating this way also revokes the agent's
        tokens (as `deactivate_agent`, which also lists their open tickets)."""
        access.require_admin(self.scope(), "change agents")
        values = data.model_dump(exclude_unset=True, exclude_none=True)
        with self.store.transaction():
            agent = self._agent(agent_id)
            if agent.role is Role.portal and values.get("role") not in (None, "portal"):
                raise ValidationFailed("a portal account acts as a customer and stays one",
                                       field="role")
            if values.get("role") == "portal" and agent.role is not Role.portal:
                raise ValidationFailed("an agent cannot become a portal account",
                                       field="role")
            if values.get("role") not in (None, "admin"):
                self._keep_an_admin(agent, "role")
            if values.get("active") is False:
                self._keep_an_admin(agent, "active")
            if "email" in values:
                other = self.store.agent_by_email(values["email"])
                if other is not None and other.id != agent_id:
                    raise ConflictError(f"an agent with the email {values['email']} exists",
                                        field="email")
            changes = self._changes(agent.model_dump(mode="json"), values)
            if not changes:
                return agent
            self.store.update_agent(agent_id, values)
            if values.get("active") is False:
                self.store.revoke_agent_tokens(agent_id, to_db(self.clock()))
            action = "deactivated" if values.get("active") is False else \
                "reactivated" if values.get("active") is True else "changed"
            self._audit("agent", agent_id, agent.email, action, changes)
        return existing(self.store.agent(agent_id))  # agents are never deleted

    def deactivate_agent(self, agent_id: int) -> AgentDeactivation:
        """Deactivate: the agent can no longer sign in (tokens revoked) and is skipped by
        automatic assignment; never deleted, since the chatter names them. Their open
        tickets are listed for reassignment."""
        access.require_admin(self.scope(), "deactivate agents")
        with self.store.transaction():
            agent = self._agent(agent_id)
            self._keep_an_admin(agent, "active")
            revoked = 0
            if agent.active:
                self.store.update_agent(agent_id, {"active": False})
                revoked = self.store.revoke_agent_tokens(agent_id, to_db(self.clock()))
                self._audit("agent", agent_id, agent.email, "deactivated", [
                    EventData(field="active", old="True", new="False"),
                    EventData(field="tokens revoked", new=str(revoked))])
        open_tickets = self.store.assigned_page(self._system_scope(), agent_id, True, None, 200)
        return AgentDeactivation(agent=existing(self.store.agent(agent_id)), tokens_revoked=revoked,
                                 open_tickets=open_tickets)

    def add_time_off(self, agent_id: int, period: TimeOffCreate) -> Agent:
        """An agent sets their own; an admin anyone's. Shown in the assign picker;
        automatic assignment skips the agent meanwhile."""
        access.require_agent(self.scope(), "take time off")  # a portal account works no shifts
        if agent_id != self.actor.id:
            access.require_admin(self.scope(), "set another agent's time off")
        with self.store.transaction():
            agent = self._agent(agent_id)
            self.store.add_time_off(agent_id, to_db(period.start), to_db(period.end))
            self._audit("agent", agent_id, agent.email, "time off added", [EventData(
                field="time off", new=f"{period.start:%Y-%m-%d %H:%M} → "
                                      f"{period.end:%Y-%m-%d %H:%M} UTC")])
        return existing(self.store.agent(agent_id))  # agents are never deleted

    def remove_time_off(self, agent_id: int, time_off_id: int) -> Agent:
        access.require_agent(self.scope(), "take time off")
        if agent_id != self.actor.id:
            access.require_admin(self.scope(), "change another agent's time off")
        with self.store.transaction():
            agent = self._agent(agent_id)
            period = next((p for p in agent.time_off if p.id == time_off_id), None)
            if period is None or not self.store.delete_time_off(agent_id, time_off_id):
                raise NotFound(f"time off {time_off_id} of {agent.email} does not exist")
            self._audit("agent", agent_id, agent.email, "time off removed", [EventData(
                field="time off", old=f"{period.start:%Y-%m-%d %H:%M} → "
                                      f"{period.end:%Y-%m-%d %H:%M} UTC")])
        return existing(self.store.agent(agent_id))  # agents are never deleted

    def set_agent_teams(self, agent_id: int, team_ids: list[int]) -> Agent:
        """The teams the agent is a member of (membership from the agent's side)."""
        access.require_admin(self.scope(), "change team membership")
        with self.store.transaction():
            agent = self._agent(agent_id)
            if agent.role is Role.portal:
                raise ValidationFailed("a portal account cannot be a team member",
                                       field="team_ids")
            teams = {t.id: t for t in self.store.teams()}
            for tid in team_ids:
                if tid not in teams:
                    raise ValidationFailed(f"team {tid} does not exist", field="team_ids")
            before = sorted(t.name for t in teams.values() if agent_id in t.member_ids)
            after = sorted(teams[t].name for t in set(team_ids))
            if before == after:
                return agent
            self.store.set_agent_teams(agent_id, team_ids)
            self._audit("agent", agent_id, agent.email, "teams changed", [EventData(
                field="teams", old=", ".join(before) or None, new=", ".join(after) or None)])
        return existing(self.store.agent(agent_id))  # agents are never deleted

    # --- API tokens ---------------------------------------------------------------------

    def list_tokens(self, agent_id: int | None = None) -> list[ApiToken]:
        """An admin lists anyone's (or everyone's); an agent their own."""
        if agent_id != self.actor.id:
            access.require_admin(self.scope(), "list other agents' tokens")
        return self.store.api_tokens(agent_id)

    def revoke_token(self, token_id: int) -> ApiToken:
        with self.store.transaction():
            token = next((t for t in self.store.api_tokens() if t.id == token_id), None)
            if token is None or token.agent_id != self.actor.id and \
                    self.actor.role is not Role.admin:
                raise NotFound(f"token {token_id} does not exist")
            self.store.revoke_api_token(token_id, to_db(self.clock()))
            self._audit("token", token_id, f"{token.prefix}… of {token.agent_email}", "revoked")
        return next(t for t in self.store.api_tokens() if t.id == token_id)

    # --- the audit trail ----------------------------------------------------------------

    def audit_log(self, kind: str | None = None, cursor: str | None = None,
                  limit: int = 50) -> Page[AuditEntry]:
        """Configuration changes, newest first; admins only."""
        access.require_admin(self.scope(), "read the audit trail")
        before = keyset.decode(cursor, 1)[0] if cursor else None
        items = self.store.audit_page(kind, before, _limit(limit) + 1)
        more = len(items) > limit
        items = items[:limit]
        return Page(items=items, next_cursor=keyset.encode(items[-1].id) if more else None)
