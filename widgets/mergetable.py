"""The merge comparison: tickets side by side, one row per field, differing ones marked,
the chosen value of each row shown with a glyph (● chosen, ○ not). Text only, no markup."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from deskline.text import plain

LABELS = {"target": "Target", "subject": "Subject", "description": "Description",
          "customer_id": "Customer", "assignee_id": "Assignee", "priority": "Priority",
          "stage_id": "Stage", "team_id": "Team"}


def merge_table(preview, target: int, choices: dict[str, int], row: int) -> Table:
    """Rows: the target first, then every field; `row` is the selected one."""
    table = Table(expand=True, show_lines=False, box=None, padding=(0, 1))
    table.add_column(Text(""), no_wrap=True, width=2)
    table.add_column(Text("Field"), no_wrap=True, width=13)
    for ticket in preview.tickets:
        table.add_column(Text(f"#{ticket.number}", style="bold"), ratio=1, no_wrap=True,
                         overflow="ellipsis")
    ids = [t.id for t in preview.tickets]
    rows = [("target", None)] + [(f.field, f) for f in preview.fields]
    for i, (name, values) in enumerate(rows):
        selected = i == row
        style = "reverse bold" if selected else ""
        differs = values.differs if values is not None else True
        cells = [Text("▶" if selected else ("≠" if differs and values is not None else " "),
                      style="bold"),
                 Text(LABELS.get(name, name) + (" ≠" if differs and values else ""),
                      style=style)]
        chosen = target if name == "target" else choices.get(name, target)
        for tid in ids:
            mark = "● " if tid == chosen else "○ "
            if values is None:
                value = "target" if tid == target else "merged into target"
            else:
                value = plain(values.values.get(tid) or values.values.get(str(tid)) or "—",
                              one_line=True)
            cell_style = ("bold" if tid == chosen else "dim") + (" reverse" if selected else "")
            cells.append(Text(mark + value, style=cell_style))
        table.add_row(*cells)
    return table


def pairs_text(preview) -> Text:
    numbers = {t.id: t.number for t in preview.tickets}
    text = Text("Similarity: ", style="bold")
    for pair in preview.pairs:
        text.append(f"#{numbers.get(pair.a, pair.a)} ↔ #{numbers.get(pair.b, pair.b)} "
                    f"{pair.score:.0%}   ")
    text.append(f"· {preview.message_count} messages in the merged thread")
    return text
