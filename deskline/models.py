"""The one vocabulary of every layer: engine, console and HTTP API speak these models.

Timestamps are timezone-aware UTC datetimes. Input models (`*Create`, `*Update`) forbid
unknown fields so that a typo is reported by name instead of being ignored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from pydantic import (
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from deskline.model_docs import Documented

if TYPE_CHECKING:
    from pydantic.config import JsonDict

T = TypeVar("T")

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")


def _unfit_for_an_address(ch: str) -> bool:
    """Control and format characters (NUL, U+FEFF, bidirectional overrides…), surrogates,
    private-use code points and noncharacters: no mail system carries them in an address."""
    import unicodedata

    code = ord(ch)
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") or \
        0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def normalize_email(value: str) -> str:
    """Trimmed; checked for one @ and a dotted domain, and refused with any character no
    mail system carries. Case is kept, uniqueness ignores it."""
    value = value.strip()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValueError(f"not an email address: {value!r}")
    if any(_unfit_for_an_address(ch) for ch in value):
        raise ValueError(f"an email address cannot hold control or invisible characters: "
                         f"{value!r}")
    return value


class Role(StrEnum):
    admin = "admin"
    agent = "agent"
    portal = "portal"


class Visibility(StrEnum):
    private = "private"  # invited agents only: members and followers
    company = "company"  # every agent
    public = "public"  # every agent, and portal customers on tickets they follow or opened


class Assignment(StrEnum):
    manual = "manual"
    balanced_total = "balanced_total"
    balanced_open = "balanced_open"


class Channel(StrEnum):
    email = "email"
    web = "web"
    api = "api"
    manual = "manual"
    phone = "phone"  # opened by an agent from a call (or a walk-in) in the console


class MessageKind(StrEnum):
    reply = "reply"  # public, mailed to the customer
    comment = "comment"  # internal note
    event = "event"  # tracked change


class SlaStatus(StrEnum):
    ongoing = "ongoing"
    reached = "reached"
    failed = "failed"


class Priority(IntEnum):
    low = 0
    medium = 1
    high = 2
    urgent = 3


PRIORITY_LABELS = {0: "low", 1: "medium", 2: "high", 3: "urgent"}


# Schemas are built on a model's first use, not at import: the console paints its first
# frame before most models are needed. A field is described by the docstring under it.
class Model(Documented):
    model_config = ConfigDict(use_enum_values=False, defer_build=True)


class Input(Documented):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


def build_input_schemas() -> None:
    """Build every input model's schema now, and no longer defer. The server does, before
    its routes are declared: FastAPI wraps each body model in a type adapter that would
    otherwise also defer, and build later inside the body parameter's annotation, which
    draws pydantic's warning about the parameter's alias."""
    Input.model_config["defer_build"] = False
    pending = list(Input.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        model.model_config["defer_build"] = False
        model.model_rebuild(force=True)


class Page(Model, Generic[T]):
    items: list[T]
    """The records of this page, in the list's order"""
    next_cursor: str | None = None
    """Pass as `cursor` for the next page; null on the last page"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"items": [], "next_cursor": "WzE3MTE5NjIxMDAsIDEwNDJd"}
    ]})


# --- people ---------------------------------------------------------------------------


class TimeOff(Model):
    start: datetime
    """Start (UTC)"""
    end: datetime
    """End (UTC, after the start)"""
    id: int | None = None
    """Its id, set when read (what removing the time off names)"""

    @model_validator(mode="after")
    def _ordered(self) -> TimeOff:
        if self.end <= self.start:
            raise ValueError("time off must end after it starts")
        return self


class Agent(Model):
    id: int
    """The agent's id"""
    email: str
    """Email address (unique, compared without case)"""
    name: str
    """Display name"""
    role: Role = Role.agent
    """admin, agent or portal (a customer's account)"""
    active: bool = True
    """False once deactivated"""
    time_off: list[TimeOff] = Field(default_factory=list)
    """Periods of time off; automatic assignment skips the agent then"""
    customer_id: int | None = None
    """For portal accounts: the customer they act as"""


class AgentCreate(Input):
    email: str
    """Email address (unique, compared without case)"""
    name: str = Field("", max_length=200)
    """Display name"""
    role: Role = Role.agent
    """admin, agent or portal (a customer's account)"""
    customer_id: int | None = None
    """For a portal account: the customer it acts as"""

    _email = field_validator("email")(normalize_email)


class AgentUpdate(Input):
    """Only the fields that are set are changed. Deactivating goes through
    `deactivate_agent` (tokens revoked, open tickets listed)."""

    email: str | None = None
    """Email address (unique, compared without case)"""
    name: str | None = Field(None, min_length=1, max_length=200)
    """Display name"""
    role: Role | None = None
    """admin, agent or portal (a customer's account)"""
    active: bool | None = None
    """Deactivate with POST /agents/{id}/deactivate; true reactivates"""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else normalize_email(value)


class TimeOffCreate(Input):
    start: datetime
    """Start (UTC)"""
    end: datetime
    """End (UTC, after the start)"""

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: datetime, info: ValidationInfo) -> datetime:
        # on `end`, so that an HTTP answer names the field
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError("time off must end after it starts")
        return end


class Organization(Model):
    id: int
    """The organization's id"""
    name: str
    """Name (unique)"""
    domain: str | None = None
    """Mail domain of the organization (example.com)"""


class OrganizationCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    """Name (unique)"""
    domain: str | None = None
    """Mail domain of the organization (example.com)"""


class OrganizationUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    """Name (unique)"""
    domain: str | None = None
    """Mail domain of the organization (example.com)"""


class Project(Model):
    id: int
    """The project's id"""
    name: str
    """Name"""
    organization_id: int | None = None
    """The organization it belongs to"""


class ProjectCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    """Name"""
    organization_id: int | None = None
    """The organization it belongs to"""


class ProjectUpdate(Input):
    """`organization_id: null` takes the project out of its organization."""

    name: str | None = Field(None, min_length=1, max_length=200)
    """Name"""
    organization_id: int | None = None
    """The organization it belongs to (null: none)"""


class Customer(Model):
    id: int
    """The customer's id"""
    email: str
    """Email address (unique, compared without case)"""
    name: str = ""
    """Name (may be empty)"""
    organization_id: int | None = None
    """The organization it belongs to"""
    phone: str | None = None
    """Phone number, as written"""
    project_ids: list[int] = Field(default_factory=list)
    """Ids of the projects the customer is a member of"""
    created_at: datetime
    """When the customer was created (UTC)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 7, "email": "dana@example.com", "name": "Dana Whitfield", "organization_id": 3,
         "phone": "+49 30 1234567", "project_ids": [2], "created_at": "2026-03-02T09:15:00Z"}
    ]})


class CustomerCreate(Input):
    email: str
    """Email address (unique, compared without case)"""
    name: str = ""
    """Name (may be empty)"""
    organization_id: int | None = None
    """The organization it belongs to"""
    phone: str | None = None
    """Phone number, as written"""
    project_ids: list[int] = Field(default_factory=list)
    """Ids of the projects the customer is a member of"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"email": "dana@example.com", "name": "Dana Whitfield", "organization_id": 3}
    ]})

    _email = field_validator("email")(normalize_email)


class CustomerUpdate(Input):
    """Only the fields that are set are changed; `organization_id: null` unassigns."""

    email: str | None = None
    """Email address (unique, compared without case)"""
    name: str | None = None
    """Name"""
    organization_id: int | None = None
    """The organization it belongs to; an explicit null removes it"""
    phone: str | None = None
    """Phone number, as written"""
    project_ids: list[int] | None = None
    """Ids of the projects it is a member of (replaces the list)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"phone": "+49 30 1234567", "organization_id": None}
    ]})

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else normalize_email(value)


class InviteResult(Model):
    """A customer created with an invitation: whether the mail was queued, and why not."""

    customer: Customer
    """The customer created"""
    invitation_queued: bool
    """Whether an invitation mail was queued"""
    note: str
    """Why nothing was sent, when nothing was"""


# --- teams and stages -----------------------------------------------------------------


class Calendar(Model):
    """Working hours of a team: the same hours on each working day, in the team's zone."""

    timezone: str = "UTC"
    """IANA time zone of the working hours (Europe/Berlin)"""
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    """Working days, Monday 0 to Sunday 6"""
    start_hour: float = Field(9.0, ge=0, lt=24)
    """Start of the working day, in hours (8.5 is 08:30)"""
    end_hour: float = Field(17.0, gt=0, le=24)
    """End of the working day, in hours"""

    @model_validator(mode="after")
    def _sane(self) -> Calendar:
        if self.end_hour <= self.start_hour:
            raise ValueError("a working day must end after it starts")
        if not self.days or any(d < 0 or d > 6 for d in self.days):
            raise ValueError("working days are 0 (Monday) to 6 (Sunday), at least one")
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        return self


