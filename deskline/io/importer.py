"""CSV import of customers and tickets: preview, check every row, then write.

`run_import` reads the whole file and checks every row before it writes anything: a
missing or bad email, a duplicate in the file or in the database, an unknown team, stage,
assignee or project, an unparseable date or priority, each reported with the line the
record starts on. Then, unless it is a dry run:

- all-or-nothing (default): any bad row and nothing is written;
- skip-bad: the good rows are written and the bad ones reported.

The writing is one transaction, so an import is never half done. Organizations named in
a customer file that do not exist yet are created (and listed in the report). Tickets are
linked to customers by email; the report counts those that matched nobody.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from deskline import access
from deskline.clock import to_db
from deskline.dates import parse_date
from deskline.errors import ConflictError, ValidationFailed
from deskline.io import mapping as mappings
from deskline.io.csvfile import CsvFile, read_csv
from deskline.models import (
    MAX_IMPORT_PROBLEMS,
    Channel,
    ColumnInfo,
    FilePreview,
    ImportKind,
    ImportReport,
    Role,
    RowProblem,
    SavedMapping,
    Team,
    normalize_email,
)
from deskline.rules import sla
from deskline.store.bulk import TicketRows

Progress = Callable[[str, int, int], None]  # (phase: "checking" | "writing", done, total)
FTS_DEFER_ROWS = 1000  # from this many tickets, full-text indexing is done in one go
BATCH = 5000  # rows per bulk write (and per progress report)

PRIORITIES = {
    "0": 0, "1": 1, "2": 2, "3": 3, "low": 0, "medium": 1, "normal": 1, "high": 2,
    "urgent": 3, "niedrig": 0, "mittel": 1, "hoch": 2, "dringend": 3, "basse": 0,
    "moyenne": 1, "haute": 2, "urgente": 3, "kritisch": 3, "critical": 3,
}
CHANNELS = tuple(c.value for c in Channel)
_SPLIT = re.compile(r"\s*[,;|]\s*")
# --- reading and mapping ------------------------------------------------------------------


def resolve_mapping(csv_file: CsvFile, kind: ImportKind, store=None,
                    chosen: Mapping[str, str] | None = None,
                    saved: str | None = None) -> dict[str, str | None]:
    """Guesses, then a saved mapping (by name, from the store), then `chosen` on top."""
    result = mappings.guess_mapping(csv_file.header, kind)
    if saved:
        found = store.mapping(saved) if store is not None else None
        if found is None:
            names = ", ".join(m.name for m in store.mappings()) if store is not None else ""
            raise ValidationFailed(f"no saved mapping named {saved!r} (saved: {names or 'none'})",
                                   field="mapping")
        if found.kind != kind:
            raise ValidationFailed(f"mapping {found.name!r} is for {found.kind.value}, not "
                                   f"{kind.value}", field="mapping")
        result = mappings.apply_mapping(csv_file.header, kind,
                                        {h: None for h in csv_file.header}, found.columns,
                                        strict=False)
    if chosen:
        result = mappings.apply_mapping(csv_file.header, kind, result, chosen)
    return result


def preview_file(source: str | Path | bytes, kind: ImportKind | str, *, store=None,
                 chosen: Mapping[str, str] | None = None, saved: str | None = None,
                 samples: int = 3) -> FilePreview:
    """What the mapping screen shows: encoding, delimiter, each column with its first
    non-empty values and the field it maps to, and the number of records."""
    kind = ImportKind(kind)
    csv_file = read_csv(source)
    mapped = resolve_mapping(csv_file, kind, store, chosen, saved)
    found: list[list[str]] = [[] for _ in csv_file.header]
    rows = 0
    for _line, values in csv_file.records():
        rows += 1
        for index, value in enumerate(values[:len(found)]):
            if value.strip() and len(found[index]) < samples:
                found[index].append(value.strip())
    return FilePreview(
        encoding=csv_file.encoding, delimiter=csv_file.delimiter, rows=rows,
        columns=[ColumnInfo(name=h, samples=found[i], field=mapped[h])
                 for i, h in enumerate(csv_file.header)])


# --- checking -------------------------------------------------------------------------------


@dataclass
class _Check:
    problems: list[RowProblem] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    good: list[tuple] = field(default_factory=list)
    rows: int = 0
    new_orgs: dict[str, str] = field(default_factory=dict)  # casefold -> name as written
    unlinked: int = 0

    def add(self, line: int, field_name: str | None, column: str | None, message: str) -> None:
        self.bad_lines.add(line)
        if len(self.problems) < MAX_IMPORT_PROBLEMS:
            self.problems.append(RowProblem(line=line, field=field_name, column=column,
                                            message=message))


def _rows(csv_file: CsvFile, mapped: Mapping[str, str | None], check: _Check,
          progress: Progress | None, total: int):
    """(line, {field: value}) per record, ragged rows reported."""
    index = [(i, f) for i, f in enumerate(mapped[h] for h in csv_file.header) if f]
    width = len(csv_file.header)
    for line, row in csv_file.records():
        check.rows += 1
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            check.add(line, None, None, f"{len(row)} values but the header has {width} "
                      "columns (a missing quote or delimiter?)")
        if progress and check.rows % 5000 == 0:
            progress("checking", check.rows, total)
        yield line, {f: (row[i].strip().replace("\r\n", "\n") if i < len(row) else "")
                     for i, f in index}


def _column_of(mapped: Mapping[str, str | None]) -> dict[str, str]:
    return {f: h for h, f in mapped.items() if f}


def _check_email(check: _Check, line: int, email: str, column: str | None,
                 field_name: str = "email", required: bool = True) -> str | None:
    if not email:
        if required:
            check.add(line, field_name, column, "missing email")
        return None
    try:
        return normalize_email(email)
    except ValueError:
        check.add(line, field_name, column, f"not an email address: {email!r}")
        return None


def _check_customers(svc, csv_file: CsvFile, mapped, progress, total) -> _Check:
    store = svc.store
    check = _Check()
    column = _column_of(mapped)
    existing = store.customer_email_ids()
    orgs = {o.name.casefold() for o in store.organizations()}
    projects = {p.name.casefold(): p.id for p in store.projects()}
    project_ids = set(projects.values())
    seen: dict[str, int] = {}
    for line, values in _rows(csv_file, mapped, check, progress, total):
        email = _check_email(check, line, values.get("email", ""), column.get("email"))
        if email is not None:
            key = email.casefold()
            if key in seen:
                check.add(line, "email", column.get("email"),
                          f"duplicate: {email} is also on line {seen[key]}")
            elif key in existing:
                check.add(line, "email", column.get("email"),
                          f"a customer with the email {email} exists")
            else:
                seen[key] = line
        name = values.get("name") or " ".join(
            v for v in (values.get("first_name"), values.get("last_name")) if v)
        org = values.get("organization") or None
        pids = []
        for item in _SPLIT.split(values.get("projects", "")):
            if not item:
                continue
            pid = projects.get(item.casefold())
            if pid is None and item.isdigit() and int(item) in project_ids:
                pid = int(item)
            if pid is None:
                check.add(line, "projects", column.get("projects"), f"unknown project {item!r}")
            else:
                pids.append(pid)
        if line not in check.bad_lines:
            check.good.append((line, email, name, org, values.get("phone") or None, pids))
            # Only rows that will be written may bring a new organization with them.
            if org and org.casefold() not in orgs:
                check.new_orgs.setdefault(org.casefold(), org)
    return check


def _by_name(items) -> dict:
    """Items by name (case-folded) and by id as text."""
    index: dict = {}
    for item in items:
        index.setdefault(item.name.casefold(), item)
        index.setdefault(str(item.id), item)
    return index


@dataclass(frozen=True)
class _TicketLookups:
    """What a ticket row is checked against, read once per file."""

    teams: dict  # by name (case-folded) and id as text
    team_names: str
    stages: dict  # team id -> stages by name and id
    agents: dict  # active agents by email and name (case-folded)
    customers: dict[str, int]  # email (case-folded) -> id
    fallback: Team | None  # the team of rows that name none


def _ticket_lookups(svc, default_team: str | None) -> _TicketLookups:
    store = svc.store
    teams = _by_name(svc.list_teams())
    team_names = ", ".join(sorted({t.name for t in teams.values()}))
    stages = {t.id: _by_name(store.stages(t.id)) for t in teams.values()}
    agents: dict[str, object] = {}
    for agent in store.agents():
        if agent.role is not Role.portal and agent.active:
            agents.setdefault(agent.email.casefold(), agent)
            agents.setdefault(agent.name.casefold(), agent)
    customers = store.customer_email_ids()
    fallback = None
    if default_team:
        fallback = teams.get(default_team.casefold())
        if fallback is None:
            raise ValidationFailed(f"no team {default_team!r} (known: {team_names})",
                                   field="team")
    return _TicketLookups(teams, team_names, stages, agents, customers, fallback)


def _check_subject(check: _Check, line: int, values: dict, column: dict) -> str:
    subject = values.get("subject", "")
    if not subject:
        check.add(line, "subject", column.get("subject"), "missing subject")
    elif len(subject) > 500:
        check.add(line, "subject", column.get("subject"), "subject longer than 500 "
                  "characters")
    return subject


def _check_team_stage(check: _Check, line: int, values: dict, column: dict,
                      known: _TicketLookups) -> tuple:
    """(team, stage): the row's or the default team, and the named stage or the team's
    first."""
    team_name = values.get("team", "")
    team = known.teams.get(team_name.casefold()) if team_name else known.fallback
    if team is None:
        check.add(line, "team", column.get("team"),
                  f"unknown team {team_name!r} (known: {known.team_names})" if team_name
                  else "missing team")
    stage = None
    stage_name = values.get("stage", "")
    if team is not None:
        if stage_name:
            stage = known.stages[team.id].get(stage_name.casefold())
            if stage is None or stage.id not in team.stage_ids:
                stage = None
                check.add(line, "stage", column.get("stage"),
                          f"unknown stage {stage_name!r} for team {team.name}")
        elif team.stage_ids:
            stage = known.stages[team.id].get(str(team.stage_ids[0]))
        else:
            check.add(line, "team", column.get("team"), f"team {team.name} has no stages")
    return team, stage


def _check_priority(check: _Check, line: int, values: dict, column: dict) -> int | None:
    priority_text = values.get("priority", "").casefold()
    priority = PRIORITIES.get(priority_text, 0 if not priority_text else None)
    if priority is None:
        check.add(line, "priority", column.get("priority"),
                  f"unknown priority {values['priority']!r} (low, medium, high, urgent "
                  "or 0-3)")
    return priority


def _check_assignee(check: _Check, line: int, values: dict, column: dict,
                    known: _TicketLookups):
    assignee = None
    if values.get("assignee"):
        assignee = known.agents.get(values["assignee"].casefold())
        if assignee is None:
            check.add(line, "assignee", column.get("assignee"),
                      f"unknown agent {values['assignee']!r}")
    return assignee


def _check_channel(check: _Check, line: int, values: dict, column: dict) -> str:
    channel = values.get("channel", "").casefold() or "manual"
    if channel not in CHANNELS:
        check.add(line, "channel", column.get("channel"),
                  f"unknown channel {values['channel']!r} ({', '.join(CHANNELS)})")
    return channel


def _check_dates(check: _Check, line: int, values: dict, column: dict,
                 now: datetime) -> tuple[datetime, datetime | None]:
    """(created, closed): created defaults to now; closing before creation is refused."""
    dates = {}
    for key in ("created_at", "closed_at"):
        if values.get(key):
            try:
                dates[key] = parse_date(values[key])
            except ValueError as exc:
                check.add(line, key, column.get(key), str(exc))
    created = dates.get("created_at", now)
    closed = dates.get("closed_at")
    if closed is not None and closed < created:
        check.add(line, "closed_at", column.get("closed_at"), "closed before it was created")
    return created, closed


def _check_tickets(svc, csv_file: CsvFile, mapped, progress, total,
                   default_team: str | None) -> _Check:
    check = _Check()
    column = _column_of(mapped)
    known = _ticket_lookups(svc, default_team)
    now = svc.clock()
    for line, values in _rows(csv_file, mapped, check, progress, total):
        subject = _check_subject(check, line, values, column)
        team, stage = _check_team_stage(check, line, values, column, known)
        priority = _check_priority(check, line, values, column)
        assignee = _check_assignee(check, line, values, column, known)
        channel = _check_channel(check, line, values, column)
        created, closed = _check_dates(check, line, values, column, now)
        email = _check_email(check, line, values.get("customer_email", ""),
                             column.get("customer_email"), "customer_email", required=False)
        customer_id = known.customers.get(email.casefold()) if email else None
        if line in check.bad_lines:
            continue
        if customer_id is None:
            check.unlinked += 1
        tags = [t for t in dict.fromkeys(_SPLIT.split(values.get("tags", ""))) if t]
        check.good.append((line, subject, values.get("description", ""), team, stage, priority,
                           tags, assignee, customer_id, created, closed, channel))
    return check


# --- writing --------------------------------------------------------------------------------


def _write_customers(svc, check: _Check, progress: Progress | None) -> None:
    store = svc.store
    now = to_db(svc.clock())
    orgs = {o.name.casefold(): o.id for o in store.organizations()}
    total = len(check.good)
    with store.transaction():
        for key, name in check.new_orgs.items():
            orgs[key] = store.insert_organization(name, None)
        for start in range(0, total, BATCH):
            store.insert_customers(
                (email, name, orgs[org.casefold()] if org else None, phone, now, pids)
                for _line, email, name, org, phone, pids in check.good[start:start + BATCH])
            done = min(start + BATCH, total)
            if progress and done % BATCH == 0:
                progress("writing", done, total)


def _write_tickets(svc, check: _Check, progress: Progress | None, source_name: str) -> None:
    """All rows in bulk: ids are given here (the transaction holds the write lock, so no
    other writer can take one), and the rows go to the store's bulk writer per batch."""
    store = svc.store
    clocks_of = _StartingClocks(store)
    names = {t.casefold(): t for row in check.good for t in row[6]}
    rows = TicketRows()
    total = len(check.good)
    deferred = store.deferred_indexing(messages=False) if total >= FTS_DEFER_ROWS \
        else nullcontext()
    with store.transaction(), deferred:
        tag_ids = dict(zip(names, store.tag_ids(names.values()), strict=True))
        org_of = store.customer_organization_ids()
        tid = store.last_ticket_id()
        number = store.next_number() - 1
        for n, row in enumerate(check.good, start=1):
            (line, subject, description, team, stage, priority, tags, assignee, customer_id,
             created, closed, channel) = row
            tid += 1
            number += 1
            closed = (closed or created) if stage.closing else None
            if closed is None:
                rows.clocks.extend((tid, *clock) for clock in clocks_of(
                    team, stage, priority, tags, customer_id, created))
            rows.tickets.append((
                tid, number, subject, description, team.id, stage.id,
                assignee.id if assignee else None, customer_id, org_of.get(customer_id),
                priority, ",".join(tags), channel, to_db(created), to_db(closed or created),
                to_db(closed), int(closed is None), 1, 1))
            rows.tags.extend((tid, tag_ids[t.casefold()]) for t in tags)
            if assignee:
                rows.followers.append((tid, assignee.id))
            rows.messages.append((
                None, tid, "event", svc.actor.id, None, f"Imported from {source_name}, line {line}",
                json.dumps([{"field": "stage", "old": None, "new": stage.name}]),
                to_db(created)))
            if n % BATCH == 0:
                store.write_tickets(rows)
                if progress:
                    progress("writing", n, total)
        store.write_tickets(rows)


