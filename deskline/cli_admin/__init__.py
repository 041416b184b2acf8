"""`deskline init` and the administration commands (team, stage, sla, template, agent, org,
project, tag, audit).

Only argparse at import time: `deskline --help` builds these parsers, and the handlers
(`setup.py`, `people.py`) import the engine when they run. Every change goes through the
service's use cases, acting as `--as EMAIL` (default: the first admin), so each one is
checked and audited like a change made in the console.
"""

from __future__ import annotations

import argparse

COMMANDS = ("init", "team", "stage", "sla", "template", "agent", "org", "project", "tag",
            "audit",
            "canned")

ASSIGNMENTS = ["manual", "balanced_total", "balanced_open"]
VISIBILITIES = ["private", "company", "public"]


def _as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="agent", metavar="EMAIL",
                        help="act as this agent (default: the first admin)")


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def _action(parent, name: str, db_arg, help: str, *, must_exist: bool = True,
            listing: bool = False) -> argparse.ArgumentParser:
    parser = parent.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".")
    db_arg(parser, must_exist=must_exist)
    _as(parser)
    if listing:
        _json(parser)
    return parser


def _switch(parser: argparse.ArgumentParser, name: str, help: str) -> None:
    """`--name` / `--no-name`; not given: unchanged (None)."""
    parser.add_argument(f"--{name}", action=argparse.BooleanOptionalAction, default=None,
                        help=help)


def add_parsers(sub, db_arg) -> None:
    init = sub.add_parser(
        "init", help="make a new helpdesk: its file, its first admin, a team to start with",
        description="Make a new helpdesk file with its first admin and, unless --empty, a "
                    "team Support with the stages New, In Progress, Waiting on Customer, "
                    "Solved and Cancelled and the mail templates Confirmation and Solved. "
                    "An existing file is refused.")
    db_arg(init, must_exist=False)
    init.add_argument("--admin", required=True, metavar="EMAIL",
                      help="the first admin's email")
    init.add_argument("--name", default="", help="the first admin's name")
    init.add_argument("--empty", action="store_true", help="no team, stages nor templates")
    init.add_argument("--timezone", metavar="ZONE",
                      help="the team's time zone, e.g. Europe/Berlin (default: this machine's)")

    _team_parsers(sub, db_arg)
    _stage_parsers(sub, db_arg)
    _sla_parsers(sub, db_arg)
    _template_parsers(sub, db_arg)
    _agent_parsers(sub, db_arg)
    _directory_parsers(sub, db_arg)
    from deskline.cli_admin.canned import add_parsers as add_canned_parsers  # argparse only

    add_canned_parsers(sub, db_arg)

    audit = sub.add_parser("audit", help="the audit trail of configuration changes, newest "
                                         "first")
    db_arg(audit)
    _as(audit)
    _json(audit)
    audit.add_argument("--kind", metavar="K",
                       help="only this kind: team, stage, sla_policy, template, agent, "
                            "organization, project, tag, token, canned_reply")
    audit.add_argument("--limit", type=int, default=50, metavar="N",
                       help="at most N entries (default 50; 0 for all)")


def _team_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--description")
    parser.add_argument("--alias", metavar="EMAIL",
                        help="the address whose mail opens tickets in the team ('' for none)")
    parser.add_argument("--visibility", choices=VISIBILITIES)
    parser.add_argument("--assignment", choices=ASSIGNMENTS)
    parser.add_argument("--members", metavar="EMAILS", help="comma-separated agents")
    parser.add_argument("--followers", metavar="EMAILS",
                        help="comma-separated agents who follow all the team's tickets")
    parser.add_argument("--stages", metavar="NAMES", help="comma-separated stages, in order")
    parser.add_argument("--timezone", metavar="ZONE", help="working hours' time zone")
    parser.add_argument("--days", metavar="DAYS", help="working days, e.g. mon-fri or "
                                                       "mon,tue,thu")
    parser.add_argument("--hours", metavar="H-H", help="working hours, e.g. 9-17 or 8:30-16")
    parser.add_argument("--auto-close-days", type=int, metavar="N",
                        help="close tickets after N days without activity (0: never)")
    parser.add_argument("--auto-close-stages", metavar="NAMES",
                        help="only tickets in these stages close by themselves ('' for any)")
    _switch(parser, "customers-may-close", "portal customers may close their tickets")
    _switch(parser, "ratings", "ask customers for a rating when a ticket closes")


def _team_parsers(sub, db_arg) -> None:
    team = sub.add_parser("team", help="teams: add, edit, list, archive")
    actions = team.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    add = _action(actions, "add", db_arg, "add a team")
    add.add_argument("name")
    _team_options(add)
    edit = _action(actions, "edit", db_arg, "change a team (only the options given)")
    edit.add_argument("team", metavar="TEAM", help="name or id")
    edit.add_argument("--name", help="a new name")
    _team_options(edit)
    _action(actions, "list", db_arg, "list teams", listing=True)
    archive = _action(actions, "archive", db_arg,
                      "archive a team: it takes no new tickets; its tickets stay readable")
    archive.add_argument("team", metavar="TEAM", help="name or id")
    archive.add_argument("--restore", action="store_true", help="bring an archived team back")


