"""Routes of administration: teams, stages, SLA policies, mail templates, agents,
organizations, projects, tags and the audit trail.

Each route is one service use case through `Api.run`; the service decides who may (admins
change configuration: anyone else gets its PermissionDenied, a 403) and checks names and
aliases inside the write. Edits of teams, stages, SLA policies and templates name the
version they saw in If-Match (428 without it, 412 with `current_version` when stale), and
their answers carry it as ETag. A team is never deleted: it is archived.
"""

from __future__ import annotations

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from deskline.models import (
    Agent,
    AgentCreate,
    AgentDeactivation,
    AgentUpdate,
    AuditEntry,
    MailTemplate,
    MailTemplateCreate,
    MailTemplateUpdate,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
    Page,
    Project,
    ProjectCreate,
    ProjectUpdate,
    SlaPolicy,
    SlaPolicyCreate,
    SlaPolicyUpdate,
    Stage,
    StageCreate,
    StageUpdate,
    Tag,
    Team,
    TeamCreate,
    TeamUpdate,
    TemplatePreview,
    TimeOffCreate,
)
from deskline.rules import templates
from deskline.server.api import Api, router
from deskline.server.problems import PROBLEM
from deskline.server.schemas import (
    AgentTeamsBody,
    ArchiveBody,
    StageMoveBody,
    StageOrderBody,
    TagMergeBody,
    TagRenameBody,
)

# The problems an administration route may answer besides those of every route.
ADMIN_RESPONSES: dict[int | str, dict] = {
    code: {"description": title, "content": {PROBLEM: {}}} for code, title in (
        (403, "only an admin may change this"), (409, "a name or alias already taken, or "
                                                      "the record is still in use"))}
VERSIONED_RESPONSES: dict[int | str, dict] = {
    **ADMIN_RESPONSES,
    **{code: {"description": title, "content": {PROBLEM: {}}} for code, title in (
        (412, "stale If-Match: changed since read (current_version says to what)"),
        (428, "If-Match missing"))}}