class _StartingClocks:
    """The SLA clocks a new ticket starts with (`rules.sla.starting_clocks`, as the
    service starts them), with each team's policies and stage order read once."""

    def __init__(self, store) -> None:
        self.store = store
        self.plans: dict[int, tuple] = {}

    def __call__(self, team, stage, priority: int, tags: list[str], customer_id: int | None,
                 created: datetime) -> list[sla.Clock]:
        if team.id not in self.plans:
            self.plans[team.id] = (self.store.sla_policies(team.id),
                                   {s.id: s.sequence for s in self.store.stages(team.id)})
        policies, order = self.plans[team.id]
        return sla.starting_clocks(policies, order, stage.id, priority, tags, customer_id,
                                   created, team.calendar)


def run_import(svc, source: str | Path | bytes, kind: ImportKind | str, *,
               chosen: Mapping[str, str] | None = None, saved: str | None = None,
               save_as: str | None = None, dry_run: bool = False, skip_bad: bool = False,
               default_team: str | None = None, progress: Progress | None = None,
               source_name: str | None = None) -> ImportReport:
    """Check every row of the file, then (unless `dry_run`) write: nothing when a row is bad
    and not `skip_bad`, else the good rows; one transaction. `save_as` saves the mapping
    used under that name (a dry run saves it too: the mapping is not data)."""
    started = time.perf_counter()
    kind = ImportKind(kind)
    access.require_agent(svc.scope(), f"import {kind.value}")
    csv_file = read_csv(source)
    mapped = resolve_mapping(csv_file, kind, svc.store, chosen, saved)
    mappings.check_required(mapped, kind, default_team=bool(default_team))
    if save_as:
        if not save_as.strip():
            raise ValidationFailed("a saved mapping needs a name", field="save_mapping")
        with svc.store.transaction():
            svc.store.save_mapping(save_as.strip(), kind.value,
                                   {h: f or "" for h, f in mapped.items()},
                                   to_db(svc.clock()))
    total = sum(1 for _ in csv_file.records()) if progress else 0
    if kind is ImportKind.customers:
        check = _check_customers(svc, csv_file, mapped, progress, total)
    else:
        check = _check_tickets(svc, csv_file, mapped, progress, total, default_team)
    if progress:
        progress("checking", check.rows, check.rows)
    check.problems.sort(key=lambda p: p.line)
    bad = len(check.bad_lines)
    write = not dry_run and check.good and (skip_bad or bad == 0)
    if write:
        name = source_name or (Path(source).name if not isinstance(source, bytes) else "a file")
        try:
            if kind is ImportKind.customers:
                _write_customers(svc, check, progress)
            else:
                _write_tickets(svc, check, progress, name)
        except ConflictError as exc:  # a unique value written meanwhile by someone else
            raise ConflictError(f"the database changed while importing ({exc.message}); "
                                "nothing was written, run the import again",
                                field=exc.field) from None
        if progress:
            progress("writing", len(check.good), len(check.good))
    return ImportReport(
        kind=kind, dry_run=dry_run, mode="skip_bad" if skip_bad else "all_or_nothing",
        encoding=csv_file.encoding, delimiter=csv_file.delimiter,
        mapping={h: f or "" for h, f in mapped.items()}, rows=check.rows,
        good=len(check.good), bad=bad, written=len(check.good) if write else 0,
        problems=check.problems,
        organizations_created=sorted(check.new_orgs.values()) if kind is ImportKind.customers
        else [], unlinked=check.unlinked if kind is ImportKind.tickets else 0,
        seconds=round(time.perf_counter() - started, 3))


def saved_mappings(svc, kind: ImportKind | str | None = None) -> list[SavedMapping]:
    access.require_agent(svc.scope(), "use import mappings")
    return svc.store.mappings(ImportKind(kind).value if kind else None)


def save_mapping(svc, name: str, kind: ImportKind | str,
                 columns: Mapping[str, str | None]) -> SavedMapping:
    """Save (or replace) a named mapping, as the mapping screen's "save" does."""
    access.require_agent(svc.scope(), "save import mappings")
    kind = ImportKind(kind)
    if not name.strip():
        raise ValidationFailed("a saved mapping needs a name", field="name")
    for column, field_name in columns.items():
        if field_name and field_name not in kind.fields:
            raise ValidationFailed(f"unknown field {field_name!r} for column {column!r}",
                                   field="columns")
    with svc.store.transaction():
        svc.store.save_mapping(name.strip(), kind.value,
                               {c: f or "" for c, f in columns.items()}, to_db(svc.clock()))
    return svc.store.mapping(name.strip())


def delete_mapping(svc, name: str) -> None:
    access.require_agent(svc.scope(), "delete import mappings")
    with svc.store.transaction():
        svc.store.delete_mapping(name)