class Team(Model):
    id: int
    """The team's id"""
    name: str
    """Name (unique)"""
    description: str = ""
    """What the team handles"""
    email_alias: str | None = None
    """Address whose mail opens tickets in the team"""
    visibility: Visibility = Visibility.company
    """private (invited agents), company (every agent) or public (portal customers too)"""
    assignment: Assignment = Assignment.manual
    """Automatic assignment: manual, balanced_total or balanced_open"""
    member_ids: list[int] = Field(default_factory=list)
    """Ids of the member agents"""
    follower_ids: list[int] = Field(default_factory=list)
    """Agents who follow every ticket of the team"""
    stage_ids: list[int] = Field(default_factory=list)
    """Its stages, in stage order"""
    calendar: Calendar = Field(default_factory=Calendar)
    """Working hours, for SLA clocks and reports"""
    auto_close_days: int | None = None
    """Close open tickets after this many days without activity (null: never)"""
    auto_close_stage_ids: list[int] = Field(default_factory=list)
    """Only tickets in these stages close automatically (empty: any open stage)"""
    customers_may_close: bool = False
    """Portal customers may close their own tickets"""
    ratings: bool = False
    """Ask the customer for a rating when a ticket closes"""
    archived: bool = False
    """Archived teams take no new tickets; theirs stay readable"""
    version: int = 1
    """Version for optimistic concurrency; sent back as ETag, expected in If-Match"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 1,
         "name": "Customer Care",
         "description": "Questions from customers",
         "email_alias": "care@example.com",
         "visibility": "company",
         "assignment": "balanced_open",
         "member_ids": [2, 3],
         "follower_ids": [],
         "stage_ids": [1, 2, 3, 4],
         "calendar": {"timezone": "Europe/Berlin",
                      "days": [0, 1, 2, 3, 4],
                      "start_hour": 8.5,
                      "end_hour": 17.0},
         "auto_close_days": 14,
         "auto_close_stage_ids": [3],
         "customers_may_close": True,
         "ratings": True,
         "archived": False,
         "version": 4}
    ]})


def _alias(value: str | None) -> str | None:
    """An email alias: empty means none."""
    if value is None or not value.strip():
        return None
    return normalize_email(value)


class TeamCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    """Name (unique)"""
    description: str = ""
    """What the team handles"""
    email_alias: str | None = None
    """Address whose mail opens tickets in the team"""
    visibility: Visibility = Visibility.company
    """private (invited agents), company (every agent) or public (portal customers too)"""
    assignment: Assignment = Assignment.manual
    """Automatic assignment: manual, balanced_total or balanced_open"""
    member_ids: list[int] = Field(default_factory=list)
    """Ids of the member agents"""
    follower_ids: list[int] = Field(default_factory=list)
    """Agents who follow every ticket of the team"""
    stage_ids: list[int] = Field(default_factory=list)
    """Its stages, in stage order"""
    calendar: Calendar = Field(default_factory=Calendar)
    """Working hours, for SLA clocks and reports"""
    auto_close_days: int | None = Field(None, ge=1)
    """Close open tickets after this many days without activity (null: never)"""
    auto_close_stage_ids: list[int] = Field(default_factory=list)
    """Only tickets in these stages close automatically (empty: any open stage)"""
    customers_may_close: bool = False
    """Portal customers may close their own tickets"""
    ratings: bool = False
    """Ask the customer for a rating when a ticket closes"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Customer Care", "email_alias": "care@example.com", "visibility": "company",
         "assignment": "balanced_open", "member_ids": [2, 3], "stage_ids": [1, 2, 3, 4]}
    ]})

    _email_alias = field_validator("email_alias")(_alias)


class TeamUpdate(Input):
    """Only the fields that are set are changed."""

    name: str | None = Field(None, min_length=1, max_length=200)
    """Name (unique)"""
    description: str | None = None
    """What the team handles"""
    email_alias: str | None = None
    """Address whose mail opens tickets in the team"""
    visibility: Visibility | None = None
    """private (invited agents), company (every agent) or public (portal customers too)"""
    assignment: Assignment | None = None
    """Automatic assignment: manual, balanced_total or balanced_open"""
    member_ids: list[int] | None = None
    """Ids of the member agents"""
    follower_ids: list[int] | None = None
    """Agents who follow every ticket of the team"""
    stage_ids: list[int] | None = None
    """Its stages, in stage order"""
    calendar: Calendar | None = None
    """Working hours, for SLA clocks and reports"""
    auto_close_days: int | None = Field(None, ge=1)
    """Close open tickets after this many days without activity (null: never)"""
    auto_close_stage_ids: list[int] | None = None
    """Only tickets in these stages close automatically (empty: any open stage)"""
    customers_may_close: bool | None = None
    """Portal customers may close their own tickets"""
    ratings: bool | None = None
    """Ask the customer for a rating when a ticket closes"""
    archived: bool | None = None
    """Archive (true) or bring back (false); see also POST /teams/{id}/archive"""

    _email_alias = field_validator("email_alias")(_alias)


class Stage(Model):
    id: int
    """The stage's id"""
    name: str
    """Name"""
    sequence: int
    """Position among the stages (lower first)"""
    closing: bool = False
    """A ticket in a closing stage is closed (a "folded" stage)"""
    template_id: int | None = None
    """Mail template sent to the customer when a ticket reaches the stage"""
    team_ids: list[int] = Field(default_factory=list)
    """Teams that use the stage"""
    version: int = 1
    """Version for optimistic concurrency; sent back as ETag, expected in If-Match"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 2, "name": "In Progress", "sequence": 2, "closing": False, "template_id": None,
         "team_ids": [1, 2], "version": 1}
    ]})


class StageCreate(Input):
    name: str = Field(min_length=1, max_length=100)
    """Name"""
    sequence: int | None = None
    """Position among the stages (default: after the last stage)"""
    closing: bool = False
    """A ticket in a closing stage is closed (a "folded" stage)"""
    template_id: int | None = None
    """Mail template sent to the customer when a ticket reaches the stage"""
    team_ids: list[int] = Field(default_factory=list)
    """Teams that use the stage"""


class StageUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    """Name"""
    closing: bool | None = None
    """A ticket in a closing stage is closed (a "folded" stage)"""
    template_id: int | None = None
    """Mail template sent to the customer when a ticket reaches the stage"""
    team_ids: list[int] | None = None
    """Teams that use the stage"""


class MailTemplate(Model):
    id: int
    """The template's id"""
    name: str
    """Name (unique)"""
    subject: str
    """Subject template (sandboxed; {{ ticket.number }} and the like)"""
    body: str
    """Body template (sandboxed)"""
    version: int = 1
    """Version for optimistic concurrency; sent back as ETag, expected in If-Match"""


class MailTemplateCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    """Name (unique)"""
    subject: str = Field(max_length=1000)
    """Subject template (sandboxed; {{ ticket.number }} and the like)"""
    body: str = Field(max_length=200_000)
    """Body template (sandboxed)"""


class MailTemplateUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    """Name (unique)"""
    subject: str | None = Field(None, max_length=1000)
    """Subject template"""
    body: str | None = Field(None, max_length=200_000)
    """Body template"""


class TemplatePreview(Model):
    """A template rendered against one ticket, as its customer would get it."""

    subject: str
    """The subject as it would be sent"""
    body: str
    """The body as it would be sent"""


class Tag(Model):
    id: int
    """The tag's id"""
    name: str
    """The tag"""
    ticket_count: int = 0
    """Tickets that carry it"""


class ApiToken(Model):
    """An API token as listed (the token itself is shown once, when made)."""

    id: int
    """The token's id (what revoking names)"""
    agent_id: int
    """The account it acts as"""
    agent_email: str
    """That account's email address"""
    prefix: str
    """The token's first characters, to recognize it (never the token)"""
    label: str = ""
    """A label for the token's owner to tell tokens apart"""
    created_at: datetime
    """When it was created (UTC)"""
    expires_at: datetime | None = None
    """When it stops working (null: never)"""
    revoked_at: datetime | None = None
    """When it was revoked (null: live)"""
    last_used_at: datetime | None = None
    """When it last authenticated a request"""


