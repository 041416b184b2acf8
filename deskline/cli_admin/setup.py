"""`deskline team|stage|sla|template …`: what an admin sets up, through the service."""

from __future__ import annotations

import argparse
import sys

from deskline.cli_admin.common import (
    agent_ids,
    changed_fields,
    find,
    find_all,
    items,
    json_lines,
    print_list,
    refusals,
    row,
    say,
    say_changes,
)
from deskline.models import PRIORITY_LABELS

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def run(args: argparse.Namespace, open_service, error) -> int:
    svc = open_service(args)
    handler = globals()[f"_{args.command}_{args.admin_action}"]
    # `add` takes the name as its argument; `edit` changes it with --name.
    with refusals(error, {"name": "NAME"} if args.admin_action == "add" else None):
        return handler(svc, args, error)


# --- teams ------------------------------------------------------------------------------

def _day(text: str, error) -> int:
    text = text.strip().lower()[:3]
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    if text not in DAYS:
        raise error(f"--days: {text!r} is not a day (mon … sun, or 0 … 6)")
    return DAYS.index(text)


def parse_days(text: str, error) -> list[int]:
    """`mon-fri`, `mon,wed,fri`, `sat-sun`, `0-4`."""
    days: set[int] = set()
    for part in items(text) or []:
        first, dash, last = part.partition("-")
        start = _day(first, error)
        end = _day(last, error) if dash else start
        if end < start:
            raise error(f"--days: {part} runs backwards; write the days in week order")
        days.update(range(start, end + 1))
    if not days:
        raise error("--days: name at least one working day")
    return sorted(days)


def _hour(text: str, error) -> float:
    hours, _colon, minutes = text.strip().partition(":")
    try:
        return int(hours) + int(minutes or 0) / 60
    except ValueError:
        raise error(f"--hours: {text!r} is not an hour (9, 17 or 8:30)") from None


def parse_hours(text: str, error) -> tuple[float, float]:
    start, dash, end = text.partition("-")
    if not dash:
        raise error("--hours: write the working hours as START-END, e.g. 9-17")
    return _hour(start, error), _hour(end, error)


def _team_values(svc, args, error, team=None) -> dict:
    """The TeamCreate/TeamUpdate fields the options give (the others are left out)."""
    values: dict = {}
    if args.description is not None:
        values["description"] = args.description
    if args.alias is not None:
        values["email_alias"] = args.alias.strip() or None
    for key in ("visibility", "assignment", "customers_may_close", "ratings"):
        if getattr(args, key) is not None:
            values[key] = getattr(args, key)
    for key, flag in (("member_ids", "members"), ("follower_ids", "followers")):
        ids = agent_ids(svc, items(getattr(args, flag)), error, f"--{flag}")
        if ids is not None:
            values[key] = ids
    stages = svc.list_stages()
    for key, flag in (("stage_ids", "--stages"), ("auto_close_stage_ids", "--auto-close-stages")):
        chosen = find_all(stages, items(getattr(args, flag[2:].replace("-", "_"))), "stage",
                          flag)
        if chosen is not None:
            values[key] = [s.id for s in chosen]
    if args.auto_close_days is not None:
        if args.auto_close_days < 0:
            raise error("--auto-close-days: give a number of days, or 0 for never")
        values["auto_close_days"] = args.auto_close_days or None
    if args.timezone is not None or args.days is not None or args.hours is not None:
        if team is not None:
            calendar = team.calendar.model_dump()
        else:
            from deskline.starter import local_timezone

            calendar = {"timezone": local_timezone()}
        if args.timezone is not None:
            calendar["timezone"] = args.timezone
        if args.days is not None:
            calendar["days"] = parse_days(args.days, error)
        if args.hours is not None:
            calendar["start_hour"], calendar["end_hour"] = parse_hours(args.hours, error)
        values["calendar"] = calendar
    return values


def _team_add(svc, args, error) -> int:
    from deskline.models import TeamCreate

    team = svc.create_team(TeamCreate(name=args.name, **_team_values(svc, args, error)))
    say(f"Added team {team.name} (id {team.id}).")
    if not team.stage_ids:
        say(f"It has no stages yet: `deskline team edit {team.name!r} --stages New,Done`.")
    return 0


