"""Reports: the figures of `Backend.report` as charts of block characters with their
numbers beside them — opened and closed per day, backlog per stage, SLA success, time to
first response and to close, ratings per team and agent — filtered by team, agent and
period.

The first frame is the screen's frame with a placeholder per chart; the report is asked
for in a worker and each chart fills in when it arrives. A filter change asks again (the
older answer, if it comes late, is dropped).
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineScreen
from widgets.barchart import Bar, Bars, DayColumns, Part, bar
from widgets.keybar import KeyBar
from widgets.titleline import TitleLine

PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
RATING_LEGEND = "█ satisfied  ▓ okay  ░ dissatisfied  · average of 5 (5, 3, 1)"


def hours(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 60:.0f} min"
    return f"{value:.1f} h"


class ReportsScreen(DesklineScreen):
    SCOPE = "reports"
    AUTO_FOCUS = "#report-body"
    BINDINGS = keymap.bindings("reports")
    DEFAULT_CSS = """
    #report-body { height: 1fr; }
    #report-summary { height: 1; padding: 0 1; }
    """

    def __init__(self, team_id: int | None = None, agent_id: int | None = None,
                 days: int = DEFAULT_DAYS) -> None:
        super().__init__()
        self.team_id = team_id
        self.agent_id = agent_id
        self.agent_name: str | None = None
        self.days = days
        self.report = None
        self._asked = 0  # which request the charts wait for

    def compose(self) -> ComposeResult:
        yield TitleLine(self._title(), id="title")
        with VerticalScroll(id="report-body"):
            yield Static(Text("", no_wrap=True), id="report-summary", classes="dim")
            yield Static(Text("Tickets opened and closed per day"), classes="section")
            yield DayColumns(id="report-days")
            yield Static(Text("Backlog now: open tickets per stage"), classes="section")
            yield Bars(id="report-backlog")
            yield Static(Text("SLA success (clocks settled, tickets opened in the period)"),
                         classes="section")
            yield Bars(id="report-sla")
            yield Static(Text("Working hours to first response and to close (median)"),
                         classes="section")
            yield Bars(id="report-times")
            yield Static(Text("Ratings per team"), classes="section")
            yield Bars(id="report-rating-teams")
            yield Static(Text("Ratings per agent"), classes="section")
            yield Bars(id="report-rating-agents")
        yield KeyBar(keymap.hints("reports"))

    def on_mount(self) -> None:
        self.app.trace("reports-mounted")
        self.call_after_refresh(self.app.trace, "reports-first-frame")
        # Ask after the first frame: the report's query holds the interpreter on the
        # database thread, and the frame should not wait for its turn.
        self.call_after_refresh(self.load)

    # --- filters ----------------------------------------------------------------------

    def _title(self) -> Text:
        team = plain(self.app.team_name(self.team_id), one_line=True) \
            if self.team_id is not None else "all teams"
        agent = plain(self.agent_name or f"agent {self.agent_id}", one_line=True) \
            if self.agent_id is not None else "all agents"
        title = Text("Reports · ")
        title.append(f"last {self.days} days", "bold")
        title.append(f" · team: {team} · agent: {agent}")
        return title

    def load(self) -> None:
        from deskline.models import ReportFilter

        self._asked += 1
        asked = self._asked
        since = self.app.now() - timedelta(days=self.days)
        report_filter = ReportFilter(team_id=self.team_id, agent_id=self.agent_id, since=since)
        self.query_one("#title", Static).update(self._title())
        waiting = "loading…" if self.report is None else "updating…"
        self.query_one("#report-summary", Static).update(Text(waiting))

        def show(report) -> None:
            if asked == self._asked:
                self.show(report)

        def failed(exc) -> None:
            if asked == self._asked:
                self.query_one("#report-summary", Static).update(
                    Text("The report could not be loaded; "
                         f"{keymap.key('reports.refresh')} tries again."))

        self.call(lambda b: b.report(report_filter), show, "Loading the report",
                  group="report", exclusive=True, failed=failed)

    def action_team(self) -> None:
        from tui.pickers import Picker

        options = [("All teams", 0)] + [(t.name, t.id) for t in self.app.teams]

        def chosen(value) -> None:
            if value is None:
                return
            self.team_id = value or None
            self.load()

        self.app.push_screen(Picker("Report on the team", options, self.team_id or 0), chosen)

    def action_agent(self) -> None:
        from tui.pickers import Picker

        async def pick() -> None:
            try:
                agents = await self.app.agent_list()
            except Exception as exc:
                from tui.base import describe_error

                self.app.notify(describe_error(exc, "Loading the agents"), severity="error",
                                markup=False)
                return
            names = {a.id: a.name for a in agents}
            options = [("All agents", 0)] + [(f"{a.name} <{a.email}>", a.id) for a in agents]

            def chosen(value) -> None:
                if value is None:
                    return
                self.agent_id = value or None
                self.agent_name = names.get(value)
                self.load()

            self.app.push_screen(Picker("Report on the agent (assignee)", options,
                                        self.agent_id or 0), chosen)

        self.run_worker(pick(), exit_on_error=False)

    def action_period(self) -> None:
        from tui.pickers import Picker

        options = [(f"Last {d} days", d) for d in PERIODS]

        def chosen(value) -> None:
            if value:
                self.days = value
                self.load()

        self.app.push_screen(Picker("Period", options, self.days), chosen)

    def action_refresh(self) -> None:
        self.load()

    def action_scroll(self, delta: int) -> None:
        self.query_one("#report-body", VerticalScroll).scroll_relative(y=delta, animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()

    # --- showing ----------------------------------------------------------------------

    def show(self, report) -> None:
        self.report = report
        since, until = report.since, report.until
        summary = Text(no_wrap=True, overflow="ellipsis")
        summary.append(f"{since:%Y-%m-%d} → {until:%Y-%m-%d %H:%M} UTC · ")
        summary.append(f"{report.opened:,}", "bold")
        summary.append(" opened · ")
        summary.append(f"{report.closed:,}", "bold")
        summary.append(" closed · ")
        summary.append(f"{sum(b.open for b in report.backlog):,}", "bold")
        summary.append(" open now")
        self.query_one("#report-summary", Static).update(summary)
        self.query_one("#report-days", DayColumns).set_days(
            [(d.day, d.opened, d.closed) for d in report.per_day])
        self.query_one("#report-backlog", Bars).set_bars(
            [bar(plain(b.stage_name, one_line=True), b.open) for b in report.backlog],
            empty="(no stages)")
        self.query_one("#report-sla", Bars).set_bars(self._sla(report), empty=(
            "(no SLA clock settled for tickets opened in this period)"))
        self.query_one("#report-times", Bars).set_bars(self._times(report))
        self.query_one("#report-rating-teams", Bars).set_bars(
            self._ratings(report.ratings_by_team), empty="(no ratings in this period)",
            legend=RATING_LEGEND if report.ratings_by_team else "")
        self.query_one("#report-rating-agents", Bars).set_bars(
            self._ratings(report.ratings_by_agent), empty="(no ratings in this period)")
        self.app.trace("report-shown")

    @staticmethod
    def _sla(report) -> list[Bar]:
        sla = report.sla
        if not sla.reached + sla.failed:
            return []
        rate = f"{sla.success_rate * 100:.1f}% met" if sla.success_rate is not None else ""
        return [Bar("settled", [Part(sla.reached, "█", "bar"), Part(sla.failed, "░", "bad")],
                    f"{rate} · {sla.reached:,} ✓ met · {sla.failed:,} ✗ failed")]

    @staticmethod
    def _times(report) -> list[Bar]:
        rows = []
        for label, figures in (("first response", report.first_response),
                               ("to close", report.time_to_close)):
            if figures.count:
                text = (f"median {hours(figures.median_hours)} · mean "
                        f"{hours(figures.mean_hours)} · {figures.count:,} tickets")
            else:
                text = "no tickets"
            rows.append(Bar(label, [Part(figures.median_hours or 0, "█", "bar")], text))
        return rows

    @staticmethod
    def _ratings(items) -> list[Bar]:
        rows = []
        for r in items:
            average = f"{r.average:.1f}" if r.average is not None else "–"
            rows.append(Bar(plain(r.name, one_line=True),
                            [Part(r.satisfied, "█", "bar"), Part(r.okay, "▓", "alt"),
                             Part(r.dissatisfied, "░", "bad")],
                            f"{average} of 5 · {r.satisfied}☺ {r.okay}≈ {r.dissatisfied}☹ "
                            f"({r.count:,})"))
        return rows