class AuditEntry(Model):
    """One configuration change: who, when, what, and each field from → to."""

    id: int
    """The entry's id"""
    at: datetime
    """When the change was made (UTC)"""
    actor_id: int | None = None
    """The agent who made it (null: the system)"""
    actor_name: str
    """That agent's name"""
    kind: str
    """What was changed: team, stage, sla_policy, template, agent, organization, project,
    tag, token"""
    object_id: int | None = None
    """The changed record's id"""
    object_name: str = ""
    """The changed record's name"""
    action: str
    """created, changed, archived, deleted, merged, deactivated, revoked…"""
    changes: list[EventData] = Field(default_factory=list)
    """Each field's old and new value"""


# --- SLA --------------------------------------------------------------------------------


class SlaPolicy(Model):
    id: int
    """The policy's id"""
    team_id: int
    """The team it applies to"""
    name: str
    """Name"""
    priorities: list[int] = Field(default_factory=list)
    """Priorities 0-3 it applies to (empty: any priority)"""
    tags: list[str] = Field(default_factory=list)
    """Tickets with one of these tags (empty: any)"""
    customer_ids: list[int] = Field(default_factory=list)
    """Customers it applies to (empty: any customer)"""
    target_stage_id: int
    """The stage that, once reached, meets the SLA"""
    hours: float = Field(gt=0)
    """Working hours on the team's calendar"""
    excluded_stage_ids: list[int] = Field(default_factory=list)
    """Stages where the clock is paused"""
    version: int = 1
    """Version for optimistic concurrency; sent back as ETag, expected in If-Match"""


class SlaPolicyCreate(Input):
    team_id: int
    """The team it applies to"""
    name: str = Field(min_length=1, max_length=200)
    """Name"""
    priorities: list[int] = Field(default_factory=list)
    """Priorities 0-3 (empty: any)"""
    tags: list[str] = Field(default_factory=list)
    """Tickets with one of these tags (empty: any)"""
    customer_ids: list[int] = Field(default_factory=list)
    """Ids of customers (empty: any)"""
    target_stage_id: int
    """The stage that, once reached, meets the SLA"""
    hours: float = Field(gt=0, le=10_000)
    """Working hours on the team's calendar to reach the target stage"""
    excluded_stage_ids: list[int] = Field(default_factory=list)
    """Stages where the clock is paused"""

    @field_validator("priorities")
    @classmethod
    def _priorities(cls, value: list[int]) -> list[int]:
        if any(p < 0 or p > 3 for p in value):
            raise ValueError("priorities are 0 (low) to 3 (urgent)")
        return sorted(set(value))