def _team_edit(svc, args, error) -> int:
    from deskline.models import TeamUpdate

    team = find(svc.list_teams(), args.team, "team", "TEAM")
    values = _team_values(svc, args, error, team)
    if args.name is not None:
        values["name"] = args.name
    removed = 0
    if team.visibility.value == "public" and values.get("visibility") not in (None, "public"):
        removed = svc.portal_followers(team.id)
    after = svc.update_team(team.id, TeamUpdate(**values))
    say_changes("team", after.name, changed_fields(team, after))
    if values.get("visibility") not in (None, "public") and team.visibility.value == "public":
        say(f"{removed} portal follow(s) removed: the team is no longer public.")
    return 0


def _team_list(svc, args, error) -> int:
    teams = svc.list_teams()
    agents = {a.id: a.email for a in svc.list_agents()}
    stages = {s.id: s.name for s in svc.list_stages()}

    def names(team) -> dict:
        return {"members": [agents.get(i, str(i)) for i in team.member_ids],
                "stages": [stages.get(i, str(i)) for i in team.stage_ids]}

    def line(team) -> str:
        shown = names(team)
        cal = team.calendar
        hours = f"{_clock(cal.start_hour)}-{_clock(cal.end_hour)} " \
                f"{','.join(DAYS[d] for d in cal.days)} {cal.timezone}"
        return row(team.id, team.name, team.email_alias, team.visibility.value,
                   team.assignment.value, ",".join(shown["members"]),
                   ",".join(shown["stages"]), hours, "archived" if team.archived else "active")

    return print_list(teams, args.json, line, names)


def _clock(hour: float) -> str:
    whole = int(hour)
    minutes = round((hour - whole) * 60)
    return f"{whole}:{minutes:02d}" if minutes else str(whole)


def _team_archive(svc, args, error) -> int:
    team = find(svc.list_teams(), args.team, "team", "TEAM")
    team = svc.archive_team(team.id, archived=not args.restore)
    say(f"{'Restored' if args.restore else 'Archived'} team {team.name}.")
    return 0


# --- stages -----------------------------------------------------------------------------

def _template_id(svc, name: str | None) -> int | None:
    if name is None:
        return None
    return find(svc.list_templates(), name, "template", "--template").id


def _stage_add(svc, args, error) -> int:
    from deskline.models import StageCreate

    teams = find_all(svc.list_teams(), items(args.teams), "team", "--teams") or []
    stage = svc.create_stage(StageCreate(name=args.name, closing=args.closing,
                                         template_id=_template_id(svc, args.template),
                                         team_ids=[t.id for t in teams]))
    say(f"Added stage {stage.name} (id {stage.id})" +
        (f" to {', '.join(t.name for t in teams)}." if teams else
         "; give it to a team with --teams or `deskline team edit TEAM --stages …`."))
    return 0


def _stage_edit(svc, args, error) -> int:
    from deskline.models import StageUpdate

    stage = find(svc.list_stages(), args.stage, "stage", "STAGE")
    values: dict = {}
    if args.name is not None:
        values["name"] = args.name
    if args.closing is not None:
        values["closing"] = args.closing
    if args.template is not None:
        values["template_id"] = _template_id(svc, args.template)
    if args.no_template:
        values["template_id"] = None
    teams = find_all(svc.list_teams(), items(args.teams), "team", "--teams")
    if teams is not None:
        values["team_ids"] = [t.id for t in teams]
    after = svc.update_stage(stage.id, StageUpdate(**values))
    say_changes("stage", after.name, changed_fields(stage, after))
    return 0


def _stage_list(svc, args, error) -> int:
    team_id = find(svc.list_teams(), args.team, "team", "--team").id if args.team else None
    stages = svc.list_stages(team_id)
    teams = {t.id: t.name for t in svc.list_teams()}
    templates = {t.id: t.name for t in svc.list_templates()}

    def names(stage) -> dict:
        return {"teams": [teams.get(i, str(i)) for i in stage.team_ids],
                "template": templates.get(stage.template_id)}

    def line(stage) -> str:
        shown = names(stage)
        return row(stage.id, stage.name, "closing" if stage.closing else "open",
                   shown["template"], ",".join(shown["teams"]))

    return print_list(stages, args.json, line, names)


