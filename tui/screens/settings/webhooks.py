"""Webhooks (admins): the endpoints — URL, event types, whether internal comments and
private destinations are allowed, on or off, what waits and what failed — with add, edit,
disable, delete, and each endpoint's delivery log with "send again". A new endpoint's
signing secret is shown once, in a dialog of its own, and never again."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from deskline.text import plain
from tui import keymap
from tui.base import DesklineModal
from tui.pickers import Confirm
from tui.screens.settings.form import (
    DASH,
    Checklist,
    SettingsForm,
    SettingsList,
    Tick,
    field,
    when,
)
from widgets.lines import truncate
from widgets.rows import Row
from widgets.safe_input import SafeInput

EVENTS = ("ticket.created", "ticket.updated", "ticket.closed", "ticket.reopened",
          "ticket.merged", "ticket.deleted", "reply.created", "comment.created",
          "rating.received", "sla.failed", "ticket.handed_off")


def _value(x: Any) -> str:
    return str(getattr(x, "value", x))


class WebhookSettings(SettingsList):
    SCOPE = "webhooks"
    BINDINGS = keymap.bindings("webhooks")
    TITLE_TEXT = "Settings · Webhooks"
    EMPTY = "(no webhooks: n adds an endpoint)"

    def __init__(self) -> None:
        super().__init__()
        self.endpoints: list = []

    def on_mount(self) -> None:
        self.load()

    def load(self, select_id: int | None = None) -> None:
        def show(endpoints) -> None:
            self.endpoints = list(endpoints)
            self.set_context(Text(f"{len(self.endpoints)} endpoints · URL, state, events, "
                                  "waiting, failed"))
            self.set_rows([self._row(e) for e in self.endpoints])
            self.select_id(self.endpoints, select_id)

        self.call(lambda b: b.list_webhooks(), show, "Loading the webhooks", group="load",
                  exclusive=True)

    def _row(self, e) -> Row:
        state = ("● on ", "text") if e.active else ("○ off", "dim")
        return [(f"{truncate(plain(e.url, one_line=True), 34):<34} ", "strong"),
                (f"{state[0]} ", state[1]),
                (f"{len(e.events):>2} events ", "dim"),
                (f"{e.queued:>4} waiting ", "text"),
                (f"{e.failed:>3} failed", "failed" if e.failed else "dim")]

    def details(self, index: int) -> Text:
        if not 0 <= index < len(self.endpoints):
            return Text("")
        e = self.endpoints[index]
        out = Text()
        out.append(plain(e.url, one_line=True), "bold")
        if e.description:
            out.append(f"  · {plain(e.description, one_line=True)}")
        out.append("\nEvents: " + ", ".join(_value(x) for x in e.events))
        out.append(f"\nInternal comments: {'sent' if e.allow_internal else 'never sent'} · "
                   f"private addresses: {'allowed' if e.allow_private else 'refused'} · "
                   f"{'on' if e.active else 'off (nothing delivered)'} · since "
                   f"{when(e.created_at, '%Y-%m-%d')}")
        return out

    def _current(self):
        i = self.selected
        return self.endpoints[i] if 0 <= i < len(self.endpoints) else None

    def action_new(self) -> None:
        self.app.push_screen(WebhookForm(None), self._saved)

    def action_edit(self) -> None:
        e = self._current()
        if e is not None:
            self.app.push_screen(WebhookForm(e), self._saved)

    def _saved(self, endpoint) -> None:
        if endpoint is None:
            return
        secret = getattr(endpoint, "secret", None)
        self.say(f"{'Added' if secret else 'Saved'} {plain(endpoint.url, one_line=True)}")
        self.load(select_id=endpoint.id)
        if secret:
            self.app.push_screen(SecretShown(secret))

    def action_switch(self) -> None:
        from deskline.models import WebhookEndpointUpdate

        e = self._current()
        if e is None:
            return
        data = WebhookEndpointUpdate(active=not e.active)
        self.submit(lambda b: b.update_webhook(e.id, data, e.version),
                    "Switching the webhook", self._saved, failed=self.refused)

    def action_delete(self) -> None:
        e = self._current()
        if e is None:
            return
        name = plain(e.url, one_line=True)

        def confirmed(yes) -> None:
            if yes:
                self.submit(lambda b: b.delete_webhook(e.id), "Deleting the webhook",
                            lambda _none: self._deleted(name), failed=self.refused)

        self.app.push_screen(Confirm(f"Delete the webhook {name} and its delivery log? What "
                                     "waits for it is not sent.", "Delete"), confirmed)

    def _deleted(self, name: str) -> None:
        self.say(f"Deleted {name}")
        self.load()

    def action_log(self) -> None:
        e = self._current()
        if e is not None:
            self.app.push_screen(WebhookLog(e))

    def action_refresh(self) -> None:
        self.load()


class SecretShown(DesklineModal):
    """A new endpoint's signing secret, this once (the database keeps it to sign with,
    nothing shows it again)."""

    BINDINGS = [*keymap.bindings("dialog"), Binding("enter", "cancel", show=False)]

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("The signing secret, shown only now: give it to the receiver"),
                         classes="dialog-title")
            yield Static(Text(self.secret, style="bold"), id="secret")
            yield Static(Text("It signs every request (docs/webhooks.md). enter or esc "
                              "closes"), classes="dialog-hint")

    def action_cancel(self) -> None:
        self.dismiss(None)


class WebhookForm(SettingsForm):
    TALL = True
    LABELS = {"url": "URL", "description": "Description", "events": "Events",
              "allow_internal": "Internal comments", "allow_private": "Private addresses",
              "active": "On"}

    def __init__(self, endpoint) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.title_text = "New webhook" if endpoint is None else \
            f"Webhook {plain(endpoint.url, one_line=True)}"

    def fields(self) -> ComposeResult:
        e = self.endpoint
        yield from field("URL (http:// or https://)", SafeInput(e.url if e else "", id="url",
                                                               placeholder="https://…"))
        yield from field("Description", SafeInput(e.description if e else "",
                                                  id="description"))
        chosen = [_value(x) for x in e.events] if e else []
        yield from field("Events (space toggles)",
                         Checklist([(name, name) for name in EVENTS], chosen, id="events"))
        yield Tick("send internal comments (comment.created)",
                   bool(e and e.allow_internal), id="allow_internal")
        yield Tick("allow private, loopback and link-local addresses",
                   bool(e and e.allow_private), id="allow_private")
        yield Tick("on", e.active if e else True, id="active")

    def action_save(self) -> None:
        from pydantic import ValidationError

        from deskline.models import WebhookEndpointCreate, WebhookEndpointUpdate

        self.clear_problem()
        events = self.query_one("#events", Checklist).values
        flags = {key: self.query_one(f"#{key}", Tick).value
                 for key in ("allow_internal", "allow_private", "active")}
        e = self.endpoint
        try:
            if e is None:
                data: Any = WebhookEndpointCreate(
                    url=self.text("url"), description=self.text("description"),
                    events=events, **flags)
            else:
                values: dict[str, Any] = {k: v for k, v in flags.items()
                                          if v != getattr(e, k)}
                for key in ("url", "description"):
                    typed = self.changed_text(key)
                    if typed is not None:
                        values[key] = typed
                if events != [_value(x) for x in e.events]:
                    values["events"] = events
                data = WebhookEndpointUpdate(**values)
        except ValidationError as exc:
            self.invalid(exc)
            return
        if e is None:
            self.submit(lambda b: b.create_webhook(data), "Adding the webhook")
        elif not data.model_fields_set:
            self.dismiss(None)
        else:
            self.submit(lambda b: b.update_webhook(e.id, data, e.version), "Saving the webhook")


class WebhookLog(SettingsList):
    SCOPE = "webhook_log"
    BINDINGS = keymap.bindings("webhook_log")
    EMPTY = "(nothing delivered yet)"

    def __init__(self, endpoint) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.deliveries: list = []
        self.cursor: str | None = None

    @property
    def TITLE_TEXT(self) -> str:  # type: ignore[override]  # noqa: N802 - the list's title
        return f"Settings · Webhook {plain(self.endpoint.url, one_line=True)} · deliveries"

    def on_mount(self) -> None:
        self.load()

    def load(self, select_id: int | None = None, more: bool = False) -> None:
        endpoint_id = self.endpoint.id
        cursor = self.cursor if more else None

        def show(page) -> None:
            self.deliveries = (self.deliveries if more else []) + list(page.items)
            self.cursor = page.next_cursor
            self.set_context(Text(f"{len(self.deliveries)} deliveries, newest first"
                                  + (" · m shows older ones" if self.cursor else "")
                                  + " · event, ticket, status, answer, attempts, when"))
            self.set_rows([self._row(d) for d in self.deliveries])
            self.select_id(self.deliveries, select_id)

        self.call(lambda b: b.webhook_deliveries(endpoint_id, cursor=cursor, limit=50), show,
                  "Loading the deliveries", group="load", exclusive=True)

    def _row(self, d) -> Row:
        status = _value(d.status)
        style = {"delivered": "text", "failed": "failed"}.get(status, "dim")
        mark = {"delivered": "✓", "failed": "✗", "sending": "…", "queued": "·"}.get(status, "?")
        return [(f"{truncate(d.event, 18):<18} ", "strong"),
                (f"#{d.ticket_number or DASH!s:<7} ", "dim"),
                (f"{mark} {status:<9} ", style),
                (f"{d.response_code or DASH!s:>3} ", "text"),
                (f"{d.attempts:>2}× ", "dim"),
                (when(d.last_attempt_at or d.created_at, "%m-%d %H:%M"), "dim")]

    def details(self, index: int) -> Text:
        if not 0 <= index < len(self.deliveries):
            return Text("")
        d = self.deliveries[index]
        out = Text()
        out.append(f"{d.event} · delivery {d.delivery_id}", "bold")
        out.append(f"\nQueued {when(d.created_at)} · last attempt {when(d.last_attempt_at)}"
                   f" · next {when(d.next_attempt_at)} · delivered {when(d.delivered_at)}")
        if d.error:
            out.append("\n" + plain(d.error, one_line=True))
        return out

    def action_redeliver(self) -> None:
        i = self.selected
        if not 0 <= i < len(self.deliveries):
            return
        d = self.deliveries[i]
        self.submit(lambda b: b.redeliver_webhook(d.id), "Sending again",
                    lambda x: self._again(x), failed=self.refused)

    def _again(self, d) -> None:
        self.say(f"Queued {d.event} again (delivery {d.delivery_id})")
        self.load(select_id=d.id)

    def action_more(self) -> None:
        if self.cursor:
            self.load(more=True)

    def action_refresh(self) -> None:
        self.load()
