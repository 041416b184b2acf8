"""Fixtures for mail: a small helpdesk with team aliases, and real SMTP on loopback."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from deskline.mail.intake import Intake
from deskline.mail.outbox import Outbox, SmtpConfig
from deskline.models import AgentCreate, Role, StageCreate, TeamCreate
from deskline.service import Service
from deskline.store.sqlite import SqliteStore
from tests.conftest import Clock

CORPUS = Path(__file__).parent / "corpus"
T0 = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
SUPPORT = "support@help.example"
BILLING = "billing@help.example"


def build_helpdesk(path: Path) -> None:
    store = SqliteStore.open(path)
    with store.transaction():
        admin_id = store.insert_agent("admin@help.example", "Ada Admin", Role.admin.value, None)
    admin = store.agent(admin_id)
    svc = Service(store, admin, clock=lambda: T0)
    agent = svc.create_agent(AgentCreate(email="agnes@help.example", name="Agnes Agent"))
    new = svc.create_stage(StageCreate(name="New", sequence=10))
    progress = svc.create_stage(StageCreate(name="In progress", sequence=20))
    done = svc.create_stage(StageCreate(name="Solved", sequence=30, closing=True))
    stages = [new.id, progress.id, done.id]
    svc.create_team(TeamCreate(name="Support", email_alias=SUPPORT, stage_ids=stages,
                               member_ids=[agent.id], assignment="balanced_open"))
    svc.create_team(TeamCreate(name="Billing", email_alias=BILLING, stage_ids=stages))
    svc.create_team(TeamCreate(name="Sales", stage_ids=stages))
    store.close()


@pytest.fixture(scope="session")
def helpdesk_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mail") / "helpdesk.db"
    build_helpdesk(path)
    return path


@pytest.fixture
def db_path(helpdesk_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "helpdesk.db"
    shutil.copyfile(helpdesk_template, path)
    return path


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore.open(db_path)
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def intake(store: SqliteStore, clock: Clock) -> Intake:
    return Intake(store, clock=clock)


def agent_service(store: SqliteStore, clock: Clock, email: str = "agnes@help.example") -> Service:
    return Service(store, store.agent_by_email(email), clock=clock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)


@dataclass
class Sink:
    """A loopback SMTP server that keeps what it receives; `answers` scripts refusals."""

    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # popped per DATA; empty: 250
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        with self.lock:
            if self.answers:
                answer = self.answers.pop(0)
                if not answer.startswith("250"):
                    return answer
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content))
        return "250 OK"

    def config(self) -> SmtpConfig:
        return SmtpConfig(host=self.host, port=self.port, timeout=10)

    @classmethod
    @contextmanager
    def serving(cls) -> Iterator[Sink]:
        """A sink listening on a free loopback port until the block ends (the `sink`
        fixture of tests/conftest.py is one)."""
        sink = cls(port=free_port())
        controller = Controller(sink, hostname=sink.host, port=sink.port)
        controller.start()
        try:
            yield sink
        finally:
            controller.stop()


@pytest.fixture
def outbox(store: SqliteStore, sink: Sink, clock: Clock) -> Iterator[Outbox]:
    box = Outbox(store, sink.config(), clock=clock)
    yield box
    box.close()


def mail(subject: str = "Printer is broken", *,
         sender: str = "Carla Customer <carla@client.example>", to: str = SUPPORT,
         body: str = "The printer prints blank pages.\n",
         message_id: str | None = "<m1@client.example>", headers: dict | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    return msg.as_bytes()