def _stage_move(svc, args, error) -> int:
    stage = find(svc.list_stages(), args.stage, "stage", "STAGE")
    order = svc.move_stage(stage.id, args.by)
    say("Stages now: " + ", ".join(s.name for s in order) + ".")
    return 0


def _stage_delete(svc, args, error) -> int:
    stages = svc.list_stages()
    stage = find(stages, args.stage, "stage", "STAGE")
    move_to = find(stages, args.move_to, "stage", "--move-to") if args.move_to else None
    svc.delete_stage(stage.id, move_to.id if move_to else None)
    say(f"Deleted stage {stage.name}" +
        (f"; its tickets are in {move_to.name}." if move_to else "."))
    return 0


# --- SLA policies -----------------------------------------------------------------------

def parse_priorities(text: str | None, error) -> list[int] | None:
    names = {label: number for number, label in PRIORITY_LABELS.items()}
    out = []
    for part in items(text) or []:
        key = part.lower()
        if key.isdigit() and int(key) in PRIORITY_LABELS:
            out.append(int(key))
        elif key in names:
            out.append(names[key])
        else:
            raise error(f"--priorities: {part!r} is not a priority (low, medium, high, urgent "
                        "or 0 to 3)")
    return None if text is None else out


def _customer_ids(svc, emails: list[str] | None, error) -> list[int] | None:
    if emails is None:
        return None
    ids = []
    for email in emails:
        page = svc.list_customers(text=email, limit=50)
        match = next((c for c in page.items if c.email.casefold() == email.casefold()), None)
        if match is None:
            raise error(f"--customers: no customer with the email {email}")
        ids.append(match.id)
    return ids


def _policy_values(svc, args, team, error) -> dict:
    values: dict = {}
    priorities = parse_priorities(args.priorities, error)
    if priorities is not None:
        values["priorities"] = priorities
    if args.tags is not None:
        values["tags"] = items(args.tags)
    customers = _customer_ids(svc, items(args.customers), error)
    if customers is not None:
        values["customer_ids"] = customers
    stages = svc.list_stages(team.id)
    if args.target is not None:
        values["target_stage_id"] = find(stages, args.target, "stage", "--target").id
    excluded = find_all(stages, items(args.exclude), "stage", "--exclude")
    if excluded is not None:
        values["excluded_stage_ids"] = [s.id for s in excluded]
    if args.hours is not None:
        values["hours"] = args.hours
    return values


def _sla_add(svc, args, error) -> int:
    from deskline.models import SlaPolicyCreate

    team = find(svc.list_teams(), args.team, "team", "--team")
    values = _policy_values(svc, args, team, error)
    for key, flag in (("target_stage_id", "--target"), ("hours", "--hours")):
        if key not in values:
            raise error(f"{flag}: an SLA policy needs a target stage and a number of hours")
    policy = svc.create_sla_policy(SlaPolicyCreate(team_id=team.id, name=args.name, **values))
    say(f"Added SLA policy {policy.name} (id {policy.id}) to team {team.name}; it applies "
        "to tickets created from now on.")
    return 0


def _policies(svc, team_key: str | None) -> list[tuple]:
    teams = svc.list_teams()
    if team_key:
        teams = [find(teams, team_key, "team", "--team")]
    return [(team, p) for team in teams for p in svc.list_sla_policies(team.id)]


def _find_policy(svc, args, error):
    pairs = _policies(svc, args.team)
    key = args.policy
    found = [(t, p) for t, p in pairs
             if key.isdigit() and p.id == int(key) or p.name.casefold() == key.casefold()]
    if not found:
        known = ", ".join(sorted({p.name for _t, p in pairs})) or "none"
        raise error(f"POLICY: no SLA policy {key!r} (known: {known})")
    if len(found) > 1:
        raise error(f"--team: SLA policies of several teams are named {key!r}; name the team "
                    "with --team")
    return found[0]


def _sla_edit(svc, args, error) -> int:
    from deskline.models import SlaPolicyUpdate

    team, policy = _find_policy(svc, args, error)
    values = _policy_values(svc, args, team, error)
    if args.name is not None:
        values["name"] = args.name
    after = svc.update_sla_policy(policy.id, SlaPolicyUpdate(**values, recompute=args.recompute))
    say_changes("SLA policy", after.name, changed_fields(policy, after))
    if args.recompute:
        say(f"The clocks of team {team.name}'s open tickets restarted under it.")
    else:
        say("It applies to tickets created from now on (--recompute: to open tickets too).")
    return 0