def _stage_parsers(sub, db_arg) -> None:
    stage = sub.add_parser("stage", help="stages: add, edit, list, move, delete")
    actions = stage.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    add = _action(actions, "add", db_arg, "add a stage (after the last one)")
    add.add_argument("name")
    add.add_argument("--teams", metavar="NAMES", help="comma-separated teams that use it")
    add.add_argument("--closing", action="store_true",
                     help="a ticket in this stage is closed")
    add.add_argument("--template", metavar="NAME",
                     help="mail template sent to the customer when a ticket gets here")
    edit = _action(actions, "edit", db_arg, "change a stage (only the options given)")
    edit.add_argument("stage", metavar="STAGE", help="name or id")
    edit.add_argument("--name", help="a new name")
    edit.add_argument("--teams", metavar="NAMES", help="comma-separated teams that use it")
    _switch(edit, "closing", "a ticket in this stage is closed")
    template = edit.add_mutually_exclusive_group()
    template.add_argument("--template", metavar="NAME", help="mail template to send")
    template.add_argument("--no-template", action="store_true", help="send no mail")
    listing = _action(actions, "list", db_arg, "list stages in order", listing=True)
    listing.add_argument("--team", metavar="TEAM", help="only this team's stages")
    move = _action(actions, "move", db_arg, "move a stage earlier or later in the order")
    move.add_argument("stage", metavar="STAGE", help="name or id")
    way = move.add_mutually_exclusive_group(required=True)
    way.add_argument("--up", dest="by", action="store_const", const=-1, help="one place earlier")
    way.add_argument("--down", dest="by", action="store_const", const=1, help="one place later")
    way.add_argument("--by", type=int, metavar="N", help="N places (negative: earlier)")
    delete = _action(actions, "delete", db_arg, "delete a stage")
    delete.add_argument("stage", metavar="STAGE", help="name or id")
    delete.add_argument("--move-to", metavar="STAGE",
                        help="where its tickets go (required when it holds any)")


def _sla_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--priorities", metavar="LIST",
                        help="e.g. high,urgent or 2,3 ('' for any priority)")
    parser.add_argument("--tags", metavar="LIST", help="the ticket has one of them ('' for any)")
    parser.add_argument("--customers", metavar="EMAILS", help="only these customers ('' for any)")
    parser.add_argument("--target", metavar="STAGE", help="the stage to reach in time")
    parser.add_argument("--hours", type=float, metavar="H",
                        help="working hours on the team's calendar")
    parser.add_argument("--exclude", metavar="STAGES",
                        help="stages that pause the clock ('' for none)")


def _sla_parsers(sub, db_arg) -> None:
    sla = sub.add_parser("sla", help="SLA policies: add, edit, list, delete")
    actions = sla.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    add = _action(actions, "add", db_arg, "add an SLA policy to a team")
    add.add_argument("name")
    add.add_argument("--team", required=True, metavar="TEAM")
    _sla_options(add)
    edit = _action(actions, "edit", db_arg, "change an SLA policy (only the options given)")
    edit.add_argument("policy", metavar="POLICY", help="name or id")
    edit.add_argument("--team", metavar="TEAM", help="the policy's team, when names repeat")
    edit.add_argument("--name", help="a new name")
    _sla_options(edit)
    edit.add_argument("--recompute", action="store_true",
                      help="also restart the clocks of the team's open tickets")
    listing = _action(actions, "list", db_arg, "list SLA policies", listing=True)
    listing.add_argument("--team", metavar="TEAM", help="only this team's policies")
    delete = _action(actions, "delete", db_arg, "delete an SLA policy")
    delete.add_argument("policy", metavar="POLICY", help="name or id")
    delete.add_argument("--team", metavar="TEAM", help="the policy's team, when names repeat")