class SlaPolicyUpdate(Input):
    """Only the fields that are set are changed. `recompute`: also restart the clocks of
    the team's open tickets under the changed policy (else it applies to new tickets)."""

    name: str | None = Field(None, min_length=1, max_length=200)
    """Name"""
    priorities: list[int] | None = None
    """Priorities 0-3 (empty: any)"""
    tags: list[str] | None = None
    """Tickets with one of these tags (empty: any)"""
    customer_ids: list[int] | None = None
    """Ids of customers (empty: any)"""
    target_stage_id: int | None = None
    """The stage that, once reached, meets the SLA"""
    hours: float | None = Field(None, gt=0, le=10_000)
    """Working hours on the team's calendar to reach the target stage"""
    excluded_stage_ids: list[int] | None = None
    """Stages where the clock is paused"""
    recompute: bool = False
    """Apply the change to the open tickets' running clocks too"""

    @field_validator("priorities")
    @classmethod
    def _priorities(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(p < 0 or p > 3 for p in value):
            raise ValueError("priorities are 0 (low) to 3 (urgent)")
        return None if value is None else sorted(set(value))


class TicketSla(Model):
    policy_id: int
    """The SLA policy's id"""
    name: str
    """The policy's name"""
    status: SlaStatus
    """ongoing, reached or failed"""
    deadline: datetime | None
    """When the target stage must be reached (null while the clock is paused)"""
    reached_at: datetime | None = None
    """When it was reached"""


# --- tickets and chatter --------------------------------------------------------------


class AttachmentInfo(Model):
    """A file that came with a mail (its content is fetched on its own)."""

    id: int
    """The attachment's id: GET /attachments/{id} answers the bytes"""
    filename: str
    """File name, as the mail named it"""
    content_type: str
    """Media type, as the mail said"""
    size: int
    """Size in bytes"""
    inline: bool = False
    """Shown inside the mail's HTML (a logo, a pasted screenshot)"""


class AttachmentFile(Model):
    info: AttachmentInfo
    """The file's facts"""
    content: bytes
    """The bytes"""


MAX_FILE_BYTES = 10 * 1024 * 1024  # one file sent with a reply
MAX_REPLY_FILES_BYTES = 25 * 1024 * 1024  # all of a reply's files (what mail servers take)


class FileUpload(Input):
    """A file an agent (or a customer's account) sends with a reply (over HTTP it travels
    as `server.schemas.FileBody`, base64)."""

    filename: str = Field(min_length=1, max_length=255)
    """File name"""
    content_type: str = Field("application/octet-stream", max_length=255)
    """Media type"""
    content: bytes = Field(max_length=MAX_FILE_BYTES)
    """The bytes"""


# A ticket as the examples of the document show it (`Ticket`, and `TicketSummary` without
# what only the whole ticket carries).
TICKET_EXAMPLE: JsonDict = {
    "id": 1042, "number": 1042, "subject": "Printer on floor 3 prints blank pages",
    "description": "Since this morning every page comes out blank.",
    "team_id": 1, "team_name": "Customer Care", "stage_id": 2, "stage_name": "In Progress",
    "assignee_id": 2, "assignee_name": "Alice Moreau", "customer_id": 7,
    "customer_name": "Dana Whitfield", "customer_email": "dana@example.com",
    "organization_id": 3, "organization_name": "Whitfield & Co", "priority": 2,
    "tags": ["printer"], "follower_ids": [2], "channel": "email",
    "created_at": "2026-03-02T09:15:00Z", "updated_at": "2026-03-02T10:40:12Z",
    "closed_at": None, "sla_deadline": "2026-03-02T13:15:00Z", "sla_status": "ongoing",
    "slas": [{"policy_id": 1, "name": "High priority: first answer in 4 hours",
              "status": "ongoing", "deadline": "2026-03-02T13:15:00Z"}],
    "rating": None, "version": 5, "merged_into": None, "split_from": None,
    "archived": False, "message_count": 3,
    "attachments": [{"id": 31, "filename": "test-page.pdf",
                     "content_type": "application/pdf", "size": 48213}]}
WHOLE_TICKET_ONLY = ("team_name", "stage_name", "organization_name", "follower_ids", "slas",
                     "attachments")


class Ticket(Model):
    id: int
    """The ticket's id (what paths name)"""
    number: int
    """The ticket number people use (#1042)"""
    subject: str
    """Subject line"""
    description: str = ""
    """The ticket's description (the first mail's text, for mail)"""
    team_id: int
    """The team that handles it"""
    team_name: str = ""
    """The team's name"""
    stage_id: int
    """The stage it is in"""
    stage_name: str = ""
    """The stage's name"""
    assignee_id: int | None = None
    """The assigned agent's id (null: unassigned)"""
    assignee_name: str | None = None
    """The assigned agent's name"""
    customer_id: int | None = None
    """The customer's id"""
    customer_name: str | None = None
    """The customer's name"""
    customer_email: str | None = None
    """The customer's email address"""
    organization_id: int | None = None
    """The organization's id"""
    organization_name: str | None = None
    """The organization's name"""
    priority: int = Field(0, ge=0, le=3)
    """0 low, 1 medium, 2 high, 3 urgent"""
    tags: list[str] = Field(default_factory=list)
    """Tag names"""
    follower_ids: list[int] = Field(default_factory=list)
    """Ids of the agents who follow it"""
    channel: Channel = Channel.manual
    """How it came in: email, web, api, manual or phone"""
    created_at: datetime
    """When it was created (UTC)"""
    updated_at: datetime
    """When it last changed (UTC)"""
    closed_at: datetime | None = None
    """When the ticket reached a closing stage (null while open)"""
    sla_deadline: datetime | None = None
    """The nearest running SLA deadline (UTC)"""
    sla_status: SlaStatus | None = None
    """ongoing, reached or failed (a failed SLA stays failed)"""
    slas: list[TicketSla] = Field(default_factory=list)
    """Each SLA policy's clock on the ticket"""
    rating: int | None = None
    """The customer's rating: 5 satisfied, 3 okay, 1 dissatisfied"""
    version: int
    """Version for optimistic concurrency: the ETag; writes send it in If-Match"""
    merged_into: int | None = None
    """The ticket it was merged into"""
    split_from: int | None = None
    """The ticket it was split from"""
    archived: bool = False
    """Archived: kept and readable, out of lists and boards"""
    message_count: int = 0
    """Messages in its chatter"""
    attachments: list[AttachmentInfo] = Field(default_factory=list)
    """Files that came with the first mail"""

    model_config = ConfigDict(json_schema_extra={"examples": [TICKET_EXAMPLE]})

    def card(self) -> TicketCard:
        """The ticket as a board card, as the store would list it."""
        return TicketCard(
            id=self.id, number=self.number, subject=self.subject, team_id=self.team_id,
            stage_id=self.stage_id, priority=self.priority, assignee_id=self.assignee_id,
            assignee_name=self.assignee_name, customer_name=self.customer_name,
            tags=list(self.tags), sla_deadline=self.sla_deadline, sla_status=self.sla_status,
            created_at=self.created_at, closed=self.closed_at is not None, version=self.version)


class TicketCard(Model):
    """What a board card or a list row shows: one query, no follow-up lookups."""

    id: int
    """The ticket's id"""
    number: int
    """The ticket number people use (#1042)"""
    subject: str
    """Subject line"""
    team_id: int
    """The team that handles it"""
    stage_id: int
    """The stage it is in"""
    priority: int
    """0 low, 1 medium, 2 high, 3 urgent"""
    assignee_id: int | None = None
    """The assigned agent's id (null: unassigned)"""
    assignee_name: str | None = None
    """The assigned agent's name"""
    customer_name: str | None = None
    """The customer's name"""
    tags: list[str] = Field(default_factory=list)
    """Tag names"""
    sla_deadline: datetime | None = None
    """The nearest running SLA deadline (UTC)"""
    sla_status: SlaStatus | None = None
    """ongoing, reached or failed (a failed SLA stays failed)"""
    created_at: datetime
    """When the ticket was created (UTC)"""
    closed: bool = False
    """In a closing stage"""
    version: int
    """The ticket's version (its ETag)"""


def board_order(card: TicketCard) -> tuple[int, float, int]:
    """Sort key of a board column: priority high first, then newest, then highest id (the
    store's keyset pages come in this order)."""
    return (-card.priority, -card.created_at.timestamp(), -card.id)


class AgentDeactivation(Model):
    """An agent deactivated: their tokens revoked, their open tickets to reassign."""

    agent: Agent
    """The deactivated agent"""
    tokens_revoked: int
    """Tokens revoked with it"""
    open_tickets: list[TicketCard]
    """Open tickets still assigned to the agent, to hand on"""


class TicketCreate(Input):
    subject: str = Field(min_length=1, max_length=500)
    """Subject line"""
    description: str = ""
    """What the customer asks, as text (Markdown shown as text)"""
    team_id: int
    """The team that will handle it"""
    stage_id: int | None = None
    """The starting stage (default: the team's first stage)"""
    customer_id: int | None = None
    """The customer it is for"""
    priority: int = Field(0, ge=0, le=3)
    """0 low, 1 medium, 2 high, 3 urgent"""
    tags: list[str] = Field(default_factory=list)
    """Tag names"""
    channel: Channel = Channel.manual
    """How it came in: email, web, api, manual or phone"""
    assignee_id: int | None = None
    """The agent to assign (default: the team's automatic assignment, if any)"""
    # not set: the customer's organization; set (None too: no organization), that one
    organization_id: int | None = None
    """The organization's id"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"subject": "Printer on floor 3 prints blank pages",
         "description": "Since this morning every page comes out blank.", "team_id": 1,
         "customer_id": 7, "priority": 2, "tags": ["printer"], "channel": "phone"}
    ]})


class TicketUpdate(Input):
    """Only the fields that are set are changed; each change is tracked in the chatter."""

    subject: str | None = Field(None, min_length=1, max_length=500)
    """Subject line"""
    description: str | None = None
    """The description"""
    priority: int | None = Field(None, ge=0, le=3)
    """0 low, 1 medium, 2 high, 3 urgent"""
    tags: list[str] | None = None
    """Tag names"""
    customer_id: int | None = None
    """The customer it is for"""
    organization_id: int | None = None
    """The organization's id"""
    team_id: int | None = None
    """Move it to another team (its stage must be one of that team's)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"priority": 3, "tags": ["printer", "floor-3"]}
    ]})


class TicketEdit(TicketUpdate):
    """Every header field of a ticket at once, in one transaction (only the fields set).
    `customer_email` names the customer by email instead of `customer_id`: the customer
    with that email, else a new one."""

    stage_id: int | None = None
    """Move it to this stage"""
    assignee_id: int | None = None
    """Assign it to this agent"""
    customer_email: str | None = Field(None, max_length=254)
    """The customer by email address (one is created when none has it)"""


class EventData(Model):
    """A tracked change: which field, and its old and new values as shown to people."""

    field: str
    """The field that changed"""
    old: str | None = None
    """The value before, as shown"""
    new: str | None = None
    """The value after, as shown"""


class Message(Model):
    id: int
    """The message's id"""
    ticket_id: int
    """The ticket it belongs to"""
    kind: MessageKind
    """reply (public, mailed to the customer), comment (internal note) or event (tracked change)"""
    author_agent_id: int | None = None
    """The agent who wrote it"""
    author_customer_id: int | None = None
    """The customer who wrote it"""
    author_name: str = ""
    """The author's name"""
    body: str
    """The text (stored as written; show it as text, never as markup)"""
    created_at: datetime
    """When it was written (UTC)"""
    events: list[EventData] = Field(default_factory=list)
    """For an event: each field's old and new value"""
    mention_ids: list[int] = Field(default_factory=list)
    """Agents @mentioned (they are notified)"""
    attachments: list[AttachmentInfo] = Field(default_factory=list)
    """Files that came with the mail"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 5120, "ticket_id": 1042, "kind": "reply", "author_agent_id": 2,
         "author_name": "Alice Moreau",
         "body": "Could you print a test page and send us a photo of it?",
         "created_at": "2026-03-02T10:40:12Z", "events": [], "mention_ids": [], "attachments": []}
    ]})


class TicketView(Model):
    """A ticket with the first page of its thread."""

    ticket: Ticket
    """The ticket"""
    messages: Page[Message]
    """The first page of its chatter"""


# --- dashboard, board, search ---------------------------------------------------------


class TeamFigures(Model):
    team_id: int
    """The team's id"""
    team_name: str
    """The team's name"""
    open: int
    """Open tickets"""
    unassigned: int
    """Open tickets without an assignee"""
    mine: int
    """Open tickets assigned to the caller"""
    urgent: int
    """Open urgent tickets"""
    sla_failed: int
    """Open tickets whose SLA failed"""


class BoardFilter(Input):
    text: str | None = None
    """Words of the subject or description, or a ticket number"""
    mine: bool = False
    """Only tickets assigned to the caller"""
    unassigned: bool = False
    """Only tickets without an assignee"""
    tag: str | None = None
    """Only tickets with this tag"""
    priority: int | None = Field(None, ge=0, le=3)
    """Only tickets of this priority (0-3)"""
    project_id: int | None = None
    """Only tickets of the project's customers"""

    @property
    def on_card(self) -> bool:
        """Whether a card says if a ticket passes: the text and the project are matched by
        the store only (a ticket's words, its customer's projects)."""
        return not self.text and self.project_id is None

    def matches(self, card: TicketCard, agent_id: int | None) -> bool:
        """Whether the card passes the filter's mine, unassigned, priority and tag, for the
        agent `agent_id` (see `on_card` for the rest)."""
        if self.mine and (agent_id is None or card.assignee_id != agent_id):
            return False
        if self.unassigned and card.assignee_id is not None:
            return False
        if self.priority is not None and card.priority != self.priority:
            return False
        return not (self.tag and self.tag not in card.tags)


class BoardColumn(Model):
    stage: Stage
    """The stage"""
    count: int
    """Tickets in it that the filter keeps; with `capped`, at least this many"""
    capped: bool = False
    """Whether the count stopped at its cap (a filter by text, tag or project counts at
    most 1,000 tickets a column): shown as "1,000+"."""


class SearchHit(Model):
    ticket: TicketCard
    """The ticket found"""
    matched: Literal["number", "email", "subject", "message"]
    """What matched: number, email, subject or message"""
    snippet: str = ""
    """The matching text around the words"""


# --- merge and split ------------------------------------------------------------------

MERGE_FIELDS = ("subject", "description", "customer_id", "assignee_id", "priority",
                "stage_id", "team_id")


class PairScore(Model):
    a: int
    """One ticket's id"""
    b: int
    """The other ticket's id"""
    score: float
    """Similarity from 0 to 1"""


class FieldValues(Model):
    field: str
    """The ticket field"""
    values: dict[int, str | None]
    """Ticket id -> value as shown"""
    differs: bool
    """Whether the tickets' values differ"""


class MergePreview(Model):
    tickets: list[Ticket]
    """The tickets, the target first"""
    pairs: list[PairScore]
    """Similarity of each pair"""
    fields: list[FieldValues]
    """Each field's values, to choose from"""
    message_count: int
    """Messages the merged ticket will hold"""


class MergeRequest(Input):
    target_id: int
    """The ticket that stays (the one in the path)"""
    source_ids: list[int] = Field(min_length=1)
    """The tickets merged into it, then archived"""
    # field -> the ticket whose value the target keeps; fields not named keep the target's
    choices: dict[str, int] = Field(default_factory=dict)
    """Field -> id of the ticket whose value the target keeps"""
    versions: dict[int, int]
    """Ticket id -> version the caller saw, for every ticket"""


class SplitRequest(Input):
    message_ids: list[int] = Field(min_length=1)
    """The messages moved to the new ticket"""
    subject: str | None = Field(None, min_length=1, max_length=500)
    """The new ticket's subject (default: the ticket's)"""
    version: int
    """The ticket's version the caller saw"""


# --- closing and ratings ----------------------------------------------------------------


class RatingAnswer(StrEnum):
    satisfied = "satisfied"
    okay = "okay"
    dissatisfied = "dissatisfied"


RATING_SCORES = {"satisfied": 5, "okay": 3, "dissatisfied": 1}
RATING_LABELS = {5: "satisfied", 3: "okay", 1: "dissatisfied"}


class RatingCreate(Input):
    answer: RatingAnswer
    """satisfied, okay or dissatisfied"""
    comment: str = Field("", max_length=5000)
    """The customer's words"""


class AutoCloseResult(Model):
    closed: list[int] = Field(default_factory=list)
    """Ticket ids, in the order closed"""
    skipped: int = 0
    """Changed by someone else meanwhile; tried again next run"""
    rating_requests: int = 0
    """Rating requests queued"""


# --- reports -------------------------------------------------------------------------------


class ReportFilter(Input):
    """Period [since, until); default the 30 days before now. Team and agent narrow it."""

    team_id: int | None = None
    """Only this team"""
    agent_id: int | None = None
    """Only tickets assigned to this agent"""
    since: datetime | None = None
    """From (inclusive, UTC; default 30 days ago)"""
    until: datetime | None = None
    """To (exclusive, UTC; default now)"""


class DayCount(Model):
    day: str
    """The day, YYYY-MM-DD (UTC)"""
    opened: int
    """Tickets created that day"""
    closed: int
    """Tickets closed that day"""


class StageBacklog(Model):
    stage_id: int
    """The stage's id"""
    stage_name: str
    """The stage's name"""
    open: int
    """Open tickets in the stage now"""


class SlaFigures(Model):
    reached: int
    """SLA clocks reached"""
    failed: int
    """SLA clocks failed"""
    success_rate: float | None
    """reached / (reached + failed); null when nothing settled"""


class DurationFigures(Model):
    """Working hours on each ticket's team calendar."""

    count: int
    """Tickets counted"""
    mean_hours: float | None
    """Mean, in working hours"""
    median_hours: float | None
    """Median, in working hours"""


class RatingFigures(Model):
    id: int | None
    """Team or agent id (null: unassigned)"""
    name: str
    """Team or agent name"""
    count: int
    """Ratings"""
    average: float | None
    """Average rating (1-5)"""
    satisfied: int
    """Satisfied answers"""
    okay: int
    """Okay answers"""
    dissatisfied: int
    """Dissatisfied answers"""


class Report(Model):
    filter: ReportFilter
    """The filter as asked"""
    since: datetime
    """Start of the period (inclusive, UTC)"""
    until: datetime
    """End of the period (exclusive, UTC)"""
    opened: int
    """Tickets created in the period"""
    closed: int
    """Tickets closed in the period"""
    per_day: list[DayCount]
    """Opened and closed per UTC day"""
    backlog: list[StageBacklog]
    """Open tickets now, per stage"""
    sla: SlaFigures
    """Settled SLA clocks of tickets created in the period"""
    first_response: DurationFigures
    """Working hours to the first agent reply"""
    time_to_close: DurationFigures
    """Working hours to close, of tickets closed in the period"""
    ratings_by_team: list[RatingFigures]
    """Ratings given in the period, per team"""
    ratings_by_agent: list[RatingFigures]
    """Ratings given in the period, per assignee"""


# --- import and export ---------------------------------------------------------------


class ImportKind(StrEnum):
    customers = "customers"
    tickets = "tickets"

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields a column can map to, in the order a mapping screen lists them."""
        return IMPORT_FIELDS[self]

    def required_fields(self, default_team: bool = False) -> list[str]:
        """What a file must map; a ticket file needs no team when one is given for all."""
        if self is ImportKind.customers:
            return ["email"]
        return ["subject"] if default_team else ["subject", "team"]


IMPORT_FIELDS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.customers: ("email", "name", "first_name", "last_name", "organization", "phone",
                           "projects"),
    ImportKind.tickets: ("subject", "description", "team", "stage", "priority", "tags",
                         "assignee", "customer_email", "created_at", "closed_at", "channel"),
}
DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}
MAX_IMPORT_PROBLEMS = 10_000  # a report keeps at most this many problems (counts stay exact)


class ColumnInfo(Model):
    name: str
    """The header as written in the file"""
    samples: list[str]
    """The first non-empty values, for the mapping screen"""
    field: str | None
    """The field it maps to (guessed or chosen); null: ignored"""


class FilePreview(Model):
    encoding: str
    """Text encoding the file was read with"""
    delimiter: str
    """Column delimiter"""
    columns: list[ColumnInfo]
    """The file's columns and the fields they map to"""
    rows: int
    """Data rows (records, not lines)"""


class SavedMapping(Model):
    name: str
    """The mapping's name"""
    kind: ImportKind
    """customers or tickets"""
    columns: dict[str, str]
    """Column header -> field ('' ignores the column)"""
    created_at: datetime
    """When it was saved (UTC)"""


class RowProblem(Model):
    line: int
    """The file's line where the record starts (the header is line 1)"""
    field: str | None
    """The field at fault"""
    column: str | None
    """The column at fault"""
    message: str
    """What is wrong"""


class ImportReport(Model):
    kind: ImportKind
    """customers or tickets"""
    dry_run: bool
    """Nothing was written: a check only"""
    mode: Literal["all_or_nothing", "skip_bad"]
    """all_or_nothing or skip_bad (the good rows)"""
    encoding: str
    """Text encoding the file was read with"""
    delimiter: str
    """Column delimiter"""
    mapping: dict[str, str]
    """Column -> field as used"""
    rows: int
    """Data rows read"""
    good: int
    """Rows that passed the checks"""
    bad: int
    """Rows that did not"""
    written: int
    """Rows imported (0 on a dry run, or when all-or-nothing met a bad row)"""
    problems: list[RowProblem]
    """Each bad row's problem"""
    organizations_created: list[str] = Field(default_factory=list)
    """Organizations the file named that were created"""
    unlinked: int = 0
    """Tickets whose customer email matched no customer"""
    seconds: float = 0.0
    """Seconds taken"""

    @property
    def ok(self) -> bool:
        return self.bad == 0

    def describe(self, limit: int | None = 50) -> list[str]:
        """The report as lines for people (the command line prints them; the import
        screen shows the first ones)."""
        what = self.kind.value
        if self.dry_run:
            head = (f"Dry run: {self.good} of {self.rows} {what} rows are good, {self.bad} "
                    "bad; nothing was written.")
        elif self.written:
            head = f"Imported {self.written} of {self.rows} {what} rows"
            head += f"; skipped {self.bad} bad rows." if self.bad else "."
        elif self.bad:
            head = (f"Nothing imported: {self.bad} of {self.rows} rows are bad. Fix them, or "
                    "add --skip-bad to import the good rows.")
        else:
            head = f"Nothing to import: the file has no {what} rows."
        delimiter = DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
        lines = [head, f"File: {self.encoding}, {delimiter}-separated."]
        used = [f"{c} → {f}" for c, f in self.mapping.items() if f]
        lines.append("Columns: " + ", ".join(used))
        ignored = [c for c, f in self.mapping.items() if not f]
        if ignored:
            lines.append("Ignored columns: " + ", ".join(ignored))
        if self.organizations_created:
            verb = "would be created" if self.dry_run or not self.written else "created"
            lines.append(f"Organizations {verb}: " + ", ".join(self.organizations_created))
        if self.kind is ImportKind.tickets and self.good:
            lines.append(f"Not linked to a customer (no matching email): {self.unlinked}")
        shown = self.problems if limit is None else self.problems[:limit]
        for p in shown:
            where = f" ({p.column})" if p.column else ""
            lines.append(f"  line {p.line}{where}: {p.message}")
        if len(shown) < len(self.problems):
            lines.append(f"  … and {len(self.problems) - len(shown)} more problems (--json "
                         f"lists up to {MAX_IMPORT_PROBLEMS:,})")
        return lines


class TicketExportFilter(Input):
    team_id: int | None = None
    """The team's id"""
    stage_id: int | None = None
    """The stage's id"""
    assignee_id: int | None = None
    """The assigned agent's id (null: unassigned)"""
    customer_id: int | None = None
    """The customer's id"""
    organization_id: int | None = None
    """The organization's id"""
    project_id: int | None = None
    """Only tickets of the project's customers"""
    since: datetime | None = None
    """Created at or after"""
    until: datetime | None = None
    """Created before"""
    open: bool | None = None
    """True: open only; False: closed only"""
    include_archived: bool = False
    """Archived tickets too"""


class CustomerExportFilter(Input):
    organization_id: int | None = None
    """The organization's id"""
    project_id: int | None = None
    """Only the project's customers"""
    unassigned: bool = False
    """Only customers without an organization"""
    text: str | None = None
    """Words of the name or email address"""


# --- canned replies ----------------------------------------------------------------------


class CannedReply(Model):
    """A reply kept for the composer: personal (its agent's own) or a team's (admins keep
    those). `body` is a template with the mail templates' placeholders."""

    id: int
    """The canned reply's id"""
    name: str
    """Name (unique per owner)"""
    body: str
    """Template text (sandboxed) inserted in the composer"""
    agent_id: int | None = None
    """Set for a personal reply: its agent"""
    team_id: int | None = None
    """Set for a team's reply: the team"""
    team_name: str | None = None
    """The team's name"""
    updated_at: datetime
    """When it last changed (UTC)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 9, "name": "Ask for a test page",
         "body": "Hello {{ customer.name }}, could you print a test page?", "team_id": 1,
         "team_name": "Customer Care", "updated_at": "2026-01-11T12:00:00Z"}
    ]})


class CannedReplyCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    """Name (unique per owner)"""
    body: str = Field(min_length=1, max_length=20_000)
    """Template text (sandboxed)"""
    team_id: int | None = None
    """The team it is for (null: a personal reply of its creator)"""


class CannedReplyUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    """Name (unique per owner)"""
    body: str | None = Field(None, min_length=1, max_length=20_000)
    """Template text (sandboxed)"""


class CannedRender(Model):
    """A canned reply rendered for one ticket. `problem` says why `text` is the body as
    written (rendering failed); the agent still gets the text, never an error."""

    text: str
    """The reply rendered for the ticket"""
    problem: str | None = None
    """Why it could not be rendered (null when it was)"""
# --- many tickets at once (service/bulk_actions.py) -------------------------------------

# One request's tickets, named or matched: the batch holds the file's write lock, and
# other writers wait at most 5 s (the busy timeout).
MAX_BULK_TICKETS = 2000


class BulkAction(StrEnum):
    assign = "assign"  # to `agent_id` (None: unassign)
    move = "move"  # into `stage_id`
    priority = "priority"  # to `priority`
    add_tag = "add_tag"  # `tag`
    remove_tag = "remove_tag"  # `tag`
    close = "close"  # into the team's closing stage
    archive = "archive"
    merge = "merge"  # into `target_id`, else the oldest; cannot be undone


class BulkItem(Input):
    ticket_id: int
    """The ticket's id"""
    version: int
    """The version the caller saw: a ticket changed since is left out"""


class BulkMatch(Input):
    """Every ticket a board shows: the team, one stage or all, the board's filter."""

    team_id: int
    """The team whose tickets are matched"""
    stage_id: int | None = None
    """Only this stage"""
    filter: BoardFilter | None = None
    """The board's filter"""


class BulkRequest(Input):
    """One action on marked tickets (`tickets`) or on all that match (`match`)."""

    action: BulkAction
    """What to do to every ticket"""
    tickets: list[BulkItem] = Field(default_factory=list, max_length=MAX_BULK_TICKETS)
    """The tickets, each with the version seen (or `match`)"""
    match: BulkMatch | None = None
    """The tickets a board's filter keeps (instead of `tickets`)"""
    agent_id: int | None = None
    """For assign: the agent (null: unassign)"""
    stage_id: int | None = None
    """For move: the stage"""
    priority: int | None = Field(None, ge=0, le=3)
    """For priority: 0-3"""
    tag: str | None = Field(None, max_length=100)
    """For add_tag and remove_tag: the tag"""
    target_id: int | None = None
    """For merge: the target ticket (default: the oldest)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "assign", "agent_id": 2,
         "tickets": [{"ticket_id": 1042, "version": 5}, {"ticket_id": 1043, "version": 1}]}
    ]})

    @model_validator(mode="after")
    def _one_selection(self) -> BulkRequest:
        if bool(self.tickets) == (self.match is not None):
            raise ValueError("name the tickets or a match, one of the two")
        return self


class BulkSkip(Model):
    """A ticket the action leaves out, and why. `not_visible` says nothing more than the
    id the caller sent."""

    ticket_id: int
    """The ticket left out"""
    number: int | None = None
    """Its number, when the caller may see it"""
    reason: Literal["not_visible", "changed_since", "refused"]
    """not_visible, changed_since or refused"""
    detail: str = ""
    """Why, in words"""


class BulkOutcome(Model):
    """What a bulk action will do (preview), did (apply) or undid (undo)."""

    action: BulkAction
    """The action"""
    total: int
    """Tickets named or matched"""
    changed: list[int] = Field(default_factory=list)
    """Ids of tickets changed (or, in a preview, to change)"""
    unchanged: list[int] = Field(default_factory=list)
    """Ids of tickets already as asked"""
    skipped: list[BulkSkip] = Field(default_factory=list)
    """Tickets left out, with the reason"""
    undoable: bool = True
    """Whether POST /tickets/bulk/undo can take it back"""
    target_id: int | None = None
    """A merge's target"""
    note: str = ""
    """A word on the outcome"""
# --- notifications ---------------------------------------------------------------------


class NotificationKind(StrEnum):
    mention = "mention"  # @mentioned in an internal comment
    assigned = "assigned"  # a ticket assigned to me by someone else, or automatically
    customer_wrote = "customer_wrote"  # on a ticket I am assigned to or follow
    sla_due = "sla_due"  # an SLA deadline of my ticket within the next working hour
    sla_failed = "sla_failed"
    team_ticket = "team_ticket"  # created or changed in a team whose tickets I follow


NOTIFICATION_LABELS = {
    NotificationKind.mention: "mentions",
    NotificationKind.assigned: "assignments",
    NotificationKind.customer_wrote: "customer messages",
    NotificationKind.sla_due: "SLA deadlines within the hour",
    NotificationKind.sla_failed: "SLA failures",
    NotificationKind.team_ticket: "followed teams' tickets",
}


class Notification(Model):
    id: int
    """The notification's id"""
    kind: NotificationKind
    """What it is about"""
    ticket_id: int
    """The ticket's id"""
    ticket_number: int
    """The ticket's number"""
    message_id: int | None = None
    """The chatter message that caused it"""
    text: str
    """What happened, in a sentence (stored text: show it as text)"""
    created_at: datetime
    """When it happened (UTC)"""
    read_at: datetime | None = None
    """When it was read (null: unread)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 301, "kind": "mention", "ticket_id": 1042, "ticket_number": 1042, "message_id": 5121,
         "text": "Alice Moreau mentioned you on #1042", "created_at": "2026-03-02T10:41:00Z",
         "read_at": None}
    ]})

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationCount(Model):
    unread: int
    """Unread notifications"""


class NotificationSettings(Input):
    """Which kinds also come by mail (to the agent's own address), and the bell."""

    mail_kinds: list[NotificationKind] = Field(default_factory=list)
    """Kinds also sent by mail"""
    bell: bool = True
    """Ring the terminal bell on a new notification"""
# --- ticket lists and the change feed, for integrations (service/ticket_lists.py) ------


class TicketListFilter(Input):
    """`GET /tickets`: every filter is optional; `assignee` is an agent's id, "me" or
    "none" (unassigned); times are inclusive of `since`, exclusive of `until`."""

    team_id: int | None = None
    """Only this team's tickets (a team the caller cannot see is refused)"""
    stage_id: int | None = None
    """Only this stage"""
    assignee: int | Literal["me", "none"] | None = None
    """An agent's id, me or none"""
    customer_id: int | None = None
    """Only this customer's tickets"""
    organization_id: int | None = None
    """Only this organization's tickets"""
    project_id: int | None = None
    """Only tickets of the project's customers"""
    tag: str | None = None
    """Only tickets with this tag"""
    priority: int | None = Field(None, ge=0, le=3)
    """Only this priority (0-3)"""
    status: Literal["open", "closed", "archived"] | None = None
    """open, closed or archived"""
    created_since: datetime | None = None
    """Created at or after (no zone: UTC)"""
    created_until: datetime | None = None
    """Created before (no zone: UTC)"""
    updated_since: datetime | None = None
    """Changed at or after (no zone: UTC)"""
    updated_until: datetime | None = None
    """Changed before (no zone: UTC)"""
    text: str | None = Field(None, max_length=500)
    """Words of the subject or description, or a ticket number"""
    sort: Literal["updated", "created", "priority"] = "updated"
    """updated (default), created or priority"""
    order: Literal["desc", "asc"] = "desc"
    """desc (newest, most urgent first; default) or asc"""

    @field_validator("assignee", mode="before")
    @classmethod
    def _assignee(cls, value: object) -> object:
        # one message naming the field, rather than one per member of the union
        if isinstance(value, str) and value.strip() not in ("me", "none"):
            if not value.strip().isdigit():
                raise ValueError("an agent's id, me or none")
            return int(value)
        return value

    @field_validator("created_since", "created_until", "updated_since", "updated_until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # a time without a zone is UTC, as everywhere in the API
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class TicketSummary(Model):
    """A ticket as a list or the change feed gives it: its own fields, one query for a page
    (no followers, clocks or files; `GET /tickets/{id}` has those)."""

    id: int
    """The ticket's id"""
    number: int
    """The ticket number people use (#1042)"""
    subject: str
    """Subject line"""
    description: str = ""
    """The ticket's description"""
    team_id: int
    """The team that handles it"""
    stage_id: int
    """The stage it is in"""
    assignee_id: int | None = None
    """The assigned agent's id (null: unassigned)"""
    assignee_name: str | None = None
    """The assigned agent's name"""
    customer_id: int | None = None
    """The customer's id"""
    customer_name: str | None = None
    """The customer's name"""
    customer_email: str | None = None
    """The customer's email address"""
    organization_id: int | None = None
    """The organization's id"""
    priority: int
    """0 low, 1 medium, 2 high, 3 urgent"""
    tags: list[str] = Field(default_factory=list)
    """Tag names"""
    channel: Channel = Channel.manual
    """How it came in: email, web, api, manual or phone"""
    created_at: datetime
    """When it was created (UTC)"""
    updated_at: datetime
    """When it last changed (UTC)"""
    closed_at: datetime | None = None
    """When the ticket reached a closing stage (null while open)"""
    sla_deadline: datetime | None = None
    """The nearest running SLA deadline (UTC)"""
    sla_status: SlaStatus | None = None
    """ongoing, reached or failed (a failed SLA stays failed)"""
    rating: int | None = None
    """The customer's rating: 5 satisfied, 3 okay, 1 dissatisfied"""
    version: int
    """The ticket's version (its ETag)"""
    merged_into: int | None = None
    """The ticket it was merged into"""
    split_from: int | None = None
    """The ticket it was split from"""
    archived: bool = False
    """Archived: kept and readable, out of lists and boards"""
    message_count: int = 0
    """Messages in its chatter"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {k: v for k, v in TICKET_EXAMPLE.items() if k not in WHOLE_TICKET_ONLY}]})


class TicketChange(Model):
    """One ticket in the change feed, at its latest change: `ticket` as it is now, or
    `deleted` with only its id and number (a tombstone)."""

    seq: int
    """The change's place in the feed"""
    id: int
    """The ticket's id"""
    number: int
    """The ticket's number"""
    deleted: bool = False
    """The ticket was deleted (a tombstone: no `ticket`)"""
    ticket: TicketSummary | None = None
    """The ticket as it is now"""


class ChangePage(Model):
    """A page of the change feed. Ask again with `cursor` (never repeats or misses a
    change); `more`: there is more to read now. `reset`: the cursor asked for was older
    than the kept tombstones (or from another helpdesk), so this page starts again from
    the beginning and the caller should replace its copy with what follows."""

    items: list[TicketChange]
    """Each changed ticket once, at its latest change, in change order"""
    cursor: str
    """Pass as `cursor` next time to get what changed since"""
    more: bool = False
    """More changes wait: ask again at once"""
    reset: bool = False
    """The cursor was too old or unknown: this is the feed from the beginning"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"items": [{"seq": 88213, "id": 1042, "number": 1042, "deleted": False},
                   {"seq": 88217, "id": 977, "number": 977, "deleted": True}],
         "cursor": "88217",
         "more": False,
         "reset": False}
    ]})
# --- saved views: an agent's named queries across teams ---------------------------------

VIEW_NAME_MAX = 80
VIEW_COUNT_CAP = 100  # a view's count stops here (shown as "100+"): cheap however broad


class ViewFilter(Input):
    """What a saved view keeps: a query over the tickets of the teams an agent may see.

    Every condition given must hold; lists mean "any of these" except `tags` (all of them).
    """

    team_ids: list[int] = Field(default_factory=list)
    """Teams (empty: every team the agent sees)"""
    stage_ids: list[int] = Field(default_factory=list)
    """Stages (empty: any stage)"""
    open_only: bool = True
    """False: closed tickets too (never archived or merged ones)"""
    assignee: Literal["any", "me", "none", "agent"] = "any"
    """any, me, none or agent (with assignee_id)"""
    assignee_id: int | None = None
    """The agent, with assignee `agent`"""
    priorities: list[int] = Field(default_factory=list)
    """Priorities 0-3 (empty: any priority)"""
    tags: list[str] = Field(default_factory=list)
    """Tags the ticket must all have"""
    project_id: int | None = None
    """Tickets of the project's customers"""
    idle_days: int | None = Field(None, ge=1, le=3650)
    """Unchanged for more than N days"""
    in_stage_days: int | None = Field(None, ge=1, le=3650)
    """In its stage for more than N days"""
    sla: Literal["failed", "due_today"] | None = None
    """failed, or due_today (an ongoing deadline before the end of the UTC day)"""
    text: str | None = None
    """Words of the subject or description, or a number"""

    @field_validator("priorities")
    @classmethod
    def _priorities(cls, value: list[int]) -> list[int]:
        if any(p not in PRIORITY_LABELS for p in value):
            raise ValueError("priorities are 0 (low) to 3 (urgent)")
        return sorted(set(value))

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(t.strip() for t in value if t.strip()))

    @model_validator(mode="after")
    def _assignee(self) -> ViewFilter:
        if (self.assignee == "agent") != (self.assignee_id is not None):
            raise ValueError("assignee_id goes with assignee \"agent\", and only with it")
        if self.text is not None and not self.text.strip():
            self.text = None
        return self

    @classmethod
    def from_board(cls, team_id: int, board: BoardFilter | None) -> ViewFilter:
        """A board's filter as a view of its team (open tickets)."""
        b = board or BoardFilter()
        return cls(team_ids=[team_id], text=b.text,
                   assignee="me" if b.mine else "none" if b.unassigned else "any",
                   priorities=[] if b.priority is None else [b.priority],
                   tags=[b.tag] if b.tag else [], project_id=b.project_id)

    def at_least(self) -> int | None:
        """The lowest priority when `priorities` is "this one and above" (as the console
        asks for it), else None."""
        if self.priorities and self.priorities == list(range(self.priorities[0], 4)):
            return self.priorities[0]
        return None


class SavedView(Model):
    id: int
    """The view's id"""
    name: str
    """Name (unique per agent)"""
    filter: ViewFilter
    """What the view keeps"""
    created_at: datetime
    """When it was saved (UTC)"""
    updated_at: datetime
    """When it last changed (UTC)"""
    count: int | None = None
    """Tickets it keeps, up to 100, when asked for (?counts=true)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 4, "name": "Urgent and unassigned",
         "filter": {"priorities": [3], "assignee": "none"}, "created_at": "2026-02-20T08:00:00Z",
         "updated_at": "2026-02-20T08:00:00Z", "count": 12}
    ]})


class SavedViewCreate(Input):
    name: str = Field(min_length=1, max_length=VIEW_NAME_MAX)
    """Name (unique per agent)"""
    filter: ViewFilter = Field(default_factory=ViewFilter)
    """What the view keeps"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Urgent and unassigned", "filter": {"priorities": [3], "assignee": "none"}}
    ]})


class SavedViewUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=VIEW_NAME_MAX)
    """Name (unique per agent)"""
    filter: ViewFilter | None = None
    """What the view keeps"""


class ViewRow(TicketCard):
    """A row of a view's list: a card with its team, stage and last change."""

    team_name: str
    """The team's name"""
    stage_name: str
    """The stage's name"""
    updated_at: datetime
    """When the ticket last changed (UTC)"""
    stage_since: datetime
    """When it entered its stage (UTC)"""
# --- webhooks and the hand-off to sales -----------------------------------------------


class WebhookEvent(StrEnum):
    ticket_created = "ticket.created"
    ticket_updated = "ticket.updated"
    ticket_closed = "ticket.closed"
    ticket_reopened = "ticket.reopened"
    ticket_merged = "ticket.merged"
    ticket_deleted = "ticket.deleted"
    reply_created = "reply.created"
    comment_created = "comment.created"  # internal: only to endpoints that allow it
    rating_received = "rating.received"
    sla_failed = "sla.failed"
    ticket_handed_off = "ticket.handed_off"


class WebhookStatus(StrEnum):
    queued = "queued"
    sending = "sending"  # claimed with a lease; back to queued when the lease lapses
    delivered = "delivered"
    failed = "failed"  # out of attempts, or refused for good (a forbidden address)


