"""What an admin sets up: teams, stages, mail templates, SLA policies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, ValidationFailed
from deskline.models import (
    MailTemplate,
    MailTemplateCreate,
    Role,
    SlaPolicy,
    SlaPolicyCreate,
    Stage,
    StageCreate,
    StageUpdate,
    Team,
    TeamCreate,
    TeamUpdate,
)
from deskline.rules import templates
from deskline.service.base import ServiceBase


class SetupUseCases(ServiceBase):

    def list_teams(self) -> list[Team]:
        scope = self.scope()
        return [t for t in self.store.teams() if access.team_visible(scope, t.id)]

    def get_team(self, team_id: int) -> Team:
        return self._team(self.scope(), team_id)

    def _check_team_refs(self, data: TeamCreate | TeamUpdate) -> None:
        agents = {a.id: a for a in self.store.agents()}
        for key in ("member_ids", "follower_ids"):
            for aid in getattr(data, key) or []:
                if aid not in agents or agents[aid].role is Role.portal:
                    raise ValidationFailed(f"agent {aid} does not exist", field=key)
        stage_ids = {s.id for s in self.store.stages()}
        for sid in data.stage_ids or []:
            if sid not in stage_ids:
                raise ValidationFailed(f"stage {sid} does not exist", field="stage_ids")

    def create_team(self, data: TeamCreate) -> Team:
        access.require_admin(self.scope(), "create teams")
        self._check_team_refs(data)
        if any(t.name.lower() == data.name.lower() for t in self.store.teams()):
            raise ConflictError(f"a team named {data.name} exists", field="name")
        with self.store.transaction():
            tid = self.store.save_team(None, data.model_dump(mode="json"))
        return self.store.team(tid)

    def update_team(self, team_id: int, data: TeamUpdate) -> Team:
        access.require_admin(self.scope(), "change teams")
        self._team(self.scope(), team_id)
        self._check_team_refs(data)
        values = data.model_dump(mode="json", exclude_unset=True)
        if "name" in values and any(t.name.lower() == values["name"].lower() and t.id != team_id
                                    for t in self.store.teams()):
            raise ConflictError(f"a team named {values['name']} exists", field="name")
        with self.store.transaction():
            self.store.save_team(team_id, values)
        return self.store.team(team_id)

    def list_stages(self, team_id: int | None = None) -> list[Stage]:
        if team_id is not None:
            self._team(self.scope(), team_id)
        return self.store.stages(team_id)

    def create_stage(self, data: StageCreate) -> Stage:
        access.require_admin(self.scope(), "create stages")
        self._check_stage_refs(data.team_ids, data.template_id)
        with self.store.transaction():
            sequence = data.sequence if data.sequence is not None else \
                self.store.next_stage_sequence()
            sid = self.store.insert_stage(data.name, sequence, data.closing, data.template_id)
            self.store.update_stage(sid, {"team_ids": data.team_ids})
        return self.store.stage(sid)

    def _check_stage_refs(self, team_ids: Iterable[int] | None, template_id: int | None) -> None:
        known = {t.id for t in self.store.teams()}
        for tid in team_ids or []:
            if tid not in known:
                raise ValidationFailed(f"team {tid} does not exist", field="team_ids")
        if template_id is not None and self.store.template(template_id) is None:
            raise ValidationFailed(f"template {template_id} does not exist", field="template_id")

    def update_stage(self, stage_id: int, data: StageUpdate) -> Stage:
        access.require_admin(self.scope(), "change stages")
        if self.store.stage(stage_id) is None:
            raise NotFound(f"stage {stage_id} does not exist")
        self._check_stage_refs(data.team_ids, data.template_id)
        values = data.model_dump(exclude_unset=True)
        with self.store.transaction():
            self.store.update_stage(stage_id, values)
            if "closing" in values:
                self._reclose_stage(stage_id, bool(values["closing"]))
        return self.store.stage(stage_id)

    def _reclose_stage(self, stage_id: int, closing: bool) -> None:
        """A stage newly marked closing closes its tickets; unmarked, it reopens them."""
        now = to_db(self.clock())
        if closing:
            self.store.conn.execute(
                "UPDATE tickets SET closed_at = coalesce(closed_at, ?), is_open = 0"
                " WHERE stage_id = ?", (now, stage_id))
        else:
            self.store.conn.execute(
                "UPDATE tickets SET closed_at = NULL, is_open = (archived = 0 AND merged_into"
                " IS NULL) WHERE stage_id = ?", (stage_id,))

    def reorder_stages(self, stage_ids: Sequence[int]) -> list[Stage]:
        access.require_admin(self.scope(), "reorder stages")
        known = {s.id for s in self.store.stages()}
        if set(stage_ids) != known or len(stage_ids) != len(known):
            raise ValidationFailed("name every stage exactly once, in the new order",
                                   field="stage_ids")
        with self.store.transaction():
            for position, sid in enumerate(stage_ids, start=1):
                self.store.update_stage(sid, {"sequence": position * 10})
        return self.store.stages()

    def delete_stage(self, stage_id: int) -> None:
        access.require_admin(self.scope(), "delete stages")
        if self.store.stage(stage_id) is None:
            raise NotFound(f"stage {stage_id} does not exist")
        if self.store.stage_ticket_count(stage_id):
            raise ConflictError("the stage still holds tickets; move them first")
        with self.store.transaction():
            self.store.conn.execute("DELETE FROM stages WHERE id = ?", (stage_id,))

    def create_template(self, data: MailTemplateCreate) -> MailTemplate:
        access.require_admin(self.scope(), "create mail templates")
        for field in ("subject", "body"):
            try:
                templates.check_template(getattr(data, field))
            except templates.TemplateError as exc:
                raise ValidationFailed(str(exc), field=field) from exc
        with self.store.transaction():
            tid = self.store.insert_template(data.name, data.subject, data.body)
        return self.store.template(tid)

    def list_sla_policies(self, team_id: int) -> list[SlaPolicy]:
        self._team(self.scope(), team_id)
        return self.store.sla_policies(team_id)

    def create_sla_policy(self, data: SlaPolicyCreate) -> SlaPolicy:
        scope = self.scope()
        access.require_admin(scope, "create SLA policies")
        team = self._team(scope, data.team_id, field="team_id")
        if data.target_stage_id not in team.stage_ids:
            raise ValidationFailed("the target stage is not one of the team's stages",
                                   field="target_stage_id")
        with self.store.transaction():
            pid = self.store.insert_sla_policy(data.model_dump())
        return next(p for p in self.store.sla_policies(data.team_id) if p.id == pid)