def _template_text(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subject", help="the subject line (a template)")
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", help="the body (a template)")
    body.add_argument("--body-file", metavar="FILE", help="read the body from FILE ('-': stdin)")


def _template_parsers(sub, db_arg) -> None:
    template = sub.add_parser("template", help="mail templates: add, edit, list, check")
    actions = template.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    add = _action(actions, "add", db_arg, "add a mail template")
    add.add_argument("name")
    _template_text(add)
    edit = _action(actions, "edit", db_arg, "change a mail template")
    edit.add_argument("template", metavar="TEMPLATE", help="name or id")
    edit.add_argument("--name", help="a new name")
    _template_text(edit)
    _action(actions, "list", db_arg, "list mail templates", listing=True)
    check = _action(actions, "check", db_arg,
                    "check a template (saved, or given with --subject/--body) and show its "
                    "placeholders' errors by line")
    check.add_argument("template", metavar="TEMPLATE", nargs="?",
                       help="a saved template (name or id); --subject/--body override it")
    _template_text(check)
    check.add_argument("--preview-ticket", type=int, metavar="NUMBER",
                       help="also render it against this ticket, as its customer would get it")


def _agent_parsers(sub, db_arg) -> None:
    agent = sub.add_parser("agent", help="agents: add, edit, list, deactivate, timeoff")
    actions = agent.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    add = _action(actions, "add", db_arg, "add an agent (the first one may be an admin)",
                  must_exist=False)
    add.add_argument("email")
    add.add_argument("--name", default="")
    add.add_argument("--role", choices=["admin", "agent"], default="agent")
    add.add_argument("--teams", metavar="NAMES", help="comma-separated teams to join")
    edit = _action(actions, "edit", db_arg, "change an agent (only the options given)")
    edit.add_argument("email", metavar="AGENT", help="email or id")
    edit.add_argument("--name")
    edit.add_argument("--email", dest="new_email", metavar="EMAIL", help="a new email")
    edit.add_argument("--role", choices=["admin", "agent"])
    state = edit.add_mutually_exclusive_group()
    state.add_argument("--active", dest="active", action="store_const", const=True)
    state.add_argument("--inactive", dest="active", action="store_const", const=False)
    edit.add_argument("--teams", metavar="NAMES",
                      help="comma-separated teams the agent is a member of ('' for none)")
    _action(actions, "list", db_arg, "list agents", listing=True)
    deactivate = _action(actions, "deactivate", db_arg,
                         "deactivate an agent (tokens revoked) and list their open tickets")
    deactivate.add_argument("email", metavar="AGENT", help="email or id")
    timeoff = actions.add_parser("timeoff", help="an agent's time off: add, remove, list")
    timeoff.add_argument("email", metavar="AGENT", help="email or id")
    periods = timeoff.add_subparsers(dest="timeoff_command", metavar="ACTION", required=True)
    tadd = _action(periods, "add", db_arg, "add time off (automatic assignment skips them)")
    tadd.add_argument("--from", dest="start", required=True, metavar="WHEN",
                      help="first day (2026-12-01) or a time (2026-12-01T13:00), UTC")
    tadd.add_argument("--until", dest="end", required=True, metavar="WHEN",
                      help="last day, included (2026-12-05), or a time, UTC")
    tremove = _action(periods, "remove", db_arg, "remove a period of time off")
    tremove.add_argument("id", type=int, metavar="ID", help="as `timeoff AGENT list` shows")
    _action(periods, "list", db_arg, "list an agent's time off", listing=True)


def _directory_parsers(sub, db_arg) -> None:
    org = sub.add_parser("org", help="organizations: add, edit, list, delete")
    actions = org.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    add = _action(actions, "add", db_arg, "add an organization")
    add.add_argument("name")
    add.add_argument("--domain", help="customers mailing from this domain join it")
    edit = _action(actions, "edit", db_arg, "change an organization")
    edit.add_argument("org", metavar="ORGANIZATION", help="name or id")
    edit.add_argument("--name", help="a new name")
    edit.add_argument("--domain", help="'' for none")
    _action(actions, "list", db_arg, "list organizations", listing=True)
    delete = _action(actions, "delete", db_arg, "delete an empty organization")
    delete.add_argument("org", metavar="ORGANIZATION", help="name or id")

    project = sub.add_parser("project", help="projects: add, edit, list, delete")
    actions = project.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    add = _action(actions, "add", db_arg, "add a project")
    add.add_argument("name")
    add.add_argument("--organization", metavar="ORGANIZATION", help="name or id")
    edit = _action(actions, "edit", db_arg, "change a project")
    edit.add_argument("project", metavar="PROJECT", help="name or id")
    edit.add_argument("--name", help="a new name")
    edit.add_argument("--organization", metavar="ORGANIZATION", help="name or id ('' for none)")
    _action(actions, "list", db_arg, "list projects", listing=True)
    delete = _action(actions, "delete", db_arg, "delete a project no customer belongs to")
    delete.add_argument("project", metavar="PROJECT", help="name or id")

    tag = sub.add_parser("tag", help="tags: list, rename, merge, delete")
    actions = tag.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    _action(actions, "list", db_arg, "list tags with how many tickets carry each", listing=True)
    rename = _action(actions, "rename", db_arg, "rename a tag on every ticket")
    rename.add_argument("tag", metavar="TAG")
    rename.add_argument("new_name", metavar="NEW")
    merge = _action(actions, "merge", db_arg, "tag SOURCE's tickets TARGET instead; SOURCE goes")
    merge.add_argument("tag", metavar="SOURCE")
    merge.add_argument("target", metavar="TARGET")
    delete = _action(actions, "delete", db_arg, "take a tag off every ticket and forget it")
    delete.add_argument("tag", metavar="TAG")


def run(args: argparse.Namespace, open_service, error) -> int:
    """Run an administration command; `open_service(args)` gives the Service acting as
    `--as`, `error` is the command line's one-sentence error."""
    if args.command == "init":
        from deskline.cli_admin.people import init

        return init(args, error)
    if args.command in ("agent", "org", "project", "tag", "audit"):
        from deskline.cli_admin import people

        return people.run(args, open_service, error)
    if args.command == "canned":
        from deskline.cli_admin import canned

        return canned.run(args, open_service, error)
    from deskline.cli_admin import setup

    return setup.run(args, open_service, error)
