"""Mail templates: the list, and an editor with the placeholders listed and a live preview
against a ticket the admin names by number. A syntax error or an unknown placeholder is
shown with its line as they type, and saving is refused while there is one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Label, Static, TextArea

from deskline.text import plain
from tui import keymap
from tui.base import DesklineScreen
from tui.screens.settings.form import (
    FORM_CSS,
    FormCalls,
    SettingsList,
    problem_of,
)
from widgets.keybar import KeyBar
from widgets.rows import Row
from widgets.safe_input import SafeInput, SafeTextArea
from widgets.titleline import TitleLine

if TYPE_CHECKING:
    from deskline.models import Ticket

DEBOUNCE = 0.3  # seconds of quiet typing before the preview is asked for
LABELS = {"name": "Name", "subject": "Subject", "body": "Body"}
NO_PREVIEW = "Type a ticket number above (f4) to see the mail as its customer would get it."


class TemplateSettings(SettingsList):
    SCOPE = "templates"
    BINDINGS = keymap.bindings("templates")
    TITLE_TEXT = "Settings · Mail templates"
    EMPTY = "(no mail template yet: n makes one)"

    def __init__(self) -> None:
        super().__init__()
        self.templates: list = []

    def on_mount(self) -> None:
        self.set_context(Text("Sent by stages, confirmations and rating requests; "
                              "enter edits with a live preview."))
        self.load()

    def load(self, select_id: int | None = None) -> None:
        def show(templates) -> None:
            self.templates = sorted(templates, key=lambda t: t.name.casefold())
            self.set_rows([self._row(t) for t in self.templates])
            if select_id is not None:
                self.rows.select(next((i for i, t in enumerate(self.templates)
                                       if t.id == select_id), 0))
                self.show_details()

        self.call(lambda b: b.list_templates(), show, "Loading the mail templates",
                  group="load", exclusive=True)

    def _row(self, t) -> Row:
        return [(plain(t.name, one_line=True), "strong"),
                (f"  · {plain(t.subject, one_line=True)}", "dim")]

    def details(self, index: int) -> Text:
        if not 0 <= index < len(self.templates):
            return Text("")
        t = self.templates[index]
        out = Text()
        out.append("Subject: ", "bold")
        out.append(plain(t.subject, one_line=True))
        out.append("\n" + plain("\n".join(t.body.splitlines()[:5])))
        return out

    @property
    def current(self):
        i = self.selected
        return self.templates[i] if 0 <= i < len(self.templates) else None

    def action_new(self) -> None:
        self.app.push_screen(TemplateEditor(None), self._saved)

    def action_edit(self) -> None:
        if self.current is not None:
            self.app.push_screen(TemplateEditor(self.current), self._saved)

    def _saved(self, template) -> None:
        if template is not None:
            self.say(f"Saved the template {plain(template.name, one_line=True)}")
            self.load(select_id=template.id)

    def action_refresh(self) -> None:
        self.load()


class TemplateEditor(FormCalls, DesklineScreen):
    """Create (template None) or edit a template; an edit sends the changed fields with
    the version the editor was opened with."""

    SCOPE = "template"
    BINDINGS = keymap.bindings("template")
    AUTO_FOCUS = "#f-name"
    LABELS = LABELS
    DEFAULT_CSS = FORM_CSS + """
    #tpl-main { height: 1fr; }
    #tpl-left { width: 1fr; padding: 0 1; }
    #tpl-left > .field-row > Label { width: 9; }
    #f-body { height: 1fr; border: none; padding: 0; }
    #tpl-placeholders { width: 30; padding: 0 1; background: $panel; }
    #tpl-ticket-row { height: 1; padding: 0 1; }
    #tpl-ticket-row > Label { width: 24; color: $foreground-muted; }
    #preview-ticket { width: 8; }
    #tpl-ticket-info { width: 1fr; padding: 0 0 0 1; color: $foreground-muted; }
    #tpl-preview { height: 7; padding: 0 1; background: $boost; }
    #form-problem { padding: 0 1; }
    """

    def __init__(self, template) -> None:
        super().__init__()
        self.template = template
        self.error: tuple[str | None, str] | None = None  # the problem of what is typed
        self.ticket: Ticket | None = None  # the ticket the preview renders against
        self._timer: Timer | None = None
        self._looked_up: int | None = None  # the number `ticket` was found by

    def compose(self) -> ComposeResult:
        from deskline.rules.templates import placeholders

        t = self.template
        title = f"Settings · Mail template · {plain(t.name, one_line=True)}" if t else \
            "Settings · New mail template"
        yield TitleLine(Text(title), id="title")
        with Horizontal(id="tpl-main"):
            with Vertical(id="tpl-left"):
                with Horizontal(classes="field-row"):
                    yield Label("Name")
                    yield SafeInput(t.name if t else "", id="f-name", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("Subject")
                    yield SafeInput(t.subject if t else "", id="f-subject", compact=True)
                yield SafeTextArea(t.body if t else "", id="f-body", soft_wrap=True,
                                   placeholder="Body: the mail's text (tab to here from the "
                                   "subject); placeholders work here too")
            with VerticalScroll(id="tpl-placeholders"):
                text = Text("Placeholders\n", style="bold")
                text.append("write {{ ticket.number }}\n", "italic")
                text.append("\n".join(placeholders()))
                yield Static(text)
        with Horizontal(id="tpl-ticket-row"):
            yield Label(f"Preview on ticket # ({keymap.display('template.ticket', True)})")
            yield Input("", id="preview-ticket", compact=True, restrict=r"[0-9#]*")
            yield Static(Text(""), id="tpl-ticket-info")
        with VerticalScroll(id="tpl-preview"):
            yield Static(Text(NO_PREVIEW), id="preview-text")
        yield Static(Text(""), id="form-problem", classes="form-problem")
        yield KeyBar(keymap.hints("template"))

    def on_mount(self) -> None:
        self.refresh_preview()

    # --- live check and preview -------------------------------------------------------

    def _fields(self) -> dict[str, SafeInput | SafeTextArea]:
        return {"name": self.query_one("#f-name", SafeInput),
                "subject": self.query_one("#f-subject", SafeInput),
                "body": self.query_one("#f-body", SafeTextArea)}

    def _typed(self) -> dict[str, str]:
        """What the editor holds: a field the admin did not touch is its stored text, byte
        for byte (so the check and the preview see the template as it is)."""
        typed = {key: widget.result for key, widget in self._fields().items()}
        typed["name"] = typed["name"].strip()
        return typed

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.refresh_preview)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._schedule()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._schedule()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "preview-ticket":
            self.refresh_preview()
        else:
            self.action_save()

    def _number(self) -> int | None:
        digits = self.query_one("#preview-ticket", Input).value.strip().lstrip("#")
        return int(digits) if digits.isdigit() else None

    def refresh_preview(self) -> None:
        """Check what is typed and render it against the chosen ticket, in a worker (the
        newest request wins)."""
        from deskline.errors import NotFound
        from deskline.models import MailTemplateCreate

        typed = self._typed()
        number = self._number()

        async def work() -> None:
            backend = await self.app.backend_ready()
            if number != self._looked_up:
                self.ticket, self._looked_up = None, number
                if number is not None:
                    try:
                        self.ticket = await backend.get_ticket_by_number(number)
                    except NotFound:
                        pass
                self._ticket_info(number)
            try:
                data = MailTemplateCreate(name=typed["name"] or "preview",
                                          subject=typed["subject"], body=typed["body"])
                if self.ticket is not None:
                    preview = await backend.preview_template(data, self.ticket.id)
                else:
                    await backend.check_template(data)
                    preview = None
            except Exception as exc:  # a refusal is shown; anything else is logged
                found = problem_of(exc)
                if found is None:
                    raise
                self.error = found
                self.show_problem(*found, focus=False)
                self._preview(Text("(no preview until the problem above is fixed)"))
                return
            self.error = None
            self.show_problem(None, "", focus=False)
            if preview is None:
                self._preview(Text(NO_PREVIEW))
            else:
                out = Text("Subject: ", style="bold")
                out.append(plain(preview.subject, one_line=True) + "\n")
                out.append(plain(preview.body))
                self._preview(out)

        self.run_worker(work(), group="preview", exclusive=True, exit_on_error=False)

    def _ticket_info(self, number: int | None) -> None:
        info = self.query_one("#tpl-ticket-info", Static)
        if number is None:
            info.update(Text(""))
        elif self.ticket is None:
            info.update(Text(f"no ticket #{number} (or not visible)"))
        else:
            info.update(Text(plain(self.ticket.subject, one_line=True), no_wrap=True,
                             overflow="ellipsis"))

    def _preview(self, text: Text) -> None:
        self.query_one("#preview-text", Static).update(text)

    # --- keys -------------------------------------------------------------------------

    def action_ticket(self) -> None:
        self.query_one("#preview-ticket", Input).focus()

    def action_save(self) -> None:
        from deskline.models import MailTemplateCreate, MailTemplateUpdate

        if self.error is not None:  # what is typed does not compile: never saved
            self.show_problem(*self.error)
            self.app.notify(f"Not saved: {plain(self.error[1])}", severity="error", timeout=6,
                            markup=False)
            return
        typed, t = self._typed(), self.template
        # Only the fields the admin edited are sent: an untouched subject or body with
        # control characters is not rewritten by an edit of the name.
        edited = [key for key, widget in self._fields().items() if widget.changed]

        async def save(backend) -> Any:
            # The whole template is checked, changed or not, before anything is written.
            data = MailTemplateCreate(**typed)
            await backend.check_template(data)
            if t is None:
                return await backend.create_template(data)
            changed = {k: typed[k] for k in edited}
            if not changed:
                return t
            return await backend.update_template(t.id, MailTemplateUpdate(**changed),
                                                 t.version)

        self.submit(save, "Saving the mail template")

    def action_back(self) -> None:
        self.dismiss(None)
