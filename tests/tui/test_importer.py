"""The CSV mapping screen: columns with samples and guessed fields, dry run by line number,
import the good rows or nothing, saved mappings, progress, and a console on a server."""

from __future__ import annotations

import sqlite3

from textual.widgets import Input, ProgressBar

from tests.tui.helpers import make_app, screen_text, wait_for
from tests.tui.test_customers import Everything
from tests.tui.test_pilot import is_ready
from tui.screens.importer import ImportScreen

# cp1252, `;`, German headers, a quoted newline (the record on line 5 ends on line 6), a
# missing email (line 3), a bad one (line 4) and a duplicate (line 7).
KUNDEN = ("E-Mail;Vorname;Nachname;Firma;Telefon\r\n"
          "anna@example.com;Anna;Müller;Acme Logistics;+49 1\r\n"
          ";Bernd;Schulz;Neue GmbH;\r\n"
          "not-an-email;Carl;Groß;;\r\n"
          'dora@example.com;Dora;"Zwei\nZeilen";Acme Logistics;\r\n'
          "anna@example.com;Anna;Doppelt;;\r\n").encode("cp1252")
ODD = "Kontakt-Mail,Wer\nx1@example.com,Xaver Eins\nx2@example.com,Xenia Zwei\n"


def emails(db) -> set[str]:
    return {r[0] for r in sqlite3.connect(db).execute("SELECT email FROM customers")}


async def open_import(pilot, path, spy_class=Everything):
    app = pilot.app
    await wait_for(pilot, lambda: is_ready(app))
    app.backend = spy = spy_class(app.backend)
    await pilot.press("i")  # from the dashboard: asks for the file
    await wait_for(pilot, lambda: "from which CSV file?" in screen_text(app))
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen) and app.screen.preview)
    await pilot.pause()
    return spy


def runs(spy, method: str):
    return spy.writes(method)


async def test_columns_show_samples_and_guessed_fields(demo_db, tmp_path):
    path = tmp_path / "kunden.csv"
    path.write_bytes(KUNDEN)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_import(pilot, path)
        text = screen_text(app)
        assert "Import customers from CSV" in text
        assert "cp1252, semicolon-separated · 5 rows · 5 columns" in text
        for column, field in (("E-Mail", "email"), ("Vorname", "first_name"),
                              ("Nachname", "last_name"), ("Firma", "organization"),
                              ("Telefon", "phone")):
            line = next(x for x in text.splitlines() if f" {column} " in x)
            assert f"→ {field}" in line and "(guessed)" in line
        assert "e.g. Müller | Schulz | Groß" in text
        assert "✓ required fields mapped: email" in text


async def test_dry_run_reports_by_line_then_imports_the_good_rows(demo_db, tmp_path):
    path = tmp_path / "kunden.csv"
    path.write_bytes(KUNDEN)
    before = emails(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await open_import(pilot, path)
        screen = app.screen
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.report is not None)
        await pilot.pause()
        text = screen_text(app)
        assert "Dry run: 2 of 5 customers rows are good, 3 bad; nothing was written." in text
        assert "✗ line 3      (E-Mail) missing email" in text
        assert "✗ line 4      (E-Mail) not an email address" in text
        assert "✗ line 7      (E-Mail) duplicate" in text
        assert emails(demo_db) == before
        (args, kwargs), = runs(spy, "run_import")
        assert kwargs["dry_run"] is True and kwargs["chosen"]["E-Mail"] == "email"

        await pilot.press("f5")
        await wait_for(pilot, lambda: "3 of 5 rows are bad" in screen_text(app))
        assert "Import the 2 good rows; skip the 3 bad ones" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.report is not None and not screen.report.dry_run)
        await pilot.pause()
        assert "Imported 2 of 5 customers rows; skipped 3 bad rows." in screen_text(app)
        _args, kwargs = runs(spy, "run_import")[-1]
        assert (kwargs["dry_run"], kwargs["skip_bad"]) == (False, True)
        assert emails(demo_db) == before | {"anna@example.com", "dora@example.com"}
        # "Neue GmbH" stood only on a skipped row: it is not created.
        assert "organizations created" not in screen_text(app)
        orgs = {r[0] for r in sqlite3.connect(demo_db).execute("SELECT name FROM organizations")}
        assert "Neue GmbH" not in orgs and "Acme Logistics" in orgs
        bar = screen.query_one(ProgressBar)
        assert bar.display and bar.progress == bar.total
        # The importer reports progress from the database thread; the screen shows it.
        progress = runs(spy, "run_import")[-1][1]["progress"]
        progress("writing", 500, 2000)
        screen._show_progress()
        await pilot.pause()
        assert (bar.progress, bar.total) == (500, 2000)
        assert "Writing: 500 of 2,000 rows…" in screen_text(app)
        name = sqlite3.connect(demo_db).execute(
            "SELECT name FROM customers WHERE email = 'dora@example.com'").fetchone()[0]
        assert name == "Dora Zwei\nZeilen" or "Zwei" in name


