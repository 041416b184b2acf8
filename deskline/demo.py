"""A realistic, deterministic demo helpdesk: the same seed and day give the same data.

The setup (agents, teams, stages, policies, customers) goes through the service like any
admin's would. Tickets and their threads are written in bulk, straight into the store,
because a demo of 100,000 tickets and a million messages must build in well under a
minute; the values written are the ones the service's rules would give (assignment, SLA
clocks, closing dates, event bodies).
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from deskline.clock import to_db
from deskline.models import (
    Agent,
    AgentCreate,
    Calendar,
    MailTemplateCreate,
    OrganizationCreate,
    ProjectCreate,
    Role,
    SlaPolicy,
    SlaPolicyCreate,
    Stage,
    StageCreate,
    Team,
    TeamCreate,
    TeamUpdate,
    TimeOff,
)
from deskline.rules import sla
from deskline.service import Service
from deskline.service.base import existing
from deskline.store.bulk import NewCustomer, TicketRows
from deskline.store.sqlite import SqliteStore

FIRST = ["Alice", "Bruno", "Chloé", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro", "Ines",
         "Jonas", "Kavya", "Liam", "Maya", "Nils", "Olga", "Pablo", "Qing", "Rosa", "Sven",
         "Tariq", "Uma", "Viktor", "Wen", "Xavier", "Yara", "Zoe", "Ana", "Ben", "Clara", "Dev"]
LAST = ["Martin", "Okafor", "Schmidt", "Tanaka", "Silva", "Novak", "Dubois", "Kowalski",
        "Haddad", "Larsen", "Moreau", "Rossi", "Nguyen", "Patel", "Fischer", "Garcia",
        "Müller", "Andersen", "Costa", "Ivanova", "Yilmaz", "Byrne", "Sato", "Lindqvist"]
COMPANIES = ["Acme Logistics", "Blue Fjord Shipping", "Cobalt Dental", "Delta Print Works",
             "Evergreen Schools", "Fable Games", "Granite Insurance", "Harbor Bakery",
             "Iris Optics", "Juniper Hotels", "Kestrel Aviation", "Lumen Labs",
             "Maple Pharmacy", "Nimbus Cloudworks", "Orbit Telecom", "Pioneer Farms",
             "Quartz Legal", "Riverbend Clinic", "Summit Outdoor", "Tundra Freight",
             "Umbra Studios", "Vertex Robotics", "Willow Florists", "Xenon Lighting",
             "Yellowstone Tours", "Zephyr Energy", "Atlas Bookshop", "Beacon Credit Union",
             "Cedar Architects", "Dune Surf Co"]
PRODUCTS = ["printer", "VPN", "invoice portal", "mobile app", "label printer", "webshop",
            "SSO login", "barcode scanner", "email gateway", "payroll export", "API key",
            "dashboard", "backup job", "Wi-Fi", "calendar sync", "PDF export", "card reader"]
PROBLEMS = ["is down", "keeps crashing", "is very slow", "shows error 500", "rejects my password",
            "lost my settings", "prints blank pages", "does not sync", "was charged twice",
            "times out", "needs a new licence", "stopped after the update", "is missing data",
            "cannot be reached from the office", "sends duplicate notifications"]
OPENERS = ["Hello,", "Hi team,", "Good morning,", "Dear support,", "Hey,", "Hallo,", "Bonjour,"]
CUSTOMER_LINES = [
    "since this morning the {p} {x} and nobody in the office can work.",
    "the {p} {x} again. We restarted it twice, no change.",
    "could you look into the {p}? It {x} whenever we open the monthly report.",
    "our {p} {x}. This is blocking invoicing for order {n}.",
    "I attached a screenshot: the {p} {x} right after login.",
    "we tried the steps from your article but the {p} still {x}.",
    "any news on this? The {p} {x} and our customers are waiting.",
    "thanks, that helped for a day, but now the {p} {x} once more.",
    "it works now on two machines, the third {p} {x}.",
    "please call me back at extension {n}, the {p} {x}.",
]
AGENT_LINES = [
    "Thanks for reporting this. Could you send us the version of the {p} you are using?",
    "We reproduced the problem with the {p} and are working on a fix.",
    "Please try clearing the cache of the {p} and signing in again.",
    "A fix for the {p} was deployed ten minutes ago; can you confirm it works for you?",
    "I have escalated this to our engineers; reference {n}.",
    "We restarted the {p} service on our side. It should respond normally again.",
    "Could you tell us when the {p} last worked as expected?",
    "Your licence for the {p} has been renewed; no action is needed on your side.",
]
COMMENTS = [
    "@{m} can you check the logs for the {p} around ticket {n}?",
    "Looks like the same root cause as last week's {p} incident.",
    "Customer is on the legacy plan; {p} fix needs a manual step.",
    "@{m} please take over while I am out, the {p} part is documented above.",
    "Waiting for the vendor's answer about the {p}.",
]
TAGS = ["hardware", "billing", "bug", "how-to", "outage", "feature", "vip", "security",
        "network", "mobile", "integration", "refund"]


@dataclass(frozen=True)
class DemoCustomer:
    id: int
    name: str
    organization_id: int | None
    email: str


@dataclass(frozen=True)
class DemoSummary:
    tickets: int
    messages: int
    customers: int
    teams: int
    agents: int
    seconds: float


def _setup(svc: Service, rng: random.Random, customers: int, now: datetime) -> dict:
    """Agents, stages, teams, policies, organizations and customers, through the service."""
    agents = []
    for i in range(12):
        first, last = FIRST[i], LAST[i]
        local = f"{first}.{last}".lower().replace("é", "e").replace("ü", "ue")
        email = f"{local}@deskline.example"
        agents.append(svc.create_agent(AgentCreate(email=email, name=f"{first} {last}")))
    # Two agents are on leave: one back tomorrow, one in two weeks.
    svc.set_time_off(agents[2].id, [TimeOff(start=now - timedelta(days=3),
                                            end=now + timedelta(days=1))])
    svc.set_time_off(agents[7].id, [TimeOff(start=now - timedelta(days=1),
                                            end=now + timedelta(days=14))])
    solved_tpl = svc.create_template(MailTemplateCreate(
        name="Ticket solved",
        subject="Your request {{ ticket.subject }} is solved",
        body="Hello {{ customer.first_name or 'there' }},\n\nwe marked your request "
             "#{{ ticket.number }} as solved. Simply reply to this mail if anything is "
             "still wrong.\n\n{{ team.name }}"))
    waiting_tpl = svc.create_template(MailTemplateCreate(
        name="Waiting on you",
        subject="We need a little more from you",
        body="Hello {{ customer.first_name or 'there' }},\n\nto go on with #{{ ticket.number }} "
             "we need an answer to our last message.\n\n{{ team.name }}"))
    stage = {}
    for name, closing, tpl in (("New", False, None), ("In Progress", False, None),
                               ("Waiting on Customer", False, waiting_tpl.id),
                               ("Solved", True, solved_tpl.id), ("Cancelled", True, None)):
        stage[name] = svc.create_stage(StageCreate(name=name, closing=closing, template_id=tpl))
    all_stages = [s.id for s in stage.values()]
    short = [stage["New"].id, stage["In Progress"].id, stage["Solved"].id]
    ids = [a.id for a in agents]
    berlin = Calendar(timezone="Europe/Berlin", start_hour=8, end_hour=18)
    teams = [
        svc.create_team(TeamCreate(
            name="Customer Care", description="First line for every customer question",
            email_alias="support@deskline.example", visibility="company",
            assignment="balanced_open", member_ids=ids[:7], follower_ids=[ids[11]],
            stage_ids=all_stages, calendar=Calendar(timezone="UTC"), auto_close_days=14,
            customers_may_close=True, ratings=True)),
        svc.create_team(TeamCreate(
            name="Billing", description="Invoices, refunds, licences",
            email_alias="billing@deskline.example", visibility="private",
            assignment="balanced_total", member_ids=[ids[0], ids[7], ids[8]],
            stage_ids=short, calendar=berlin)),
        svc.create_team(TeamCreate(
            name="Onboarding", description="New customers getting started",
            email_alias="hello@deskline.example", visibility="public", assignment="manual",
            member_ids=[ids[9], ids[10]], stage_ids=all_stages, calendar=berlin)),
        svc.create_team(TeamCreate(
            name="Platform Escalations", description="Second line: engineers on call",
            visibility="private", assignment="balanced_open", member_ids=ids[3:6] + [ids[11]],
            stage_ids=all_stages, calendar=Calendar(timezone="America/New_York",
                                                    days=[0, 1, 2, 3, 4, 5]))),
    ]
    svc.update_team(teams[0].id, TeamUpdate(follower_ids=[ids[11]]))
    svc.create_sla_policy(SlaPolicyCreate(
        team_id=teams[0].id, name="Urgent: first answer in 4h", priorities=[3],
        target_stage_id=stage["In Progress"].id, hours=4))
    svc.create_sla_policy(SlaPolicyCreate(
        team_id=teams[0].id, name="Solve within 3 days", target_stage_id=stage["Solved"].id,
        hours=24, excluded_stage_ids=[stage["Waiting on Customer"].id]))
    svc.create_sla_policy(SlaPolicyCreate(
        team_id=teams[1].id, name="Billing answer in 2 days", target_stage_id=stage["Solved"].id,
        hours=16))
    svc.create_sla_policy(SlaPolicyCreate(
        team_id=teams[3].id, name="VIP outage in 2h", priorities=[2, 3], tags=["vip", "outage"],
        target_stage_id=stage["In Progress"].id, hours=2))
    orgs = [svc.create_organization(OrganizationCreate(
        name=name, domain=name.lower().split()[0] + ".example")) for name in COMPANIES]
    projects = [svc.create_project(ProjectCreate(name=f"{org.name} rollout",
                                                 organization_id=org.id)) for org in orgs[:5]]
    # Customers in bulk through the store: the service's per-call checks cost more than
    # the insert, and these emails are unique by construction.
    rows: list[NewCustomer] = []
    created_at = to_db(now - timedelta(days=400))
    for i in range(customers):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        org = orgs[i % len(orgs)] if i % 6 else None  # every sixth has no organization
        domain = org.domain if org else rng.choice(["mail.example", "post.example"])
        local = f"{first.lower()}.{last.lower()}.{i}".replace("é", "e").replace("ü", "ue")
        in_projects = [p.id for p in projects if org and p.organization_id == org.id]
        rows.append((f"{local}@{domain}", f"{first} {last}", org.id if org else None, None,
                     created_at, in_projects))
    with svc.store.transaction():
        ids = svc.store.insert_customers(rows)
    made = [DemoCustomer(cid, name, org_id, email)
            for cid, (email, name, org_id, *_rest) in zip(ids, rows, strict=True)]
    admin_customer = made[0]
    portal = svc.create_agent(AgentCreate(email=admin_customer.email.replace("@", "+portal@"),
                                          name=admin_customer.name, role=Role.portal,
                                          customer_id=admin_customer.id))
    return {"agents": agents, "stages": stage, "teams": teams, "customers": made,
            "portal": portal}


def build_demo(path: str | Path, tickets: int = 2000, seed: int = 7,
               now: datetime | None = None,
               progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Create a demo helpdesk in a new file at `path`."""
    import time

    started = time.perf_counter()
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(f"{path} exists; the demo is only built into a new file")
    rng = random.Random(seed)
    # Everything is dated before the moment of the build: a ticket opened right after it
    # is the newest (the console bench's, and an agent's first one).
    now = now or datetime.now(UTC).replace(microsecond=0)
    store = SqliteStore.open(path)
    with store.unsynced_writes():
        with store.transaction():
            store.insert_agent("admin@deskline.example", "Ada Admin", "admin", None)
        admin = existing(store.agent_by_email("admin@deskline.example"))
        svc = Service(store, admin, clock=lambda: now)
        setup = _setup(svc, rng, max(60, min(tickets // 10, 20000)), now)
        messages = _bulk_tickets(store, rng, setup, tickets, now, progress)
    store.close()
    return DemoSummary(tickets=tickets, messages=messages, customers=len(setup["customers"]),
                       teams=len(setup["teams"]), agents=len(setup["agents"]) + 1,
                       seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class _World:
    """What every demo ticket is drawn from."""

    teams: list[Team]
    stages: dict[str, Stage]
    agents: dict[int, Agent]
    customers: list[DemoCustomer]
    policies: dict[int, list[SlaPolicy]]
    stage_by_id: dict[int, Stage]
    tag_ids: dict[str, int]


@dataclass(slots=True)  # not frozen: a frozen init costs a call per field, per ticket
class _Draft:
    """A ticket's fields before its thread is written."""

    team: Team
    open_names: list[str]
    stage: Stage
    priority: int
    customer: DemoCustomer
    product: str
    problem: str
    subject: str
    assignee: int | None
    tags: list[str]


# Most tickets land with first line, a few with the others.
TEAM_WEIGHTS = [0.7, 0.12, 0.1, 0.08]
BATCH = 5000


# From this size on the rows are drawn in a forked process while this one writes them:
# drawing (Python) and writing (SQLite) each take about half of a million-ticket build.
DRAW_ELSEWHERE_FROM = 20_000


def _bulk_tickets(store: SqliteStore, rng: random.Random, setup: dict, count: int, now: datetime,
                  progress: Callable[[int, int], None] | None) -> int:
    """Write `count` tickets with their threads, in batches; the number of messages."""
    world = _World(
        teams=setup["teams"], stages=setup["stages"],
        agents={a.id: a for a in setup["agents"]}, customers=setup["customers"],
        policies={t.id: store.sla_policies(t.id) for t in setup["teams"]},
        stage_by_id={s.id: s for s in setup["stages"].values()},
        tag_ids=dict(zip(TAGS, store.tag_ids(TAGS), strict=True)))
    batches = _batches(rng, world, count, now)
    if count >= DRAW_ELSEWHERE_FROM:
        batches = _drawn_elsewhere(batches)
    messages = 0
    with store.transaction(), store.deferred_indexes(), store.deferred_indexing(), \
            store.deferred_counting():
        for rows, done, last_message_id in batches:
            store.write_tickets(rows)
            messages = last_message_id
            if progress:
                progress(done, count)
    # Ticket #1 and #2 show the awkward text customers really send.
    with store.transaction():
        store.overwrite_subject(1, "[URGENT] printer down [/] \x1b]52;c;aGVsbG8=\x07 help")
    return messages


def _batches(rng: random.Random, world: _World, count: int,
             now: datetime) -> Iterator[tuple[TicketRows, int, int]]:
    """The tickets drawn in batches: (rows, tickets drawn so far, last message id)."""
    rows = TicketRows()
    message_id = 0
    span = timedelta(days=365)
    # Ticket creation times: spread over a year, denser recently, in increasing order.
    offsets = sorted((rng.random() ** 1.6 for _ in range(count)), reverse=True)
    for i in range(count):
        tid = i + 1
        created = now - span * offsets[i] - timedelta(minutes=1 + int(rng.random() * 600))
        age_days = (now - created).total_seconds() / 86400
        draft = _draw_ticket(rng, world, age_days)
        message_id, t, last_stage_name, n_messages = _thread(
            rng, world, draft, tid, message_id, created, age_days, rows)
        closed_at = t + min(timedelta(hours=1), (now - t) / 2) if draft.stage.closing \
            else None
        if closed_at is not None:
            message_id += 1
            rows.messages.append(_stage_event(message_id, tid, draft.assignee,
                                              last_stage_name, draft.stage.name, closed_at))
            n_messages += 1
        updated = closed_at or t
        rows.clocks.extend(_clocks(world, draft, tid, created, closed_at, updated, now))
        rows.tickets.append(_ticket_row(rng, draft, tid, created, updated, closed_at,
                                        n_messages))
        rows.tags.extend((tid, world.tag_ids[tag]) for tag in draft.tags)
        if draft.assignee:
            rows.followers.append((tid, draft.assignee))
        if (i + 1) % BATCH == 0:
            yield rows, i + 1, message_id
            rows = TicketRows()
    yield rows, count, message_id


def _drawn_elsewhere(batches: Iterator[tuple[TicketRows, int, int]]
                     ) -> Iterator[tuple[TicketRows, int, int]]:
    """The same batches, drawn in a forked child (the same generator, so the same rows)
    and sent over a pipe, which holds the child back while this process writes."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_send_batches, args=(batches, sending), daemon=True)
    child.start()
    sending.close()
    try:
        while True:
            try:
                item = receiving.recv()
            except EOFError:
                raise RuntimeError("the demo's drawing process ended early") from None
            if item is None:
                return
            yield item
    finally:
        receiving.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()


def _send_batches(batches: Iterator[tuple[TicketRows, int, int]],
                  sending: multiprocessing.connection.Connection) -> None:
    for item in batches:
        sending.send(item)
    sending.send(None)
    sending.close()


def _draw_ticket(rng: random.Random, world: _World, age_days: float) -> _Draft:
    """Team, stage, priority, customer, subject, assignee and tags of the next ticket."""
    stages = world.stages
    team = world.teams[_weighted(rng, TEAM_WEIGHTS)]
    team_stage_ids = team.stage_ids
    open_names = [n for n in ("New", "In Progress", "Waiting on Customer")
                  if stages[n].id in team_stage_ids]
    if age_days > 21 or rng.random() < 0.35:
        stage = stages["Solved"] if rng.random() < 0.9 or \
            stages["Cancelled"].id not in team_stage_ids else stages["Cancelled"]
    else:
        stage = stages[rng.choice(open_names)]
    priority = _weighted(rng, [0.5, 0.3, 0.15, 0.05])
    customer = world.customers[rng.randrange(len(world.customers))]
    product, problem = rng.choice(PRODUCTS), rng.choice(PROBLEMS)
    subject = f"{product[0].upper()}{product[1:]} {problem}"
    if rng.random() < 0.15:
        subject = f"[{rng.choice(['URGENT', 'Ticket', 'EXT'])}] {subject}"
    members = team.member_ids
    assignee = None if (not stage.closing and rng.random() < 0.25) else rng.choice(members)
    tags = rng.sample(TAGS, k=_weighted(rng, [0.3, 0.45, 0.2, 0.05]))
    return _Draft(team, open_names, stage, priority, customer, product, problem, subject,
                  assignee, tags)


def _thread(rng: random.Random, world: _World, draft: _Draft, tid: int, message_id: int,
            created: datetime, age_days: float,
            rows: TicketRows) -> tuple[int, datetime, str, int]:
    """The ticket's messages (customer and agent replies, comments with mentions, stage
    events) into `rows`: (last message id, last message time, stage name the events left
    the ticket in, number of messages)."""
    customer, product, problem = draft.customer, draft.product, draft.problem
    members, assignee = draft.team.member_ids, draft.assignee
    n_messages = max(1, int(rng.expovariate(1 / 10)))
    t = created
    step = timedelta(hours=min(age_days * 24, 240) / (n_messages + 1) or 1)
    now = created + timedelta(days=age_days)
    last_stage_name = "New"
    for k in range(n_messages):
        message_id += 1
        # Never past the build's now: a late step goes half of the way left instead.
        t = min(t + step * (0.5 + rng.random()), t + (now - t) / 2)
        ref = str(10000 + int(rng.random() * 90000))
        roll = rng.random()
        if k == 0 or roll < 0.38:
            body = (f"{rng.choice(OPENERS)}\n\n" + rng.choice(CUSTOMER_LINES).format(
                p=product, x=problem, n=ref) + f"\n\n{customer.name}")
            rows.messages.append((message_id, tid, "reply", None, customer.id, body, None,
                                  _ts(t)))
        elif roll < 0.72:
            author = assignee or rng.choice(members)
            body = rng.choice(AGENT_LINES).format(p=product, n=ref) + \
                f"\n\n{world.agents[author].name}"
            rows.messages.append((message_id, tid, "reply", author, None, body, None, _ts(t)))
        elif roll < 0.86:
            mention = world.agents[rng.choice(members)]
            handle = mention.email.split("@")[0]
            body = rng.choice(COMMENTS).format(m=handle, p=product, n=ref)
            author = assignee or rng.choice(members)
            rows.messages.append((message_id, tid, "comment", author, None, body, None,
                                  _ts(t)))
            if "@" in body:
                rows.mentions.append((message_id, mention.id))
        else:
            new_name = rng.choice(draft.open_names)
            rows.messages.append(_stage_event(message_id, tid, assignee, last_stage_name,
                                              new_name, t))
            last_stage_name = new_name
    return message_id, t, last_stage_name, n_messages


def _stage_event(message_id: int, tid: int, author: int | None, old: str, new: str,
                 at: datetime) -> tuple:
    events = [{"field": "stage", "old": old, "new": new}]
    return (message_id, tid, "event", author, None, f"stage: {old} → {new}",
            json.dumps(events), _ts(at))


def _clocks(world: _World, draft: _Draft, tid: int, created: datetime,
            closed_at: datetime | None, updated: datetime, now: datetime) -> list[tuple]:
    """SLA clocks as the service would have run them from the ticket's creation: reached
    (in time or not) once it got to the target stage, else running until now."""
    rows: list[tuple] = []
    team, stage = draft.team, draft.stage
    for policy in sla.matching_policies(world.policies[team.id], draft.priority, draft.tags,
                                        draft.customer.id):
        deadline = sla.add_working_hours(created, policy.hours, team.calendar)
        target = world.stage_by_id[policy.target_stage_id]
        if closed_at is not None or stage.sequence >= target.sequence:
            reached_at = closed_at or updated
            status = sla.status_on_reach(deadline, reached_at).value
            rows.append((tid, policy.id, status, _ts(deadline), 0.0, None, _ts(reached_at)))
        else:
            status = sla.status_now(sla.SlaStatus.ongoing, deadline, now).value
            rows.append((tid, policy.id, status, _ts(deadline), 0.0, _ts(created), None))
    return rows


def _ticket_row(rng: random.Random, draft: _Draft, tid: int, created: datetime,
                updated: datetime, closed_at: datetime | None, n_messages: int) -> tuple:
    """The ticket in `bulk.TICKET_INSERT`'s order."""
    customer = draft.customer
    return (
        tid, tid, draft.subject,
        f"{draft.product} {draft.problem}. Reported by {customer.name} via "
        f"{'email' if rng.random() < 0.7 else 'the web form'}.",
        draft.team.id, draft.stage.id, draft.assignee, customer.id, customer.organization_id,
        draft.priority, ",".join(draft.tags), "email" if rng.random() < 0.7 else "web",
        _ts(created), _ts(updated), _ts(closed_at) if closed_at else None,
        int(not draft.stage.closing), 1 + n_messages // 3, n_messages,
    )


def _ts(value: datetime) -> str:
    """`to_db` for values known to be UTC already: the hot loop writes a million of them."""
    return value.isoformat(timespec="microseconds")


def _weighted(rng: random.Random, weights: list[float]) -> int:
    roll, total = rng.random(), 0.0
    for index, weight in enumerate(weights):
        total += weight
        if roll < total:
            return index
    return len(weights) - 1
