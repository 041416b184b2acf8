"""Drive each screen with keys; assert what it shows and what the backend received."""

from __future__ import annotations

from deskline.text import plain
from tests.tui.helpers import HOSTILE, make_app, screen_text, wait_for
from tui.screens.board import BoardScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.merge import MergeScreen
from tui.screens.ticket import TicketScreen

ALICE = "alice.martin@deskline.example"


def is_ready(app):
    return isinstance(app.screen, DashboardScreen) and app.screen.figures


async def open_board(pilot, team_index: int = 1):
    """Customer Care (second card, teams are sorted by name) with its columns loaded."""
    app = pilot.app
    await wait_for(pilot, lambda: is_ready(app))
    for _ in range(team_index):
        await pilot.press("right")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.columns
                   and app.screen.columns[0].cards)
    return app.screen


async def open_ticket(pilot, app, number: int):
    app.open_ticket_screen(number=number)
    await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket
                   and app.screen.chatter.messages)
    return app.screen


async def test_dashboard_shows_figures_and_my_tickets(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        text = screen_text(app)
        assert "Alice Martin" in text
        assert "Customer Care" in text and "open" in text and "SLA failed" in text
        assert "My open tickets (" in text
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket)
        assert app.screen.ticket.assignee_name == "Alice Martin"


async def test_board_moves_a_ticket_to_the_next_stage(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        first, second = board.columns[0], board.columns[1]
        card = first.cards[0]
        before = (first.count, second.count)
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: card.id not in [c.id for c in first.cards])
        backend = app.holder["backend"]
        assert backend.writes("move_ticket") == [((card.id, card.version, second.stage_id), {})]
        assert first.count == before[0] - 1 and second.count == before[1] + 1
        assert card.id in [c.id for c in second.cards]  # updated without reloading
        assert backend.all_calls.count("board_columns") == 1
        assert f"#{card.number}" in screen_text(app)


async def test_board_keys_assign_priority_fold_filter(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        backend = app.holder["backend"]
        card = board.column.current
        await pilot.press("a")
        await wait_for(pilot, lambda: backend.writes("assign_to_me"))
        assert backend.writes("assign_to_me")[0][0][0] == card.id
        await wait_for(pilot, lambda: board.column.current.assignee_name == "Alice Martin")
        await pilot.press("p")
        await wait_for(pilot, lambda: "Priority" in screen_text(app))
        await pilot.press("home", "enter")  # the first option: urgent
        await wait_for(pilot, lambda: backend.writes("update_ticket"))
        (ticket_id, _version, update), _ = backend.writes("update_ticket")[0]
        assert ticket_id == card.id and update.priority == 3
        # Fold the selected column: a view choice, nothing written.
        writes = len(backend.calls)
        await pilot.press("f")
        assert board.column.folded
        await pilot.press("f")
        assert not board.column.folded
        assert len(backend.calls) == writes
        # Closing stages start folded.
        assert [c.folded for c in board.columns] == [c.closing for c in board.columns]
        # Filter: only unassigned, then by text.
        await pilot.press("u")
        await wait_for(pilot, lambda: backend.all_calls.count("board_columns") == 2)
        await wait_for(pilot, lambda: board.columns and board.columns[0].cards)
        assert all(c.assignee_id is None for col in board.columns for c in col.cards)
        await pilot.press("slash")
        await pilot.press(*"printer", "enter")
        await wait_for(pilot, lambda: backend.all_calls.count("board_columns") == 3)
        assert "printer" in screen_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: "all tickets" in screen_text(app))


