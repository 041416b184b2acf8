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

# The problems an administration route may answer besides those of every route (409,
# on writes only, comes with every write: `openapi.WRITES`).
ADMIN_RESPONSES: dict[int | str, dict] = {
    403: {"description": "only an admin may change this", "content": {PROBLEM: {}}}}
VERSIONED_RESPONSES: dict[int | str, dict] = {
    **ADMIN_RESPONSES,
    **{code: {"description": title, "content": {PROBLEM: {}}} for code, title in (
        (409, "a name or alias already taken, or the record is still in use"),
        (412, "stale If-Match: changed since read (current_version says to what)"),
        (428, "If-Match missing"))}}


def routes(api: Api) -> APIRouter:
    r = router()
    r.responses = {**r.responses, **ADMIN_RESPONSES}
    run, versioned = api.run, api.config_versioned

    # --- teams ----------------------------------------------------------------------------

    @r.post("/teams", operation_id="createTeam",
            response_model=Team, status_code=201, tags=["administration"])
    async def create_team(request: Request, data: TeamCreate) -> Response:
        """Create a team

        Admins only. Name and email alias must be free (409 naming the field). Answers the team
        with its ETag."""
        return await run(request, lambda s: s.create_team(data), status=201)

    @r.get("/teams/{team_id}", operation_id="getTeam", response_model=Team, tags=["administration"])
    async def team(request: Request, team_id: int) -> Response:
        """Get a team

        404 when the caller may not see it. Answers the team with its ETag."""
        return await run(request, lambda s: s.get_team(team_id))

    @r.patch("/teams/{team_id}", operation_id="updateTeam",
             response_model=Team, tags=["administration"],
             responses=VERSIONED_RESPONSES)
    async def update_team(request: Request, team_id: int, data: TeamUpdate,
                          if_match: str | None = Header(None)) -> Response:
        """Change a team

        Admins only. Only the fields sent change. Needs If-Match with the team's ETag (428
        without, 412 when stale). Answers the team with its new ETag."""
        return await versioned(request, if_match, "team",
                               lambda s, v: s.update_team(team_id, data, v))

    @r.post("/teams/{team_id}/archive", operation_id="archiveTeam",
            response_model=Team, tags=["administration"],
            responses=VERSIONED_RESPONSES)
    async def archive_team(request: Request, team_id: int, data: ArchiveBody,
                           if_match: str | None = Header(None)) -> Response:
        """Archive a team, or bring it back

        Admins only. An archived team takes no new tickets; its tickets stay readable. Needs
        If-Match. Answers the team with its new ETag."""
        return await versioned(request, if_match, "team",
                               lambda s, v: s.archive_team(team_id, data.archived, v))

    @r.get("/teams/{team_id}/portal-followers", operation_id="countPortalFollowers",
           response_model=int, tags=["administration"])
    async def portal_followers(request: Request, team_id: int) -> Response:
        """Count the portal follows a change would drop

        How many portal follows of the team's tickets a change from public visibility would
        remove, to warn before it."""
        return await run(request, lambda s: s.portal_followers(team_id))

    # --- stages ---------------------------------------------------------------------------

    @r.post("/stages", operation_id="createStage",
            response_model=Stage, status_code=201, tags=["administration"])
    async def create_stage(request: Request, data: StageCreate) -> Response:
        """Create a stage

        Admins only. After the last stage unless `sequence` says where. Answers the stage."""
        return await run(request, lambda s: s.create_stage(data), status=201)

    @r.post("/stages/order", operation_id="reorderStages",
            response_model=list[Stage], tags=["administration"])
    async def reorder_stages(request: Request, data: StageOrderBody) -> Response:
        """Put the stages in a new order

        Admins only. Every stage id, in the new order. Answers the stages."""
        return await run(request, lambda s: s.reorder_stages(data.stage_ids))

    @r.get("/stages/{stage_id}", operation_id="getStage",
           response_model=Stage, tags=["administration"])
    async def stage(request: Request, stage_id: int) -> Response:
        """Get a stage

        Answers the stage with its ETag."""
        return await run(request, lambda s: s.get_stage(stage_id))

    @r.patch("/stages/{stage_id}", operation_id="updateStage",
             response_model=Stage, tags=["administration"],
             responses=VERSIONED_RESPONSES)
    async def update_stage(request: Request, stage_id: int, data: StageUpdate,
                           if_match: str | None = Header(None)) -> Response:
        """Change a stage

        Admins only. Needs If-Match with the stage's ETag. Answers the stage with its new ETag."""
        return await versioned(request, if_match, "stage",
                               lambda s, v: s.update_stage(stage_id, data, v))

    @r.post("/stages/{stage_id}/move", operation_id="moveStage",
            response_model=list[Stage], tags=["administration"])
    async def move_stage(request: Request, stage_id: int, data: StageMoveBody) -> Response:
        """Move a stage earlier or later

        Admins only. By `offset` places. Answers the stages in their new order."""
        return await run(request, lambda s: s.move_stage(stage_id, data.offset))

    @r.delete("/stages/{stage_id}", operation_id="deleteStage",
              status_code=204, tags=["administration"])
    async def delete_stage(request: Request, stage_id: int,
                           move_to: int | None = None) -> Response:
        """Delete a stage

        Admins only. `move_to` names where its tickets go (required when it has any). Answers
        204."""
        return await run(request, lambda s: s.delete_stage(stage_id, move_to))

    # --- SLA policies ---------------------------------------------------------------------

    @r.get("/sla-policies", operation_id="listSlaPolicies",
           response_model=list[SlaPolicy], tags=["administration"])
    async def sla_policies(request: Request, team_id: int) -> Response:
        """List a team's SLA policies

        The SLA policies of `team_id`."""
        return await run(request, lambda s: s.list_sla_policies(team_id))

    @r.post("/sla-policies", operation_id="createSlaPolicy",
            response_model=SlaPolicy, status_code=201, tags=["administration"])
    async def create_sla_policy(request: Request, data: SlaPolicyCreate) -> Response:
        """Create an SLA policy

        Admins only. New tickets that match it get its clock. Answers the policy with its ETag."""
        return await run(request, lambda s: s.create_sla_policy(data), status=201)

    @r.get("/sla-policies/{policy_id}", operation_id="getSlaPolicy",
           response_model=SlaPolicy, tags=["administration"])
    async def sla_policy(request: Request, policy_id: int) -> Response:
        """Get an SLA policy

        Answers the policy with its ETag."""
        return await run(request, lambda s: s.get_sla_policy(policy_id))

    @r.patch("/sla-policies/{policy_id}", operation_id="updateSlaPolicy",
             response_model=SlaPolicy, tags=["administration"],
             responses=VERSIONED_RESPONSES)
    async def update_sla_policy(request: Request, policy_id: int, data: SlaPolicyUpdate,
                                if_match: str | None = Header(None)) -> Response:
        """Change an SLA policy

        Admins only. `recompute: true` also restarts the clocks of the team's open tickets.
        Needs If-Match with the policy's ETag. Answers the policy with its new ETag."""
        return await versioned(request, if_match, "SLA policy",
                               lambda s, v: s.update_sla_policy(policy_id, data, v))

    @r.delete("/sla-policies/{policy_id}", operation_id="deleteSlaPolicy",
              status_code=204, tags=["administration"])
    async def delete_sla_policy(request: Request, policy_id: int) -> Response:
        """Delete an SLA policy

        Admins only. Answers 204."""
        return await run(request, lambda s: s.delete_sla_policy(policy_id))

    # --- mail templates -------------------------------------------------------------------

    @r.get("/templates", operation_id="listTemplates",
           response_model=list[MailTemplate], tags=["administration"])
    async def list_templates(request: Request) -> Response:
        """List mail templates

        Every mail template, by name."""
        return await run(request, lambda s: s.list_templates())

    @r.get("/templates/placeholders", operation_id="listTemplatePlaceholders",
           response_model=list[str], tags=["administration"])
    async def placeholders(request: Request) -> Response:
        """List template placeholders

        Every placeholder a template may use, as written: `ticket.number`."""
        return await run(request, lambda _s: templates.placeholders())

    @r.post("/templates", operation_id="createTemplate",
            response_model=MailTemplate, status_code=201, tags=["administration"])
    async def create_template(request: Request, data: MailTemplateCreate) -> Response:
        """Create a mail template

        Admins only. Subject and body must compile (422 naming the field and line). Answers the
        template with its ETag."""
        return await run(request, lambda s: s.create_template(data), status=201)

    @r.post("/templates/check", operation_id="checkTemplate",
            status_code=204, tags=["administration"])
    async def check_template(request: Request, data: MailTemplateCreate) -> Response:
        """Check a mail template

        Admins only. 204 when subject and body compile; else 422 naming the field and line.
        Nothing is saved."""
        return await run(request, lambda s: s.check_template(data))

    @r.post("/templates/preview", operation_id="previewTemplate",
            response_model=TemplatePreview, tags=["administration"])
    async def preview_template(request: Request, data: MailTemplateCreate,
                               ticket_id: int) -> Response:
        """Preview a mail template on a ticket

        The subject and body as they would be sent for `ticket_id`. Nothing is saved or sent."""
        return await run(request, lambda s: s.preview_template(data, ticket_id))

    @r.get("/templates/{template_id}", operation_id="getTemplate",
           response_model=MailTemplate, tags=["administration"])
    async def template(request: Request, template_id: int) -> Response:
        """Get a mail template

        Answers the template with its ETag."""
        return await run(request, lambda s: s.get_template(template_id))

    @r.patch("/templates/{template_id}", operation_id="updateTemplate",
             response_model=MailTemplate, tags=["administration"],
             responses=VERSIONED_RESPONSES)
    async def update_template(request: Request, template_id: int, data: MailTemplateUpdate,
                              if_match: str | None = Header(None)) -> Response:
        """Change a mail template

        Admins only. Needs If-Match with the template's ETag. Answers the template with its new
        ETag."""
        return await versioned(request, if_match, "template",
                               lambda s, v: s.update_template(template_id, data, v))

    # --- agents ---------------------------------------------------------------------------

    @r.post("/agents", operation_id="createAgent",
            response_model=Agent, status_code=201, tags=["administration"])
    async def create_agent(request: Request, data: AgentCreate) -> Response:
        """Create an agent account

        Admins only. An admin, an agent, or a portal account acting for a customer. The email
        address must be free. Answers the agent."""
        return await run(request, lambda s: s.create_agent(data), status=201)

    @r.patch("/agents/{agent_id}", operation_id="updateAgent",
             response_model=Agent, tags=["administration"])
    async def update_agent(request: Request, agent_id: int, data: AgentUpdate) -> Response:
        """Change an agent account

        Admins only. Only the fields sent change; a helpdesk always keeps an active admin.
        Answers the agent."""
        return await run(request, lambda s: s.update_agent(agent_id, data))

    @r.post("/agents/{agent_id}/deactivate", operation_id="deactivateAgent",
            response_model=AgentDeactivation, tags=["administration"])
    async def deactivate_agent(request: Request, agent_id: int) -> Response:
        """Deactivate an agent

        Admins only. The agent's tokens are revoked; the answer lists the open tickets still
        assigned to them, to hand on."""
        return await run(request, lambda s: s.deactivate_agent(agent_id))

    @r.post("/agents/{agent_id}/time-off", operation_id="addTimeOff",
            response_model=Agent, status_code=201,
            tags=["administration"])
    async def add_time_off(request: Request, agent_id: int, data: TimeOffCreate) -> Response:
        """Add time off

        An agent their own; an admin anyone's. Automatic assignment skips the agent then.
        Answers the agent."""
        return await run(request, lambda s: s.add_time_off(agent_id, data), status=201)

    @r.delete("/agents/{agent_id}/time-off/{time_off_id}", operation_id="removeTimeOff",
              response_model=Agent,
              tags=["administration"])
    async def remove_time_off(request: Request, agent_id: int, time_off_id: int) -> Response:
        """Remove time off

        An agent their own; an admin anyone's. Answers the agent."""
        return await run(request, lambda s: s.remove_time_off(agent_id, time_off_id))

    @r.put("/agents/{agent_id}/teams", operation_id="setAgentTeams",
           response_model=Agent, tags=["administration"])
    async def set_agent_teams(request: Request, agent_id: int,
                              data: AgentTeamsBody) -> Response:
        """Set an agent's teams

        Admins only. The teams the agent is a member of, replacing the list. Answers the agent."""
        return await run(request, lambda s: s.set_agent_teams(agent_id, data.team_ids))

    # --- organizations and projects -------------------------------------------------------

    @r.post("/organizations", operation_id="createOrganization",
            response_model=Organization, status_code=201, tags=["organizations"])
    async def create_organization(request: Request, data: OrganizationCreate) -> Response:
        """Create an organization

        Admins only. The name must be free. Answers the organization."""
        return await run(request, lambda s: s.create_organization(data), status=201)

    @r.patch("/organizations/{org_id}", operation_id="updateOrganization",
             response_model=Organization, tags=["organizations"])
    async def update_organization(request: Request, org_id: int,
                                  data: OrganizationUpdate) -> Response:
        """Change an organization

        Admins only. Answers the organization."""
        return await run(request, lambda s: s.update_organization(org_id, data))

    @r.delete("/organizations/{org_id}", operation_id="deleteOrganization",
              status_code=204, tags=["organizations"])
    async def delete_organization(request: Request, org_id: int) -> Response:
        """Delete an organization

        Admins only; only an empty organization (409 naming organization_id otherwise). Answers
        204."""
        return await run(request, lambda s: s.delete_organization(org_id))

    @r.post("/projects", operation_id="createProject",
            response_model=Project, status_code=201, tags=["organizations"])
    async def create_project(request: Request, data: ProjectCreate) -> Response:
        """Create a project

        Admins only. Answers the project."""
        return await run(request, lambda s: s.create_project(data), status=201)

    @r.patch("/projects/{project_id}", operation_id="updateProject",
             response_model=Project, tags=["organizations"])
    async def update_project(request: Request, project_id: int,
                             data: ProjectUpdate) -> Response:
        """Change a project

        Admins only; `organization_id: null` takes it out of its organization. Answers the
        project."""
        return await run(request, lambda s: s.update_project(project_id, data))

    @r.delete("/projects/{project_id}", operation_id="deleteProject",
              status_code=204, tags=["organizations"])
    async def delete_project(request: Request, project_id: int) -> Response:
        """Delete a project

        Admins only. Answers 204."""
        return await run(request, lambda s: s.delete_project(project_id))

    # --- tags -----------------------------------------------------------------------------

    @r.get("/tags/details", operation_id="listTagDetails",
           response_model=list[Tag], tags=["administration"])
    async def tag_details(request: Request) -> Response:
        """List tags with their counts

        Every tag with its id and how many tickets carry it."""
        return await run(request, lambda s: s.list_tag_details())

    @r.patch("/tags/{tag_id}", operation_id="renameTag",
             response_model=Tag, tags=["administration"])
    async def rename_tag(request: Request, tag_id: int, data: TagRenameBody) -> Response:
        """Rename a tag

        Admins only; on every ticket that carries it. Answers the tag."""
        return await run(request, lambda s: s.rename_tag(tag_id, data.name))

    @r.post("/tags/{tag_id}/merge", operation_id="mergeTags",
            response_model=Tag, tags=["administration"])
    async def merge_tags(request: Request, tag_id: int, data: TagMergeBody) -> Response:
        """Merge a tag into another

        Admins only. The tag in the path goes; its tickets carry `target_id` instead. Answers the
        target tag."""
        return await run(request, lambda s: s.merge_tags(tag_id, data.target_id))

    @r.delete("/tags/{tag_id}", operation_id="deleteTag", status_code=204, tags=["administration"])
    async def delete_tag(request: Request, tag_id: int) -> Response:
        """Delete a tag

        Admins only; it is taken off every ticket. Answers 204."""
        return await run(request, lambda s: s.delete_tag(tag_id))

    # --- the audit trail ------------------------------------------------------------------

    @r.get("/audit", operation_id="listAuditEntries",
           response_model=Page[AuditEntry], tags=["administration"])
    async def audit(request: Request, kind: str | None = None, cursor: str | None = None,
                    limit: int = 50) -> Response:
        """List the audit trail

        Configuration changes, newest first, each with who, when and each field's old and new
        value; `kind` narrows to team, stage, sla_policy, template, agent, organization, project,
        tag or token. Admins only."""
        return await run(request, lambda s: s.audit_log(kind, cursor, limit))

    return r
