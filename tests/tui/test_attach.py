"""Files sent with a reply, by keys: attach by path, see them in the composer, remove one,
keep them in the draft, refuse what cannot be sent, send files only."""

from __future__ import annotations

from tests.tui.helpers import make_app, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready, open_ticket
from tui.pickers import Picker, TextPrompt


async def attach(pilot, app, path) -> None:
    await pilot.press("f8")
    await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
    app.screen.query_one("#prompt").value = str(path)
    await pilot.press("enter")


def notified(app, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


async def test_a_reply_with_files_by_keys(demo_db, tmp_path):
    manual = tmp_path / "manual.pdf"
    manual.write_bytes(b"%PDF-1.4 manual")
    steps = tmp_path / "steps.txt"
    steps.write_text("1. restart\n")
    app = make_app(demo_db, email=ALICE, drafts=tmp_path / "drafts.json")
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 5)
        await pilot.press("r", *"Both files attached.")
        await attach(pilot, app, manual)
        await wait_for(pilot, lambda: screen.composer.files)
        await pilot.press("f8")  # a second one: asked what to do first
        await wait_for(pilot, lambda: isinstance(app.screen, Picker))
        await pilot.press("enter")  # "Attach another file…"
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("#prompt").value = str(steps)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(screen.composer.files) == 2)
        assert "⤓ with manual.pdf (15 B), steps.txt (11 B)" in screen_text(app)
        # The files are part of the draft: leave and come back.
        await pilot.press("escape", "escape")
        screen = await open_ticket(pilot, app, 5)
        await wait_for(pilot, lambda: len(screen.composer.files) == 2)
        assert screen.composer.text == "Both files attached."
        await pilot.press("ctrl+s")
        backend = app.holder["backend"]
        await wait_for(pilot, lambda: backend.writes("reply"))
        (ticket_id, body, uploads), _kw = backend.writes("reply")[0]
        assert body == "Both files attached."
        assert [(u.filename, u.content_type, u.content) for u in uploads] == [
            ("manual.pdf", "application/pdf", b"%PDF-1.4 manual"),
            ("steps.txt", "text/plain", b"1. restart\n")]
        await wait_for(pilot, lambda: not screen.composer.files)
        await wait_for(pilot, lambda: "⤓ manual.pdf · 15 B · application/pdf"
                       in screen_text(app))
    assert app.drafts.unsent() == []


async def test_what_cannot_be_sent_is_refused_and_a_file_can_be_removed(demo_db, tmp_path):
    big = tmp_path / "huge.iso"
    with open(big, "wb") as out:
        out.truncate(11 * 1024 * 1024)
    note = tmp_path / "note.txt"
    note.write_text("x")
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 5)
        await pilot.press("c")  # files go with replies: f8 switches to the Reply tab
        await attach(pilot, app, tmp_path / "missing.txt")
        await wait_for(pilot, lambda: notified(app, "missing.txt is not a file"))
        assert screen.composer.kind == "reply"
        await attach(pilot, app, big)
        await wait_for(pilot, lambda: notified(app, "a reply takes files up to 10 MB"))
        assert screen.composer.files == []
        await attach(pilot, app, note)
        await wait_for(pilot, lambda: screen.composer.files)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, Picker))
        await pilot.press("down", "enter")  # "Remove note.txt"
        await wait_for(pilot, lambda: not screen.composer.files)
        # A reply of files only is sent; a file gone since is an error and nothing is sent.
        await attach(pilot, app, note)  # none attached now: straight to the path
        await wait_for(pilot, lambda: screen.composer.files)
        note.unlink()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "cannot read"))
        backend = app.holder["backend"]
        assert not backend.writes("reply")
        assert screen.composer.files  # kept: the agent decides
        note.write_text("back")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: backend.writes("reply"))
        (_tid, body, uploads), _kw = backend.writes("reply")[0]
        assert body == "" and [u.content for u in uploads] == [b"back"]


async def test_a_reply_takes_25_mb_of_files_at_most(demo_db, tmp_path):
    parts = []
    for i in range(3):
        part = tmp_path / f"part{i}.bin"
        with open(part, "wb") as out:
            out.truncate(9 * 1024 * 1024)
        parts.append(part)
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        screen = await open_ticket(pilot, app, 5)
        await attach(pilot, app, parts[0])
        await wait_for(pilot, lambda: len(screen.composer.files) == 1)
        for part in parts[1:]:
            await pilot.press("f8")
            await wait_for(pilot, lambda: isinstance(app.screen, Picker))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
            app.screen.query_one("#prompt").value = str(part)
            await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "would add up to 27 MB"))
        assert len(screen.composer.files) == 2