async def test_board_filters_by_project(demo_db):
    import sqlite3

    db = sqlite3.connect(demo_db)
    projects = db.execute("SELECT name, id FROM projects ORDER BY id").fetchall()
    # The project whose customers have the most tickets in Customer Care.
    index, (name, project_id) = max(enumerate(projects), key=lambda p: db.execute(
        "SELECT count(*) FROM tickets t JOIN teams tm ON tm.id = t.team_id"
        " WHERE tm.name = 'Customer Care' AND t.customer_id IN"
        " (SELECT customer_id FROM customer_projects WHERE project_id = ?)",
        (p[1][1],)).fetchone()[0])
    members = {r[0] for r in db.execute(
        "SELECT customer_id FROM customer_projects WHERE project_id = ?", (project_id,))}
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        backend = app.holder["backend"]
        await pilot.press("o")
        await wait_for(pilot, lambda: "tickets of a project" in screen_text(app))
        await pilot.press("home", *["down"] * (index + 1), "enter")
        await wait_for(pilot, lambda: backend.all_calls.count("board_columns") == 2)
        await wait_for(pilot, lambda: f"project {name}" in screen_text(app))
        team_id = board.team_id
        expected = db.execute(
            "SELECT count(*) FROM tickets WHERE team_id = ? AND archived = 0 AND customer_id"
            " IN (SELECT customer_id FROM customer_projects WHERE project_id = ?)",
            (team_id, project_id)).fetchone()[0]
        assert expected > 0
        await wait_for(pilot, lambda: all(c.count is not None for c in board.columns))
        assert sum(c.count for c in board.columns) == expected
        shown = [c.id for col in board.columns for c in col.cards]
        customers = {r[0] for r in db.execute(
            f"SELECT customer_id FROM tickets WHERE id IN ({','.join(map(str, shown))})")}
        assert customers <= members
        await pilot.press("c")
        await wait_for(pilot, lambda: "all tickets" in screen_text(app))


async def test_board_navigation_and_paging(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)
        column = board.column
        for _ in range(5):
            await pilot.press("j")
        assert column.selected == min(5, len(column.cards) - 1)
        await pilot.press("k", "l")
        assert board.active == 1 and board.columns[1].active
        await pilot.press("h", "g")
        assert board.active == 0 and column.selected == 0


async def test_mark_and_merge(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        a, b = board.column.cards[0], board.column.cards[1]
        await pilot.press("space")  # marks without moving
        assert board.column.selected == 0 and set(board.marked) == {a.id}
        await pilot.press("j", "space")
        assert set(board.marked) == {a.id, b.id}
        assert "2 marked: M merge" in screen_text(app)
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, MergeScreen) and app.screen.preview)
        text = screen_text(app)
        assert "Similarity" in text and f"#{a.number}" in text and f"#{b.number}" in text
        await pilot.press("down", "right")  # take the subject of the other ticket
        await pilot.press("ctrl+s")
        backend = app.holder["backend"]
        await wait_for(pilot, lambda: backend.writes("merge"))
        request = backend.writes("merge")[0][0][0]
        target = min((a, b), key=lambda t: t.number)
        other = b if target is a else a
        assert request.target_id == target.id and request.source_ids == [other.id]
        assert request.choices == {"subject": other.id}
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and not board.marked)
        assert other.id not in [c.id for col in board.columns for c in col.cards]


async def test_ticket_comment_with_mention_and_reply(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 1)
        backend = app.holder["backend"]
        count = len(screen.chatter.messages)
        await pilot.press("c")
        assert screen.composer.kind == "comment"
        await pilot.press(*"please check @bru")
        await wait_for(pilot, lambda: screen.composer.people)
        await pilot.press("ctrl+n")
        assert screen.composer.text == "please check @bruno.okafor "
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: backend.writes("comment"))
        assert backend.writes("comment") == [((screen.ticket.id, "please check @bruno.okafor"), {})]
        await wait_for(pilot, lambda: len(screen.chatter.messages) > count)
        assert "■ INTERNAL note by Alice Martin" in screen_text(app)
        assert screen.composer.text == ""
        await pilot.press("ctrl+t")
        assert screen.composer.kind == "reply"
        # f6, the other key for it, is also the text box's "select line": ours wins.
        await pilot.press(*"Fixed now.", "f6")
        assert screen.composer.kind == "comment"
        await pilot.press("f6")
        assert screen.composer.kind == "reply" and screen.composer.text == "Fixed now."
        assert screen.composer.area.selected_text == ""
        await pilot.press("f5")
        await wait_for(pilot, lambda: backend.writes("reply"))
        assert backend.writes("reply")[0][0] == (screen.ticket.id, "Fixed now.", [])


