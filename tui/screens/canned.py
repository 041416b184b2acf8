"""Canned replies: every agent keeps their own here ("Open: Canned replies" in the
palette); admins also keep their teams' (and find them in Settings too). The composer
inserts them (`tui/canned.py`). A body is checked when saved: a problem is said with its
field and line, and what was typed stays."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Select

from deskline.text import plain
from tui import keymap
from tui.canned import owner
from tui.pickers import Confirm
from tui.screens.settings import is_admin
from tui.screens.settings.form import SettingsForm, SettingsList, field, shown
from widgets.rows import Row
from widgets.safe_input import SafeInput, SafeTextArea

TEAM_ONLY = "Team replies are kept by admins; n makes one of your own."
PLACEHOLDERS = ("Placeholders as in mail templates: {{ customer.first_name }}, "
                "{{ ticket.number }}, {{ agent.name }} (you)… A fallback for a missing value: "
                "{{ customer.first_name or \"there\" }}.")
PERSONAL = 0  # the "For" choice of a personal reply


class CannedReplies(SettingsList):
    SCOPE = "canned"
    BINDINGS = keymap.bindings("canned")
    TITLE_TEXT = "Canned replies"
    EMPTY = "(no canned reply yet: n makes one)"
    TEAMS_ONLY = False  # the Settings section lists the teams' replies only

    def __init__(self) -> None:
        super().__init__()
        self.replies: list = []

    def on_mount(self) -> None:
        context = "Your own replies and your teams'. In a reply, :: at the start of a line " \
                  f"or {keymap.key('ticket.canned')} inserts one."
        if self.TEAMS_ONLY:
            context = "The teams' replies, offered to every agent who sees the team."
        self.set_context(Text(context))
        self.load()

    def load(self, select_id: int | None = None) -> None:
        def show(replies: list) -> None:
            if self.TEAMS_ONLY:
                replies = [r for r in replies if r.team_id is not None]
            self.replies = replies
            self.set_rows([self._row(r) for r in replies])
            self.select_id(replies, select_id)

        self.call(lambda b: b.list_canned_replies(), show, "Loading the canned replies",
                  group="load", exclusive=True)

    @staticmethod
    def _row(reply: Any) -> Row:
        return [(f"{shown(reply.name)[:28]:<29}", "strong"),
                (f"{shown(owner(reply))[:20]:<21}", "dim"),
                (shown(" ".join(reply.body.split())), "dim")]

    def details(self, index: int) -> Text:
        if not 0 <= index < len(self.replies):
            return Text("")
        return Text(plain("\n".join(self.replies[index].body.splitlines()[:6])))

    @property
    def current(self) -> Any:
        i = self.selected
        return self.replies[i] if 0 <= i < len(self.replies) else None

    def _may_change(self, reply: Any) -> bool:
        """Said at once, without a call: the service refuses the same (admins only)."""
        if reply.team_id is not None and not is_admin(self.app):
            self.say(TEAM_ONLY, problem=True)
            return False
        return True

    def _teams(self) -> list[tuple[str, int]]:
        return [(t.name, t.id) for t in self.app.teams] if is_admin(self.app) else []

    def action_new(self) -> None:
        teams = self._teams()
        start = teams[0][1] if self.TEAMS_ONLY and teams else PERSONAL
        self.app.push_screen(CannedEditor(None, teams, start), self._saved)

    def action_edit(self) -> None:
        reply = self.current
        if reply is not None and self._may_change(reply):
            self.app.push_screen(CannedEditor(reply, [], PERSONAL), self._saved)

    def _saved(self, reply: Any) -> None:
        if reply is not None:
            self.say(f"Saved the canned reply {shown(reply.name)}")
            self.load(select_id=reply.id)

    def action_delete(self) -> None:
        reply = self.current
        if reply is None or not self._may_change(reply):
            return

        def confirmed(yes: Any) -> None:
            if yes:
                self.call(lambda b: b.delete_canned_reply(reply.id), lambda _r: deleted(),
                          "Deleting the canned reply", failed=self.refused)

        def deleted() -> None:
            self.say(f"Deleted the canned reply {shown(reply.name)}")
            self.load()

        self.app.push_screen(Confirm(f"Delete the canned reply {shown(reply.name)} "
                                     f"({shown(owner(reply))})?", "Delete"), confirmed)

    def action_refresh(self) -> None:
        self.load()


class TeamCannedReplies(CannedReplies):
    """The Settings section: the teams' replies (admins)."""

    TITLE_TEXT = "Settings · Canned replies of the teams"
    EMPTY = "(no team reply yet: n makes one)"
    TEAMS_ONLY = True


class CannedEditor(SettingsForm):
    """Create (reply None) or edit a canned reply; an edit sends only the changed fields.
    `teams` (admins) offers a new reply to a team instead of to oneself."""

    TALL = True
    LABELS = {"name": "Name", "team_id": "For", "body": "Text"}
    DEFAULT_CSS = """
    CannedEditor #body { height: 8; }
    """

    def __init__(self, reply: Any, teams: list[tuple[str, int]], team_id: int) -> None:
        super().__init__()
        self.reply = reply
        self.teams = teams
        self.team_id = team_id
        self.title_text = f"Canned reply · {shown(reply.name)} ({shown(owner(reply))})" \
            if reply else "New canned reply"

    def fields(self) -> ComposeResult:
        reply = self.reply
        yield from field("Name", SafeInput(reply.name if reply else "", id="name"))
        if reply is None and self.teams:
            choices = [(Text("Only me (personal)"), PERSONAL)] + \
                [(Text(shown(name)), tid) for name, tid in self.teams]
            yield from field("For", Select(choices, value=self.team_id, allow_blank=False,
                                           id="team_id"))
        yield from field("Text", SafeTextArea(reply.body if reply else "", id="body",
                                              soft_wrap=True), PLACEHOLDERS)

    def action_save(self) -> None:
        from deskline.models import CannedReplyCreate, CannedReplyUpdate

        name = self.query_one("#name", SafeInput)
        body = self.query_one("#body", SafeTextArea)
        try:
            if self.reply is None:
                chosen = self.query("#team_id")
                team = chosen.first(Select).value if chosen else PERSONAL
                create = CannedReplyCreate(name=name.result, body=body.result,
                                           team_id=team if isinstance(team, int) and team
                                           else None)
                self.submit(lambda b: b.create_canned_reply(create), "Saving the canned reply")
                return
            changed = {key: widget.result for key, widget in (("name", name), ("body", body))
                       if widget.changed}
            if not changed:
                self.dismiss(self.reply)
                return
            update = CannedReplyUpdate(**changed)
        except ValueError as exc:  # pydantic's refusal, naming the field
            self.invalid(exc)
            return
        reply_id = self.reply.id
        self.submit(lambda b: b.update_canned_reply(reply_id, update), "Saving the canned reply")
