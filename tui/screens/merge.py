"""Merge: the marked tickets side by side, a choice of target and of each field's value, a
preview of the merged thread, then confirm or cancel."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tui import keymap
from tui.base import DesklineScreen
from widgets.chatter import Chatter
from widgets.keybar import KeyBar
from widgets.mergetable import merge_table, pairs_text
from widgets.titleline import TitleLine


class MergeScreen(DesklineScreen):
    SCOPE = "merge"
    BINDINGS = keymap.bindings("merge")

    def __init__(self, ticket_ids: list[int]) -> None:
        super().__init__()
        self.ticket_ids = ticket_ids
        self.preview = None
        self.target: int | None = None
        self.choices: dict[str, int] = {}
        self.row = 0
        self.busy = False

    def compose(self) -> ComposeResult:
        yield TitleLine(Text(f"Merge {len(self.ticket_ids)} tickets · comparing…"), id="title")
        yield Static(id="merge-table")
        yield Static(id="merge-pairs")
        yield Static(Text("Preview of the merged thread (oldest first)"), classes="section")
        yield Chatter(now=self.app.now, id="preview", selectable=False)
        yield KeyBar(keymap.hints("merge"))

    def on_mount(self) -> None:
        async def load(backend):
            preview = await backend.merge_preview(self.ticket_ids)
            messages = []
            for ticket in preview.tickets:
                page = await backend.ticket_messages(ticket.id, limit=100)
                messages.extend(page.items)
            messages.sort(key=lambda m: (m.created_at, m.id))
            return preview, messages

        self.call(load, self._loaded, "Comparing the tickets",
                  failed=lambda e: self.dismiss(None))

    def _loaded(self, result) -> None:
        preview, messages = result
        self.preview = preview
        # Default target: the oldest ticket (lowest number), as most helpdesks do.
        self.target = min(preview.tickets, key=lambda t: t.number).id
        self.query_one("#merge-pairs", Static).update(pairs_text(preview))
        self.query_one(Chatter).set_messages(messages, False)
        self._paint()

    def _paint(self) -> None:
        if self.preview is None:
            return
        target = next(t for t in self.preview.tickets if t.id == self.target)
        title = Text(f"Merge {len(self.preview.tickets)} tickets into ", style="")
        title.append(f"#{target.number}", "bold")
        title.append(f" · ←/→ choose · {keymap.display('merge.confirm')} merges · "
                     f"{keymap.key('merge.cancel')} cancels")
        self.query_one("#title", Static).update(title)
        self.query_one("#merge-table", Static).update(
            merge_table(self.preview, self.target, self.choices, self.row))

    def action_row(self, delta: int) -> None:
        if self.preview is not None:
            self.row = max(0, min(self.row + delta, len(self.preview.fields)))
            self._paint()

    def action_choose(self, delta: int) -> None:
        if self.preview is None:
            return
        ids = [t.id for t in self.preview.tickets]
        if self.row == 0:
            self.target = ids[(ids.index(self.target) + delta) % len(ids)]
        else:
            field = self.preview.fields[self.row - 1].field
            current = self.choices.get(field, self.target)
            self.choices[field] = ids[(ids.index(current) + delta) % len(ids)]
        self._paint()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_confirm(self) -> None:
        if self.preview is None or self.busy:
            return
        from deskline.models import MergeRequest

        self.busy = True
        tickets = self.preview.tickets
        choices = {f: tid for f, tid in self.choices.items() if tid != self.target}
        request = MergeRequest(target_id=self.target,
                               source_ids=[t.id for t in tickets if t.id != self.target],
                               choices=choices, versions={t.id: t.version for t in tickets})
        self.query_one("#title", Static).update(Text("Merging…", style="bold"))

        async def merge(backend):
            target = await backend.merge(request)
            sources = [await backend.get_ticket(i) for i in request.source_ids]
            return target, sources

        def merged(result) -> None:
            target, sources = result
            for ticket in [*sources, target]:
                self.app.ticket_changed.publish(ticket)
            self.app.notify(f"Merged into #{target.number}.", timeout=5, markup=False)
            self.dismiss(target.id)

        def failed(_exc) -> None:
            self.busy = False
            self._paint()

        self.call(merge, merged, "Merging", failed=failed)
