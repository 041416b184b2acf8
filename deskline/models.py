"""The one vocabulary of every layer: engine, console and HTTP API speak these models.

Timestamps are timezone-aware UTC datetimes. Input models (`*Create`, `*Update`) forbid
unknown fields so that a typo is reported by name instead of being ignored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

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
# frame before most models are needed.
class Model(BaseModel):
    model_config = ConfigDict(use_enum_values=False, defer_build=True)


class Input(BaseModel):
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
    next_cursor: str | None = None


# --- people ---------------------------------------------------------------------------


class TimeOff(Model):
    start: datetime
    end: datetime
    id: int | None = None  # set when read from the store: what `remove_time_off` names

    @model_validator(mode="after")
    def _ordered(self) -> TimeOff:
        if self.end <= self.start:
            raise ValueError("time off must end after it starts")
        return self


class Agent(Model):
    id: int
    email: str
    name: str
    role: Role = Role.agent
    active: bool = True
    time_off: list[TimeOff] = Field(default_factory=list)
    customer_id: int | None = None  # set for portal accounts: the customer they act as


class AgentCreate(Input):
    email: str
    name: str = Field("", max_length=200)
    role: Role = Role.agent
    customer_id: int | None = None

    _email = field_validator("email")(normalize_email)


class AgentUpdate(Input):
    """Only the fields that are set are changed. Deactivating goes through
    `deactivate_agent` (tokens revoked, open tickets listed)."""

    email: str | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    role: Role | None = None
    active: bool | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else normalize_email(value)


class TimeOffCreate(Input):
    start: datetime
    end: datetime

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
    name: str
    domain: str | None = None


class OrganizationCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    domain: str | None = None


class OrganizationUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    domain: str | None = None


class Project(Model):
    id: int
    name: str
    organization_id: int | None = None


class ProjectCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    organization_id: int | None = None


class ProjectUpdate(Input):
    """`organization_id: null` takes the project out of its organization."""

    name: str | None = Field(None, min_length=1, max_length=200)
    organization_id: int | None = None


class Customer(Model):
    id: int
    email: str
    name: str = ""
    organization_id: int | None = None
    phone: str | None = None
    project_ids: list[int] = Field(default_factory=list)
    created_at: datetime


class CustomerCreate(Input):
    email: str
    name: str = ""
    organization_id: int | None = None
    phone: str | None = None
    project_ids: list[int] = Field(default_factory=list)

    _email = field_validator("email")(normalize_email)


class CustomerUpdate(Input):
    """Only the fields that are set are changed; `organization_id: null` unassigns."""

    email: str | None = None
    name: str | None = None
    organization_id: int | None = None
    phone: str | None = None
    project_ids: list[int] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else normalize_email(value)


class InviteResult(Model):
    """A customer created with an invitation: whether the mail was queued, and why not."""

    customer: Customer
    invitation_queued: bool
    note: str


# --- teams and stages -----------------------------------------------------------------


class Calendar(Model):
    """Working hours of a team: the same hours on each working day, in the team's zone."""

    timezone: str = "UTC"
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday is 0
    start_hour: float = Field(9.0, ge=0, lt=24)
    end_hour: float = Field(17.0, gt=0, le=24)

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
    name: str
    description: str = ""
    email_alias: str | None = None
    visibility: Visibility = Visibility.company
    assignment: Assignment = Assignment.manual
    member_ids: list[int] = Field(default_factory=list)
    follower_ids: list[int] = Field(default_factory=list)
    stage_ids: list[int] = Field(default_factory=list)  # in stage order
    calendar: Calendar = Field(default_factory=Calendar)
    auto_close_days: int | None = None
    auto_close_stage_ids: list[int] = Field(default_factory=list)  # empty: any open stage
    customers_may_close: bool = False
    ratings: bool = False
    archived: bool = False  # archived teams take no new tickets; theirs stay readable
    version: int = 1


def _alias(value: str | None) -> str | None:
    """An email alias: empty means none."""
    if value is None or not value.strip():
        return None
    return normalize_email(value)


class TeamCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    email_alias: str | None = None
    visibility: Visibility = Visibility.company
    assignment: Assignment = Assignment.manual
    member_ids: list[int] = Field(default_factory=list)
    follower_ids: list[int] = Field(default_factory=list)
    stage_ids: list[int] = Field(default_factory=list)
    calendar: Calendar = Field(default_factory=Calendar)
    auto_close_days: int | None = Field(None, ge=1)
    auto_close_stage_ids: list[int] = Field(default_factory=list)
    customers_may_close: bool = False
    ratings: bool = False

    _email_alias = field_validator("email_alias")(_alias)


