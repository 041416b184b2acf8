"""A realistic, deterministic demo helpdesk: the same seed and day give the same data.

The setup (agents, teams, stages, policies, customers) goes through the service like any
admin's would. Tickets and their threads are written in bulk, straight into the store,
because a demo of 100,000 tickets and a million messages must build in well under a
minute; the values written are the ones the service's rules would give (assignment, SLA
clocks, closing dates, event bodies).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from deskline.clock import to_db
from deskline.models import (
    AgentCreate,
    Calendar,
    MailTemplateCreate,
    OrganizationCreate,
    ProjectCreate,
    Role,
    SlaPolicyCreate,
    StageCreate,
    TeamCreate,
    TeamUpdate,
    TimeOff,
)
from deskline.rules import sla
from deskline.service import Service
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
    made = []
    created_at = to_db(now - timedelta(days=400))
    with svc.store.transaction():
        for i in range(customers):
            first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
            org = orgs[i % len(orgs)] if i % 6 else None  # every sixth has no organization
            domain = org.domain if org else rng.choice(["mail.example", "post.example"])
            local = f"{first.lower()}.{last.lower()}.{i}".replace("é", "e").replace("ü", "ue")
            in_projects = [p.id for p in projects if org and p.organization_id == org.id]
            cid = svc.store.insert_customer(f"{local}@{domain}", f"{first} {last}",
                                            org.id if org else None, None, created_at,
                                            in_projects)
            made.append(DemoCustomer(cid, f"{first} {last}", org.id if org else None,
                                     f"{local}@{domain}"))
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
    now = now or datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    store = SqliteStore.open(path)
    store.conn.execute("PRAGMA synchronous = OFF")
    with store.transaction():
        store.insert_agent("admin@deskline.example", "Ada Admin", "admin", None)
    admin = store.agent_by_email("admin@deskline.example")
    svc = Service(store, admin, clock=lambda: now)
    setup = _setup(svc, rng, max(60, min(tickets // 10, 20000)), now)
    messages = _bulk_tickets(store, rng, setup, tickets, now, progress)
    store.conn.execute("PRAGMA synchronous = NORMAL")
    store.conn.execute("PRAGMA optimize")
    store.close()
    return DemoSummary(tickets=tickets, messages=messages, customers=len(setup["customers"]),
                       teams=len(setup["teams"]), agents=len(setup["agents"]) + 1,
                       seconds=time.perf_counter() - started)


def _bulk_tickets(store: SqliteStore, rng: random.Random, setup: dict, count: int, now: datetime,
                  progress: Callable[[int, int], None] | None) -> int:
    teams = setup["teams"]
    stages = setup["stages"]
    agents = {a.id: a for a in setup["agents"]}
    customers = setup["customers"]
    policies = {t.id: store.sla_policies(t.id) for t in teams}
    stage_by_id = {s.id: s for s in stages.values()}
    tag_ids = dict(zip(TAGS, store.tag_ids(TAGS), strict=True))
    # Most tickets land with first line, a few with the others.
    team_weights = [0.7, 0.12, 0.1, 0.08]
    ticket_rows, tag_rows, follower_rows, message_rows, sla_rows, mention_rows = \
        [], [], [], [], [], []
    message_id = 0
    span = timedelta(days=365)
    batch = 5000

    def flush() -> None:
        store.conn.executemany(
            "INSERT INTO tickets (id, number, subject, description, team_id, stage_id,"
            " assignee_id, customer_id, organization_id, priority, tags, channel, created_at,"
            " updated_at, closed_at, is_open, sla_deadline, sla_status, version, message_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ticket_rows)
        store.conn.executemany("INSERT INTO ticket_tags VALUES (?, ?)", tag_rows)
        store.conn.executemany("INSERT OR IGNORE INTO ticket_followers VALUES (?, ?)",
                               follower_rows)
        store.conn.executemany(
            "INSERT INTO messages (id, ticket_id, kind, author_agent_id, author_customer_id,"
            " body, events, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", message_rows)
        store.conn.executemany("INSERT OR IGNORE INTO message_mentions VALUES (?, ?)",
                               mention_rows)
        store.conn.executemany(
            "INSERT INTO ticket_slas (ticket_id, policy_id, status, deadline, spent_hours,"
            " running_since, reached_at) VALUES (?, ?, ?, ?, ?, ?, ?)", sla_rows)
        for rows in (ticket_rows, tag_rows, follower_rows, message_rows, sla_rows, mention_rows):
            rows.clear()

    # Ticket creation times: spread over a year, denser recently, in increasing order.
    offsets = sorted((rng.random() ** 1.6 for _ in range(count)), reverse=True)
    with store.transaction(), _fts_deferred(store):
        for i in range(count):
            tid = i + 1
            created = now - span * offsets[i] - timedelta(minutes=1 + int(rng.random() * 600))
            age_days = (now - created).total_seconds() / 86400
            team = teams[_weighted(rng, team_weights)]
            team_stage_ids = team.stage_ids
            open_names = [n for n in ("New", "In Progress", "Waiting on Customer")
                          if stages[n].id in team_stage_ids]
            if age_days > 21 or rng.random() < 0.35:
                stage = stages["Solved"] if rng.random() < 0.9 or \
                    stages["Cancelled"].id not in team_stage_ids else stages["Cancelled"]
            else:
                stage = stages[rng.choice(open_names)]
            closed = stage.closing
            priority = _weighted(rng, [0.5, 0.3, 0.15, 0.05])
            customer = customers[rng.randrange(len(customers))]
            product, problem = rng.choice(PRODUCTS), rng.choice(PROBLEMS)
            subject = f"{product[0].upper()}{product[1:]} {problem}"
            if rng.random() < 0.15:
                subject = f"[{rng.choice(['URGENT', 'Ticket', 'EXT'])}] {subject}"
            members = team.member_ids
            assignee = None if (not closed and rng.random() < 0.25) else rng.choice(members)
            tags = rng.sample(TAGS, k=_weighted(rng, [0.3, 0.45, 0.2, 0.05]))
            n_messages = max(1, int(rng.expovariate(1 / 10)))
            t = created
            step = timedelta(hours=min(age_days * 24, 240) / (n_messages + 1) or 1)
            last_stage_name = "New"
            for k in range(n_messages):
                message_id += 1
                t += step * (0.5 + rng.random())
                ref = str(10000 + int(rng.random() * 90000))
                roll = rng.random()
                if k == 0 or roll < 0.38:
                    body = (f"{rng.choice(OPENERS)}\n\n" + rng.choice(CUSTOMER_LINES).format(
                        p=product, x=problem, n=ref) + f"\n\n{customer.name}")
                    message_rows.append((message_id, tid, "reply", None, customer.id, body,
                                         None, _ts(t)))
                elif roll < 0.72:
                    author = assignee or rng.choice(members)
                    body = rng.choice(AGENT_LINES).format(p=product, n=ref) + \
                        f"\n\n{agents[author].name}"
                    message_rows.append((message_id, tid, "reply", author, None, body, None,
                                         _ts(t)))
                elif roll < 0.86:
                    mention = agents[rng.choice(members)]
                    handle = mention.email.split("@")[0]
                    body = rng.choice(COMMENTS).format(m=handle, p=product, n=ref)
                    author = assignee or rng.choice(members)
                    message_rows.append((message_id, tid, "comment", author, None, body, None,
                                         _ts(t)))
                    if "@" in body:
                        mention_rows.append((message_id, mention.id))
                else:
                    new_name = rng.choice(open_names)
                    events = [{"field": "stage", "old": last_stage_name, "new": new_name}]
                    message_rows.append((message_id, tid, "event", assignee, None,
                                         f"stage: {last_stage_name} → {new_name}",
                                         json.dumps(events), _ts(t)))
                    last_stage_name = new_name
            closed_at = t + timedelta(hours=1) if closed else None
            if closed:
                message_id += 1
                events = [{"field": "stage", "old": last_stage_name, "new": stage.name}]
                message_rows.append((message_id, tid, "event", assignee, None,
                                     f"stage: {last_stage_name} → {stage.name}",
                                     json.dumps(events), _ts(closed_at) if closed_at else None))
                n_messages += 1
            updated = closed_at or t
            # SLA clocks as the service would have run them.
            deadlines, statuses = [], []
            for policy in policies[team.id]:
                if not sla.policy_applies(policy, priority, tags, customer.id):
                    continue
                deadline = sla.add_working_hours(created, policy.hours, team.calendar)
                target = stage_by_id[policy.target_stage_id]
                if closed or (stage.sequence >= target.sequence):
                    reached_at = closed_at or updated
                    status = sla.status_on_reach(deadline, reached_at).value
                    sla_rows.append((tid, policy.id, status, _ts(deadline), 0.0, None,
                                     _ts(reached_at)))
                else:
                    status = sla.status_now(sla.SlaStatus.ongoing, deadline, now).value
                    sla_rows.append((tid, policy.id, status, _ts(deadline), 0.0,
                                     _ts(created), None))
                    if status == "ongoing":
                        deadlines.append(deadline)
                statuses.append(status)
            sla_status = ("failed" if "failed" in statuses else "ongoing" if "ongoing" in statuses
                          else "reached" if statuses else None)
            ticket_rows.append((
                tid, tid, subject,
                f"{product} {problem}. Reported by {customer.name} via "
                f"{'email' if rng.random() < 0.7 else 'the web form'}.",
                team.id, stage.id, assignee, customer.id, customer.organization_id, priority,
                ",".join(tags), "email" if rng.random() < 0.7 else "web", _ts(created),
                _ts(updated), _ts(closed_at) if closed_at else None, int(not closed),
                _ts(min(deadlines)) if deadlines else None, sla_status, 1 + n_messages // 3,
                n_messages,
            ))
            tag_rows.extend((tid, tag_ids[tag]) for tag in tags)
            if assignee:
                follower_rows.append((tid, assignee))
            if (i + 1) % batch == 0:
                flush()
                if progress:
                    progress(i + 1, count)
        flush()
    if progress:
        progress(count, count)
    # Ticket #1 and #2 show the awkward text customers really send.
    with store.transaction():
        store.conn.execute(
            "UPDATE tickets SET subject = ? WHERE id = 1",
            ("[URGENT] printer down [/] \x1b]52;c;aGVsbG8=\x07 help",))
    return message_id


@contextmanager
def _fts_deferred(store: SqliteStore) -> Iterator[None]:
    """Index the bulk rows in one statement at the end instead of a trigger call per row
    (five times faster), with the same rows the triggers would have indexed."""
    triggers = store.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND name IN ('messages_fts_ai', 'tickets_fts_ai')").fetchall()
    first_message = store.conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
    first_ticket = store.conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]
    for name, _sql in triggers:
        store.conn.execute(f"DROP TRIGGER {name}")
    yield
    store.conn.execute(
        "INSERT INTO messages_fts (rowid, body) SELECT id, body FROM messages"
        " WHERE id > ? AND kind != 'event'", (first_message,))
    store.conn.execute(
        "INSERT INTO tickets_fts (rowid, subject, description) SELECT id, subject, description"
        " FROM tickets WHERE id > ?", (first_ticket,))
    for _name, sql in triggers:
        store.conn.execute(sql)


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
