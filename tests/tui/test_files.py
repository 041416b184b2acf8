"""The files of customers' mails in the ticket view: listed in the thread, saved by keys
into a folder, never over an existing file and never outside the folder."""

from __future__ import annotations

import sqlite3

from tests.contract.test_attachments import LOG, PDF, mail, take
from tests.tui.helpers import make_app, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready, open_ticket
from tui.pickers import Picker, TextPrompt


def mailed_ticket(db) -> int:
    first = take(db, mail("<first@files.example>", "The scanner fails, report attached.",
                          [("Scan report.pdf", "application/pdf", PDF)]))
    take(db, mail("<second@files.example>", "Here is the log.",
                  [("Prüf-protokoll.txt", "text/plain", LOG)],
                  in_reply_to="<first@files.example>"))
    return first.ticket_number


async def save_into(pilot, app, folder, choice_keys=()) -> None:
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, Picker))
    await pilot.press(*choice_keys, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
    app.screen.query_one("#prompt").value = str(folder)
    await pilot.press("enter")


async def test_files_are_listed_in_the_thread_and_saved_by_keys(demo_db, tmp_path):
    number = mailed_ticket(demo_db)
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await open_ticket(pilot, app, number)
        await pilot.press("home")
        text = screen_text(app)
        assert "⤓ Scan report.pdf · " in text and "application/pdf" in text
        assert "⤓ Prüf-protokoll.txt · " in text
        folder = tmp_path / "saved"
        await save_into(pilot, app, folder)  # "All 2 files" is offered first
        await wait_for(pilot, lambda: any("Saved to" in n.message for n in app._notifications))
        assert (folder / "Scan report.pdf").read_bytes() == PDF
        assert (folder / "Prüf-protokoll.txt").read_bytes() == LOG
        # Again: the files there stay, the new copies are numbered.
        await save_into(pilot, app, folder)
        await wait_for(pilot, lambda: (folder / "Scan report (2).pdf").exists())
        assert (folder / "Scan report (2).pdf").read_bytes() == PDF
        assert (folder / "Scan report.pdf").read_bytes() == PDF
        # The folder is remembered for the next time.
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, Picker))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        assert app.screen.query_one("#prompt").value == str(folder)


async def test_a_hostile_file_name_stays_in_the_folder_and_off_the_terminal(demo_db, tmp_path):
    number = mailed_ticket(demo_db)
    conn = sqlite3.connect(demo_db)
    with conn:  # as a hostile server or an old intake might have stored it
        conn.execute("UPDATE mail_attachments SET filename = ?"
                     " WHERE filename = 'Prüf-protokoll.txt'",
                     ("../../outside\x1b]52;c;aGk=\x07.txt",))
    conn.close()
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await open_ticket(pilot, app, number)
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "⤓ ../../outside␛]52;c;aGk=␇.txt" in text
        folder = tmp_path / "inbox" / "saved"
        # "All 2 files", then the selected (last) message's file first: one down.
        await save_into(pilot, app, folder, choice_keys=("down",))
        await wait_for(pilot, lambda: any("Saved to" in n.message for n in app._notifications))
    saved = list(folder.iterdir())
    assert [p.name for p in saved] == ["outside]52;c;aGk=.txt"]
    assert saved[0].read_bytes() == LOG
    assert not (tmp_path / "outside]52;c;aGk=.txt").exists()


async def test_a_ticket_without_files_says_so(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await open_ticket(pilot, app, 5)
        await pilot.press("d")
        await wait_for(pilot, lambda: any("No file came with" in n.message
                                          for n in app._notifications))