class TeamUpdate(Input):
    """Only the fields that are set are changed."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    email_alias: str | None = None
    visibility: Visibility | None = None
    assignment: Assignment | None = None
    member_ids: list[int] | None = None
    follower_ids: list[int] | None = None
    stage_ids: list[int] | None = None
    calendar: Calendar | None = None
    auto_close_days: int | None = Field(None, ge=1)
    auto_close_stage_ids: list[int] | None = None
    customers_may_close: bool | None = None
    ratings: bool | None = None
    archived: bool | None = None

    _email_alias = field_validator("email_alias")(_alias)


class Stage(Model):
    id: int
    name: str
    sequence: int
    closing: bool = False  # a ticket in a closing stage is closed (a "folded" stage)
    template_id: int | None = None
    team_ids: list[int] = Field(default_factory=list)
    version: int = 1


class StageCreate(Input):
    name: str = Field(min_length=1, max_length=100)
    sequence: int | None = None  # default: after the last stage
    closing: bool = False
    template_id: int | None = None
    team_ids: list[int] = Field(default_factory=list)


class StageUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    closing: bool | None = None
    template_id: int | None = None
    team_ids: list[int] | None = None


class MailTemplate(Model):
    id: int
    name: str
    subject: str
    body: str
    version: int = 1


class MailTemplateCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    subject: str = Field(max_length=1000)
    body: str = Field(max_length=200_000)


class MailTemplateUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    subject: str | None = Field(None, max_length=1000)
    body: str | None = Field(None, max_length=200_000)


class TemplatePreview(Model):
    """A template rendered against one ticket, as its customer would get it."""

    subject: str
    body: str


class Tag(Model):
    id: int
    name: str
    ticket_count: int = 0


class ApiToken(Model):
    """An API token as listed (the token itself is shown once, when made)."""

    id: int
    agent_id: int
    agent_email: str
    prefix: str
    label: str = ""
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class AuditEntry(Model):
    """One configuration change: who, when, what, and each field from → to."""

    id: int
    at: datetime
    actor_id: int | None = None
    actor_name: str
    kind: str  # team, stage, sla_policy, template, agent, organization, project, tag, token
    object_id: int | None = None
    object_name: str = ""
    action: str  # created, changed, archived, deleted, merged, deactivated, revoked…
    changes: list[EventData] = Field(default_factory=list)


# --- SLA --------------------------------------------------------------------------------


class SlaPolicy(Model):
    id: int
    team_id: int
    name: str
    priorities: list[int] = Field(default_factory=list)  # empty: any priority
    tags: list[str] = Field(default_factory=list)  # empty: any; else the ticket has one
    customer_ids: list[int] = Field(default_factory=list)  # empty: any customer
    target_stage_id: int
    hours: float = Field(gt=0)  # working hours on the team's calendar
    excluded_stage_ids: list[int] = Field(default_factory=list)  # pause the clock
    version: int = 1


class SlaPolicyCreate(Input):
    team_id: int
    name: str = Field(min_length=1, max_length=200)
    priorities: list[int] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    customer_ids: list[int] = Field(default_factory=list)
    target_stage_id: int
    hours: float = Field(gt=0, le=10_000)
    excluded_stage_ids: list[int] = Field(default_factory=list)

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
    priorities: list[int] | None = None
    tags: list[str] | None = None
    customer_ids: list[int] | None = None
    target_stage_id: int | None = None
    hours: float | None = Field(None, gt=0, le=10_000)
    excluded_stage_ids: list[int] | None = None
    recompute: bool = False

    @field_validator("priorities")
    @classmethod
    def _priorities(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(p < 0 or p > 3 for p in value):
            raise ValueError("priorities are 0 (low) to 3 (urgent)")
        return None if value is None else sorted(set(value))


class TicketSla(Model):
    policy_id: int
    name: str
    status: SlaStatus
    deadline: datetime | None  # None while the clock is paused
    reached_at: datetime | None = None


# --- tickets and chatter --------------------------------------------------------------


class AttachmentInfo(Model):
    """A file that came with a mail (its content is fetched on its own)."""

    id: int
    filename: str
    content_type: str
    size: int
    inline: bool = False  # shown inside the mail's HTML (a logo, a pasted screenshot)


class AttachmentFile(Model):
    info: AttachmentInfo
    content: bytes


MAX_FILE_BYTES = 10 * 1024 * 1024  # one file sent with a reply
MAX_REPLY_FILES_BYTES = 25 * 1024 * 1024  # all of a reply's files (what mail servers take)


class FileUpload(Input):
    """A file an agent (or a customer's account) sends with a reply (over HTTP it travels
    as `server.schemas.FileBody`, base64)."""

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=255)
    content: bytes = Field(max_length=MAX_FILE_BYTES)


class Ticket(Model):
    id: int
    number: int
    subject: str
    description: str = ""
    team_id: int
    team_name: str = ""
    stage_id: int
    stage_name: str = ""
    assignee_id: int | None = None
    assignee_name: str | None = None
    customer_id: int | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    organization_id: int | None = None
    organization_name: str | None = None
    priority: int = Field(0, ge=0, le=3)
    tags: list[str] = Field(default_factory=list)
    follower_ids: list[int] = Field(default_factory=list)
    channel: Channel = Channel.manual
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    sla_deadline: datetime | None = None
    sla_status: SlaStatus | None = None
    slas: list[TicketSla] = Field(default_factory=list)
    rating: int | None = None
    version: int
    merged_into: int | None = None
    split_from: int | None = None
    archived: bool = False
    message_count: int = 0
    attachments: list[AttachmentInfo] = Field(default_factory=list)  # with the first mail

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
    number: int
    subject: str
    team_id: int
    stage_id: int
    priority: int
    assignee_id: int | None = None
    assignee_name: str | None = None
    customer_name: str | None = None
    tags: list[str] = Field(default_factory=list)
    sla_deadline: datetime | None = None
    sla_status: SlaStatus | None = None
    created_at: datetime
    closed: bool = False
    version: int


def board_order(card: TicketCard) -> tuple[int, float, int]:
    """Sort key of a board column: priority high first, then newest, then highest id (the
    store's keyset pages come in this order)."""
    return (-card.priority, -card.created_at.timestamp(), -card.id)


class AgentDeactivation(Model):
    """An agent deactivated: their tokens revoked, their open tickets to reassign."""

    agent: Agent
    tokens_revoked: int
    open_tickets: list[TicketCard]


class TicketCreate(Input):
    subject: str = Field(min_length=1, max_length=500)
    description: str = ""
    team_id: int
    stage_id: int | None = None  # default: the team's first stage
    customer_id: int | None = None
    priority: int = Field(0, ge=0, le=3)
    tags: list[str] = Field(default_factory=list)
    channel: Channel = Channel.manual
    assignee_id: int | None = None  # default: the team's automatic assignment, if any
    # not set: the customer's organization; set (None too: no organization), that one
    organization_id: int | None = None


class TicketUpdate(Input):
    """Only the fields that are set are changed; each change is tracked in the chatter."""

    subject: str | None = Field(None, min_length=1, max_length=500)
    description: str | None = None
    priority: int | None = Field(None, ge=0, le=3)
    tags: list[str] | None = None
    customer_id: int | None = None
    organization_id: int | None = None
    team_id: int | None = None


class TicketEdit(TicketUpdate):
    """Every header field of a ticket at once, in one transaction (only the fields set).
    `customer_email` names the customer by email instead of `customer_id`: the customer
    with that email, else a new one."""

    stage_id: int | None = None
    assignee_id: int | None = None
    customer_email: str | None = Field(None, max_length=254)


class EventData(Model):
    """A tracked change: which field, and its old and new values as shown to people."""

    field: str
    old: str | None = None
    new: str | None = None


class Message(Model):
    id: int
    ticket_id: int
    kind: MessageKind
    author_agent_id: int | None = None
    author_customer_id: int | None = None
    author_name: str = ""
    body: str
    created_at: datetime
    events: list[EventData] = Field(default_factory=list)
    mention_ids: list[int] = Field(default_factory=list)
    attachments: list[AttachmentInfo] = Field(default_factory=list)


class TicketView(Model):
    """A ticket with the first page of its thread."""

    ticket: Ticket
    messages: Page[Message]


# --- dashboard, board, search ---------------------------------------------------------


class TeamFigures(Model):
    team_id: int
    team_name: str
    open: int
    unassigned: int
    mine: int
    urgent: int
    sla_failed: int


class BoardFilter(Input):
    text: str | None = None
    mine: bool = False
    unassigned: bool = False
    tag: str | None = None
    priority: int | None = Field(None, ge=0, le=3)
    project_id: int | None = None

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
    count: int


class SearchHit(Model):
    ticket: TicketCard
    matched: Literal["number", "email", "subject", "message"]
    snippet: str = ""


# --- merge and split ------------------------------------------------------------------

MERGE_FIELDS = ("subject", "description", "customer_id", "assignee_id", "priority",
                "stage_id", "team_id")


class PairScore(Model):
    a: int
    b: int
    score: float


class FieldValues(Model):
    field: str
    values: dict[int, str | None]  # ticket id -> value as shown
    differs: bool


class MergePreview(Model):
    tickets: list[Ticket]
    pairs: list[PairScore]
    fields: list[FieldValues]
    message_count: int


class MergeRequest(Input):
    target_id: int
    source_ids: list[int] = Field(min_length=1)
    # field -> the ticket whose value the target keeps; fields not named keep the target's
    choices: dict[str, int] = Field(default_factory=dict)
    versions: dict[int, int]  # ticket id -> version the caller saw, for every ticket


class SplitRequest(Input):
    message_ids: list[int] = Field(min_length=1)
    subject: str | None = Field(None, min_length=1, max_length=500)
    version: int


# --- closing and ratings ----------------------------------------------------------------


class RatingAnswer(StrEnum):
    satisfied = "satisfied"
    okay = "okay"
    dissatisfied = "dissatisfied"


RATING_SCORES = {"satisfied": 5, "okay": 3, "dissatisfied": 1}
RATING_LABELS = {5: "satisfied", 3: "okay", 1: "dissatisfied"}


class RatingCreate(Input):
    answer: RatingAnswer
    comment: str = Field("", max_length=5000)


class AutoCloseResult(Model):
    closed: list[int] = Field(default_factory=list)  # ticket ids, in the order closed
    skipped: int = 0  # changed by someone else meanwhile; tried again next run
    rating_requests: int = 0


# --- reports -------------------------------------------------------------------------------


class ReportFilter(Input):
    """Period [since, until); default the 30 days before now. Team and agent narrow it."""

    team_id: int | None = None
    agent_id: int | None = None  # the assignee
    since: datetime | None = None
    until: datetime | None = None


class DayCount(Model):
    day: str  # YYYY-MM-DD (UTC)
    opened: int
    closed: int


class StageBacklog(Model):
    stage_id: int
    stage_name: str
    open: int


class SlaFigures(Model):
    reached: int
    failed: int
    success_rate: float | None  # reached / (reached + failed); None when nothing settled


class DurationFigures(Model):
    """Working hours on each ticket's team calendar."""

    count: int
    mean_hours: float | None
    median_hours: float | None


class RatingFigures(Model):
    id: int | None  # team or agent id (None: unassigned)
    name: str
    count: int
    average: float | None
    satisfied: int
    okay: int
    dissatisfied: int


class Report(Model):
    filter: ReportFilter
    since: datetime
    until: datetime
    opened: int
    closed: int
    per_day: list[DayCount]
    backlog: list[StageBacklog]  # open tickets now, per stage
    sla: SlaFigures
    first_response: DurationFigures
    time_to_close: DurationFigures
    ratings_by_team: list[RatingFigures]
    ratings_by_agent: list[RatingFigures]


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
    name: str  # the header as written in the file
    samples: list[str]  # the first non-empty values, for the mapping screen
    field: str | None  # the field it maps to (guessed or chosen); None: ignored


class FilePreview(Model):
    encoding: str
    delimiter: str
    columns: list[ColumnInfo]
    rows: int  # data rows (records, not lines)


class SavedMapping(Model):
    name: str
    kind: ImportKind
    columns: dict[str, str]  # column header -> field ('' ignores the column)
    created_at: datetime


class RowProblem(Model):
    line: int  # the line of the file where the record starts (the header is line 1)
    field: str | None
    column: str | None
    message: str


class ImportReport(Model):
    kind: ImportKind
    dry_run: bool
    mode: Literal["all_or_nothing", "skip_bad"]
    encoding: str
    delimiter: str
    mapping: dict[str, str]  # column -> field as used
    rows: int
    good: int
    bad: int
    written: int  # rows imported (0 on a dry run, or when all-or-nothing met a bad row)
    problems: list[RowProblem]
    organizations_created: list[str] = Field(default_factory=list)
    unlinked: int = 0  # tickets whose customer email matched no customer
    seconds: float = 0.0

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
    stage_id: int | None = None
    assignee_id: int | None = None
    customer_id: int | None = None
    organization_id: int | None = None
    project_id: int | None = None
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    open: bool | None = None  # True: open only; False: closed only
    include_archived: bool = False


class CustomerExportFilter(Input):
    organization_id: int | None = None
    project_id: int | None = None
    unassigned: bool = False  # only customers without an organization
    text: str | None = None


# --- canned replies ----------------------------------------------------------------------


class CannedReply(Model):
    """A reply kept for the composer: personal (its agent's own) or a team's (admins keep
    those). `body` is a template with the mail templates' placeholders."""

    id: int
    name: str
    body: str
    agent_id: int | None = None  # set for a personal reply
    team_id: int | None = None  # set for a team's reply
    team_name: str | None = None
    updated_at: datetime


class CannedReplyCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    team_id: int | None = None  # None: a personal reply of the one who creates it


class CannedReplyUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, min_length=1, max_length=20_000)


