"""What an admin sets up: teams, stages, mail templates, SLA policies.

Every change is one transaction with its audit row; names and aliases are checked for
uniqueness inside it (and the store turns a lost race into a conflict naming the field).
Edits take the version the admin saw, like ticket edits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, ValidationFailed
from deskline.models import (
    EventData,
    MailTemplate,
    MailTemplateCreate,
    MailTemplateUpdate,
    Role,
    SlaPolicy,
    SlaPolicyCreate,
    SlaPolicyUpdate,
    Stage,
    StageCreate,
    StageUpdate,
    Team,
    TeamCreate,
    TeamUpdate,
    TemplatePreview,
    Visibility,
)
from deskline.rules import templates
from deskline.service.base import ServiceBase, existing

# The audit action of a change of `archived` alone.
_ARCHIVING: dict[bool | None, str] = {True: "archived", False: "restored"}


class SetupUseCases(ServiceBase):

    # --- teams --------------------------------------------------------------------------

    def list_teams(self) -> list[Team]:
        scope = self.scope()
        teams = [t for t in self.store.teams() if access.team_visible(scope, t.id)]
        if scope.portal:  # customers see a public team's name and description, no staff
            return [Team(id=t.id, name=t.name, description=t.description,
                         visibility=t.visibility, archived=t.archived, version=t.version)
                    for t in teams]
        return teams

    def get_team(self, team_id: int) -> Team:
        return self._team(self.scope(), team_id)

    def _show(self, key: str, value: object) -> str:
        """A team's or policy's field as people read it in the audit trail."""
        if key in ("member_ids", "follower_ids", "customer_ids") and isinstance(value, list):
            if key == "customer_ids":
                return ", ".join(str(i) for i in value)
            agents = {a.id: a for a in self.store.agents(value)}
            return ", ".join(agents[i].email if i in agents else str(i) for i in value)
        if key.endswith("stage_ids") and isinstance(value, list):
            stages = {s.id: s.name for s in self.store.stages()}
            return ", ".join(stages.get(i, str(i)) for i in value)
        if key.endswith("stage_id") and isinstance(value, int):
            stage = self.store.stage(value)
            return stage.name if stage else str(value)
        if key == "template_id" and isinstance(value, int):
            template = self.store.template(value)
            return template.name if template else str(value)
        if key == "team_id" and isinstance(value, int):
            team = self.store.team(value)
            return team.name if team else str(value)
        if isinstance(value, dict):
            return ", ".join(f"{k}={v}" for k, v in value.items())
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    def _check_team_refs(self, data: TeamCreate | TeamUpdate) -> None:
        agents = {a.id: a for a in self.store.agents()}
        for key in ("member_ids", "follower_ids"):
            for aid in getattr(data, key) or []:
                if aid not in agents or agents[aid].role is Role.portal and key == "member_ids":
                    raise ValidationFailed(f"agent {aid} does not exist", field=key)
        stage_ids = {s.id for s in self.store.stages()}
        for key in ("stage_ids", "auto_close_stage_ids"):
            for sid in getattr(data, key) or []:
                if sid not in stage_ids:
                    raise ValidationFailed(f"stage {sid} does not exist", field=key)

    def _check_team_unique(self, team_id: int | None, values: dict) -> None:
        for team in self.store.teams():
            if team.id == team_id:
                continue
            if "name" in values and team.name.lower() == values["name"].lower():
                raise ConflictError(f"a team named {values['name']} exists", field="name")
            alias = values.get("email_alias")
            if alias and (team.email_alias or "").lower() == alias.lower():
                raise ConflictError(f"{alias} is already the alias of team {team.name}",
                                    field="email_alias")

    def create_team(self, data: TeamCreate) -> Team:
        access.require_admin(self.scope(), "create teams")
        self._check_team_refs(data)
        values = data.model_dump(mode="json")
        with self.store.transaction():
            self._check_team_unique(None, values)
            tid = self.store.save_team(None, values)
            self._audit("team", tid, data.name, "created",
                        self._changes({}, {k: v for k, v in values.items()
                                           if v not in (None, [], False, "")}, self._show))
        return existing(self.store.team(tid))

    def update_team(self, team_id: int, data: TeamUpdate, version: int | None = None) -> Team:
        """`version`: the one the admin saw (None: whatever is there now)."""
        access.require_admin(self.scope(), "change teams")
        self._check_team_refs(data)
        values = data.model_dump(mode="json", exclude_unset=True)
        with self.store.transaction():
            team = self._team(self.scope(), team_id)
            self._check_config_version(f"team {team.name}", team.version, version)
            self._check_team_unique(team_id, values)
            before = team.model_dump(mode="json")
            changes = self._changes(before, values, self._show)
            if not changes:
                return team
            if before["visibility"] == "public" and values.get("visibility") not in \
                    (None, Visibility.public.value):
                self.store.remove_portal_followers(team_id)
            self.store.save_team(team_id, values)
            action = _ARCHIVING.get(values.get("archived")) \
                if len(values) == 1 and "archived" in values else "changed"
            # None only for a lone explicit `archived: null`; passed on as it always was.
            self._audit("team", team_id, team.name, cast(str, action), changes)
        return existing(self.store.team(team_id))

    def archive_team(self, team_id: int, archived: bool = True,
                     version: int | None = None) -> Team:
        """Archived teams take no new tickets and leave the dashboard; their tickets stay
        readable. A team is never deleted."""
        return self.update_team(team_id, TeamUpdate(archived=archived), version)

    def portal_followers(self, team_id: int) -> int:
        """How many follows by portal accounts (of the team, of its tickets) a change of a
        public team to private or company visibility removes."""
        access.require_admin(self.scope(), "change teams")
        self._team(self.scope(), team_id)
        return sum(self.store.team_portal_followers(team_id))

    # --- stages -------------------------------------------------------------------------

    def list_stages(self, team_id: int | None = None) -> list[Stage]:
        if team_id is not None:
            self._team(self.scope(), team_id)
        return self.store.stages(team_id)

    def get_stage(self, stage_id: int) -> Stage:
        """One stage (every account sees the stages, as `list_stages` shows)."""
        return self._stage(stage_id)

    def _stage(self, stage_id: int) -> Stage:
        stage = self.store.stage(stage_id)
        if stage is None:
            raise NotFound(f"stage {stage_id} does not exist")
        return stage

    def create_stage(self, data: StageCreate) -> Stage:
        access.require_admin(self.scope(), "create stages")
        self._check_stage_refs(data.team_ids, data.template_id)
        with self.store.transaction():
            sequence = data.sequence if data.sequence is not None else \
                self.store.next_stage_sequence()
            sid = self.store.insert_stage(data.name, sequence, data.closing, data.template_id)
            self.store.set_stage_teams(sid, data.team_ids)
            values = data.model_dump(exclude={"sequence"})
            self._audit("stage", sid, data.name, "created",
                        self._changes({}, {k: v for k, v in values.items()
                                           if v not in (None, [], False)}, self._show))
        return existing(self.store.stage(sid))

    def _check_stage_refs(self, team_ids: Iterable[int] | None, template_id: int | None) -> None:
        known = {t.id for t in self.store.teams()}
        for tid in team_ids or []:
            if tid not in known:
                raise ValidationFailed(f"team {tid} does not exist", field="team_ids")
        if template_id is not None and self.store.template(template_id) is None:
            raise ValidationFailed(f"template {template_id} does not exist", field="template_id")

    def update_stage(self, stage_id: int, data: StageUpdate,
                     version: int | None = None) -> Stage:
        access.require_admin(self.scope(), "change stages")
        self._check_stage_refs(data.team_ids, data.template_id)
        values = data.model_dump(exclude_unset=True)
        with self.store.transaction():
            stage = self._stage(stage_id)
            self._check_config_version(f"stage {stage.name}", stage.version, version)
            changes = self._changes(stage.model_dump(), values, self._show)
            if not changes:
                return stage
            if values.get("team_ids") is not None:
                dropped = set(stage.team_ids) - set(values["team_ids"])
                used = dropped & set(self.store.stage_ticket_teams(stage_id))
                if used:
                    names = ", ".join(existing(self.store.team(t)).name for t in sorted(used))
                    raise ValidationFailed(f"tickets of {names} are in this stage; move them "
                                           "before taking the stage from the team",
                                           field="team_ids")
            self.store.update_stage(stage_id, values)
            if "closing" in values and bool(values["closing"]) != stage.closing:
                self._reclose_stage(stage_id, bool(values["closing"]))
            self._audit("stage", stage_id, stage.name, "changed", changes)
        return existing(self.store.stage(stage_id))

    def _reclose_stage(self, stage_id: int, closing: bool) -> None:
        """A stage newly marked closing closes its tickets; unmarked, it reopens them."""
        now = to_db(self.clock())
        self.store.move_stage_tickets(stage_id, stage_id, closing, now)

    def reorder_stages(self, stage_ids: Sequence[int]) -> list[Stage]:
        access.require_admin(self.scope(), "reorder stages")
        with self.store.transaction():
            current = self.store.stages()
            known = {s.id for s in current}
            if set(stage_ids) != known or len(stage_ids) != len(known):
                raise ValidationFailed("name every stage exactly once, in the new order",
                                       field="stage_ids")
            names = {s.id: s.name for s in current}
            for position, sid in enumerate(stage_ids, start=1):
                self.store.update_stage(sid, {"sequence": position * 10})
            self._audit("stage", None, "", "reordered", [EventData(
                field="order", old=", ".join(s.name for s in current),
                new=", ".join(names[i] for i in stage_ids))])
        return self.store.stages()

    def move_stage(self, stage_id: int, offset: int) -> list[Stage]:
        """Move a stage `offset` places later (negative: earlier) in the order."""
        order = [s.id for s in self.store.stages()]
        if stage_id not in order:
            raise NotFound(f"stage {stage_id} does not exist")
        at = order.index(stage_id)
        order.pop(at)
        order.insert(max(0, min(len(order), at + offset)), stage_id)
        return self.reorder_stages(order)

    def delete_stage(self, stage_id: int, move_to: int | None = None) -> None:
        """Delete a stage; the tickets in it first go to `move_to` (required when there
        are any), which must be a stage of each of their teams."""
        access.require_admin(self.scope(), "delete stages")
        with self.store.transaction():
            stage = self._stage(stage_id)
            for policy in self.store.sla_policies():
                if policy.target_stage_id == stage_id:
                    raise ValidationFailed(f"SLA policy {policy.name} aims at this stage; give "
                                           "it another target first", field="stage_id")
            tickets = self.store.stage_ticket_ids(stage_id)
            if tickets:
                if move_to is None:
                    raise ValidationFailed(
                        f"{len(tickets)} ticket(s) are in stage {stage.name}: choose the stage "
                        "they move to", field="move_to")
                self._move_all(stage, move_to, tickets)
            self.store.delete_stage(stage_id)
            self._audit("stage", stage_id, stage.name, "deleted",
                        [EventData(field="tickets moved", old=str(len(tickets)),
                                   new=existing(self.store.stage(move_to)).name
                                   if tickets and move_to is not None else None)])

    def _move_all(self, stage: Stage, move_to: int, ticket_ids: list[int]) -> None:
        if move_to == stage.id:
            raise ValidationFailed("the tickets must move to another stage", field="move_to")
        target = self.store.stage(move_to)
        if target is None:
            raise ValidationFailed(f"stage {move_to} does not exist", field="move_to")
        for team_id in self.store.stage_ticket_teams(stage.id):
            if team_id not in target.team_ids:
                raise ValidationFailed(f"stage {target.name} is not a stage of team "
                                       f"{existing(self.store.team(team_id)).name}",
                                       field="move_to")
        now = self.clock()
        self.store.move_stage_tickets(stage.id, move_to, target.closing, to_db(now))
        teams = {t.id: t for t in self.store.teams()}
        change = EventData(field="stage", old=stage.name, new=target.name)
        for tid in ticket_ids:
            self._event(tid, [change], f"stage: {stage.name} → {target.name} (stage deleted)")
            ticket = existing(self.store.ticket(self._system_scope(), tid))
            self._advance_slas(tid, teams[ticket.team_id], target, now)

    # --- mail templates -----------------------------------------------------------------

    def list_templates(self) -> list[MailTemplate]:
        access.require_agent(self.scope(), "list mail templates")
        return self.store.templates()

    def get_template(self, template_id: int) -> MailTemplate:
        access.require_agent(self.scope(), "read mail templates")
        return self._template(template_id)

    def _template(self, template_id: int) -> MailTemplate:
        template = self.store.template(template_id)
        if template is None:
            raise NotFound(f"template {template_id} does not exist")
        return template

    @staticmethod
    def _check_template_text(values: dict) -> None:
        for field in ("subject", "body"):
            if values.get(field) is None:
                continue
            try:
                templates.check_template(values[field])
            except templates.TemplateError as exc:
                raise ValidationFailed(str(exc), field=field) from exc

    def check_template(self, data: MailTemplateCreate) -> None:
        """Raise ValidationFailed (naming subject or body, and the line) for a template that
        does not compile or names an unknown placeholder."""
        access.require_agent(self.scope(), "check mail templates")
        self._check_template_text(data.model_dump())

    def preview_template(self, data: MailTemplateCreate, ticket_id: int) -> TemplatePreview:
        """The template rendered against a ticket the actor can see, as its customer would
        get it; nothing is saved or sent."""
        scope = self.scope()
        access.require_agent(scope, "preview mail templates")
        self._check_template_text(data.model_dump())
        ticket = self._ticket(scope, ticket_id)
        context = self._template_context(ticket, self.store.stage(ticket.stage_id))
        out = {}
        for field in ("subject", "body"):
            try:
                out[field] = templates.render_template(getattr(data, field), context)
            except templates.TemplateError as exc:
                raise ValidationFailed(str(exc), field=field) from exc
        return TemplatePreview(**out)

    def create_template(self, data: MailTemplateCreate) -> MailTemplate:
        access.require_admin(self.scope(), "create mail templates")
        self._check_template_text(data.model_dump())
        with self.store.transaction():
            if self.store.template_by_name(data.name) is not None:
                raise ConflictError(f"a template named {data.name} exists", field="name")
            tid = self.store.insert_template(data.name, data.subject, data.body)
            self._audit("template", tid, data.name, "created",
                        self._changes({}, data.model_dump()))
        return existing(self.store.template(tid))

    def update_template(self, template_id: int, data: MailTemplateUpdate,
                        version: int | None = None) -> MailTemplate:
        access.require_admin(self.scope(), "change mail templates")
        values = data.model_dump(exclude_unset=True, exclude_none=True)
        self._check_template_text(values)
        with self.store.transaction():
            template = self._template(template_id)
            self._check_config_version(f"template {template.name}", template.version, version)
            if "name" in values:
                other = self.store.template_by_name(values["name"])
                if other is not None and other != template_id:
                    raise ConflictError(f"a template named {values['name']} exists",
                                        field="name")
            changes = self._changes(template.model_dump(), values)
            if not changes:
                return template
            self.store.update_template(template_id, values)
            self._audit("template", template_id, template.name, "changed", changes)
        return existing(self.store.template(template_id))

    # --- SLA policies -------------------------------------------------------------------

    def list_sla_policies(self, team_id: int) -> list[SlaPolicy]:
        scope = self.scope()
        access.require_agent(scope, "list SLA policies")
        self._team(scope, team_id)
        return self.store.sla_policies(team_id)

    def get_sla_policy(self, policy_id: int) -> SlaPolicy:
        """One policy, of a team the actor sees (else NotFound, like a missing one)."""
        scope = self.scope()
        access.require_agent(scope, "read SLA policies")
        policy = self._policy(policy_id)
        if not access.team_visible(scope, policy.team_id):
            raise NotFound(f"SLA policy {policy_id} does not exist")
        return policy

    def _policy(self, policy_id: int) -> SlaPolicy:
        policy = next((p for p in self.store.sla_policies() if p.id == policy_id), None)
        if policy is None:
            raise NotFound(f"SLA policy {policy_id} does not exist")
        return policy

    def _check_policy(self, team: Team, values: dict) -> None:
        if "target_stage_id" in values and values["target_stage_id"] not in team.stage_ids:
            raise ValidationFailed(f"the target stage is not one of team {team.name}'s stages",
                                   field="target_stage_id")
        for sid in values.get("excluded_stage_ids") or []:
            if sid not in team.stage_ids:
                raise ValidationFailed(f"stage {sid} is not one of team {team.name}'s stages",
                                       field="excluded_stage_ids")
        if values.get("target_stage_id") in (values.get("excluded_stage_ids") or []):
            raise ValidationFailed("the target stage cannot also pause the clock",
                                   field="excluded_stage_ids")
        for cid in values.get("customer_ids") or []:
            if self.store.customer(cid) is None:
                raise ValidationFailed(f"customer {cid} does not exist", field="customer_ids")

    def create_sla_policy(self, data: SlaPolicyCreate) -> SlaPolicy:
        scope = self.scope()
        access.require_admin(scope, "create SLA policies")
        values = data.model_dump()
        with self.store.transaction():
            team = self._team(scope, data.team_id, field="team_id")
            self._check_policy(team, values)
            pid = self.store.insert_sla_policy(values)
            self._audit("sla_policy", pid, data.name, "created",
                        self._changes({}, {k: v for k, v in values.items() if v not in ([],)},
                                      self._show))
        return self._policy(pid)

    def update_sla_policy(self, policy_id: int, data: SlaPolicyUpdate,
                          version: int | None = None) -> SlaPolicy:
        """Changes apply to tickets created from now on; with `recompute`, the clocks of the
        team's open tickets restart under the policy as changed, from each ticket's
        creation (clocks already reached or failed stay as they are)."""
        scope = self.scope()
        access.require_admin(scope, "change SLA policies")
        values = data.model_dump(exclude_unset=True, exclude={"recompute"})
        values = {k: v for k, v in values.items() if v is not None}
        with self.store.transaction():
            policy = self._policy(policy_id)
            self._check_config_version(f"SLA policy {policy.name}", policy.version, version)
            team = self._team(scope, policy.team_id)
            merged = policy.model_dump() | values
            self._check_policy(team, merged)
            changes = self._changes(policy.model_dump(), values, self._show)
            if changes:
                self.store.update_sla_policy(policy_id, values)
            recomputed = self._recompute_slas(team, policy_id) if data.recompute else 0
            if changes or data.recompute:
                if data.recompute:
                    changes.append(EventData(field="open tickets recomputed",
                                             new=str(recomputed)))
                self._audit("sla_policy", policy_id, policy.name, "changed", changes)
        return self._policy(policy_id)

    def _recompute_slas(self, team: Team, policy_id: int) -> int:
        """Restart one policy's ongoing clocks on the team's open tickets; how many."""
        scope = self._system_scope()
        ids = self.store.open_ticket_ids(team_id=team.id)
        for tid in ids:
            ticket = existing(self.store.ticket(scope, tid))
            keep = [row for row in self.store.sla_rows(tid)
                    if row[0] != policy_id or row[1] != "ongoing"]
            self._apply_slas(tid, team, ticket.stage_id, ticket.priority, ticket.tags,
                             ticket.customer_id, ticket.created_at, keep=keep)
        return len(ids)

    def delete_sla_policy(self, policy_id: int) -> None:
        access.require_admin(self.scope(), "delete SLA policies")
        with self.store.transaction():
            policy = self._policy(policy_id)
            tickets = self.store.delete_sla_policy(policy_id)
            if tickets:
                self.store.summarize_sla(tickets)
            self._audit("sla_policy", policy_id, policy.name, "deleted")
