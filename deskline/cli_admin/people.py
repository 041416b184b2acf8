"""`deskline init`, `agent …`, `org …`, `project …`, `tag …` and `audit`."""

from __future__ import annotations

import argparse
import shlex
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from deskline.cli_admin.common import (
    changed_fields,
    find,
    find_agent,
    find_all,
    items,
    print_list,
    refusals,
    row,
    say,
    say_changes,
)


def run(args: argparse.Namespace, open_service, error) -> int:
    if args.command == "agent":
        action = args.agent_command
        if action == "timeoff":
            action = f"timeoff_{args.timeoff_command}"
        if action in ("add", "list"):  # they also work on a file that has no admin yet
            with refusals(error, {"email": "EMAIL"}):
                return globals()[f"_agent_{action}"](args, open_service, error)
        handler = globals()[f"_agent_{action}"]
    else:
        handler = globals()[f"_{args.command}_{getattr(args, 'admin_action', 'log')}"]
    svc = open_service(args)
    names = {"name": "NAME"} if getattr(args, "admin_action", None) == "add" else None
    with refusals(error, names):
        return handler(svc, args, error)


# --- deskline init ----------------------------------------------------------------------

def init(args: argparse.Namespace, error) -> int:
    from deskline.cli_options import named_database, shown_target
    from deskline.starter import START_STAGES, init_helpdesk

    target = named_database(args)
    if target is None:
        raise error("--db: name the file of the new helpdesk, e.g. --db team.db (or "
                    "--database postgresql://… for an empty PostgreSQL database)")
    # The calendar is the only model init checks as a whole: its time zone.
    with refusals(error, {"email": "--admin", "name": "--name", "": "--timezone"}):
        made = init_helpdesk(target, args.admin, args.name, empty=args.empty,
                             timezone=args.timezone)
    shown = shown_target(made.path)
    db = ("--db " if isinstance(made.path, Path) else "--database ") + shlex.quote(shown)
    say(f"Made a new helpdesk in {shown} with the admin {made.admin_email}.")
    if made.team:
        say(f"Team {made.team}: stages {', '.join(n for n, _c in START_STAGES)}; working hours "
            f"9-17 Monday to Friday, {made.timezone}; mail templates Confirmation and Solved "
            "(sent when a ticket reaches Solved).")
    say("\nNext steps:")
    if isinstance(made.path, Path):
        say(f"  deskline {db}                         open the console")
    else:  # the console opens a file or a server
        say(f"  deskline serve {db}                   serve it; consoles use --server")
    say(f"  deskline {db} agent add EMAIL --name NAME --teams {made.team or 'TEAM'}"
        "   add agents")
    if made.team:
        say(f"  deskline {db} team edit {made.team} --alias support@example.com"
            "   take mail at an alias")
    else:
        say(f"  deskline {db} stage add New   then `team add NAME --stages New`")
    say(f"  deskline {db} mail serve                   receive that mail over SMTP")
    return 0


# --- agents -----------------------------------------------------------------------------

def _agent_add(args, open_service, error) -> int:
    from deskline.cli_options import open_database
    from deskline.models import AgentCreate

    store = open_database(args)
    try:
        bootstrap = not store.active_admins()
        if bootstrap:
            # Whoever holds a file without an admin makes the first one: no login yet.
            data = AgentCreate(email=args.email, name=args.name, role=args.role)
            if args.teams:
                raise error("--teams: add an admin first, then agents to teams")
            if store.agent_by_email(data.email):
                raise error(f"EMAIL: an agent with the email {data.email} exists")
            with store.transaction():
                aid = store.insert_agent(data.email, data.name or data.email.split("@")[0],
                                         data.role.value, None)
            say(f"Added {data.role.value} {data.email} (id {aid}).")
            return 0
    finally:
        store.close()
    svc = open_service(args)
    teams = find_all(svc.list_teams(), items(args.teams), "team", "--teams")
    agent = svc.create_agent(AgentCreate(email=args.email, name=args.name, role=args.role))
    if teams:
        svc.set_agent_teams(agent.id, [t.id for t in teams])
    say(f"Added {agent.role.value} {agent.email} (id {agent.id})" +
        (f" to {', '.join(t.name for t in teams)}." if teams else "."))
    return 0