class CannedRender(Model):
    """A canned reply rendered for one ticket. `problem` says why `text` is the body as
    written (rendering failed); the agent still gets the text, never an error."""

    text: str
    problem: str | None = None
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
    version: int  # what the caller saw: a ticket changed since is left out


class BulkMatch(Input):
    """Every ticket a board shows: the team, one stage or all, the board's filter."""

    team_id: int
    stage_id: int | None = None
    filter: BoardFilter | None = None


class BulkRequest(Input):
    """One action on marked tickets (`tickets`) or on all that match (`match`)."""

    action: BulkAction
    tickets: list[BulkItem] = Field(default_factory=list, max_length=MAX_BULK_TICKETS)
    match: BulkMatch | None = None
    agent_id: int | None = None
    stage_id: int | None = None
    priority: int | None = Field(None, ge=0, le=3)
    tag: str | None = Field(None, max_length=100)
    target_id: int | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> BulkRequest:
        if bool(self.tickets) == (self.match is not None):
            raise ValueError("name the tickets or a match, one of the two")
        return self


class BulkSkip(Model):
    """A ticket the action leaves out, and why. `not_visible` says nothing more than the
    id the caller sent."""

    ticket_id: int
    number: int | None = None
    reason: Literal["not_visible", "changed_since", "refused"]
    detail: str = ""