def _sla_list(svc, args, error) -> int:
    pairs = _policies(svc, args.team)
    stages = {s.id: s.name for s in svc.list_stages()}

    def names(pair) -> dict:
        team, policy = pair
        return {"team": team.name, "target_stage": stages.get(policy.target_stage_id),
                "excluded_stages": [stages.get(i, str(i)) for i in policy.excluded_stage_ids]}

    if args.json:
        for pair in pairs:
            json_lines([pair[1]], lambda _p, pair=pair: names(pair))
        return 0
    for pair in pairs:
        team, p = pair
        shown = names(pair)
        print(row(p.id, team.name, p.name,
                  ",".join(PRIORITY_LABELS[i] for i in p.priorities) or "any priority",
                  ",".join(p.tags) or "any tag", f"{shown['target_stage']} in {p.hours:g} h",
                  "paused in " + ",".join(shown["excluded_stages"])
                  if p.excluded_stage_ids else "never paused"))
    return 0


def _sla_delete(svc, args, error) -> int:
    team, policy = _find_policy(svc, args, error)
    svc.delete_sla_policy(policy.id)
    say(f"Deleted SLA policy {policy.name} of team {team.name}.")
    return 0


# --- mail templates ---------------------------------------------------------------------

def _body(args, error) -> str | None:
    if args.body_file is None:
        return args.body
    if args.body_file == "-":
        return sys.stdin.read()
    try:
        with open(args.body_file, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise error(f"--body-file: cannot read {args.body_file}: {reason}") from None


def _template_add(svc, args, error) -> int:
    from deskline.models import MailTemplateCreate

    body = _body(args, error)
    if args.subject is None:
        raise error("--subject: a mail template needs a subject")
    if body is None:
        raise error("--body: a mail template needs a body (--body or --body-file)")
    template = svc.create_template(MailTemplateCreate(name=args.name, subject=args.subject,
                                                      body=body))
    say(f"Added template {template.name} (id {template.id}).")
    return 0


def _template_edit(svc, args, error) -> int:
    from deskline.models import MailTemplateUpdate

    template = find(svc.list_templates(), args.template, "template", "TEMPLATE")
    values = {"name": args.name, "subject": args.subject, "body": _body(args, error)}
    after = svc.update_template(template.id, MailTemplateUpdate(
        **{k: v for k, v in values.items() if v is not None}))
    say_changes("template", after.name, changed_fields(template, after))
    return 0


def _template_list(svc, args, error) -> int:
    return print_list(svc.list_templates(), args.json,
                      lambda t: row(t.id, t.name, t.subject))


def _template_check(svc, args, error) -> int:
    from deskline.errors import NotFound, ValidationFailed
    from deskline.models import MailTemplateCreate

    subject, body, name = args.subject, _body(args, error), "check"
    if args.template is not None:
        saved = find(svc.list_templates(), args.template, "template", "TEMPLATE")
        name = saved.name
        subject = saved.subject if subject is None else subject
        body = saved.body if body is None else body
    if subject is None and body is None:
        raise error("TEMPLATE: name a saved template or give --subject/--body to check")
    problems = []
    for field, text in (("subject", subject), ("body", body)):
        if text is None:
            continue
        try:  # each part on its own, so both parts' errors show
            svc.check_template(MailTemplateCreate(name=name, subject=text if field == "subject"
                                                  else "", body=text if field == "body" else ""))
        except ValidationFailed as exc:
            problems.append(f"{field}: {exc.message}")
    for problem in problems:
        say(problem)
    if problems:
        return 1
    say(f"{name if args.template else 'The template'}: every placeholder is known.")
    if args.preview_ticket is not None:
        try:
            ticket = svc.get_ticket_by_number(args.preview_ticket)
        except NotFound as exc:
            raise error(f"--preview-ticket: {exc.message}") from None
        preview = svc.preview_template(MailTemplateCreate(
            name=name, subject=subject or "", body=body or ""), ticket.id)
        say(f"\nSubject: {preview.subject}\n\n{preview.body}")
    return 0
