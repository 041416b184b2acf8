"""The product promise, in the real console in tmux at 80×24: a support lead with only the
README sets up a helpdesk for a team of five by keys alone, and takes mail into it.

`deskline init --empty`, then the console only: the dashboard's offer of the first team
(alias, automatic assignment by open tickets), the stages New, In Progress and Solved
(closing) put on the team, four agents made members (one from the agent's side, three from
the team form), time off for one of them, an SLA policy, a mail template attached to Solved,
the audit trail. Then a mail to the alias (`deskline mail import`) shows on the team's
board, assigned to a member who is in. The database is checked afterwards.

Needs tmux (`apt-get install tmux`); skipped with a reason when it is missing.

Screen changes are waited for by their text. Keys that move the focus (tab, enter, arrows,
space) go one at a time, a moment apart as a person's keys are: Textual runs a focus
change as an action after the keys already read, so characters typed in the same burst as
a tab would still land in the field the tab leaves.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.test_tmux import DESKLINE, Pane, tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (apt-get install tmux)")

LEAD = "lead@acme.example"
ALIAS = "help@acme.example"
AGENTS = [("ann@acme.example", "Ann"), ("bob@acme.example", "Bob"),
          ("cleo@acme.example", "Cleo"), ("dan@acme.example", "Dan")]
AWAY = "ann@acme.example"
SUBJECT = "The printer prints blank pages"
GAP = 0.12  # seconds between keys that move the focus


class Console(Pane):
    def press(self, *keys: str) -> None:
        for key in keys:
            self.keys(key)
            time.sleep(GAP)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)
        time.sleep(GAP)


def test_set_up_a_helpdesk_in_the_console_and_take_mail(tmp_path: Path) -> None:
    from deskline.cli import main

    db = tmp_path / "team.db"
    assert main(["init", "--db", str(db), "--admin", LEAD, "--name", "Lea", "--empty"]) == 0
    today = datetime.now(UTC).date()  # the console's clock is the real one
    back = today + timedelta(days=4)

    session = f"deskline-setup-{uuid.uuid4().hex[:8]}"
    command = (f"env HOME={tmp_path} XDG_DATA_HOME={tmp_path}/data TERM=screen "
               f"{DESKLINE} --db {db} --config {tmp_path}/none.toml")
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    pane = Console(session)
    started = time.monotonic()
    try:
        # The dashboard of an empty helpdesk offers the first team; the key bar names
        # the settings.
        screen = pane.wait("No team yet")
        assert "S settings" in screen.splitlines()[-1]
        pane.press("n")
        pane.wait("New team")
        pane.type("Support")
        pane.press("Tab", "Tab")  # description, alias
        pane.type(ALIAS)
        pane.press("Tab", "Tab", "Enter")  # visibility, assignment: its list
        pane.wait("automatic: equal number of open tickets")
        pane.press("Down", "Down", "Enter", "C-s")
        pane.wait("Team Support created.")
        pane.wait("▶ Support")

        # Its board has no column yet, and says where stages come from.
        pane.press("Enter")
        pane.wait("This team has no stages yet")
        pane.press("Escape")
        pane.wait("▶ Support")

        # Stages, each put on the team from its own form.
        pane.press("S")
        pane.wait("Deskline · Settings (admin)")
        pane.press("Down", "Enter")
        pane.wait("(no stage yet: n creates one)")
        for name, closing in (("New", False), ("In Progress", False), ("Solved", True)):
            pane.press("n")
            pane.wait("New stage")
            pane.type(name)
            pane.press("Tab")  # closing
            if closing:
                pane.press("space")
                pane.wait("closed): YES")
            pane.press("Tab", "Tab", "space")  # the mail; the teams: Support
            pane.wait("[x] Support")
            pane.press("C-s")
            pane.wait(f"Saved stage {name}")

        # Four agents; Dan joins the team from the agent's side.
        pane.press("Escape")
        pane.wait("Sections")
        pane.press("Down", "Enter")
        pane.wait("Settings › Agents")
        for email, name in AGENTS:
            pane.press("n")
            pane.wait("Add an agent")
            pane.type(email)
            pane.press("Tab")
            pane.type(name)
            pane.press("C-s")
            pane.wait(f"Saved {email}")
        pane.press("m")  # the list keeps the agent just added (Dan) chosen
        pane.wait("Teams of Dan")
        pane.press("space")
        pane.wait("[x] Support")
        pane.press("C-s")
        pane.wait("Teams of dan@acme.example saved")

        # …and the three others from the team form.
        pane.press("Escape")
        pane.wait("Sections")
        pane.press("Up", "Up", "Enter")
        pane.wait("Settings › Teams")
        pane.wait("1 member(s)")
        pane.press("Enter")
        pane.wait("Team Support")
        pane.press("Tab", "Tab", "Tab", "Tab", "Tab")  # … visibility, assignment, members
        pane.press("Down", "space", "Down", "space", "Down", "space")  # Ann, Bob, Cleo
        pane.wait("[x] Cleo")
        pane.press("C-s")
        pane.wait("Saved team Support")
        pane.wait("4 member(s)")

        # Ann (first in the list) is away from today.
        pane.press("Escape")
        pane.wait("Sections")
        pane.press("Down", "Down", "Enter")
        pane.wait("Settings › Agents")
        pane.press("o")
        pane.wait("Time off of Ann")
        pane.type(today.isoformat())
        pane.press("Tab")
        pane.type(back.isoformat())
        pane.press("C-s")
        pane.wait("UTC · now")
        pane.press("Escape")
        pane.wait("☾ away until")

        # An SLA policy: first answer (In Progress) within 4 working hours.
        pane.press("Escape")
        pane.wait("Sections")
        pane.press("Down", "Enter")
        pane.wait("no SLA policy for this team")
        pane.press("n")
        pane.wait("New SLA policy · team Support")
        pane.type("First answer")
        pane.press(*["Tab"] * 7)  # four priorities, tags, customers: the target stage
        pane.press("Enter", "Up", "Enter")
        pane.wait("Target stage    In Progress")
        pane.press("Tab")
        pane.type("4")
        pane.press("C-s")
        pane.wait("Saved SLA policy First answer")

        # A mail template, then attached to Solved.
        pane.press("Escape")
        pane.wait("Sections")
        pane.press("Down", "Enter")
        pane.wait("(no mail template yet")
        pane.press("n")
        pane.wait("Settings · New mail template")
        pane.type("Solved")
        pane.press("Tab")
        pane.type("Solved: {{ ticket.subject }}")
        pane.press("Tab")
        pane.type("Hello {{ ticket.customer_name }}, ticket #{{ ticket.number }} is solved.")
        pane.press("C-s")
        pane.wait("Saved the template Solved")
        pane.press("Escape")
        pane.wait("Sections")
        pane.press("Up", "Up", "Up", "Enter")
        pane.wait("3 stage(s)")
        pane.press("Down", "Down", "Enter")
        pane.wait("Stage Solved")
        pane.press("Tab", "Tab", "Enter", "Down", "Enter", "C-s")
        pane.wait("mails “Solved”")

        # The audit trail, newest first.
        pane.press("Escape")
        pane.wait("Sections")
        pane.press(*["Down"] * 6, "Enter")
        screen = pane.wait("Settings · Audit trail")
        screen = pane.wait("stage Solved changed")
        assert "template Solved created" in screen

        # Back to the dashboard and the team's board, empty; a mail comes in.
        pane.press("Escape")
        pane.wait("Sections")
        pane.press("Escape")
        pane.wait("▶ Support")
        pane.press("Enter")
        pane.wait("In Progress")
        mail = tmp_path / "printer.eml"
        mail.write_text(f"From: Carla Customer <carla@client.example>\nTo: {ALIAS}\n"
                        f"Subject: {SUBJECT}\nMessage-ID: <setup-1@client.example>\n\n"
                        "Every page comes out blank.\n")
        imported = subprocess.run([str(DESKLINE), "mail", "import", "--db", str(db),
                                   str(mail)], capture_output=True, text=True, timeout=60)
        assert imported.returncode == 0, imported.stderr
        assert "1 new tickets" in imported.stdout
        pane.press("r")  # a console on a file reloads the board when asked
        screen = pane.wait(SUBJECT)
        before, after = screen.split(SUBJECT, 1)
        number = int(before.rsplit("#", 1)[1].split()[0])  # the card: "#1 - low", subject
        card = after.splitlines()[1]  # "Carla Customer → @Bob"
        pane.press("C-q")
        time.sleep(0.3)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert time.monotonic() - started < 60

    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(db)
    try:
        svc = Service(store, store.agent_by_email(LEAD))
        (team,) = svc.list_teams()
        agents = {a.email: a for a in svc.list_agents()}
        assert team.name == "Support" and team.email_alias == ALIAS
        assert getattr(team.assignment, "value", team.assignment) == "balanced_open"
        assert sorted(team.member_ids) == sorted(agents[e].id for e, _ in AGENTS)
        stages = svc.list_stages(team.id)
        assert [s.name for s in sorted(stages, key=lambda s: s.sequence)] == \
            ["New", "In Progress", "Solved"]
        assert [s.name for s in stages if s.closing] == ["Solved"]
        assert sorted(team.stage_ids) == sorted(s.id for s in stages)
        (period,) = agents[AWAY].time_off
        assert period.start.date() == today and period.end.date() == back + timedelta(days=1)
        assert all(not agents[e].time_off for e, _ in AGENTS if e != AWAY)
        (policy,) = svc.list_sla_policies(team.id)
        by_name = {s.name: s for s in stages}
        assert (policy.name, policy.hours, policy.target_stage_id) == \
            ("First answer", 4, by_name["In Progress"].id)
        (template,) = svc.list_templates()
        assert by_name["Solved"].template_id == template.id
        assert "{{ ticket.number }}" in template.body
        audit = svc.audit_log(limit=100).items
        done = {(e.kind, e.object_name, e.action) for e in audit}
        assert {("team", "Support", "created"), ("stage", "Solved", "changed"),
                ("sla_policy", "First answer", "created"),
                ("template", "Solved", "created")} <= done
        assert sum(e.kind == "agent" and e.action == "created" for e in audit) == 5
        assert all(e.actor_name == "Lea" for e in audit)

        # The mail's ticket: on New, assigned to a member who is in, as the board said.
        ticket = svc.get_ticket_by_number(number)
        assert ticket.subject == SUBJECT
        assert ticket.team_id == team.id and ticket.stage_name == "New"
        assert ticket.assignee_id in team.member_ids
        assert ticket.assignee_id != agents[AWAY].id
        assert f"@{ticket.assignee_name}" in card
        assert [s.name for s in ticket.slas] == ["First answer"]
    finally:
        store.close()