class BulkOutcome(Model):
    """What a bulk action will do (preview), did (apply) or undid (undo)."""

    action: BulkAction
    total: int  # tickets named or matched
    changed: list[int] = Field(default_factory=list)  # ticket ids changed (or to change)
    unchanged: list[int] = Field(default_factory=list)  # already as asked
    skipped: list[BulkSkip] = Field(default_factory=list)
    undoable: bool = True
    target_id: int | None = None  # a merge's target
    note: str = ""
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
    kind: NotificationKind
    ticket_id: int
    ticket_number: int
    message_id: int | None = None  # the chatter row that caused it (the view opens there)
    text: str  # what happened, in a sentence (stored text: show it through `text.plain`)
    created_at: datetime
    read_at: datetime | None = None

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationCount(Model):
    unread: int


class NotificationSettings(Input):
    """Which kinds also come by mail (to the agent's own address), and the bell."""

    mail_kinds: list[NotificationKind] = Field(default_factory=list)
    bell: bool = True
# --- ticket lists and the change feed, for integrations (service/ticket_lists.py) ------


class TicketListFilter(Input):
    """`GET /tickets`: every filter is optional; `assignee` is an agent's id, "me" or
    "none" (unassigned); times are inclusive of `since`, exclusive of `until`."""

    team_id: int | None = None
    stage_id: int | None = None
    assignee: int | Literal["me", "none"] | None = None
    customer_id: int | None = None
    organization_id: int | None = None
    project_id: int | None = None
    tag: str | None = None
    priority: int | None = Field(None, ge=0, le=3)
    status: Literal["open", "closed", "archived"] | None = None
    created_since: datetime | None = None
    created_until: datetime | None = None
    updated_since: datetime | None = None
    updated_until: datetime | None = None
    text: str | None = Field(None, max_length=500)
    sort: Literal["updated", "created", "priority"] = "updated"
    order: Literal["desc", "asc"] = "desc"  # newest (most urgent) first, or oldest first

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
    number: int
    subject: str
    description: str = ""
    team_id: int
    stage_id: int
    assignee_id: int | None = None
    assignee_name: str | None = None
    customer_id: int | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    organization_id: int | None = None
    priority: int
    tags: list[str] = Field(default_factory=list)
    channel: Channel = Channel.manual
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    sla_deadline: datetime | None = None
    sla_status: SlaStatus | None = None
    rating: int | None = None
    version: int
    merged_into: int | None = None
    split_from: int | None = None
    archived: bool = False
    message_count: int = 0


