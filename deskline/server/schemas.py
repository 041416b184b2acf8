"""Bodies of the API that are not engine models: actions, presence, events, tokens.

Plain pydantic (no FastAPI), shared by the server and `deskline.remote`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from deskline.errors import ValidationFailed
from deskline.models import MAX_FILE_BYTES, FileUpload, ImportKind

# The header that carries a file's facts (AttachmentInfo as ASCII JSON) next to its bytes.
ATTACHMENT_HEADER = "Deskline-Attachment"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoveBody(_Input):
    stage_id: int


class AssignBody(_Input):
    agent_id: int | None


class ArchiveBody(_Input):
    archived: bool = True


class FollowBody(_Input):
    following: bool = True


class StageOrderBody(_Input):
    """Every stage, once, in the new order."""

    stage_ids: list[int] = Field(max_length=1000)


class StageMoveBody(_Input):
    """Places later (negative: earlier) in the order."""

    offset: int = Field(ge=-1000, le=1000)


class AgentTeamsBody(_Input):
    team_ids: list[int] = Field(max_length=1000)


class TagRenameBody(_Input):
    name: str = Field(max_length=200)  # the service says what a tag may be


class TagMergeBody(_Input):
    target_id: int


class FileBody(_Input):
    """A file sent with a reply, its content in base64."""

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=255)
    content_base64: str = Field(max_length=(MAX_FILE_BYTES + 2) // 3 * 4)

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
    content_base64: str
    chosen: dict[str, str] | None = None  # column -> field (or "-" to ignore)
    saved: str | None = None  # a saved mapping's name
    dry_run: bool = False
    skip_bad: bool = False
    source_name: str | None = Field(None, max_length=255)

    @classmethod
    def of(cls, kind: ImportKind | str, content: bytes, *,
           chosen: Mapping[str, str] | None = None, **options: Any) -> ImportBody:
        return cls(kind=ImportKind(kind), content_base64=to_base64(content),
                   chosen=dict(chosen) if chosen else None, **options)

    def content(self) -> bytes:
        return unbase64(self.content_base64, self.source_name or "the file", "content_base64")


class MappingBody(_Input):
    kind: ImportKind
    columns: dict[str, str | None]


class MessageBody(_Input):
    kind: Literal["reply", "comment"]
    body: str = Field(max_length=200_000)
    files: list[FileBody] = Field(default_factory=list, max_length=20)  # replies only


class PresenceState(StrEnum):
    viewing = "viewing"
    replying = "replying"
    gone = "gone"  # leaving the ticket


class PresenceBody(_Input):
    state: PresenceState


class Presence(BaseModel):
    """An agent who has the ticket open, or is writing an answer to it."""

    agent_id: int
    agent_name: str
    state: PresenceState
    since: datetime


class ServerEvent(BaseModel):
    """One live update: enough to know what to refetch, nothing more.

    `type` is ticket.created, ticket.updated, ticket.deleted, message.created (`id` is the
    ticket's), presence (who views or replies changed; `version` is the ticket's) or reset
    (the stream could not resume: refetch everything). `event_id` is the SSE id.
    `notification` goes to one agent only: their unread count changed (`id` the ticket or
    0, `version` the count); the console asks for the count again.
    """

    type: str
    id: int | None = None
    version: int | None = None
    event_id: int | None = None


class TokenCreate(_Input):
    label: str = Field("", max_length=200)
    expires_days: int | None = Field(None, ge=1, le=3650)


class TokenCreated(BaseModel):
    id: int
    token: str  # shown once
    expires_at: datetime | None = None