async def test_draft_survives_leaving_the_ticket(demo_db, tmp_path):
    drafts = tmp_path / "drafts.json"
    app = make_app(demo_db, email=ALICE, drafts=drafts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 2)
        await pilot.press("r", *"half written")
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert app.holder["backend"].writes("reply") == []
        screen = await open_ticket(pilot, app, 2)
        await wait_for(pilot, lambda: screen.composer.text == "half written")
        assert screen.composer.kind == "reply"
    assert "half written" in drafts.read_text()


async def test_ticket_header_keys_follow_archive_split_edit(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 3)
        backend = app.holder["backend"]
        following = app.me.id in screen.ticket.follower_ids
        await pilot.press("f")
        await wait_for(pilot, lambda: backend.writes("follow_ticket"))
        assert backend.writes("follow_ticket")[0][0] == (screen.ticket.id, not following)
        # Split the first message out.
        await pilot.press("g", "space", "S")
        await wait_for(pilot, lambda: "Split 1 message" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: backend.writes("split"))
        request = backend.writes("split")[0][0][1]
        assert len(request.message_ids) == 1
        # Edit the subject from the header editor.
        await wait_for(pilot, lambda: screen.ticket.version > 1 and not screen.chatter.marked)
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.query("#subject"))
        await pilot.press("ctrl+u", *"New subject", "ctrl+s")
        await wait_for(pilot, lambda: backend.writes("edit_ticket"))
        assert backend.writes("edit_ticket")[0][0][2].subject == "New subject"
        await wait_for(pilot, lambda: "New subject" in screen_text(app))
        await pilot.press("X")
        await wait_for(pilot, lambda: "Archive #" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: backend.writes("archive_ticket"))
        await wait_for(pilot, lambda: "[archived]" in screen_text(app))


async def test_search_opens_the_ticket(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await pilot.press("slash", *"#5")
        await wait_for(pilot, lambda: app.screen.hits)
        assert "#5 " in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket)
        assert app.screen.ticket.number == 5


async def test_hostile_text_shows_as_text(demo_db):
    app = make_app(demo_db)  # the admin sees the hostile ticket
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await open_ticket(pilot, app, 401)  # the demo's 400 tickets, then the hostile one
        text = screen_text(app)
        assert "[URGENT] printer down [/]" in text
        assert plain(HOSTILE, one_line=True)[:40] in text
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        assert "␛]52;c;aGVsbG8=␇" in text
        assert "[red]not red[/red]" in text


async def test_errors_are_notifications_not_crashes(demo_db):
    from deskline.errors import ConflictError

    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        backend = app.holder["backend"]

        async def refuse(*args, **kwargs):
            raise ConflictError("version 1 is stale")

        backend.inner.move_ticket = refuse
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: app._notifications and any(
            "changed this ticket" in n.message for n in app._notifications))
        assert isinstance(app.screen, BoardScreen) and board.columns


async def test_help_lists_the_keys_of_the_screen(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: "Keys · Board" in screen_text(app))
        text = screen_text(app)
        assert "Move to the next stage" in text and "Fold or unfold" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))


async def test_remapped_key_and_bad_binding_id(demo_db):
    app = make_app(demo_db, email=ALICE, keys={"board.fold": "z", "board.nope": "x"})
    async with app.run_test(size=(120, 40)) as pilot:
        assert any("board.nope" in p for p in app.problems)
        board = await open_board(pilot)
        await pilot.press("z")
        assert board.column.folded


async def open_palette(pilot) -> None:
    """ctrl+p, once more if a screen was still settling and the key got lost."""
    for _ in range(3):
        await pilot.pause(0.2)
        await pilot.press("ctrl+p")
        try:
            await wait_for(pilot, lambda: "CommandPalette" in type(pilot.app.screen).__name__,
                           timeout=2)
            return
        except AssertionError:
            continue
    raise AssertionError("the command palette did not open")