def routes(api: Api) -> APIRouter:
    r = router()
    r.responses = {**r.responses, **ADMIN_RESPONSES}
    run, versioned = api.run, api.config_versioned

    # --- teams ----------------------------------------------------------------------------

    @r.post("/teams", response_model=Team, status_code=201, tags=["admin"])
    async def create_team(request: Request, data: TeamCreate) -> Response:
        return await run(request, lambda s: s.create_team(data), status=201)

    @r.get("/teams/{team_id}", response_model=Team, tags=["admin"])
    async def team(request: Request, team_id: int) -> Response:
        return await run(request, lambda s: s.get_team(team_id))

    @r.patch("/teams/{team_id}", response_model=Team, tags=["admin"],
             responses=VERSIONED_RESPONSES)
    async def update_team(request: Request, team_id: int, data: TeamUpdate,
                          if_match: str | None = Header(None)) -> Response:
        return await versioned(request, if_match, "team",
                               lambda s, v: s.update_team(team_id, data, v))

    @r.post("/teams/{team_id}/archive", response_model=Team, tags=["admin"],
            responses=VERSIONED_RESPONSES)
    async def archive_team(request: Request, team_id: int, data: ArchiveBody,
                           if_match: str | None = Header(None)) -> Response:
        return await versioned(request, if_match, "team",
                               lambda s, v: s.archive_team(team_id, data.archived, v))

    @r.get("/teams/{team_id}/portal-followers", response_model=int, tags=["admin"])
    async def portal_followers(request: Request, team_id: int) -> Response:
        """How many portal follows a change from public visibility would remove."""
        return await run(request, lambda s: s.portal_followers(team_id))

    # --- stages ---------------------------------------------------------------------------

    @r.post("/stages", response_model=Stage, status_code=201, tags=["admin"])
    async def create_stage(request: Request, data: StageCreate) -> Response:
        return await run(request, lambda s: s.create_stage(data), status=201)

    @r.post("/stages/order", response_model=list[Stage], tags=["admin"])
    async def reorder_stages(request: Request, data: StageOrderBody) -> Response:
        return await run(request, lambda s: s.reorder_stages(data.stage_ids))

    @r.get("/stages/{stage_id}", response_model=Stage, tags=["admin"])
    async def stage(request: Request, stage_id: int) -> Response:
        return await run(request, lambda s: s.get_stage(stage_id))

    @r.patch("/stages/{stage_id}", response_model=Stage, tags=["admin"],
             responses=VERSIONED_RESPONSES)
    async def update_stage(request: Request, stage_id: int, data: StageUpdate,
                           if_match: str | None = Header(None)) -> Response:
        return await versioned(request, if_match, "stage",
                               lambda s, v: s.update_stage(stage_id, data, v))

    @r.post("/stages/{stage_id}/move", response_model=list[Stage], tags=["admin"])
    async def move_stage(request: Request, stage_id: int, data: StageMoveBody) -> Response:
        return await run(request, lambda s: s.move_stage(stage_id, data.offset))

    @r.delete("/stages/{stage_id}", status_code=204, tags=["admin"])
    async def delete_stage(request: Request, stage_id: int,
                           move_to: int | None = None) -> Response:
        """`move_to`: where the stage's tickets go (required when it has any)."""
        return await run(request, lambda s: s.delete_stage(stage_id, move_to))

    # --- SLA policies ---------------------------------------------------------------------

    @r.get("/sla-policies", response_model=list[SlaPolicy], tags=["admin"])
    async def sla_policies(request: Request, team_id: int) -> Response:
        return await run(request, lambda s: s.list_sla_policies(team_id))

    @r.post("/sla-policies", response_model=SlaPolicy, status_code=201, tags=["admin"])
    async def create_sla_policy(request: Request, data: SlaPolicyCreate) -> Response:
        return await run(request, lambda s: s.create_sla_policy(data), status=201)

    @r.get("/sla-policies/{policy_id}", response_model=SlaPolicy, tags=["admin"])
    async def sla_policy(request: Request, policy_id: int) -> Response:
        return await run(request, lambda s: s.get_sla_policy(policy_id))

    @r.patch("/sla-policies/{policy_id}", response_model=SlaPolicy, tags=["admin"],
             responses=VERSIONED_RESPONSES)
    async def update_sla_policy(request: Request, policy_id: int, data: SlaPolicyUpdate,
                                if_match: str | None = Header(None)) -> Response:
        """`recompute: true` also restarts the clocks of the team's open tickets."""
        return await versioned(request, if_match, "SLA policy",
                               lambda s, v: s.update_sla_policy(policy_id, data, v))

    @r.delete("/sla-policies/{policy_id}", status_code=204, tags=["admin"])
    async def delete_sla_policy(request: Request, policy_id: int) -> Response:
        return await run(request, lambda s: s.delete_sla_policy(policy_id))

    # --- mail templates -------------------------------------------------------------------

    @r.get("/templates", response_model=list[MailTemplate], tags=["admin"])
    async def list_templates(request: Request) -> Response:
        return await run(request, lambda s: s.list_templates())

    @r.get("/templates/placeholders", response_model=list[str], tags=["admin"])
    async def placeholders(request: Request) -> Response:
        """Every placeholder a template may use, as written: `ticket.number`."""
        return await run(request, lambda _s: templates.placeholders())

    @r.post("/templates", response_model=MailTemplate, status_code=201, tags=["admin"])
    async def create_template(request: Request, data: MailTemplateCreate) -> Response:
        return await run(request, lambda s: s.create_template(data), status=201)

    @r.post("/templates/check", status_code=204, tags=["admin"])
    async def check_template(request: Request, data: MailTemplateCreate) -> Response:
        """204 when the template compiles; else 422 naming subject or body and the line."""
        return await run(request, lambda s: s.check_template(data))

    @r.post("/templates/preview", response_model=TemplatePreview, tags=["admin"])
    async def preview_template(request: Request, data: MailTemplateCreate,
                               ticket_id: int) -> Response:
        return await run(request, lambda s: s.preview_template(data, ticket_id))

    @r.get("/templates/{template_id}", response_model=MailTemplate, tags=["admin"])
    async def template(request: Request, template_id: int) -> Response:
        return await run(request, lambda s: s.get_template(template_id))

    @r.patch("/templates/{template_id}", response_model=MailTemplate, tags=["admin"],
             responses=VERSIONED_RESPONSES)
    async def update_template(request: Request, template_id: int, data: MailTemplateUpdate,
                              if_match: str | None = Header(None)) -> Response:
        return await versioned(request, if_match, "template",
                               lambda s, v: s.update_template(template_id, data, v))

    # --- agents ---------------------------------------------------------------------------

    @r.post("/agents", response_model=Agent, status_code=201, tags=["admin"])
    async def create_agent(request: Request, data: AgentCreate) -> Response:
        return await run(request, lambda s: s.create_agent(data), status=201)

    @r.patch("/agents/{agent_id}", response_model=Agent, tags=["admin"])
    async def update_agent(request: Request, agent_id: int, data: AgentUpdate) -> Response:
        return await run(request, lambda s: s.update_agent(agent_id, data))

    @r.post("/agents/{agent_id}/deactivate", response_model=AgentDeactivation, tags=["admin"])
    async def deactivate_agent(request: Request, agent_id: int) -> Response:
        """Tokens revoked; the agent's open tickets listed for reassignment."""
        return await run(request, lambda s: s.deactivate_agent(agent_id))

    @r.post("/agents/{agent_id}/time-off", response_model=Agent, status_code=201,
            tags=["admin"])
    async def add_time_off(request: Request, agent_id: int, data: TimeOffCreate) -> Response:
        """An agent their own; an admin anyone's."""
        return await run(request, lambda s: s.add_time_off(agent_id, data), status=201)

    @r.delete("/agents/{agent_id}/time-off/{time_off_id}", response_model=Agent,
              tags=["admin"])
    async def remove_time_off(request: Request, agent_id: int, time_off_id: int) -> Response:
        return await run(request, lambda s: s.remove_time_off(agent_id, time_off_id))

    @r.put("/agents/{agent_id}/teams", response_model=Agent, tags=["admin"])
    async def set_agent_teams(request: Request, agent_id: int,
                              data: AgentTeamsBody) -> Response:
        return await run(request, lambda s: s.set_agent_teams(agent_id, data.team_ids))

    # --- organizations and projects -------------------------------------------------------

    @r.post("/organizations", response_model=Organization, status_code=201, tags=["admin"])
    async def create_organization(request: Request, data: OrganizationCreate) -> Response:
        return await run(request, lambda s: s.create_organization(data), status=201)

    @r.patch("/organizations/{org_id}", response_model=Organization, tags=["admin"])
    async def update_organization(request: Request, org_id: int,
                                  data: OrganizationUpdate) -> Response:
        return await run(request, lambda s: s.update_organization(org_id, data))

    @r.delete("/organizations/{org_id}", status_code=204, tags=["admin"])
    async def delete_organization(request: Request, org_id: int) -> Response:
        """Only an empty organization (409 naming organization_id otherwise)."""
        return await run(request, lambda s: s.delete_organization(org_id))

    @r.post("/projects", response_model=Project, status_code=201, tags=["admin"])
    async def create_project(request: Request, data: ProjectCreate) -> Response:
        return await run(request, lambda s: s.create_project(data), status=201)

    @r.patch("/projects/{project_id}", response_model=Project, tags=["admin"])
    async def update_project(request: Request, project_id: int,
                             data: ProjectUpdate) -> Response:
        return await run(request, lambda s: s.update_project(project_id, data))

    @r.delete("/projects/{project_id}", status_code=204, tags=["admin"])
    async def delete_project(request: Request, project_id: int) -> Response:
        return await run(request, lambda s: s.delete_project(project_id))

    # --- tags -----------------------------------------------------------------------------

    @r.get("/tags/details", response_model=list[Tag], tags=["admin"])
    async def tag_details(request: Request) -> Response:
        return await run(request, lambda s: s.list_tag_details())

    @r.patch("/tags/{tag_id}", response_model=Tag, tags=["admin"])
    async def rename_tag(request: Request, tag_id: int, data: TagRenameBody) -> Response:
        return await run(request, lambda s: s.rename_tag(tag_id, data.name))

    @r.post("/tags/{tag_id}/merge", response_model=Tag, tags=["admin"])
    async def merge_tags(request: Request, tag_id: int, data: TagMergeBody) -> Response:
        """Tag `tag_id` goes; its tickets carry `target_id` instead. Answers the target."""
        return await run(request, lambda s: s.merge_tags(tag_id, data.target_id))

    @r.delete("/tags/{tag_id}", status_code=204, tags=["admin"])
    async def delete_tag(request: Request, tag_id: int) -> Response:
        return await run(request, lambda s: s.delete_tag(tag_id))

    # --- the audit trail ------------------------------------------------------------------

    @r.get("/audit", response_model=Page[AuditEntry], tags=["admin"])
    async def audit(request: Request, kind: str | None = None, cursor: str | None = None,
                    limit: int = 50) -> Response:
        """Configuration changes, newest first; `kind`: team, stage, sla_policy, template,
        agent, organization, project, tag or token."""
        return await run(request, lambda s: s.audit_log(kind, cursor, limit))

    return r