async def test_choosing_nothing_writes_nothing(demo_db, tmp_path):
    path = tmp_path / "kunden.csv"
    path.write_bytes(KUNDEN)
    before = emails(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await open_import(pilot, path)
        await pilot.press("f5")  # no dry run yet: it checks first, then asks
        await wait_for(pilot, lambda: "3 of 5 rows are bad" in screen_text(app))
        await pilot.press("down", "enter")  # Import nothing
        await wait_for(pilot, lambda: "Nothing imported (your choice)." in screen_text(app))
        assert [k["dry_run"] for _a, k in runs(spy, "run_import")] == [True]
        assert emails(demo_db) == before


async def test_unknown_headers_are_mapped_from_the_keyboard_and_saved(demo_db, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(ODD, encoding="utf-8")
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        spy = await open_import(pilot, path)
        screen = app.screen
        assert "✗ required: map a column to email" in screen_text(app)
        await pilot.press("f5")  # refused: nothing maps to email
        await pilot.pause()
        assert not runs(spy, "run_import")
        await pilot.press("enter")  # choose the field of "Kontakt-Mail"
        await wait_for(pilot, lambda: "Column “Kontakt-Mail” holds" in screen_text(app))
        await pilot.press("down", "enter")  # the first field: email
        await wait_for(pilot, lambda: screen.fields["Kontakt-Mail"] == "email")
        assert "✓ required fields mapped: email" in screen_text(app)
        await pilot.press("j", "l")  # Wer -> the next field after "(ignored)": email…
        assert screen.fields["Wer"] == "email" and screen.fields["Kontakt-Mail"] is None
        await pilot.press("l")
        assert screen.fields["Wer"] == "name"
        await pilot.press("k", "h")  # Kontakt-Mail (ignored): left wraps to the last field
        assert screen.fields["Kontakt-Mail"] == "projects"
        await pilot.press("l", "l")  # right: ignored, then email
        assert screen.fields == {"Kontakt-Mail": "email", "Wer": "name"}
        line = next(x for x in screen_text(app).splitlines() if "Wer" in x)
        assert "→ name" in line and "(chosen)" in line

        await pilot.press("s")
        await wait_for(pilot, lambda: "Save this mapping as" in screen_text(app))
        app.screen.query_one(Input).value = "crm export"
        await pilot.press("enter")
        await wait_for(pilot, lambda: runs(spy, "save_import_mapping"))
        (args, _kwargs), = runs(spy, "save_import_mapping")
        assert args == ("crm export", "customers", {"Kontakt-Mail": "email", "Wer": "name"})

        await pilot.press("x")  # ignore Kontakt-Mail again, then reuse the saved mapping
        assert screen.fields["Kontakt-Mail"] is None
        await pilot.press("m")
        await wait_for(pilot, lambda: "Use a saved mapping" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.fields == {"Kontakt-Mail": "email", "Wer": "name"}
                       and "(saved)" in screen_text(app))
        assert "mapping “crm export”" in screen_text(app)

        await pilot.press("f5")
        await wait_for(pilot, lambda: "All 2 rows are good" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Imported 2 of 2 customers rows." in screen_text(app))
    assert {"x1@example.com", "x2@example.com"} <= emails(demo_db)


async def test_tickets_kind_links_customers_by_email(demo_db, tmp_path):
    team = sqlite3.connect(demo_db).execute("SELECT name FROM teams ORDER BY name").fetchone()[0]
    known = sqlite3.connect(demo_db).execute("SELECT email FROM customers LIMIT 1").fetchone()[0]
    path = tmp_path / "tickets.csv"
    path.write_text(f"Betreff,Team,E-Mail\nPrinter on fire,{team},{known}\n"
                    f"Cannot log in,{team},nobody@nowhere.example\n", encoding="utf-8")
    count = sqlite3.connect(demo_db).execute("SELECT count(*) FROM tickets").fetchone()[0]
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_import(pilot, path)
        screen = app.screen
        await pilot.press("t")  # tickets
        await wait_for(pilot, lambda: screen.kind == "tickets"
                       and screen.fields.get("Betreff") == "subject")
        assert "Import tickets from CSV" in screen_text(app)
        assert screen.fields == {"Betreff": "subject", "Team": "team",
                                 "E-Mail": "customer_email"}
        await pilot.press("f5")
        await wait_for(pilot, lambda: "All 2 rows are good" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.report is not None and not screen.report.dry_run)
        await pilot.pause()
        assert "Imported 2 of 2 tickets rows." in screen_text(app)
        assert "Not linked to a customer (no matching email): 1" in screen_text(app)
    assert sqlite3.connect(demo_db).execute("SELECT count(*) FROM tickets").fetchone()[0] \
        == count + 2


async def test_a_console_on_a_server_imports_too(demo_db, tmp_path):
    """Over a real server: the file goes up as bytes; preview, dry run and import work as
    on the local database (without the progress figures)."""
    from tests.server_support import open_remote_backend
    from tests.tui.helpers import NOW
    from tui.app import DesklineApp

    path = tmp_path / "kunden.csv"
    path.write_bytes(KUNDEN)
    before = emails(demo_db)

    async def opener():
        return await open_remote_backend(demo_db, "admin@deskline.example")

    app = DesklineApp(opener, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_import(pilot, path)
        screen = app.screen
        assert "cp1252, semicolon-separated" in screen_text(app)
        assert screen.preview.rows == 5 and screen.fields["E-Mail"] == "email"
        await pilot.press("f5")
        await wait_for(pilot, lambda: "3 of 5 rows are bad" in screen_text(app), timeout=20)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.report is not None and not screen.report.dry_run,
                       timeout=20)
        await pilot.pause()
        assert "Imported 2 of 5 customers rows; skipped 3 bad rows." in screen_text(app)
    assert emails(demo_db) == before | {"anna@example.com", "dora@example.com"}
