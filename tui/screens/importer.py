"""CSV import of customers or tickets: the mapping screen.

The file's columns are listed with sample values and the field each maps to — guessed
from the headers (`E-Mail`, `Vorname`…), or from a saved mapping — and the user changes
them from the keyboard. A dry run checks every row and lists each problem by its line;
then the user chooses: import the good rows, or nothing. A mapping can be saved and used
again. A progress bar follows the check and the write.

The file is read here and handed to the backend as bytes (`preview_import`,
`run_import`): on the local backend the import runs on its database thread and reports
progress; on a server it is one request, and the bar just says it is working.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import ProgressBar, Static

from deskline.models import ImportKind
from deskline.text import plain
from tui import keymap
from tui.base import DesklineScreen
from widgets.keybar import KeyBar
from widgets.lines import truncate
from widgets.rows import Row, RowList
from widgets.titleline import TitleLine

KINDS = ("customers", "tickets")
class ImportScreen(DesklineScreen):
    SCOPE = "importer"
    AUTO_FOCUS = "#import-columns"
    BINDINGS = keymap.bindings("importer")
    DEFAULT_CSS = """
    #import-info { height: auto; padding: 0 1; }
    #import-columns { height: auto; max-height: 12; padding: 0 1; }
    #import-required { height: 1; padding: 0 1; }
    #import-summary { height: auto; padding: 0 1; }
    #import-progress { padding: 0 1; height: 1; }
    #import-problems { height: 1fr; padding: 0 1; }
    """

    def __init__(self, path: str | Path | None = None, kind: str = "customers") -> None:
        super().__init__()
        self.path: Path | None = Path(path) if path else None
        self.kind = kind
        self.preview = None  # FilePreview
        self.fields: dict[str, str | None] = {}  # column -> field
        self.origin: dict[str, str] = {}  # column -> "guessed" | "saved" | "chosen"
        self.report = None  # the last ImportReport
        self.busy = False
        self._progress: tuple[str, int, int] | None = None
        self._lock = threading.Lock()
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield TitleLine(self._title(), id="title")
        yield Static(Text(f"Choose a CSV file with {keymap.key('importer.file')}."),
                     id="import-info", classes="dim")
        yield Static(Text("Columns → fields   ←/→ change · enter choose · "
                          f"{keymap.key('importer.ignore')} ignore"), classes="section")
        yield RowList(f"(no file yet: {keymap.key('importer.file')} chooses one)",
                      id="import-columns")
        yield Static(Text(""), id="import-required")
        yield Static(Text("Dry run and import"), classes="section")
        yield Static(Text(f"{keymap.key('importer.check')} checks every row without writing; "
                          f"{keymap.display('importer.run', first=True)} imports."),
                     id="import-summary")
        yield ProgressBar(total=100, show_eta=False, id="import-progress")
        yield RowList("", id="import-problems")
        yield KeyBar(keymap.hints("importer"))

    def on_mount(self) -> None:
        self.query_one("#import-problems", RowList).can_focus = False
        self.query_one("#import-columns", RowList).focus()
        self.query_one("#import-progress", ProgressBar).display = False

        async def start() -> None:
            from tui.base import BackendUnavailable

            try:
                await self.app.backend_ready()
            except BackendUnavailable:
                return
            if self.path is not None:
                self.load_preview()
            else:
                self.action_file()

        self.run_worker(start(), exit_on_error=False)

    def _title(self) -> Text:
        title = Text("Import ")
        title.append(self.kind, "bold")
        title.append(" from CSV")
        if self.path is not None:
            title.append(" · " + plain(str(self.path), one_line=True))
        return title

    # --- backend work on the database thread ------------------------------------------

    def _ready(self) -> bool:
        if self.busy:
            self.app.notify("Still working on the file…", timeout=3, markup=False)
            return False
        return True

    def load_preview(self, saved: str | None = None) -> None:
        if self.path is None or not self._ready():
            return
        path, kind = self.path, self.kind

        def show(preview) -> None:
            self.preview = preview
            self.fields = {c.name: c.field for c in preview.columns}
            self.origin = {c.name: ("saved" if saved else "guessed") for c in preview.columns
                           if c.field}
            self.report = None
            delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
                preview.delimiter, repr(preview.delimiter))
            how = f"mapping “{plain(saved, one_line=True)}”" if saved else \
                "fields guessed from the headers"
            self.query_one("#import-info", Static).update(Text(
                f"{preview.encoding}, {delimiter}-separated · {preview.rows:,} rows · "
                f"{len(preview.columns)} columns · {how}"))
            self.query_one("#title", Static).update(self._title())
            self._paint_columns()
            self._summary(Text(f"{keymap.key('importer.check')} checks every row without "
                               "writing; "
                               f"{keymap.display('importer.run', first=True)} imports."))
            self.query_one("#import-problems", RowList).set_rows([])

        async def preview(backend):
            content = await asyncio.to_thread(path.read_bytes)
            return await backend.preview_import(kind, content, saved=saved)

        self.call(preview, show, "Reading the file", group="import")

    def _chosen(self) -> dict[str, str]:
        return {column: field or "-" for column, field in self.fields.items()}

    def _run(self, *, dry_run: bool, skip_bad: bool = False, then=None) -> None:
        if self.path is None:
            self.action_file()
            return
        if not self._ready():
            return
        missing = self._missing()
        if missing:
            self.app.notify(f"Map a column to {', '.join(missing)} first (enter on a column).",
                            severity="error", timeout=6, markup=False)
            return
        path, kind, chosen = self.path, self.kind, self._chosen()
        self.busy = True
        self._progress = ("checking", 0, 0)
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self._summary(Text("Checking every row…" if dry_run else "Importing…"))
        self._timer = self.set_interval(0.1, self._show_progress)

        def progress(phase: str, done: int, total: int) -> None:  # on the database thread
            with self._lock:
                self._progress = (phase, done, total)

        def finish(report) -> None:
            self._stop()
            self.report = report
            self._show_report(report)
            if then is not None:
                then(report)

        async def run(backend):
            content = await asyncio.to_thread(path.read_bytes)
            return await backend.run_import(kind, content, chosen=chosen, dry_run=dry_run,
                                             skip_bad=skip_bad, progress=progress,
                                             source_name=path.name)

        self.call(run,
                  finish, "Importing" if not dry_run else "Checking the file", group="import",
                  failed=lambda exc: self._stop(failed=True))

    def _stop(self, failed: bool = False) -> None:
        self.busy = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        bar = self.query_one("#import-progress", ProgressBar)
        if failed:
            bar.display = False
            self._summary(Text("Stopped by an error (see the notice); nothing was written.",
                               style="bold"))
        else:
            bar.update(total=100, progress=100)

    def _show_progress(self) -> None:
        with self._lock:
            state = self._progress
        if state is None:
            return
        phase, done, total = state
        bar = self.query_one("#import-progress", ProgressBar)
        if total:
            bar.update(total=total, progress=done)
        self._summary(Text(f"{phase.capitalize()}: {done:,} of {total:,} rows…" if total
                           else f"{phase.capitalize()}…"))

    # --- showing ----------------------------------------------------------------------

    def _summary(self, text: Text) -> None:
        self.query_one("#import-summary", Static).update(text)

    def _missing(self) -> list[str]:
        have = {f for f in self.fields.values() if f}
        return [f for f in ImportKind(self.kind).required_fields() if f not in have]

    def _paint_columns(self) -> None:
        rows = self.query_one("#import-columns", RowList)
        if self.preview is None:
            rows.set_rows([])
            return
        width = min(max((len(c.name) for c in self.preview.columns), default=6), 20)
        out: list[Row] = []
        for column in self.preview.columns:
            field = self.fields.get(column.name)
            name = truncate(plain(column.name, one_line=True), width)
            origin = self.origin.get(column.name, "")
            row: Row = [(f"{name:<{width}} → ", "strong"),
                        (f"{field or '(ignored)':<15}", "text" if field else "dim"),
                        (f"{'(' + origin + ')' if field and origin else '':<10}", "dim")]
            samples = " | ".join(plain(s, one_line=True) for s in column.samples)
            row.append((" e.g. " + samples if samples else " (empty column)", "dim"))
            out.append(row)
        rows.set_rows(out, keep=True)
        missing = self._missing()
        required = self.query_one("#import-required", Static)
        if missing:
            required.update(Text(f"✗ required: map a column to {', '.join(missing)}",
                                 style="bold reverse"))
        else:
            required.update(Text("✓ required fields mapped: "
                                 + ", ".join(ImportKind(self.kind).required_fields())))

    def _show_report(self, report) -> None:
        lines = report.describe(limit=0)
        head = Text(plain(lines[0], one_line=True), style="bold")
        created = report.organizations_created
        if created:
            verb = "would be created" if report.dry_run or not report.written else "created"
            names = ", ".join(plain(n, one_line=True) for n in created[:5])
            more = f" and {len(created) - 5:,} more" if len(created) > 5 else ""
            head.append(f"\n{len(created):,} organizations {verb}: {names}{more}")
        for extra in lines[1:]:
            if extra.startswith("Not linked"):
                head.append("\n" + plain(extra, one_line=True))
        if report.dry_run and report.bad and report.good:
            head.append(f"\n{keymap.display('importer.run', first=True)}: import the "
                        f"{report.good:,} good rows, or nothing.")
        elif report.dry_run and not report.bad and report.good:
            head.append(f"\nAll rows are good: {keymap.display('importer.run', first=True)} "
                        "imports them.")
        self._summary(head)
        problems: list[Row] = []
        for p in report.problems:
            where = f" ({plain(p.column, one_line=True)})" if p.column else ""
            problems.append([(f"✗ line {p.line:<6}", "failed"), (where + " ", "dim"),
                             (plain(p.message, one_line=True), "text")])
        if report.bad > len(report.problems):
            problems.append([(f"… and {report.bad - len(report.problems):,} more bad rows",
                              "dim")])
        self.query_one("#import-problems", RowList).set_rows(problems)
        self.app.trace("import-report")

    # --- keys -------------------------------------------------------------------------

    def _column(self) -> str | None:
        if self.preview is None or not self.preview.columns:
            return None
        index = self.query_one("#import-columns", RowList).selected
        return self.preview.columns[index].name

    def action_cursor(self, delta: int) -> None:
        rows = self.query_one("#import-columns", RowList)
        rows.select(rows.selected + delta)

    def set_field(self, column: str, field: str | None) -> None:
        if field:
            for other, value in self.fields.items():
                if value == field and other != column:
                    self.fields[other] = None  # a field comes from one column only
                    self.origin.pop(other, None)
        self.fields[column] = field
        self.origin[column] = "chosen"
        self.report = None
        self._paint_columns()

    def action_cycle(self, delta: int) -> None:
        column = self._column()
        if column is None:
            return
        choices: list[str | None] = [None, *ImportKind(self.kind).fields]
        current = self.fields.get(column)
        index = choices.index(current) if current in choices else 0
        self.set_field(column, choices[(index + delta) % len(choices)])

    def action_field(self) -> None:
        from tui.pickers import Picker

        column = self._column()
        if column is None:
            if self.path is None:
                self.action_file()
            return
        required = ImportKind(self.kind).required_fields()
        options: list[tuple[str, Any]] = [("(ignore this column)", "")]
        options += [(f + (" (required)" if f in required else ""), f)
                    for f in ImportKind(self.kind).fields]

        def chosen(value) -> None:
            if value is not None:
                self.set_field(column, value or None)

        self.app.push_screen(Picker(f"Column “{plain(column, one_line=True)}” holds", options,
                                    self.fields.get(column) or ""), chosen)

    def action_ignore(self) -> None:
        column = self._column()
        if column is not None:
            self.set_field(column, None)

    def action_file(self) -> None:
        from tui.pickers import TextPrompt

        def chosen(value) -> None:
            if not value or not value.strip():
                return
            path = Path(value.strip()).expanduser()
            if not path.is_file():
                self.app.notify(f"No file at {plain(str(path), one_line=True)}.",
                                severity="error", timeout=6, markup=False)
                return
            self.path = path
            self.load_preview()

        start = str(self.path) if self.path else str(Path.cwd()) + "/"
        self.app.push_screen(TextPrompt(f"Import {self.kind} from which CSV file?",
                                        "A path on this machine.", value=start), chosen)

    def action_kind(self) -> None:
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self.query_one("#title", Static).update(self._title())
        if self.path is not None:
            self.load_preview()

    def action_check(self) -> None:
        self._run(dry_run=True)

    def action_run(self) -> None:
        """Import: check first (a dry run) unless just done, then ask — the good rows, or
        nothing — when some rows are bad."""
        report = self.report
        if report is None or not report.dry_run:
            self._run(dry_run=True, then=self._ask)
        else:
            self._ask(report)

    def _ask(self, report) -> None:
        from tui.pickers import Picker

        if not report.good:
            self.app.notify("No row is good: nothing to import.", severity="error", timeout=6,
                            markup=False)
            return
        if report.bad:
            options = [(f"Import the {report.good:,} good rows; skip the {report.bad:,} bad "
                        "ones (listed below)", "skip"), ("Import nothing", "")]
            title = f"{report.bad:,} of {report.rows:,} rows are bad"
        else:
            options = [(f"Import all {report.good:,} rows", "all"), ("Import nothing", "")]
            title = f"All {report.rows:,} rows are good"

        def chosen(value) -> None:
            if value:
                self._run(dry_run=False, skip_bad=value == "skip")
            elif value == "":
                self._summary(Text("Nothing imported (your choice).", style="bold"))

        self.app.push_screen(Picker(title, options, None), chosen)

    def action_save(self) -> None:
        if self.preview is None or not self._ready():
            return
        from tui.pickers import TextPrompt

        kind, columns = self.kind, dict(self.fields)

        def named(name) -> None:
            if not name or not name.strip():
                return

            def saved(mapping) -> None:
                self.app.notify(f"Mapping “{plain(mapping.name, one_line=True)}” saved.",
                                timeout=4, markup=False)

            self.call(lambda b: b.save_import_mapping(name.strip(), kind, columns),
                      saved, "Saving the mapping")

        default = f"{self.path.stem} {kind}" if self.path else kind
        self.app.push_screen(TextPrompt("Save this mapping as", "A name to reuse it by.",
                                        value=default), named)

    def action_mappings(self) -> None:
        if not self._ready():
            return
        from tui.pickers import Picker

        kind = self.kind

        def show(found) -> None:
            if not found:
                self.app.notify(f"No saved mapping for {kind} yet "
                                f"({keymap.key('importer.save')} saves one).", timeout=5,
                                markup=False)
                return
            options = [(f"{m.name} · " + ", ".join(f"{c}→{f}" for c, f in m.columns.items()
                                                   if f), m.name) for m in found]

            def chosen(name) -> None:
                if name:
                    self.load_preview(saved=name)

            self.app.push_screen(Picker(f"Use a saved mapping for {kind}", options), chosen)

        self.call(lambda b: b.import_mappings(kind), show, "Loading the saved mappings")

    def on_row_list_chosen(self, event: RowList.Chosen) -> None:
        if event.rows.id == "import-columns":
            self.action_field()

    def action_back(self) -> None:
        if self.busy:
            self.app.notify("The import is still running; it finishes (or writes nothing) "
                            "on its own.", timeout=5, markup=False)
        self.app.pop_screen()