def _time_off_text(agent) -> str:
    now = datetime.now(UTC)
    coming = [p for p in agent.time_off if p.end > now]
    if not coming:
        return "-"
    first = min(coming, key=lambda p: p.start)
    return f"off {first.start:%Y-%m-%d %H:%M} → {first.end:%Y-%m-%d %H:%M} UTC"


def _agent_list(args, open_service, error) -> int:
    from deskline.cli_options import open_database

    store = open_database(args)
    try:
        # A file without an admin yet lists what `agent add` made so far.
        agents = None if store.active_admins() else store.agents()
    finally:
        store.close()
    if agents is None:
        agents = open_service(args).list_agents()
    return print_list(agents, args.json, lambda a: row(
        a.id, a.email, a.name, a.role.value, "active" if a.active else "inactive",
        _time_off_text(a)))


def _agent_edit(svc, args, error) -> int:
    from deskline.models import AgentUpdate

    agent = find_agent(svc, args.email, error, "AGENT")
    values = {"name": args.name, "email": args.new_email, "role": args.role,
              "active": args.active}
    values = {k: v for k, v in values.items() if v is not None}
    with refusals(error, {"email": "--email", "name": "--name"}):
        after = svc.update_agent(agent.id, AgentUpdate(**values)) if values else agent
    changes = changed_fields(agent, after)
    teams = find_all(svc.list_teams(), items(args.teams), "team", "--teams")
    if teams is not None:
        before = sorted(t.name for t in svc.list_teams() if agent.id in t.member_ids)
        svc.set_agent_teams(agent.id, [t.id for t in teams])
        if before != sorted(t.name for t in teams):
            changes.append("teams")
    say_changes("agent", after.email, changes)
    return 0


def _agent_deactivate(svc, args, error) -> int:
    agent = find_agent(svc, args.email, error, "AGENT")
    result = svc.deactivate_agent(agent.id)
    say(f"Deactivated {result.agent.email}; {result.tokens_revoked} token(s) revoked.")
    if result.open_tickets:
        say(f"{len(result.open_tickets)} open ticket(s) still assigned to them, to reassign:")
        for card in result.open_tickets:
            print(row(f"#{card.number}", card.subject))
    else:
        say("No open ticket is assigned to them.")
    return 0