async def test_palette_jumps_to_a_ticket_and_a_board(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await pilot.press("ctrl+p")
        await pilot.press(*"#7")
        await wait_for(pilot, lambda: "Open ticket #7" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket)
        assert app.screen.ticket.number == 7
        await open_palette(pilot)
        await pilot.press(*"billing")
        await wait_for(pilot, lambda: "Board: Billing" in screen_text(app))
        await pilot.pause(0.3)  # let the fuzzy search settle on its best match
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        assert app.screen.team_id == next(t.id for t in app.teams if t.name == "Billing")
        await wait_for(pilot, lambda: app.screen.columns and app.screen.columns[0].cards)
        await open_palette(pilot)
        await pilot.press(*"theme: deskline light")
        await wait_for(pilot, lambda: "Theme: Deskline light" in screen_text(app))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "deskline-light")


async def test_palette_runs_a_binding(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        before = app.theme
        await open_palette(pilot)
        await pilot.press(*"next theme")
        await wait_for(pilot, lambda: "Next theme" in screen_text(app))
        await pilot.pause(0.3)  # let the fuzzy search settle on its best match
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme != before)


async def test_editor_falls_back_to_the_box_and_missing_ticket_is_reported(demo_db,
                                                                           monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 4)
        await pilot.press("f4")
        await wait_for(pilot, lambda: any("No $EDITOR" in n.message for n in app._notifications))
        assert screen.composer.area.has_focus
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.open_ticket_screen(number=999_999)
        await wait_for(pilot, lambda: any("Opening the ticket" in n.message
                                          for n in app._notifications))
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_edit_links_a_customer_by_email_or_creates_one(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 5)
        backend = app.holder["backend"]
        others = (await backend.list_customers(limit=5)).items
        other = next(c for c in others if c.id != screen.ticket.customer_id)
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.query("#customer"))
        app.screen.query_one("#customer").value = other.email.upper()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: backend.writes("edit_ticket"))
        assert backend.writes("edit_ticket")[0][0][2].customer_email == other.email.upper()
        await wait_for(pilot, lambda: screen.ticket.customer_id == other.id)
        # Not an email address: refused with a message; nothing is written.
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.query("#customer"))
        app.screen.query_one("#customer").value = "nobody at nowhere"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any("is not an email address" in n.message
                                          for n in app._notifications))
        assert len(backend.writes("edit_ticket")) == 2  # the second refused, as a whole
        assert not (await backend.list_customers(text="nobody at nowhere")).items
        # An unknown sender becomes a customer and is linked to the ticket.
        await pilot.press("escape")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.query("#customer"))
        app.screen.query_one("#customer").value = "new.sender@nowhere.example"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(backend.writes("edit_ticket")) == 3)
        (created,) = (await backend.list_customers(text="new.sender@nowhere.example")).items
        assert created.email == "new.sender@nowhere.example"
        await wait_for(pilot, lambda: screen.ticket.customer_email == "new.sender@nowhere.example")
        assert any("Created the customer new.sender@nowhere.example" in n.message
                   for n in app._notifications)


async def test_texts_that_name_a_key_name_the_remapped_one(demo_db):
    app = make_app(demo_db, email=ALICE, keys={"board.mark": "x", "board.merge": "G"})
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        await pilot.press("G")
        await wait_for(pilot, lambda: any("Mark two or more tickets with x first." in n.message
                                          for n in app._notifications))
        await pilot.press("x")
        await wait_for(pilot, lambda: board.marked)
        assert "1 marked: G merge" in screen_text(app)


async def test_board_shows_a_capped_count_at_80x24(demo_db, monkeypatch):
    from deskline.service import reading

    monkeypatch.setattr(reading, "COLUMN_COUNT_CAP", 2)
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)
        backend = app.holder["backend"]
        await wait_for(pilot, lambda: all(c.count is not None for c in board.columns))
        assert not any(c.capped for c in board.columns)  # unfiltered: exact
        await pilot.press("slash", *"printer", "enter")
        await wait_for(pilot, lambda: backend.all_calls.count("board_columns") == 2)
        await wait_for(pilot, lambda: all(c.count is not None for c in board.columns))
        capped = [c for c in board.columns if c.capped]
        assert all(c.count == 2 for c in capped)
        assert {c.folded for c in capped} == {True, False}
        await pilot.pause()
        header, _, folded = screen_text(app).splitlines()[1:4]
        assert header.count(" 2+ ") == len([c for c in capped if not c.folded]) > 0
        # a folded column's count is under its name
        assert folded.count(" 2+") == len([c for c in capped if c.folded]) > 0
