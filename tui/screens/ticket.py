"""The ticket view: every field in the header, the chatter, and the Reply/Comment composer."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Static, TextArea

from deskline.text import plain
from tui import files, keymap, triage
from tui.base import DesklineScreen
from widgets import glyphs
from widgets.chatter import Chatter
from widgets.composer import Composer
from widgets.fields import Field, FieldLines
from widgets.keybar import KeyBar

if TYPE_CHECKING:
    from deskline.models import Ticket

PAGE = 50  # the first frame shows this many; the rest loads behind it
HEARTBEAT = 10.0  # seconds between presence heartbeats (the server forgets after 30)


class TicketScreen(DesklineScreen):
    SCOPE = "ticket"
    BINDINGS = keymap.bindings("ticket")

    def __init__(self, ticket_id: int | None = None, number: int | None = None,
                 prefetched: tuple | None = None, message_id: int | None = None) -> None:
        super().__init__()
        self._prefetched = prefetched
        self._cause = message_id  # a notification's message: shown selected once loaded
        self.ticket_id = ticket_id
        self.number = number
        self.ticket: Ticket | None = None  # None until the first load
        self.cursor: str | None = None
        self._moved = False  # the agent moved in the chatter: do not jump to the end
        # Presence (a server only): what we last said, and who else is here.
        self._presence_sent: str | None = None
        self._presence_timer: Timer | None = None
        self._save_timer: Timer | None = None  # the drafts are written when it fires
        self.others: list = []
        self._numbers: dict[int, int] = {}  # ticket id → number, of the linked tickets

    def compose(self) -> ComposeResult:
        yield FieldLines(Text("Loading the ticket…"), unread=True, id="ticket-header")
        presence = Static(id="presence")
        presence.display = False  # only with a server, when someone else is here
        yield presence
        yield Chatter(now=self.app.now, id="chatter")
        yield Composer({"send": keymap.display("ticket.send", first=True),
                        "switch": keymap.display("ticket.switch_tab", first=True),
                        "editor": keymap.display("ticket.editor", first=True),
                        "complete": keymap.display("ticket.complete", first=True),
                        "attach": keymap.display("ticket.attach", first=True),
                        "preview": keymap.display("ticket.preview", first=True),
                        "canned": keymap.display("ticket.canned", first=True),
                        "back": keymap.key("ticket.back")},
                       id="composer")
        yield KeyBar(keymap.hints("ticket"))

    def on_mount(self) -> None:
        self.chatter = self.query_one(Chatter)
        self.composer = self.query_one(Composer)
        self.chatter.focus()
        self.run_worker(self._people(), exit_on_error=False)
        self.app.ticket_changed.subscribe(self, self._on_ticket_changed)
        self.app.ticket_removed.subscribe(self, self._on_ticket_removed)
        self.app.server_event.subscribe(self, self._on_server_event)
        if self._prefetched is not None:
            prefetched, self._prefetched = self._prefetched, None
            self._loaded(prefetched)
            return

        async def load(backend):
            if self.ticket_id is None:
                ticket = await backend.get_ticket_by_number(self.number)
            else:
                ticket = await backend.get_ticket(self.ticket_id)
            page = await backend.ticket_messages(ticket.id, limit=PAGE)
            return ticket, page

        self.call(load, self._loaded, "Opening the ticket", failed=self._not_opened)

    def _not_opened(self, _exc) -> None:
        if self.is_current:
            self.app.pop_screen()

    async def _people(self) -> None:
        try:
            agents = await self.app.agent_list()
        except Exception:
            return
        self.composer.people = [(a.email.split("@")[0], a.name) for a in agents]

    def _loaded(self, result) -> None:
        ticket, page = result
        self.ticket_id = ticket.id
        self._show_ticket(ticket)
        self.cursor = page.next_cursor
        self.chatter.set_messages(page.items, page.next_cursor is not None)
        self.call_after_refresh(self._to_cause)
        draft = self.app.drafts.get(ticket.id)
        if draft:
            self.composer.set_texts(draft.get("reply", ""), draft.get("comment", ""))
            self.composer.set_files(files.from_draft(draft.get("files", "")))
            self.composer.set_kind(draft.get("tab", "reply"))
            self.notify(f"Unsent draft of #{ticket.number} restored.", timeout=4, markup=False)
        if page.next_cursor is None:
            self.call_after_refresh(self._to_end)
        else:  # the rest of a long thread loads behind the first frame, then we go to the end
            self.call_after_refresh(self.chatter.post_message, Chatter.NeedMore(self.chatter))
        self.call_after_refresh(self.app.trace, "ticket-open")
        if self._live and self._presence_timer is None:
            self._send_presence(force=True)
            self._presence_timer = self.set_interval(HEARTBEAT, self._heartbeat,
                                                     name="presence")

    def on_chatter_need_more(self, event: Chatter.NeedMore) -> None:
        if self.cursor is None or self.ticket is None:
            return
        cursor, ticket_id = self.cursor, self.ticket.id

        def more(page) -> None:
            self.cursor = page.next_cursor
            self.chatter.set_messages(page.items, page.next_cursor is not None, append=True)
            self.call_after_refresh(self._to_cause)
            if page.next_cursor is None:
                self.call_after_refresh(self._to_end)
            else:
                self.chatter.fetching = True
                self.chatter.post_message(Chatter.NeedMore(self.chatter))

        self.call(lambda b: b.ticket_messages(ticket_id, cursor=cursor, limit=PAGE), more,
                  "Loading messages", group="more", exclusive=True)

    def _to_cause(self) -> None:
        """Select the message a notification pointed at, once a page holding it came."""
        if self._cause is None:
            return
        for index, message in enumerate(self.chatter.messages):
            if message.id == self._cause:
                self._cause = None
                self._moved = True  # stay there: no jump to the end of the thread
                self.chatter.select(index)
                return

    def _to_end(self) -> None:
        if not self._moved:
            self.chatter.select(len(self.chatter.messages) - 1)
            self.chatter.scroll_end(animate=False, immediate=True)

    # --- header -----------------------------------------------------------------------

    def _show_ticket(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.composer.recipient = ticket.customer_email or ticket.customer_name or ""
        self.composer._paint()
        now = self.app.now()
        me = self.app.me
        # Fields, each kept whole when the header wraps (widgets/fields.py).
        title = [Field(Text(f"#{ticket.number} {plain(ticket.subject, one_line=True)}",
                            "bold"))]
        if ticket.archived:
            title.append(Field(Text("[archived]", "bold reverse")))
        if ticket.merged_into:
            title.append(Field(Text(f"[merged into {self._linked(ticket.merged_into)}]",
                                    "bold reverse")))
        where = Text(f"{plain(ticket.team_name, one_line=True)} › ")
        where.append(plain(ticket.stage_name, one_line=True), "bold")
        fields = [Field(where),
                  Field(Text(glyphs.priority(ticket.priority),
                             "bold" if ticket.priority >= 2 else "")),
                  Field("@" + plain(ticket.assignee_name, one_line=True)
                        if ticket.assignee_name else "unassigned")]
        name = plain(ticket.customer_name or "", one_line=True)
        email = plain(ticket.customer_email or "", one_line=True)
        # A customer known by address only is that address, not "none <x@y>"; a long name
        # is shortened before the address is.
        fields.append(Field("customer: ", name, f" <{email}>") if name and email else
                      Field("customer: ", name or email or "none"))
        if ticket.organization_name:
            fields.append(Field("org: ", plain(ticket.organization_name, one_line=True)))
        facts = []
        sla_text, level = glyphs.sla(ticket.sla_status, ticket.sla_deadline, now)
        if ticket.closed_at:
            sla_text = f"✓ closed {glyphs.when(ticket.closed_at, now)}"
        if sla_text:
            facts.append(Field(Text(sla_text, "bold" if level in ("failed", "late") else "")))
        facts.append(Field("tags: ", ", ".join("#" + plain(x, one_line=True)
                                               for x in ticket.tags) or "none"))
        facts.append(Field(f"via {getattr(ticket.channel, 'value', ticket.channel)}"))
        facts.append(Field(f"opened {glyphs.when(ticket.created_at, now)}"))
        following = me is not None and me.id in ticket.follower_ids
        count = len(ticket.follower_ids)
        facts.append(Field(f"{'★ following' if following else '☆ not following'}"
                           f" ({count} follower{'' if count == 1 else 's'})"))
        if ticket.split_from:
            facts.append(Field(f"split from {self._linked(ticket.split_from)}"))
        self.query_one("#ticket-header", FieldLines).set_rows([title, fields, facts])
        channel = getattr(ticket.channel, "value", ticket.channel)
        self.chatter.set_opening(f"Description · opened via {channel}", ticket.created_at,
                                 ticket.description, ticket.attachments)

    def _linked(self, ticket_id: int) -> str:
        """A linked ticket as agents know it, "#12"; until its number is known (asked
        once, in a worker, then the header is shown again) or if it is not visible to
        the agent, "ticket id 12"."""
        number = self._numbers.get(ticket_id)
        if number:
            return f"#{number}"
        if ticket_id not in self._numbers:
            self._numbers[ticket_id] = 0  # asked; 0 while unknown

            async def ask() -> None:
                try:
                    backend = await self.app.backend_ready()
                    linked = await backend.get_ticket(ticket_id)
                except Exception:  # hidden from this agent, or gone: the id stays
                    return
                self._numbers[ticket_id] = linked.number
                if self.ticket is not None:
                    self._show_ticket(self.ticket)

            self.run_worker(ask(), group="linked", exit_on_error=False)
        return f"ticket id {ticket_id}"

    def _changed(self, ticket, what: str | None = None) -> None:
        self._show_ticket(ticket)
        self.app.ticket_changed.publish(ticket)
        if what:
            self.notify(what, timeout=3, markup=False)
        self._reload_thread()

    def _reload_thread(self) -> None:
        if self.ticket is None:
            return
        ticket_id = self.ticket.id

        async def load(backend):
            return await _messages_after(backend, ticket_id, None)

        def show(items) -> None:
            self.cursor = None
            self.chatter.set_messages(items, False)
            self.call_after_refresh(self._to_end)

        self.call(load, show, "Reloading the thread", group="thread", exclusive=True)

    def _reload(self) -> None:
        if self.ticket is not None:
            ticket_id = self.ticket.id
            self.call(lambda b: b.get_ticket(ticket_id), self._changed, "Reloading")

    # --- keys -------------------------------------------------------------------------

    def _need_ticket(self) -> Ticket | None:
        """The ticket a key acts on, or None (and a word) while it is still loading."""
        if self.ticket is None:
            self.notify("The ticket is still loading.", severity="warning", timeout=3)
        return self.ticket

    def action_cursor(self, delta: int) -> None:
        self._moved = True
        self.chatter.select(self.chatter.selected + delta)

    def action_top(self) -> None:
        self._moved = True
        self.chatter.select(0)

    def action_bottom(self) -> None:
        self._moved = False
        self._to_end()

    def action_back(self) -> None:
        if self.composer.area.has_focus:
            self.chatter.focus()
            return
        self._keep_draft(notify=True)
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self._keep_draft(notify=False)
        self.app.drafts.save()
        for signal in (self.app.ticket_changed, self.app.ticket_removed, self.app.server_event):
            signal.unsubscribe(self)
        backend = self.app.backend  # set: presence was sent through it
        if self._presence_sent is not None and self.ticket is not None and backend is not None:
            self._presence_sent = None
            ticket_id = self.ticket.id

            async def gone() -> None:
                try:
                    await backend.set_presence(ticket_id, "gone")
                except Exception:  # it lapses on the server by itself
                    pass

            self.app.run_worker(gone(), group="presence-gone", exit_on_error=False)

    # --- live updates and presence (a backend on a server) -------------------------------

    @property
    def _live(self) -> bool:
        """Presence means something: the backend is a server's (`LiveBackend.live`)."""
        backend = self.app.backend
        return backend is not None and backend.live

    def wants_event(self, event) -> bool:
        """Should the app fetch the ticket an event names? Ours, unless we show that
        version already (a new message may change the SLA without a new version)."""
        return self.ticket is not None and event.id == self.ticket.id and (
            event.type == "message.created" or event.version is None
            or event.version != self.ticket.version)

    def _on_ticket_changed(self, ticket) -> None:
        """A fresh copy of a ticket (our own change, or another agent's via the stream)."""
        mine = self.ticket
        if mine is None or ticket.id != mine.id or ticket.version < mine.version:
            return
        if ticket != mine:
            self._show_ticket(ticket)

    def _on_ticket_removed(self, ticket_id: int) -> None:
        if self.ticket is not None and ticket_id == self.ticket.id:
            self.notify(f"#{self.ticket.number} was deleted or is no longer visible to you.",
                        severity="warning", timeout=8, markup=False)

    def _on_server_event(self, event) -> None:
        if self.ticket is None:
            return
        if event.type == "reset":
            self._reload()
        elif event.id == self.ticket.id:
            if event.type == "message.created":
                self._fetch_new_messages()
            elif event.type == "presence":
                self._load_presence()

    def _fetch_new_messages(self) -> None:
        """Append the messages after the last one shown (the rest of a long thread still
        loading brings them anyway)."""
        if self.cursor is not None or self.ticket is None:
            return
        ticket_id = self.ticket.id
        messages = self.chatter.messages
        after = messages[-1].id if messages else None

        async def load(backend):
            return await _messages_after(backend, ticket_id, None, after_message_id=after)

        def show(items) -> None:
            if self.ticket is None or self.ticket.id != ticket_id:
                return
            last = self.chatter.messages[-1].id if self.chatter.messages else 0
            new = [m for m in items if m.id > last]
            if not new:
                return
            self.chatter.set_messages(new, False, append=True)
            self.call_after_refresh(self._to_end)

        self.call(load, show, "Loading new messages", group="thread-new")

    def _wanted_presence(self) -> str:
        composer = self.composer
        writing = composer.area.has_focus or any(t.strip() for t in composer.texts.values())
        return "replying" if writing else "viewing"

    def _send_presence(self, force: bool = False) -> None:
        if not self._live or self.ticket is None:
            return
        state = self._wanted_presence()
        if state == self._presence_sent and not force:
            return
        self._presence_sent = state
        ticket_id = self.ticket.id

        async def send() -> None:
            try:
                backend = await self.app.backend_ready()
                here = await backend.set_presence(ticket_id, state)
            except Exception as exc:  # presence is a courtesy: never an error dialog
                self.app.log.warning(f"presence: {exc!r}")
                return
            self._show_presence(here)

        self.run_worker(send(), group="presence", exit_on_error=False)

    def _heartbeat(self) -> None:
        self._send_presence(force=True)

    def _load_presence(self) -> None:
        if not self._live or self.ticket is None:
            return
        ticket_id = self.ticket.id

        async def load() -> None:
            try:
                backend = await self.app.backend_ready()
                here = await backend.presence(ticket_id)
            except Exception as exc:
                self.app.log.warning(f"presence: {exc!r}")
                return
            self._show_presence(here)

        self.run_worker(load(), group="presence-load", exclusive=True, exit_on_error=False)

    def _show_presence(self, here) -> None:
        me = self.app.me
        self.others = [p for p in here if me is None or p.agent_id != me.id]
        line = self.query_one("#presence", Static)
        if not self.others:
            line.display = False
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        for state, label in (("replying", "✎ replying: "), ("viewing", "👁 viewing: ")):
            names = [plain(p.agent_name, one_line=True) for p in self.others
                     if getattr(p.state, "value", p.state) == state]
            if names:
                if text:
                    text.append(" · ")
                text.append(label + ", ".join(names), "bold" if state == "replying" else "")
        line.update(text)
        line.display = True

    def _others_replying(self) -> list[str]:
        return [p.agent_name for p in self.others
                if getattr(p.state, "value", p.state) == "replying"]

    def on_descendant_focus(self, _event) -> None:
        self._send_presence()

    def on_descendant_blur(self, _event) -> None:
        self.call_after_refresh(self._send_presence)

    def _keep_draft(self, notify: bool) -> None:
        if self.ticket is None:
            return
        composer = self.composer
        composer.texts[composer.kind] = composer.text
        for kind, text in composer.texts.items():
            self.app.drafts.put(self.ticket.id, kind, text)
        self.app.drafts.set_tab(self.ticket.id, composer.kind)
        if notify and any(t.strip() for t in composer.texts.values()):
            self.app.notify(f"Draft of #{self.ticket.number} kept; it comes back when you "
                            "open the ticket.", timeout=4, markup=False)

    def on_composer_changed(self, event: Composer.Changed) -> None:
        if self.ticket is not None:
            self.app.drafts.put(self.ticket.id, event.kind, event.text)
            self.app.drafts.set_tab(self.ticket.id, event.kind)
            self._send_presence()

    def action_compose(self, kind: str) -> None:
        self.composer.set_kind(kind)
        self.composer.area.focus()

    def action_switch_tab(self) -> None:
        self.composer.set_kind("comment" if self.composer.kind == "reply" else "reply")
        self.composer.area.focus()

    def action_complete(self) -> None:
        if not self.composer.complete():
            self.notify("Type @ and the start of an agent's name in a comment first.",
                        timeout=3)

    # --- canned replies ---------------------------------------------------------------

    def action_canned(self) -> None:
        """Pick a canned reply, rendered for this ticket, into the composer at the cursor."""
        ticket = self._need_ticket()
        if ticket is None:
            return
        from tui.canned import pick_canned

        if not self.composer.area.has_focus:  # from the thread: into the tab shown
            self.composer.area.focus()

        def insert(text: str | None) -> None:
            if text is not None:
                self.composer.insert_canned(text)
            self.composer.area.focus()

        pick_canned(self, ticket.id, insert)

    def on_composer_canned_wanted(self, event: Composer.CannedWanted) -> None:
        event.stop()
        self.action_canned()

    def action_attach(self) -> None:
        """Add a file to the reply (asks for its path), or remove one already added."""
        if not self._need_ticket():
            return
        if self.composer.kind != "reply":
            self.composer.set_kind("reply")
            self.notify("Files go with replies: switched to the Reply tab.", timeout=4)
        from tui.pickers import Picker, TextPrompt

        def add(text) -> None:
            if not text or not text.strip():
                return
            try:
                entry = files.attachable(text.strip(),
                                         sum(n for _p, n in self.composer.files))
            except ValueError as exc:
                self.notify(str(exc), severity="error", timeout=8, markup=False)
                return
            if entry[0] not in [p for p, _n in self.composer.files]:
                self._set_files([*self.composer.files, entry])
            self.composer.area.focus()

        def ask() -> None:
            start = str(getattr(self.app, "files_folder", None) or Path.cwd()) + os.sep
            self.app.push_screen(TextPrompt("Attach a file to the reply",
                                            "The path of a file on this machine.", start),
                                 add)

        if not self.composer.files:
            ask()
            return

        def chosen(value) -> None:
            if value == "add":
                ask()
            elif value is not None:
                self._set_files([f for f in self.composer.files if f[0] != value])

        options = [("Attach another file…", "add")] + [
            (f"Remove {Path(path).name}", path) for path, _n in self.composer.files]
        self.app.push_screen(Picker("Files of the reply", options, "add"), chosen)

    def _set_files(self, chosen: list[tuple[str, int]]) -> None:
        # Reached from the attach dialog and a sent reply: the ticket is loaded.
        assert self.ticket is not None
        self.composer.set_files(chosen)
        self.app.drafts.put(self.ticket.id, "files", files.to_draft(chosen))

    def action_send(self) -> None:
        ticket = self._need_ticket()
        if ticket is None:
            return
        body = self.composer.text.strip()
        kind = self.composer.kind
        if not body and not (kind == "reply" and self.composer.files):
            self.notify(f"Write the {kind} first.", severity="warning", timeout=3, markup=False)
            return
        if kind == "reply" and self._live:
            self._check_collision(ticket, body)
            return
        self._send(ticket, kind, body)

    def _check_collision(self, ticket, body: str) -> None:
        """Before a reply: is another agent replying to this ticket too? Then ask."""

        async def who(backend):
            try:
                self._show_presence(await backend.presence(ticket.id))
            except Exception as exc:  # fall back to what the stream told us
                self.app.log.warning(f"presence: {exc!r}")
            return self._others_replying()

        def decide(names) -> None:
            if not names:
                self._send(ticket, "reply", body)
                return
            from tui.pickers import Confirm

            def confirmed(yes) -> None:
                if yes:
                    self._send(ticket, "reply", body)

            people = ", ".join(plain(n, one_line=True) for n in names)
            verb = "is" if len(names) == 1 else "are"
            self.app.push_screen(Confirm(f"{people} {verb} replying to #{ticket.number} too. "
                                         "Send your reply anyway?", "Send anyway",
                                         "Don't send (keep the draft)"), confirmed)

        self.call(who, decide, "Checking who is replying", group="send-check", exclusive=True)

    def _send(self, ticket, kind: str, body: str) -> None:
        chosen = list(self.composer.files) if kind == "reply" else []

        async def send(backend):
            if kind == "reply":
                uploads = await asyncio.to_thread(files.read_uploads,
                                                  [p for p, _n in chosen])
                return await backend.reply(ticket.id, body, uploads)
            return await backend.comment(ticket.id, body)

        def sent(message) -> None:
            if self.composer.kind == kind and self.composer.text.strip() == body:
                self.composer.set_text("")
            self.composer.texts[kind] = ""
            if chosen:
                self._set_files([f for f in self.composer.files if f not in chosen])
            self.app.drafts.put(ticket.id, kind, "")
            self.app.drafts.save()
            self._moved = False
            # Back to the thread, so the key bar's keys are keys again, not text.
            self.chatter.focus()
            self.notify("Reply sent to the customer." if kind == "reply"
                        else "Internal comment added.", timeout=3, markup=False)
            self._reload()

        self.call(send, sent, "Sending the reply" if kind == "reply" else "Adding the comment",
                  failed=lambda exc: self._refused_merged(ticket, exc))

    def _refused_merged(self, ticket, exc: BaseException) -> None:
        """The ticket was merged away (perhaps by a colleague while the agent wrote): offer
        the ticket it was merged into. The draft stays."""
        from deskline.errors import ValidationFailed

        if not (isinstance(exc, ValidationFailed) and exc.field == "ticket_id"):
            return
        from tui.pickers import Confirm

        def offer(fresh) -> None:
            target = fresh.merged_into
            if target is None:
                return
            self._keep_draft(notify=False)

            def chosen(yes) -> None:
                if yes:
                    self.app.open_ticket_screen(ticket_id=target)

            self.notify("Your draft is kept here. Choose \"Open the ticket it was merged "
                        "into\" to write there.", severity="warning", timeout=8)
            self.app.push_screen(Confirm(f"{exc}", "Open the ticket it was merged into",
                                         "Stay here (keep the draft)"), chosen)

        self.call(lambda b: b.get_ticket(ticket.id), offer, "Finding the merged ticket")

    def action_editor(self) -> None:
        from tui.editor import editor_command

        command = editor_command(self.app.config)
        if not command:
            self.notify("No $EDITOR set: write here in the box (or set editor in the config).",
                        severity="warning", timeout=5)
            self.composer.area.focus()
            return
        import shlex
        import subprocess
        import tempfile

        from textual.app import SuspendNotSupported

        fd, path = tempfile.mkstemp(prefix="deskline-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(self.composer.text)
        try:
            with self.app.suspend():
                subprocess.call([*shlex.split(command), path])
        except SuspendNotSupported:
            os.unlink(path)
            self.notify("This terminal cannot hand over to $EDITOR: write here in the box.",
                        severity="warning", timeout=5)
            self.composer.area.focus()
            return
        except OSError as exc:
            os.unlink(path)
            self.notify(f"Cannot run {plain(command)}: {plain(exc.strerror or exc)}. Write here "
                        "in the box.", severity="error", timeout=6, markup=False)
            return
        with open(path, encoding="utf-8") as source:
            self.composer.set_text(source.read().rstrip("\n"))
        os.unlink(path)
        self.composer.area.focus()

    # --- fields ---------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        ticket = self._need_ticket()
        if ticket is None:
            return

        async def move(backend):
            stages = await self.app.team_stages(ticket.team_id)
            ids = [s.id for s in stages]
            here = ids.index(ticket.stage_id) if ticket.stage_id in ids else 0
            there = here + delta
            if not 0 <= there < len(ids):
                return None
            return await backend.move_ticket(ticket.id, ticket.version, ids[there])

        def moved(t) -> None:
            if t is None:
                self.notify("No stage further that way.", severity="warning", timeout=3)
            else:
                self._changed(t, f"#{t.number} → {plain(t.stage_name)}")

        self.call(move, moved, "Moving the ticket", failed=lambda e: self._reload())

    def action_assign_me(self) -> None:
        if (ticket := self._need_ticket()) is not None:
            triage.take(self, ticket, lambda x: self._changed(x, "Assigned to you"),
                        "Assigning", lambda e: self._reload())

    def action_assign(self) -> None:
        if (t := self._need_ticket()) is not None:
            triage.assign(self, t, lambda x: self._changed(x, "Assignee changed"), "Assigning",
                          lambda e: self._reload(), current=t.assignee_id)

    def action_priority(self) -> None:
        if (ticket := self._need_ticket()) is not None:
            triage.set_priority(self, ticket, lambda x: self._changed(x, "Priority changed"),
                                "Changing priority", lambda e: self._reload())

    def action_follow(self) -> None:
        ticket = self._need_ticket()
        if ticket is None:
            return
        me = self.app.me
        following = me is not None and me.id in ticket.follower_ids
        self.call(lambda b: b.follow_ticket(ticket.id, not following),
                  lambda x: self._changed(x, "Unfollowed" if following else "Following"),
                  "Following")

    def action_delete(self) -> None:
        if (ticket := self._need_ticket()) is not None:
            from tui.screens.settings import is_admin

            triage.delete(self, ticket, self._deleted, lambda e: self._reload(),
                          admin=is_admin(self.app))

    def _deleted(self, ticket: Ticket) -> None:
        self.ticket = None  # gone: no "was deleted" warning of our own deletion
        self.notify(f"#{ticket.number} deleted", timeout=3, markup=False)
        if self.is_current:
            self.app.pop_screen()
        self.app.ticket_removed.publish(ticket.id)

    def action_archive(self) -> None:
        t = self._need_ticket()
        if t is None:
            return
        from tui.pickers import Confirm

        archive = not t.archived

        def confirmed(yes) -> None:
            if yes:
                self.call(lambda b: b.archive_ticket(t.id, t.version, archive),
                          lambda x: self._changed(x, "Archived" if archive else "Restored"),
                          "Archiving", failed=lambda e: self._reload())

        self.app.push_screen(Confirm(f"{'Archive' if archive else 'Restore'} #{t.number}?",
                                     "Archive" if archive else "Restore"), confirmed)

    def action_hand_off(self, note: str = "") -> None:
        """Hand the ticket to sales: a note, then the `ticket.handed_off` webhook event,
        the hand-off in the chatter, the ticket archived. A refusal keeps the note."""
        t = self._need_ticket()
        if t is None:
            return
        from tui.pickers import TextPrompt

        def answered(typed: str | None) -> None:
            if typed is None:
                return
            if not typed.strip():
                self.notify("A hand-off needs a note: what should sales know?",
                            severity="warning", timeout=5)
                self.action_hand_off(typed)
                return

            def refused(exc: BaseException) -> None:
                from tui.base import describe_error

                self.notify(describe_error(exc, "Handing to sales"), severity="error",
                            timeout=6, markup=False)
                self._reload()
                self.action_hand_off(typed)  # what was typed is offered again

            self.call(lambda b: b.hand_off(t.id, t.version, typed),
                      lambda x: self._changed(x, f"Handed #{x.number} to sales; archived"),
                      "Handing to sales", failed=refused)

        self.app.push_screen(TextPrompt(f"Hand #{t.number} to sales — a note for them",
                                        "Sent with the ticket; the ticket is archived.",
                                        note, "e.g. wants 40 seats, call before Friday"),
                             answered)

    def action_mark(self) -> None:
        if self.chatter.current is not None:
            self.chatter.toggle_mark()
            self.chatter.select(self.chatter.selected + 1)

    def action_files(self) -> None:
        ticket = self._need_ticket()
        if ticket is None:
            return
        selected = self.chatter.current
        found = [*ticket.attachments,
                 *(f for m in self.chatter.messages for f in m.attachments)]
        if not found:
            self.notify("No file came with this ticket's mails.", timeout=4)
            return
        files.save_files(self, found, first=selected.attachments if selected is not None else ())

    def action_split(self) -> None:
        t = self._need_ticket()
        if t is None:
            return
        ids = [m.id for m in self.chatter.messages if m.id in self.chatter.marked]
        if not ids:
            self.notify(f"Select messages with {keymap.key('ticket.mark')} first, then "
                        f"{keymap.key('ticket.split')} splits them out.",
                        severity="warning", timeout=4, markup=False)
            return
        from tui.pickers import TextPrompt

        def named(subject) -> None:
            if subject is None:
                return
            from deskline.models import SplitRequest

            request = SplitRequest(message_ids=ids, subject=subject.strip() or None,
                                   version=t.version)

            def split(new) -> None:
                self.chatter.marked.clear()
                self.notify(f"Split into #{new.number}.", timeout=5, markup=False)
                self.app.ticket_changed.publish(new)
                self._reload()

            self.call(lambda b: b.split(t.id, request), split, "Splitting",
                      failed=lambda e: self._reload())

        self.app.push_screen(TextPrompt(f"Split {len(ids)} message(s) into a new ticket",
                                        "Subject of the new ticket.", t.subject), named)

    def action_merge(self) -> None:
        t = self._need_ticket()
        if t is None:
            return
        from tui.screens.search import SearchScreen


        def picked(other) -> None:
            if other is None or other == t.id:
                return
            from tui.screens.merge import MergeScreen

            def merged(target) -> None:
                if target is not None:
                    self.ticket_id = target
                    self._reload_target(target)

            self.app.push_screen(MergeScreen([t.id, other]), merged)

        self.app.push_screen(SearchScreen(pick=True, title=f"Merge #{t.number} with…"), picked)

    def _reload_target(self, ticket_id: int) -> None:
        self.call(lambda b: b.get_ticket(ticket_id), self._changed, "Reloading")

    def action_edit(self) -> None:
        t = self._need_ticket()
        if t is None:
            return
        from tui.screens.edit import EditTicketScreen

        def edited(ticket) -> None:
            if ticket is not None:
                self._changed(ticket, "Saved")

        self.app.push_screen(EditTicketScreen(t), edited)

    def action_preview(self) -> None:
        """The reply or comment being written, its Markdown drawn as it will be seen."""
        composer = self.composer
        if not composer.text.strip():
            self.notify(f"Write the {composer.kind} first, then preview it.", timeout=3,
                        markup=False)
            return
        from tui.preview import MarkdownPreview

        self.app.push_screen(MarkdownPreview(composer.kind, composer.text, composer.recipient))

    # --- copy and links ---------------------------------------------------------------

    def action_copy(self, what: str) -> None:
        """Copy the ticket number, the customer's email or the selected message."""
        ticket = self._need_ticket()
        if ticket is None:
            return
        from tui.clipboard import copy

        if what == "number":
            copy(self, f"#{ticket.number}", "the ticket number")
        elif what == "email":
            if ticket.customer_email:
                copy(self, plain(ticket.customer_email, one_line=True), "the customer's email")
            else:
                self.notify("This ticket has no customer email.", timeout=3)
        else:
            message = self.chatter.current
            body = message.body if message is not None else ticket.description
            if body.strip():
                copy(self, plain(body), "the message" if message else "the description")
            else:
                self.notify("Nothing to copy: the message is empty.", timeout=3)

    def action_links(self) -> None:
        """The http(s) addresses of the description and the messages loaded: open or copy."""
        ticket = self._need_ticket()
        if ticket is None:
            return
        from deskline.links import web_addresses

        urls = web_addresses([ticket.description, *(m.body for m in self.chatter.messages)])
        if not urls:
            self.notify("No http(s) address in this ticket's messages.", timeout=3)
            return
        from tui.clipboard import copy, follow
        from tui.link_picker import LinkPicker

        def chosen(choice) -> None:
            if choice is None:
                return
            action, url = choice
            if action == "open":
                follow(self, url)
            else:
                copy(self, url, "the address")

        self.app.push_screen(LinkPicker(f"Links in #{ticket.number}", urls), chosen)

    def on_key(self, event) -> None:
        # Keep the draft file current while typing without writing on every key.
        if isinstance(self.focused, TextArea):
            if self._save_timer is None:
                self._save_timer = self.set_timer(2.0, self._save_drafts, name="save-drafts")
            else:
                self._save_timer.reset()

    def _save_drafts(self) -> None:
        self._save_timer = None
        self.app.drafts.save()


async def _messages_after(backend, ticket_id: int, cursor: str | None, *,
                          after_message_id: int | None = None) -> list:
    """Every message of the ticket after `cursor`, or after the message `after_message_id`
    (from the first with neither), page by page."""
    items: list = []
    while True:
        if after_message_id is not None and cursor is None:
            page = await backend.ticket_messages(ticket_id, limit=PAGE,
                                                 after_message_id=after_message_id)
        else:
            page = await backend.ticket_messages(ticket_id, cursor=cursor, limit=PAGE)
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return items
