"""RemoteBackend: the Backend protocol over HTTP against a Deskline server (httpx).

Every Backend method maps to one request of `/api/v1` and raises the same
`deskline.errors` exceptions as the local backend: a problem+json answer becomes NotFound,
ConflictError (409, and 412 for a stale version, with `current_version`), ValidationFailed
(naming the field) or PermissionDenied.

Connection loss: requests time out, and are retried with exponential backoff; every write
carries an `Idempotency-Key` that stays the same across its retries, so a retried reply is
not posted twice. While retrying, `state` is "reconnecting" (listeners added with
`on_state` hear each change); after the last retry it is "offline" and `ServerUnavailable`
is raised.

Edits of teams, stages, SLA policies and templates send the version the caller saw as
If-Match, which the server requires. `version=None` (the protocol's "whatever is there
now") reads the record first and sends the version read; if it changes before the edit
lands, the edit is tried again on the version the 412 names (a few times), so None means
"any version" as it does locally, while the server keeps If-Match mandatory.

Beyond the protocol, for the console: `presence(ticket_id)`, `set_presence(ticket_id,
state)` and `events(last_event_id)`, an endless async iterator of `ServerEvent`s
({type, id, version}) that reconnects and resumes by itself.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from deskline.errors import (
    ConflictError,
    DesklineError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from deskline.models import (
    Agent,
    AgentCreate,
    AgentDeactivation,
    AgentUpdate,
    ApiToken,
    AttachmentFile,
    AttachmentInfo,
    AuditEntry,
    BoardColumn,
    BoardFilter,
    BulkOutcome,
    BulkRequest,
    CannedRender,
    CannedReply,
    CannedReplyCreate,
    CannedReplyUpdate,
    ChangePage,
    Customer,
    CustomerCreate,
    CustomerUpdate,
    FilePreview,
    FileUpload,
    ImportKind,
    ImportReport,
    InviteResult,
    MailTemplate,
    MailTemplateCreate,
    MailTemplateUpdate,
    MergePreview,
    MergeRequest,
    Message,
    Notification,
    NotificationCount,
    NotificationSettings,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
    Page,
    Project,
    ProjectCreate,
    ProjectUpdate,
    RatingCreate,
    Report,
    ReportFilter,
    SavedMapping,
    SavedView,
    SavedViewCreate,
    SavedViewUpdate,
    SearchHit,
    SlaPolicy,
    SlaPolicyCreate,
    SlaPolicyUpdate,
    SplitRequest,
    Stage,
    StageCreate,
    StageUpdate,
    Tag,
    Team,
    TeamCreate,
    TeamFigures,
    TeamUpdate,
    TemplatePreview,
    Ticket,
    TicketCard,
    TicketCreate,
    TicketEdit,
    TicketListFilter,
    TicketSummary,
    TicketUpdate,
    TimeOffCreate,
    ViewRow,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointUpdate,
)
from deskline.server.schemas import (
    ATTACHMENT_HEADER,
    FileBody,
    ImportBody,
    Presence,
    PresenceState,
    ServerEvent,
    TokenCreated,
)

M = TypeVar("M")
V = TypeVar("V", Team, Stage, SlaPolicy, MailTemplate)

RETRY_STATUS = {502, 503, 504, 429}
_adapters: dict[Any, TypeAdapter] = {}


class ServerUnavailable(DesklineError):
    """The server could not be reached (after retries) or failed."""

    status = 503
    title = "Server unavailable"


def _adapter(kind: Any) -> TypeAdapter:
    found = _adapters.get(kind)
    if found is None:
        found = _adapters[kind] = TypeAdapter(kind)
    return found


def error_from(response: httpx.Response) -> DesklineError:
    """The engine error a problem+json answer stands for."""
    try:
        body = response.json()
        if not isinstance(body, dict):
            body = {}
    except ValueError:
        body = {}
    detail = str(body.get("detail") or response.reason_phrase or "request failed")
    field = body.get("field")
    status = response.status_code
    if status == 404:
        return NotFound(detail, field=field)
    if status in (409, 412):
        return ConflictError(detail, current_version=body.get("current_version"), field=field)
    if status in (400, 413, 422, 428):
        return ValidationFailed(detail, field=field)
    if status in (401, 403):
        return PermissionDenied(detail, field=field)
    return ServerUnavailable(f"the server answered {status}: {detail}", field=field)


IMPORT_TIMEOUT = 600.0  # seconds: a large CSV import is checked and written in one request
BULK_TIMEOUT = 120.0  # seconds: a bulk action over thousands of tickets is one request


def _filter_params(f: BoardFilter | None) -> dict[str, Any]:
    if f is None:
        return {}
    values = f.model_dump(exclude_defaults=True)
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in values.items()}


class RemoteBackend:
    live = True  # LiveBackend: events, presence and the connection state are the server's

    def __init__(self, url: str, token: str, *, timeout: float = 10.0, retries: int = 4,
                 backoff: float = 0.2, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.retries = retries
        self.backoff = backoff
        self._client = httpx.AsyncClient(
            base_url=self.url + "/api/v1",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            transport=transport,
        )
        self.state = "connected"
        self._listeners: list[Callable[[str], None]] = []
        self._me: Agent | None = None

    @classmethod
    async def open(cls, url: str, token: str, **kw: Any) -> RemoteBackend:
        """Connect and check the token (raises PermissionDenied when it is not valid)."""
        backend = cls(url, token, **kw)
        try:
            await backend.me()
        except BaseException:
            await backend.close()
            raise
        return backend

    # --- connection state ----------------------------------------------------------------

    def on_state(self, listener: Callable[[str], None]) -> None:
        """Call `listener(state)` on every change: connected, reconnecting, offline."""
        self._listeners.append(listener)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            for listener in list(self._listeners):
                try:
                    listener(state)
                except Exception:  # noqa: BLE001 - a listener's bug must not break a call
                    pass

    # --- one request, with retries -----------------------------------------------------

    async def _request(self, method: str, path: str, *, params: dict | None = None,
                       json_body: Any = None, version: int | None = None,
                       timeout: float | None = None) -> httpx.Response:
        headers: dict[str, str] = {}
        if method != "GET":
            headers["Idempotency-Key"] = uuid.uuid4().hex  # the same for every retry
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        content = None
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        extra: dict[str, Any] = {"timeout": httpx.Timeout(timeout, connect=5.0)} if timeout \
            else {}
        attempt = 0
        while True:
            try:
                response = await self._client.request(method, path, params=params,
                                                      content=content, headers=headers,
                                                      **extra)
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                if attempt >= self.retries:
                    self._set_state("offline")
                    raise ServerUnavailable(f"cannot reach the server at {self.url}: "
                                            f"{type(exc).__name__}") from None
                self._set_state("reconnecting")
                await asyncio.sleep(self.backoff * (2 ** attempt))
                attempt += 1
                continue
            if response.status_code in RETRY_STATUS and attempt < self.retries:
                self._set_state("reconnecting")
                wait = self.backoff * (2 ** attempt)
                retry_after = response.headers.get("retry-after", "")
                if retry_after.isdigit():
                    wait = max(wait, min(float(retry_after), 5.0))
                await asyncio.sleep(wait)
                attempt += 1
                continue
            self._set_state("connected")
            if response.status_code >= 400:
                raise error_from(response)
            return response

    async def _get(self, kind: Any, path: str, /, **params: Any) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        response = await self._request("GET", path, params=params)
        return _adapter(kind).validate_json(response.content)

    async def _send(self, kind: Any, method: str, path: str, body: Any = None,
                    version: int | None = None, timeout: float | None = None) -> Any:
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json", exclude_unset=True)
        response = await self._request(method, path, json_body=body, version=version,
                                       timeout=timeout)
        if kind is None:
            return None
        return _adapter(kind).validate_json(response.content)

    # --- the Backend protocol ----------------------------------------------------------

    async def me(self) -> Agent:
        self._me = await self._get(Agent, "/me")
        return self._me

    async def list_agents(self) -> list[Agent]:
        return await self._get(list[Agent], "/agents")

    async def list_teams(self) -> list[Team]:
        return await self._get(list[Team], "/teams")

    async def list_stages(self, team_id: int | None = None) -> list[Stage]:
        return await self._get(list[Stage], "/stages", team_id=team_id)

    async def list_tags(self) -> list[str]:
        return await self._get(list[str], "/tags")

    async def dashboard(self) -> list[TeamFigures]:
        return await self._get(list[TeamFigures], "/dashboard")

    async def my_tickets(self, cursor: str | None = None, limit: int = 50) -> Page[TicketCard]:
        return await self._get(Page[TicketCard], "/me/tickets", cursor=cursor, limit=limit)

    async def board_columns(self, team_id: int,
                            filter: BoardFilter | None = None) -> list[BoardColumn]:
        return await self._get(list[BoardColumn], f"/teams/{int(team_id)}/board",
                               **_filter_params(filter))

    async def board_page(self, team_id: int, stage_id: int, filter: BoardFilter | None = None,
                         cursor: str | None = None, limit: int = 50) -> Page[TicketCard]:
        return await self._get(Page[TicketCard],
                               f"/teams/{int(team_id)}/stages/{int(stage_id)}/tickets",
                               cursor=cursor, limit=limit, **_filter_params(filter))

    async def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        return await self._get(list[SearchHit], "/search", q=text, limit=limit)

    async def get_ticket(self, ticket_id: int) -> Ticket:
        return await self._get(Ticket, f"/tickets/{int(ticket_id)}")

    async def get_ticket_by_number(self, number: int) -> Ticket:
        return await self._get(Ticket, f"/tickets/by-number/{int(number)}")

    async def ticket_messages(self, ticket_id: int, cursor: str | None = None,
                              limit: int = 50,
                              after_message_id: int | None = None) -> Page[Message]:
        return await self._get(Page[Message], f"/tickets/{int(ticket_id)}/messages",
                               cursor=cursor, limit=limit, after_message_id=after_message_id)

    async def get_attachment(self, attachment_id: int) -> AttachmentFile:
        response = await self._request("GET", f"/attachments/{attachment_id}")
        info = AttachmentInfo.model_validate_json(response.headers[ATTACHMENT_HEADER])
        return AttachmentFile(info=info, content=response.content)

    async def create_ticket(self, data: TicketCreate) -> Ticket:
        # only the fields set: an organization_id left out means the customer's
        return await self._send(Ticket, "POST", "/tickets", data)

    async def update_ticket(self, ticket_id: int, version: int, data: TicketUpdate) -> Ticket:
        return await self._send(Ticket, "PATCH", f"/tickets/{int(ticket_id)}", data, version)

    async def edit_ticket(self, ticket_id: int, version: int, data: TicketEdit) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/edit", data,
                                version)

    async def move_ticket(self, ticket_id: int, version: int, stage_id: int) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/move",
                                {"stage_id": stage_id}, version)

    async def assign_ticket(self, ticket_id: int, version: int,
                            agent_id: int | None) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/assign",
                                {"agent_id": agent_id}, version)

    async def assign_to_me(self, ticket_id: int, version: int) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/assign-to-me",
                                None, version)

    async def follow_ticket(self, ticket_id: int, following: bool = True) -> Ticket:
        return await self._send(Ticket, "PUT", f"/tickets/{int(ticket_id)}/following",
                                {"following": following})

    async def archive_ticket(self, ticket_id: int, version: int,
                             archived: bool = True) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/archive",
                                {"archived": archived}, version)

    async def delete_ticket(self, ticket_id: int, version: int) -> None:
        await self._send(None, "DELETE", f"/tickets/{int(ticket_id)}", None, version)

    async def reply(self, ticket_id: int, body: str,
                    files: Sequence[FileUpload] = ()) -> Message:
        return await self._send(Message, "POST", f"/tickets/{int(ticket_id)}/messages",
                                {"kind": "reply", "body": body,
                                 "files": [FileBody.of(f).model_dump() for f in files]})

    async def comment(self, ticket_id: int, body: str) -> Message:
        return await self._send(Message, "POST", f"/tickets/{int(ticket_id)}/messages",
                                {"kind": "comment", "body": body})

    async def merge_preview(self, ticket_ids: Sequence[int]) -> MergePreview:
        ids = [int(i) for i in ticket_ids]
        if not ids:
            raise ValidationFailed("choose at least two different tickets to merge",
                                   field="ticket_ids")
        response = await self._request("GET", f"/tickets/{ids[0]}/merge",
                                       params={"with": ids[1:]})
        return MergePreview.model_validate_json(response.content)

    async def merge(self, request: MergeRequest) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(request.target_id)}/merge",
                                request.model_dump(mode="json"))

    async def split(self, ticket_id: int, request: SplitRequest) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/split", request)

    async def list_customers(self, text: str | None = None, organization_id: int | None = None,
                             cursor: str | None = None, limit: int = 50,
                             project_id: int | None = None,
                             unassigned: bool = False) -> Page[Customer]:
        return await self._get(Page[Customer], "/customers", text=text,
                               organization_id=organization_id, cursor=cursor, limit=limit,
                               project_id=project_id,
                               unassigned="true" if unassigned else None)

    async def get_customer(self, customer_id: int) -> Customer:
        return await self._get(Customer, f"/customers/{int(customer_id)}")

    async def create_customer(self, data: CustomerCreate) -> Customer:
        return await self._send(Customer, "POST", "/customers", data.model_dump(mode="json"))

    async def list_organizations(self) -> list[Organization]:
        return await self._get(list[Organization], "/organizations")

    async def list_projects(self) -> list[Project]:
        return await self._get(list[Project], "/projects")

    async def update_customer(self, customer_id: int, data: CustomerUpdate) -> Customer:
        return await self._send(Customer, "PATCH", f"/customers/{int(customer_id)}", data)

    async def invite_customer(self, data: CustomerCreate) -> InviteResult:
        return await self._send(InviteResult, "POST", "/customers/invitations",
                                data.model_dump(mode="json"))

    async def customer_tickets(self, customer_id: int, cursor: str | None = None,
                               limit: int = 50) -> Page[TicketCard]:
        return await self._get(Page[TicketCard], f"/customers/{int(customer_id)}/tickets",
                               cursor=cursor, limit=limit)

    async def organization_tickets(self, organization_id: int, cursor: str | None = None,
                                   limit: int = 50) -> Page[TicketCard]:
        return await self._get(Page[TicketCard],
                               f"/organizations/{int(organization_id)}/tickets",
                               cursor=cursor, limit=limit)

    async def preview_import(self, kind: ImportKind | str, content: bytes,
                             chosen: Mapping[str, str] | None = None,
                             saved: str | None = None) -> FilePreview:
        body = ImportBody.of(kind, content, chosen=chosen, saved=saved)
        return await self._send(FilePreview, "POST", "/imports/preview",
                                body.model_dump(mode="json"))

    async def run_import(self, kind: ImportKind | str, content: bytes, *,
                         chosen: Mapping[str, str] | None = None, saved: str | None = None,
                         dry_run: bool = False, skip_bad: bool = False,
                         source_name: str | None = None,
                         progress: Callable[[str, int, int], None] | None = None
                         ) -> ImportReport:
        """`progress` is not heard over HTTP: the answer comes when the import is done."""
        body = ImportBody.of(kind, content, chosen=chosen, saved=saved, dry_run=dry_run,
                             skip_bad=skip_bad, source_name=source_name)
        return await self._send(ImportReport, "POST", "/imports", body.model_dump(mode="json"),
                                timeout=IMPORT_TIMEOUT)

    async def import_mappings(self, kind: ImportKind | str | None = None
                              ) -> list[SavedMapping]:
        return await self._get(list[SavedMapping], "/imports/mappings",
                               kind=ImportKind(kind).value if kind else None)

    async def save_import_mapping(self, name: str, kind: ImportKind | str,
                                  columns: Mapping[str, str | None]) -> SavedMapping:
        return await self._send(SavedMapping, "PUT", f"/imports/mappings/{quote(name, safe='')}",
                                {"kind": ImportKind(kind).value, "columns": dict(columns)})

    async def close_my_ticket(self, ticket_id: int, version: int) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/close", None,
                                version)

    async def rate_ticket(self, ticket_id: int, data: RatingCreate) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/rating",
                                data.model_dump(mode="json"))

    async def report(self, filter: ReportFilter | None = None) -> Report:
        params = filter.model_dump(mode="json", exclude_none=True) if filter else {}
        return await self._get(Report, "/reports", **params)

    # --- integrations: the ticket list and the change feed ------------------------------

    async def list_tickets(self, filter: TicketListFilter | None = None,
                           cursor: str | None = None,
                           limit: int = 50) -> Page[TicketSummary]:
        params = filter.model_dump(mode="json", exclude_none=True, exclude_defaults=True) \
            if filter else {}
        return await self._get(Page[TicketSummary], "/tickets", **params, cursor=cursor,
                               limit=limit)

    async def ticket_changes(self, cursor: str | None = None,
                             limit: int = 500) -> ChangePage:
        return await self._get(ChangePage, "/tickets/changes", cursor=cursor, limit=limit)

    # --- administration ------------------------------------------------------------------

    async def _edit(self, kind: type[V], read_path: str, method: str, path: str, body: Any,
                    version: int | None) -> V:
        """A versioned edit of configuration; `version=None`: on whatever is there now
        (read first, and tried again on the version a 412 names)."""
        if version is not None:
            return await self._send(kind, method, path, body, version)
        current = (await self._get(kind, read_path)).version
        for attempt in range(3):
            try:
                return await self._send(kind, method, path, body, current)
            except ConflictError as exc:
                if exc.current_version is None or attempt == 2:
                    raise
                current = exc.current_version
        raise AssertionError("unreachable")

    async def get_team(self, team_id: int) -> Team:
        return await self._get(Team, f"/teams/{int(team_id)}")

    async def create_team(self, data: TeamCreate) -> Team:
        return await self._send(Team, "POST", "/teams", data.model_dump(mode="json"))

    async def update_team(self, team_id: int, data: TeamUpdate,
                          version: int | None = None) -> Team:
        path = f"/teams/{int(team_id)}"
        return await self._edit(Team, path, "PATCH", path, data, version)

    async def archive_team(self, team_id: int, archived: bool = True,
                           version: int | None = None) -> Team:
        path = f"/teams/{int(team_id)}"
        return await self._edit(Team, path, "POST", path + "/archive",
                                {"archived": archived}, version)

    async def portal_followers(self, team_id: int) -> int:
        return await self._get(int, f"/teams/{int(team_id)}/portal-followers")

    async def create_stage(self, data: StageCreate) -> Stage:
        return await self._send(Stage, "POST", "/stages", data.model_dump(mode="json"))

    async def update_stage(self, stage_id: int, data: StageUpdate,
                           version: int | None = None) -> Stage:
        path = f"/stages/{int(stage_id)}"
        return await self._edit(Stage, path, "PATCH", path, data, version)

    async def reorder_stages(self, stage_ids: Sequence[int]) -> list[Stage]:
        return await self._send(list[Stage], "POST", "/stages/order",
                                {"stage_ids": [int(i) for i in stage_ids]})

    async def move_stage(self, stage_id: int, offset: int) -> list[Stage]:
        return await self._send(list[Stage], "POST", f"/stages/{int(stage_id)}/move",
                                {"offset": offset})

    async def delete_stage(self, stage_id: int, move_to: int | None = None) -> None:
        params = {"move_to": int(move_to)} if move_to is not None else None
        await self._request("DELETE", f"/stages/{int(stage_id)}", params=params)

    async def list_sla_policies(self, team_id: int) -> list[SlaPolicy]:
        return await self._get(list[SlaPolicy], "/sla-policies", team_id=int(team_id))

    async def create_sla_policy(self, data: SlaPolicyCreate) -> SlaPolicy:
        return await self._send(SlaPolicy, "POST", "/sla-policies",
                                data.model_dump(mode="json"))

    async def update_sla_policy(self, policy_id: int, data: SlaPolicyUpdate,
                                version: int | None = None) -> SlaPolicy:
        path = f"/sla-policies/{int(policy_id)}"
        return await self._edit(SlaPolicy, path, "PATCH", path, data, version)

    async def delete_sla_policy(self, policy_id: int) -> None:
        await self._send(None, "DELETE", f"/sla-policies/{int(policy_id)}")

    async def list_templates(self) -> list[MailTemplate]:
        return await self._get(list[MailTemplate], "/templates")

    async def create_template(self, data: MailTemplateCreate) -> MailTemplate:
        return await self._send(MailTemplate, "POST", "/templates",
                                data.model_dump(mode="json"))

    async def update_template(self, template_id: int, data: MailTemplateUpdate,
                              version: int | None = None) -> MailTemplate:
        path = f"/templates/{int(template_id)}"
        return await self._edit(MailTemplate, path, "PATCH", path, data, version)

    async def check_template(self, data: MailTemplateCreate) -> None:
        await self._send(None, "POST", "/templates/check", data.model_dump(mode="json"))

    async def preview_template(self, data: MailTemplateCreate,
                               ticket_id: int) -> TemplatePreview:
        response = await self._request("POST", "/templates/preview",
                                       params={"ticket_id": int(ticket_id)},
                                       json_body=data.model_dump(mode="json"))
        return TemplatePreview.model_validate_json(response.content)

    async def create_agent(self, data: AgentCreate) -> Agent:
        return await self._send(Agent, "POST", "/agents", data.model_dump(mode="json"))

    async def update_agent(self, agent_id: int, data: AgentUpdate) -> Agent:
        return await self._send(Agent, "PATCH", f"/agents/{int(agent_id)}", data)

    async def deactivate_agent(self, agent_id: int) -> AgentDeactivation:
        return await self._send(AgentDeactivation, "POST",
                                f"/agents/{int(agent_id)}/deactivate")

    async def add_time_off(self, agent_id: int, period: TimeOffCreate) -> Agent:
        return await self._send(Agent, "POST", f"/agents/{int(agent_id)}/time-off",
                                period.model_dump(mode="json"))

    async def remove_time_off(self, agent_id: int, time_off_id: int) -> Agent:
        return await self._send(Agent, "DELETE",
                                f"/agents/{int(agent_id)}/time-off/{int(time_off_id)}")

    async def set_agent_teams(self, agent_id: int, team_ids: list[int]) -> Agent:
        return await self._send(Agent, "PUT", f"/agents/{int(agent_id)}/teams",
                                {"team_ids": [int(i) for i in team_ids]})

    async def create_organization(self, data: OrganizationCreate) -> Organization:
        return await self._send(Organization, "POST", "/organizations",
                                data.model_dump(mode="json"))

    async def update_organization(self, org_id: int,
                                  data: OrganizationUpdate) -> Organization:
        return await self._send(Organization, "PATCH", f"/organizations/{int(org_id)}", data)

    async def delete_organization(self, org_id: int) -> None:
        await self._send(None, "DELETE", f"/organizations/{int(org_id)}")

    async def create_project(self, data: ProjectCreate) -> Project:
        return await self._send(Project, "POST", "/projects", data.model_dump(mode="json"))

    async def update_project(self, project_id: int, data: ProjectUpdate) -> Project:
        return await self._send(Project, "PATCH", f"/projects/{int(project_id)}", data)

    async def delete_project(self, project_id: int) -> None:
        await self._send(None, "DELETE", f"/projects/{int(project_id)}")

    async def list_tag_details(self) -> list[Tag]:
        return await self._get(list[Tag], "/tags/details")

    async def rename_tag(self, tag_id: int, name: str) -> Tag:
        return await self._send(Tag, "PATCH", f"/tags/{int(tag_id)}", {"name": name})

    async def merge_tags(self, source_id: int, target_id: int) -> Tag:
        return await self._send(Tag, "POST", f"/tags/{int(source_id)}/merge",
                                {"target_id": int(target_id)})

    async def delete_tag(self, tag_id: int) -> None:
        await self._send(None, "DELETE", f"/tags/{int(tag_id)}")

    async def list_tokens(self, agent_id: int | None = None) -> list[ApiToken]:
        return await self._get(list[ApiToken], "/tokens", agent_id=agent_id)

    async def revoke_token(self, token_id: int) -> ApiToken:
        return await self._send(ApiToken, "DELETE", f"/tokens/{int(token_id)}")

    async def audit_log(self, kind: str | None = None, cursor: str | None = None,
                        limit: int = 50) -> Page[AuditEntry]:
        return await self._get(Page[AuditEntry], "/audit", kind=kind, cursor=cursor,
                               limit=limit)

    # --- canned replies -------------------------------------------------------------------

    async def list_canned_replies(self, team_id: int | None = None,
                                  ticket_id: int | None = None) -> list[CannedReply]:
        return await self._get(list[CannedReply], "/canned-replies", team_id=team_id,
                               ticket_id=ticket_id)

    async def get_canned_reply(self, reply_id: int) -> CannedReply:
        return await self._get(CannedReply, f"/canned-replies/{int(reply_id)}")

    async def create_canned_reply(self, data: CannedReplyCreate) -> CannedReply:
        return await self._send(CannedReply, "POST", "/canned-replies",
                                data.model_dump(mode="json"))

    async def update_canned_reply(self, reply_id: int,
                                  data: CannedReplyUpdate) -> CannedReply:
        return await self._send(CannedReply, "PATCH", f"/canned-replies/{int(reply_id)}", data)

    async def delete_canned_reply(self, reply_id: int) -> None:
        await self._send(None, "DELETE", f"/canned-replies/{int(reply_id)}")

    async def render_canned_reply(self, reply_id: int, ticket_id: int) -> CannedRender:
        return await self._send(CannedRender, "POST", f"/tickets/{int(ticket_id)}"
                                f"/canned-replies/{int(reply_id)}/render")
    # Many tickets at once: a thousand tickets take longer than one, hence the timeout.
    async def bulk_preview(self, request: BulkRequest) -> BulkOutcome:
        return await self._send(BulkOutcome, "POST", "/tickets/bulk/preview", request,
                                timeout=BULK_TIMEOUT)

    async def bulk_apply(self, request: BulkRequest) -> BulkOutcome:
        return await self._send(BulkOutcome, "POST", "/tickets/bulk", request,
                                timeout=BULK_TIMEOUT)

    async def undo_last_bulk(self) -> BulkOutcome:
        return await self._send(BulkOutcome, "POST", "/tickets/bulk/undo",
                                timeout=BULK_TIMEOUT)
    # --- notifications ----------------------------------------------------------------------

    async def notifications(self, unread: bool = False, order: str = "newest",
                            cursor: str | None = None,
                            limit: int = 50) -> Page[Notification]:
        return await self._get(Page[Notification], "/me/notifications",
                               unread=str(unread).lower(), order=order, cursor=cursor,
                               limit=limit)

    async def unread_notifications(self) -> NotificationCount:
        return await self._get(NotificationCount, "/me/notifications/unread")

    async def mark_notifications_read(self, ids: Sequence[int]) -> NotificationCount:
        return await self._send(NotificationCount, "POST", "/me/notifications/read",
                                {"ids": [int(i) for i in ids]})

    async def mark_all_notifications_read(self) -> NotificationCount:
        return await self._send(NotificationCount, "POST", "/me/notifications/read",
                                {"all": True})

    async def notification_settings(self) -> NotificationSettings:
        return await self._get(NotificationSettings, "/me/notification-settings")

    async def update_notification_settings(self, data: NotificationSettings
                                           ) -> NotificationSettings:
        return await self._send(NotificationSettings, "PUT", "/me/notification-settings",
                                data.model_dump(mode="json"))

    async def follow_team(self, team_id: int, following: bool = True) -> Team:
        return await self._send(Team, "PUT", f"/teams/{int(team_id)}/following",
                                {"following": following})
    # --- saved views ----------------------------------------------------------------

    async def list_views(self, counts: bool = False) -> list[SavedView]:
        return await self._get(list[SavedView], "/me/views",
                               counts="true" if counts else None)

    async def get_view(self, view_id: int) -> SavedView:
        return await self._get(SavedView, f"/me/views/{int(view_id)}")

    async def create_view(self, data: SavedViewCreate) -> SavedView:
        return await self._send(SavedView, "POST", "/me/views", data.model_dump(mode="json"))

    async def update_view(self, view_id: int, data: SavedViewUpdate) -> SavedView:
        return await self._send(SavedView, "PATCH", f"/me/views/{int(view_id)}", data)

    async def delete_view(self, view_id: int) -> None:
        await self._send(None, "DELETE", f"/me/views/{int(view_id)}")

    async def view_tickets(self, view_id: int, cursor: str | None = None,
                           limit: int = 50) -> Page[ViewRow]:
        return await self._get(Page[ViewRow], f"/me/views/{int(view_id)}/tickets",
                               cursor=cursor, limit=limit)
    async def list_webhooks(self) -> list[WebhookEndpoint]:
        return await self._get(list[WebhookEndpoint], "/webhooks")

    async def get_webhook(self, endpoint_id: int) -> WebhookEndpoint:
        return await self._get(WebhookEndpoint, f"/webhooks/{int(endpoint_id)}")

    async def create_webhook(self, data: WebhookEndpointCreate) -> WebhookEndpointCreated:
        return await self._send(WebhookEndpointCreated, "POST", "/webhooks",
                                data.model_dump(mode="json"))

    async def update_webhook(self, endpoint_id: int, data: WebhookEndpointUpdate,
                             version: int | None = None) -> WebhookEndpoint:
        return await self._send(WebhookEndpoint, "PATCH", f"/webhooks/{int(endpoint_id)}",
                                data.model_dump(mode="json", exclude_unset=True), version)

    async def delete_webhook(self, endpoint_id: int) -> None:
        await self._send(None, "DELETE", f"/webhooks/{int(endpoint_id)}")

    async def webhook_deliveries(self, endpoint_id: int, cursor: str | None = None,
                                 limit: int = 50) -> Page[WebhookDelivery]:
        return await self._get(Page[WebhookDelivery],
                               f"/webhooks/{int(endpoint_id)}/deliveries", cursor=cursor,
                               limit=limit)

    async def redeliver_webhook(self, delivery_id: int) -> WebhookDelivery:
        return await self._send(WebhookDelivery, "POST",
                                f"/webhooks/deliveries/{int(delivery_id)}/redeliver")

    async def hand_off(self, ticket_id: int, version: int, note: str) -> Ticket:
        return await self._send(Ticket, "POST", f"/tickets/{int(ticket_id)}/hand-off",
                                {"note": note}, version)

    async def close(self) -> None:
        await self._client.aclose()

    # --- beyond the protocol: presence, tokens, live events --------------------------------

    async def presence(self, ticket_id: int) -> list[Presence]:
        """Agents who have the ticket open (`viewing`) or are writing to it (`replying`)."""
        return await self._get(list[Presence], f"/tickets/{int(ticket_id)}/presence")

    async def set_presence(self, ticket_id: int, state: PresenceState | str) -> list[Presence]:
        """Say what this agent does with the ticket; repeat within 30 s to stay present.
        `gone` when leaving. Answers who is there now."""
        return await self._send(list[Presence], "PUT", f"/tickets/{int(ticket_id)}/presence",
                                {"state": PresenceState(state).value})

    async def create_token(self, label: str = "", expires_days: int | None = None
                           ) -> TokenCreated:
        return await self._send(TokenCreated, "POST", "/tokens",
                                {"label": label, "expires_days": expires_days})

    async def events(self, last_event_id: int | None = None) -> AsyncIterator[ServerEvent]:
        """Live updates, forever: reconnects (state "reconnecting") and resumes after the
        last event seen. Stop by breaking out of the loop or closing the iterator."""
        attempt = 0
        timeout = httpx.Timeout(10.0, read=60.0)  # the server sends a keepalive every 15 s
        while True:
            headers = {"Accept": "text/event-stream"}
            if last_event_id is not None:
                headers["Last-Event-ID"] = str(last_event_id)
            try:
                async with self._client.stream("GET", "/events", headers=headers,
                                               timeout=timeout) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        if response.status_code not in RETRY_STATUS:
                            raise error_from(response)
                        raise httpx.RemoteProtocolError("server busy")
                    self._set_state("connected")
                    attempt = 0
                    async for event in _parse_sse(response.aiter_lines()):
                        if event.event_id is not None:
                            last_event_id = event.event_id
                        if event.type == "unauthorized":
                            raise PermissionDenied("the token is no longer valid")
                        yield event
            except (httpx.TransportError, httpx.TimeoutException):
                pass
            self._set_state("reconnecting")
            await asyncio.sleep(min(self.backoff * (2 ** attempt), 5.0))
            attempt += 1


async def _parse_sse(lines: AsyncIterator[str]) -> AsyncIterator[ServerEvent]:
    event_id: int | None = None
    data: list[str] = []
    async for line in lines:
        if line == "":
            if data:
                try:
                    payload = json.loads("\n".join(data))
                    yield ServerEvent(type=str(payload.get("type")), id=payload.get("id"),
                                      version=payload.get("version"), event_id=event_id)
                except (ValueError, TypeError):
                    pass
            event_id, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "id" and value.isdigit():
            event_id = int(value)
