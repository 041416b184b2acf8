"""Bodies of the API that are not engine models: actions, presence, events, tokens.

Plain pydantic (no FastAPI), shared by the server and `deskline.remote`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field

from deskline.errors import ValidationFailed
from deskline.model_docs import Documented
from deskline.models import MAX_FILE_BYTES, FileUpload, ImportKind

# The header that carries a file's facts (AttachmentInfo as ASCII JSON) next to its bytes.
ATTACHMENT_HEADER = "Deskline-Attachment"


class _Input(Documented):
    model_config = ConfigDict(extra="forbid")


class MoveBody(_Input):
    stage_id: int
    """The stage to move the ticket to (one of its team's)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"stage_id": 3}
    ]})


class AssignBody(_Input):
    agent_id: int | None
    """The agent to assign (null: unassign)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"agent_id": 2}
    ]})


class ArchiveBody(_Input):
    archived: bool = True
    """Archive (true) or bring back (false)"""


class FollowBody(_Input):
    following: bool = True
    """Follow (true) or stop following (false)"""


class StageOrderBody(_Input):
    """Every stage, once, in the new order."""

    stage_ids: list[int] = Field(max_length=1000)
    """Every stage, in the new order"""


class StageMoveBody(_Input):
    """Places later (negative: earlier) in the order."""

    offset: int = Field(ge=-1000, le=1000)
    """Places to move the stage: negative earlier, positive later"""


class AgentTeamsBody(_Input):
    team_ids: list[int] = Field(max_length=1000)
    """The teams the agent is a member of (replaces the list)"""


class TagRenameBody(_Input):
    name: str = Field(max_length=200)
    """The new name"""


class TagMergeBody(_Input):
    target_id: int
    """The tag that stays; tickets with this one get it"""


class FileBody(_Input):
    """A file sent with a reply, its content in base64."""

    filename: str = Field(min_length=1, max_length=255)
    """File name"""
    content_type: str = Field("application/octet-stream", max_length=255)
    """Media type"""
    content_base64: str = Field(max_length=(MAX_FILE_BYTES + 2) // 3 * 4)
    """The file's bytes, base64-encoded (at most 10 MiB decoded; 25 MiB for all of a
    reply's files)"""

    @classmethod
    def of(cls, upload: FileUpload) -> FileBody:
        return cls(filename=upload.filename, content_type=upload.content_type,
                   content_base64=to_base64(upload.content))

    def upload(self) -> FileUpload:
        return FileUpload(filename=self.filename, content_type=self.content_type,
                          content=unbase64(self.content_base64, self.filename, "files"))


def to_base64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def unbase64(text: str, what: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise ValidationFailed(f"the content of {what!r} is not base64", field=field) from None


class ImportBody(_Input):
    """A CSV file to preview or import (`content_base64`), and how to read it."""

    kind: ImportKind
    """customers or tickets"""
    content_base64: str
    """The CSV file, base64-encoded"""
    chosen: dict[str, str] | None = None
    """Column -> field (or "-" to ignore), over the guessed mapping"""
    saved: str | None = None
    """A saved mapping's name to use"""
    dry_run: bool = False
    """Check only; write nothing"""
    skip_bad: bool = False
    """Import the good rows and report the bad (default: all or nothing)"""
    source_name: str | None = Field(None, max_length=255)
    """The file's name, for the tickets' import event"""

    @classmethod
    def of(cls, kind: ImportKind | str, content: bytes, *,
           chosen: Mapping[str, str] | None = None, **options: Any) -> ImportBody:
        return cls(kind=ImportKind(kind), content_base64=to_base64(content),
                   chosen=dict(chosen) if chosen else None, **options)

    def content(self) -> bytes:
        return unbase64(self.content_base64, self.source_name or "the file", "content_base64")


class MappingBody(_Input):
    kind: ImportKind
    """customers or tickets"""
    columns: dict[str, str | None]
    """Column header -> field (null ignores the column)"""


class MessageBody(_Input):
    kind: Literal["reply", "comment"]
    """reply (public, mailed to the customer) or comment (internal note)"""
    body: str = Field(max_length=200_000)
    """The text"""
    files: list[FileBody] = Field(default_factory=list, max_length=20)
    """Files to send with a reply (replies only)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"kind": "reply", "body": "Could you print a test page and send us a photo of it?"}
    ]})


class PresenceState(StrEnum):
    viewing = "viewing"
    replying = "replying"
    gone = "gone"  # leaving the ticket


class PresenceBody(_Input):
    state: PresenceState
    """viewing, replying or gone (leaving the ticket)"""


class Presence(Documented):
    """An agent who has the ticket open, or is writing an answer to it."""

    agent_id: int
    """The agent's id"""
    agent_name: str
    """The agent's name"""
    state: PresenceState
    """viewing or replying"""
    since: datetime
    """Since when (UTC)"""


class ServerEvent(Documented):
    """One live update: enough to know what to refetch, nothing more.

    `type` is ticket.created, ticket.updated, ticket.deleted, message.created (`id` is the
    ticket's), presence (who views or replies changed; `version` is the ticket's) or reset
    (the stream could not resume: refetch everything). `event_id` is the SSE id.
    `notification` goes to one agent only: their unread count changed (`id` the ticket or
    0, `version` the count); the console asks for the count again.
    """

    type: str
    """ticket.created, ticket.updated, ticket.deleted, message.created, presence, notification or
    reset"""
    id: int | None = None
    """The ticket's id"""
    version: int | None = None
    """The ticket's version (for notification: the unread count)"""
    event_id: int | None = None
    """The SSE id, for Last-Event-ID"""


class TokenCreate(_Input):
    label: str = Field("", max_length=200)
    """A label to tell tokens apart"""
    expires_days: int | None = Field(None, ge=1, le=3650)
    """Days until it stops working (null: never)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"label": "CRM sync", "expires_days": 90}
    ]})


class TokenCreated(Documented):
    id: int
    """The token's id (what revoking names)"""
    token: str
    """The token, shown once: send it as Authorization: Bearer …"""
    expires_at: datetime | None = None
    """When it stops working (null: never)"""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 12, "token": "dl_3q2Zr8...", "expires_at": "2026-05-31T09:00:00Z"}
    ]})