class TicketChange(Model):
    """One ticket in the change feed, at its latest change: `ticket` as it is now, or
    `deleted` with only its id and number (a tombstone)."""

    seq: int
    id: int
    number: int
    deleted: bool = False
    ticket: TicketSummary | None = None


class ChangePage(Model):
    """A page of the change feed. Ask again with `cursor` (never repeats or misses a
    change); `more`: there is more to read now. `reset`: the cursor asked for was older
    than the kept tombstones (or from another helpdesk), so this page starts again from
    the beginning and the caller should replace its copy with what follows."""

    items: list[TicketChange]
    cursor: str
    more: bool = False
    reset: bool = False
# --- saved views: an agent's named queries across teams ---------------------------------

VIEW_NAME_MAX = 80
VIEW_COUNT_CAP = 100  # a view's count stops here (shown as "100+"): cheap however broad


class ViewFilter(Input):
    """What a saved view keeps: a query over the tickets of the teams an agent may see.

    Every condition given must hold; lists mean "any of these" except `tags` (all of them).
    """

    team_ids: list[int] = Field(default_factory=list)  # empty: every team the agent sees
    stage_ids: list[int] = Field(default_factory=list)  # empty: any stage
    open_only: bool = True  # False: closed tickets too (never archived or merged ones)
    assignee: Literal["any", "me", "none", "agent"] = "any"
    assignee_id: int | None = None  # the agent, with assignee "agent"
    priorities: list[int] = Field(default_factory=list)  # empty: any priority
    tags: list[str] = Field(default_factory=list)
    project_id: int | None = None  # tickets of the project's customers
    idle_days: int | None = Field(None, ge=1, le=3650)  # unchanged for more than N days
    in_stage_days: int | None = Field(None, ge=1, le=3650)  # in its stage for more than N
    sla: Literal["failed", "due_today"] | None = None
    text: str | None = None  # words of the subject or description, or a number

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
    name: str
    filter: ViewFilter
    created_at: datetime
    updated_at: datetime
    count: int | None = None  # tickets it keeps, up to VIEW_COUNT_CAP, when asked for