def _webhook_url(value: str) -> str:
    """An absolute http(s) URL without credentials or control characters; where it points
    is checked when it is delivered to (`deskline.webhooks.destinations`)."""
    from urllib.parse import urlsplit

    value = value.strip()
    if len(value) > 2000 or any(ord(ch) < 33 or ord(ch) == 127 for ch in value):
        raise ValueError("a URL of at most 2000 characters, without spaces or control "
                         "characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http:// or https:// URL with a host: {value!r}")
    if parts.username or parts.password:
        raise ValueError("a URL with a user name or password; the signature authenticates")
    try:
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError as exc:
        raise ValueError(f"the URL's port is not a number: {value!r}") from exc
    return value


class WebhookEndpoint(Model):
    """An endpoint as listed; its signing secret is shown once, when it is made."""

    id: int
    """The endpoint's id"""
    url: str
    """The http(s) address called"""
    description: str = ""
    """What it is for"""
    events: list[WebhookEvent]
    """The events sent there"""
    allow_internal: bool = False
    """Internal comments (comment.created) may go there"""
    allow_private: bool = False
    """Loopback, private and link-local addresses allowed"""
    active: bool = True
    """Inactive endpoints get nothing"""
    version: int = 1
    """Version for optimistic concurrency; sent back as ETag, expected in If-Match"""
    created_at: datetime
    """When it was created (UTC)"""
    queued: int = 0
    """Deliveries waiting"""
    failed: int = 0
    """Deliveries that gave up"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 2, "url": "https://crm.example.com/hooks/deskline",
         "description": "Ticket changes for the CRM", "events": ["ticket.created", "ticket.closed"],
         "allow_internal": False, "allow_private": False, "active": True, "version": 1,
         "created_at": "2026-01-05T16:20:00Z", "queued": 0, "failed": 1}
    ]})


class WebhookEndpointCreated(WebhookEndpoint):
    secret: str
    """The signing secret, shown once: verify the signature of each call with it"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 2, "url": "https://crm.example.com/hooks/deskline",
         "events": ["ticket.created", "ticket.closed"], "created_at": "2026-01-05T16:20:00Z",
         "secret": "whsec_4Jq9Xb2Lr7Tn0Vd5Kc8Wm3Hy6Pz1Fa"}
    ]})


