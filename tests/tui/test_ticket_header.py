"""The ticket view's header at 80×24: each field wraps as a unit or is cut with an
ellipsis, whatever long and hostile values it holds."""

from __future__ import annotations

from contextlib import asynccontextmanager

from rich.cells import cell_len
from rich.text import Text

from tests.tui.helpers import HOSTILE, NOW, make_app, wait_for
from tests.tui.test_pilot import ALICE, is_ready, open_ticket
from widgets.fields import Field, FieldLines, lay_out

NAME = "Maximilian-Alexander [bold]von Hohenzollern-Sigmaringen[/bold] the Third of Many"
EMAIL = "maximilian.hohenzollern@customer-long-domain.example"
ORG = "Internationale Gesellschaft für [red]Druckerwartung[/red] und Papierstau GmbH & Co. KG"
SUBJECT = "The printer on the third floor prints " + "blank pages again and again " * 8
DESCRIPTION = ("It broke again, see https://status.example/incident?id=7 and "
               "https://wiki.example/printers_(3rd). Not this: javascript:alert(1) "
               "ftp://files.example/x, nor https://e\x1b]52;c;aGVsbG8=\x07vil.example/.")
COMMENT = "Checked: **toner is fine**, see [the runbook](https://runbook.example/toner)\n- one"


def add_long_ticket(path) -> int:
    """A ticket whose header holds long, hostile values, with links in its messages."""
    from deskline.local import resolve_agent
    from deskline.models import CustomerCreate, OrganizationCreate, TicketCreate
    from deskline.service import Service
    from deskline.store.sqlite import SqliteStore

    store = SqliteStore.open(path)
    svc = Service(store, resolve_agent(store, ALICE), clock=lambda: NOW)
    org = svc.create_organization(OrganizationCreate(name=ORG))
    customer = svc.create_customer(CustomerCreate(email=EMAIL, name=NAME,
                                                  organization_id=org.id))
    team = svc.list_teams()[0]
    ticket = svc.create_ticket(TicketCreate(
        subject=SUBJECT, description=DESCRIPTION, team_id=team.id, customer_id=customer.id,
        priority=3, tags=["[b]x[/b]", "a-rather-long-tag-name", "another-long-tag-name",
                          "waiting-on-the-vendor-forever"]))
    svc.comment(ticket.id, COMMENT)
    svc.reply(ticket.id, "Hello, try https://help.example/reset then " + HOSTILE)
    store.close()
    return ticket.number


@asynccontextmanager
async def long_ticket_view(path):
    """(app, pilot, ticket screen) of `add_long_ticket`'s ticket at 80×24."""
    number = add_long_ticket(path)
    app = make_app(path, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        yield app, pilot, await open_ticket(pilot, app, number)


def test_fields_wrap_whole_and_long_ones_are_cut():
    rows = [[Field(Text("#7 " + "word " * 30))],
            [Field("team › New"), Field("urgent"), Field("customer: ", "N" * 60, " <a@b.c>"),
             Field("org: ", "O" * 200)]]
    lines = [line.plain for line in lay_out(rows, 40)]
    assert all(cell_len(line) <= 40 for line in lines)
    assert lines[0].startswith("#7 word") and lines[1].endswith("…")  # two lines, then cut
    assert lines[2] == "team › New · urgent"
    assert lines[3].startswith("customer: NNN") and lines[3].endswith("… <a@b.c>")
    assert lines[4].startswith("org: OOO") and lines[4].endswith("…")
    assert len(lines) == 5


async def test_header_fields_are_whole_at_80x24(demo_db):
    async with long_ticket_view(demo_db) as (_app, pilot, screen):
        await pilot.pause()
        number = screen.ticket.number
        header = screen.query_one("#ticket-header", FieldLines)
        lines = str(header.render()).split("\n")
        assert header.size.height == len(lines) <= 6
        assert all(cell_len(line) <= 78 for line in lines)
        assert lines[0].startswith(f"#{number} The printer") and lines[0].endswith("…")
        customer = next(line for line in lines if "customer: " in line)
        # the name gives way, the address stays whole, the markup is text
        assert customer.startswith("customer: Maximilian-A")
        assert customer.endswith(f"… <{EMAIL}>")
        org = next(line for line in lines if "org: " in line)
        assert org.startswith("org: Internationale Gesellschaft für [red]Druck")
        assert org.endswith("…")
        tags = next(line for line in lines if "tags: " in line)
        assert "tags: #[b]x[/b], #a-rather" in tags and tags.endswith("…")
        # every line starts with a field's beginning, never with the rest of one
        starts = tuple(field.text.plain[:5] for row in header.rows for field in row)
        assert all(line.startswith(starts) for line in lines), lines
        assert "\x1b" not in "".join(lines)