class SavedViewCreate(Input):
    name: str = Field(min_length=1, max_length=VIEW_NAME_MAX)
    filter: ViewFilter = Field(default_factory=ViewFilter)


class SavedViewUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=VIEW_NAME_MAX)
    filter: ViewFilter | None = None


class ViewRow(TicketCard):
    """A row of a view's list: a card with its team, stage and last change."""

    team_name: str
    stage_name: str
    updated_at: datetime
    stage_since: datetime  # when it entered its stage
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
    url: str
    description: str = ""
    events: list[WebhookEvent]
    allow_internal: bool = False  # internal comments (comment.created) may go there
    allow_private: bool = False  # loopback, private and link-local addresses allowed
    active: bool = True
    version: int = 1
    created_at: datetime
    queued: int = 0  # deliveries waiting
    failed: int = 0  # deliveries that gave up


class WebhookEndpointCreated(WebhookEndpoint):
    secret: str  # shown once; kept in the database as is, since it signs every request


class WebhookEndpointCreate(Input):
    url: str
    description: str = Field("", max_length=500)
    events: list[WebhookEvent] = Field(min_length=1)
    allow_internal: bool = False
    allow_private: bool = False
    active: bool = True

    _url = field_validator("url")(_webhook_url)


class WebhookEndpointUpdate(Input):
    """Only the fields that are set are changed."""

    url: str | None = None
    description: str | None = Field(None, max_length=500)
    events: list[WebhookEvent] | None = Field(None, min_length=1)
    allow_internal: bool | None = None
    allow_private: bool | None = None
    active: bool | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _webhook_url(value)


class WebhookDelivery(Model):
    """One event for one endpoint: the delivery log's row. `delivery_id` is what the
    receiver sees (Deskline-Delivery), the same on every attempt and redelivery."""

    id: int
    delivery_id: str
    endpoint_id: int
    event: str
    ticket_id: int | None = None
    ticket_number: int | None = None  # None once the ticket is deleted
    status: WebhookStatus
    attempts: int = 0
    response_code: int | None = None
    error: str | None = None
    created_at: datetime
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None


class HandOff(Input):
    note: str = Field(min_length=1, max_length=10000)