class WebhookEndpointCreate(Input):
    url: str
    """The http(s) address called"""
    description: str = Field("", max_length=500)
    """What it is for"""
    events: list[WebhookEvent] = Field(min_length=1)
    """The events to send there"""
    allow_internal: bool = False
    """Internal comments (comment.created) may be sent there"""
    allow_private: bool = False
    """Loopback, private and link-local addresses are allowed"""
    active: bool = True
    """Inactive endpoints get nothing"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"url": "https://crm.example.com/hooks/deskline",
         "description": "Ticket changes for the CRM", "events": ["ticket.created", "ticket.closed"]}
    ]})

    _url = field_validator("url")(_webhook_url)


class WebhookEndpointUpdate(Input):
    """Only the fields that are set are changed."""

    url: str | None = None
    """The http(s) address called"""
    description: str | None = Field(None, max_length=500)
    """What it is for"""
    events: list[WebhookEvent] | None = Field(None, min_length=1)
    """The events to send there"""
    allow_internal: bool | None = None
    """Internal comments (comment.created) may be sent there"""
    allow_private: bool | None = None
    """Loopback, private and link-local addresses are allowed"""
    active: bool | None = None
    """Inactive endpoints get nothing"""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _webhook_url(value)


class WebhookDelivery(Model):
    """One event for one endpoint: the delivery log's row. `delivery_id` is what the
    receiver sees (Deskline-Delivery), the same on every attempt and redelivery."""

    id: int
    """The delivery's id"""
    delivery_id: str
    """The id sent with the call (the same on every retry)"""
    endpoint_id: int
    """The endpoint's id"""
    event: str
    """The event type"""
    ticket_id: int | None = None
    """The ticket it is about"""
    ticket_number: int | None = None
    """The ticket's number (null once the ticket is deleted)"""
    status: WebhookStatus
    """queued, sending, delivered or failed"""
    attempts: int = 0
    """Calls made so far"""
    response_code: int | None = None
    """The HTTP status of the last answer"""
    error: str | None = None
    """Why the last call failed"""
    created_at: datetime
    """When the event happened (UTC)"""
    last_attempt_at: datetime | None = None
    """When it was last tried"""
    next_attempt_at: datetime | None = None
    """When it will be tried next"""
    delivered_at: datetime | None = None
    """When an endpoint answered 2xx"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 7781, "delivery_id": "0c6f2b7e-7d1a-4a61-9d0e-3f1f5d3b9a20", "endpoint_id": 2,
         "event": "ticket.closed", "ticket_id": 1042, "ticket_number": 1042, "status": "delivered",
         "attempts": 1, "response_code": 204, "created_at": "2026-03-02T11:02:00Z",
         "last_attempt_at": "2026-03-02T11:02:01Z", "delivered_at": "2026-03-02T11:02:01Z"}
    ]})


class HandOff(Input):
    note: str = Field(min_length=1, max_length=10000)
    """What sales should know about the customer"""