def parse_when(text: str, error, flag: str, *, end: bool = False) -> datetime:
    """A day (the whole of it: `--until` includes its last day) or a time; UTC unless the
    time says otherwise."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(), tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise error(f"{flag}: {text!r} is not a day (2026-12-01) or a time "
                    "(2026-12-01T13:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _agent_timeoff_add(svc, args, error) -> int:
    from deskline.models import TimeOffCreate

    agent = find_agent(svc, args.email, error, "AGENT")
    start = parse_when(args.start, error, "--from")
    end = parse_when(args.end, error, "--until", end=True)
    if end <= start:
        raise error("--until: time off must end after it starts")
    after = svc.add_time_off(agent.id, TimeOffCreate(start=start, end=end))
    added = max(after.time_off, key=lambda p: p.id or 0)
    say(f"{agent.email} is off from {start:%Y-%m-%d %H:%M} until {end:%Y-%m-%d %H:%M} UTC "
        f"(id {added.id}); automatic assignment skips them meanwhile.")
    return 0


def _agent_timeoff_remove(svc, args, error) -> int:
    agent = find_agent(svc, args.email, error, "AGENT")
    svc.remove_time_off(agent.id, args.id)
    say(f"Removed time off {args.id} of {agent.email}.")
    return 0


def _agent_timeoff_list(svc, args, error) -> int:
    agent = find_agent(svc, args.email, error, "AGENT")
    periods = sorted(agent.time_off, key=lambda p: p.start)
    return print_list(periods, args.json, lambda p: row(
        p.id, f"{p.start:%Y-%m-%d %H:%M}", f"{p.end:%Y-%m-%d %H:%M}", "UTC"),
        lambda _p: {"agent": agent.email})


# --- organizations and projects ---------------------------------------------------------

def _org_add(svc, args, error) -> int:
    from deskline.models import OrganizationCreate

    org = svc.create_organization(OrganizationCreate(name=args.name, domain=args.domain))
    say(f"Added organization {org.name} (id {org.id}).")
    return 0


def _org_edit(svc, args, error) -> int:
    from deskline.models import OrganizationUpdate

    org = find(svc.list_organizations(), args.org, "organization", "ORGANIZATION")
    values: dict = {}
    if args.name is not None:
        values["name"] = args.name
    if args.domain is not None:
        values["domain"] = args.domain.strip() or None
    after = svc.update_organization(org.id, OrganizationUpdate(**values))
    say_changes("organization", after.name, changed_fields(org, after))
    return 0


def _org_list(svc, args, error) -> int:
    return print_list(svc.list_organizations(), args.json,
                      lambda org: row(org.id, org.name, org.domain))


def _org_delete(svc, args, error) -> int:
    org = find(svc.list_organizations(), args.org, "organization", "ORGANIZATION")
    svc.delete_organization(org.id)
    say(f"Deleted organization {org.name}.")
    return 0


def _organization_id(svc, key: str | None) -> int | None:
    if not key:
        return None
    return find(svc.list_organizations(), key, "organization", "--organization").id


def _project_add(svc, args, error) -> int:
    from deskline.models import ProjectCreate

    project = svc.create_project(ProjectCreate(
        name=args.name, organization_id=_organization_id(svc, args.organization)))
    say(f"Added project {project.name} (id {project.id}).")
    return 0


def _project_edit(svc, args, error) -> int:
    from deskline.models import ProjectUpdate

    project = find(svc.list_projects(), args.project, "project", "PROJECT")
    values: dict = {}
    if args.name is not None:
        values["name"] = args.name
    if args.organization is not None:
        values["organization_id"] = _organization_id(svc, args.organization.strip())
    after = svc.update_project(project.id, ProjectUpdate(**values))
    say_changes("project", after.name, changed_fields(project, after))
    return 0


def _project_list(svc, args, error) -> int:
    projects = svc.list_projects()
    orgs = {o.id: o.name for o in svc.list_organizations()}
    return print_list(projects, args.json,
                      lambda p: row(p.id, p.name, orgs.get(p.organization_id)),
                      lambda p: {"organization": orgs.get(p.organization_id)})


def _project_delete(svc, args, error) -> int:
    project = find(svc.list_projects(), args.project, "project", "PROJECT")
    svc.delete_project(project.id)
    say(f"Deleted project {project.name}.")
    return 0


# --- tags -------------------------------------------------------------------------------

def _tag_list(svc, args, error) -> int:
    return print_list(svc.list_tag_details(), args.json,
                      lambda tag: row(tag.id, tag.name, tag.ticket_count))


def _tag_rename(svc, args, error) -> int:
    tag = find(svc.list_tag_details(), args.tag, "tag", "TAG")
    with refusals(error, {"name": "NEW"}):
        after = svc.rename_tag(tag.id, args.new_name)
    say(f"Renamed tag {tag.name} to {after.name} on {after.ticket_count} ticket(s).")
    return 0


def _tag_merge(svc, args, error) -> int:
    tags = svc.list_tag_details()
    source = find(tags, args.tag, "tag", "SOURCE")
    target = find(tags, args.target, "tag", "TARGET")
    after = svc.merge_tags(source.id, target.id)
    say(f"Merged tag {source.name} into {after.name}: {after.ticket_count} ticket(s) carry it.")
    return 0


def _tag_delete(svc, args, error) -> int:
    tag = find(svc.list_tag_details(), args.tag, "tag", "TAG")
    svc.delete_tag(tag.id)
    say(f"Deleted tag {tag.name} from {tag.ticket_count} ticket(s).")
    return 0


# --- the audit trail --------------------------------------------------------------------

def _audit_log(svc, args, error) -> int:
    if args.limit < 0:
        raise error("--limit: give a number of entries, or 0 for all")
    limit = args.limit or None
    entries: list = []
    cursor = None
    while limit is None or len(entries) < limit:
        want = 200 if limit is None else min(200, limit - len(entries))
        page = svc.audit_log(kind=args.kind, cursor=cursor, limit=want)
        entries.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    def line(entry) -> str:
        changes = "; ".join(f"{c.field}: {c.old or '-'} → {c.new or '-'}"
                            if c.old is not None else f"{c.field}: {c.new or '-'}"
                            for c in entry.changes)
        return row(f"{entry.at:%Y-%m-%d %H:%M:%S}", entry.actor_name, entry.kind,
                   entry.object_name, entry.action, changes)

    return print_list(entries, args.json, line)
