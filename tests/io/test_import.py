"""Importing customers and tickets: every problem by line, all-or-nothing or skip-bad,
saved mappings, linking tickets to customers."""

from __future__ import annotations

import pytest

from deskline.errors import PermissionDenied, ValidationFailed
from deskline.io.importer import preview_file, run_import
from deskline.models import ImportKind
from tests.conftest import ALICE, PORTAL
from tests.io.conftest import FILES, as_


def _count(store, table: str) -> int:
    return store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_german_excel_file_imports_with_guessed_mapping(admin, store):
    before = _count(store, "customers")
    report = run_import(admin, FILES / "kunden_utf8_bom_semikolon.csv", "customers")
    assert report.ok and report.written == 3 and report.problems == []
    assert report.mapping == {"E-Mail": "email", "Vorname": "first_name",
                              "Nachname": "last_name", "Firma": "organization",
                              "Telefon": "phone"}
    assert _count(store, "customers") == before + 3
    jurgen = store.customer_by_email("Jürgen.Müller@Beispiel.DE")  # case-insensitive
    assert jurgen.name == "Jürgen Müller" and jurgen.phone == "+49 30 1234567"
    org = store.organization(jurgen.organization_id)
    assert org.name == "Bäckerei Schröder GmbH"
    assert store.organization(store.customer_by_email(
        "anna.schmidt@beispiel.de").organization_id).name == "Meier; Söhne & Co"
    assert store.customer_by_email("ole.jensen@beispiel.de").organization_id is None
    assert sorted(report.organizations_created) == ["Bäckerei Schröder GmbH",
                                                    "Meier; Söhne & Co"]


def test_cp1252_umlauts_and_existing_organization(admin, store):
    run_import(admin, FILES / "customers_cp1252.csv", "customers")
    joerg = store.customer_by_email("gruesse@strasse.de")
    assert joerg.name == "Jörg Weiß"
    assert store.organization(joerg.organization_id).name == "Straße & Söhne – Büro"
    assert store.customer_by_email("euro@preis.de").name == "Eva Preis"


def test_tabs_file(admin, store):
    report = run_import(admin, FILES / "customers_tabs.tsv", "customers")
    assert report.delimiter == "\t" and report.written == 2
    assert store.customer_by_email("tab.person@example.org").name == "Tab Person"


def test_every_customer_problem_is_reported_by_line_and_nothing_written(admin, store):
    before = (_count(store, "customers"), _count(store, "organizations"))
    report = run_import(admin, FILES / "customers_problems.csv", "customers")
    assert [(p.line, p.field) for p in report.problems] == [
        (4, "email"), (5, "email"), (6, "email"), (7, "email"), (8, "projects")]
    messages = [p.message for p in report.problems]
    assert messages[0] == "missing email"
    assert messages[1] == "not an email address: 'not-an-email'"
    assert messages[2] == "duplicate: good.one@example.com is also on line 2"
    assert messages[3] == "a customer with the email ALICE.MARTIN.0@post.example exists"
    assert messages[4] == "unknown project 'Nowhere rollout'"
    assert (report.rows, report.good, report.bad, report.written) == (8, 3, 5, 0)
    assert not report.ok
    # All or nothing: not even the organization of a good row was created.
    assert (_count(store, "customers"), _count(store, "organizations")) == before


def test_skip_bad_imports_the_good_rows(admin, store):
    report = run_import(admin, FILES / "customers_problems.csv", "customers", skip_bad=True)
    assert report.written == 3 and report.bad == 5
    one = store.customer_by_email("good.one@example.com")
    assert one.name == "Good\nOne"  # the quoted newline is kept
    three = store.customer_by_email("good.three@example.com")
    project = next(p for p in store.projects() if p.name == "Acme Logistics rollout")
    assert three.project_ids == [project.id]
    assert store.organization(three.organization_id).name == "New Org Ltd"
    assert store.customer_by_email("good.two@example.com") is None  # its project was bad


def test_dry_run_writes_nothing_even_when_all_good(admin, store):
    before = _count(store, "customers")
    report = run_import(admin, FILES / "customers_tabs.tsv", "customers", dry_run=True)
    assert report.dry_run and report.good == 2 and report.written == 0
    assert _count(store, "customers") == before


def test_a_second_import_of_the_same_file_reports_duplicates(admin):
    run_import(admin, FILES / "customers_tabs.tsv", "customers")
    again = run_import(admin, FILES / "customers_tabs.tsv", "customers")
    assert again.written == 0 and again.bad == 2
    assert all("exists" in p.message for p in again.problems)


def test_missing_email_column_is_one_clear_error(admin):
    with pytest.raises(ValidationFailed, match="no column is mapped to email"):
        run_import(admin, b"Kontakt;Firma\nAnna;Acme\n", "customers")


def test_explicit_mapping_and_saved_mapping(admin, store):
    data = b"Kontaktadresse,Wer\nsaved.one@example.com,Saved One\n"
    with pytest.raises(ValidationFailed):
        run_import(admin, data, "customers")
    report = run_import(admin, data, "customers", chosen={"kontaktadresse": "email",
                                                          "Wer": "name"},
                        save_as="crm export", dry_run=True)
    assert report.good == 1 and report.written == 0
    assert [m.name for m in store.mappings("customers")] == ["crm export"]
    again = run_import(admin, b"Wer,Kontaktadresse,Extra\nSaved Two,saved.two@example.com,x\n",
                       "customers", saved="CRM Export")
    assert again.written == 1 and again.mapping["Extra"] == ""
    assert store.customer_by_email("saved.two@example.com").name == "Saved Two"
    with pytest.raises(ValidationFailed, match="no saved mapping named 'nope'"):
        run_import(admin, data, "customers", saved="nope")
    with pytest.raises(ValidationFailed, match="is for customers, not tickets"):
        run_import(admin, data, "tickets", saved="crm export")


def test_preview_shows_samples_and_guesses(store):
    preview = preview_file(FILES / "tickets_de.csv", ImportKind.tickets, store=store)
    assert preview.rows == 3 and preview.delimiter == ";"
    columns = {c.name: c for c in preview.columns}
    assert columns["Priorität"].field == "priority"
    assert columns["Priorität"].samples == ["hoch", "niedrig", "dringend"]
    assert columns["Beschreibung"].samples[0].startswith("Seit heute früh:")


def test_tickets_import_links_customers_and_counts_the_rest(admin, store):
    before = store.conn.execute("SELECT last FROM ticket_numbers").fetchone()[0] + 1
    report = run_import(admin, FILES / "tickets_de.csv", "tickets")
    assert report.ok and report.written == 3 and report.unlinked == 2
    rows = store.conn.execute(
        "SELECT number, subject, description, stage_id, priority, customer_id, created_at,"
        " closed_at, is_open, tags FROM tickets WHERE number >= ? ORDER BY number",
        (before,)).fetchall()
    assert [r[1] for r in rows] == ["Drucker druckt nicht", "Rechnung doppelt", "VPN langsam"]
    printer = rows[0]
    assert printer[2] == "Seit heute früh:\nDer Drucker im 2. OG\nzeigt Fehler 50."
    assert printer[4] == 2 and printer[6].startswith("2026-11-03T09:15:00")
    assert printer[5] == store.customer_by_email("alice.martin.0@post.example").id
    assert printer[9] == "hardware,printer" and printer[8] == 1
    invoice = rows[1]
    assert invoice[5] is None and invoice[7] is not None and invoice[8] == 0  # Solved: closed
    assert rows[2][4] == 3 and rows[2][6].startswith("2026-11-04T14:00:00")
    # Each imported ticket has its chatter event.
    body = store.conn.execute("SELECT body FROM messages WHERE ticket_id = (SELECT id FROM"
                              " tickets WHERE number = ?)", (before,)).fetchone()[0]
    assert body == "Imported from tickets_de.csv, line 2"


def test_every_ticket_problem_by_line(admin, store):
    before = _count(store, "tickets")
    report = run_import(admin, FILES / "tickets_problems.csv", "tickets")
    assert [(p.line, p.field) for p in report.problems] == [
        (4, "team"), (5, "stage"), (6, "created_at"), (7, "created_at"), (8, "priority"),
        (9, "subject"), (10, "customer_email"), (11, "assignee")]
    assert report.written == 0 and _count(store, "tickets") == before
    skipped = run_import(admin, FILES / "tickets_problems.csv", "tickets", skip_bad=True)
    assert skipped.written == 2 and skipped.unlinked == 1
    billing = store.conn.execute("SELECT assignee_id, priority FROM tickets WHERE subject ="
                                 " 'Fine too'").fetchone()
    assert billing == (store.agent_by_email(ALICE).id, 3)


def test_default_team_for_rows_without_one(admin, store):
    report = run_import(admin, b"subject\nJust a subject\n", "tickets", default_team="billing")
    assert report.written == 1
    with pytest.raises(ValidationFailed, match="no column is mapped to team"):
        run_import(admin, b"subject\nJust a subject\n", "tickets")


def test_agents_see_only_their_teams_and_portal_cannot_import(store, clock):
    jonas = as_(store, "jonas.larsen@deskline.example", clock)  # cannot see private Billing
    report = run_import(jonas, b"subject,team\nx,Billing\n", "tickets", dry_run=True)
    assert report.problems[0].message.startswith("unknown team 'Billing'")
    with pytest.raises(PermissionDenied):
        run_import(as_(store, PORTAL, clock), b"email\na@b.de\n", "customers")


def test_progress_is_reported(admin):
    seen = []
    rows = "".join(f"p{i}@example.com\n" for i in range(12000))
    run_import(admin, ("email\n" + rows).encode(), "customers",
               progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert ("checking", 5000, 12000) in seen and ("checking", 12000, 12000) in seen
    assert ("writing", 12000, 12000) in seen


def test_big_ticket_import_is_searchable_and_keeps_the_index_triggers(admin, store):
    rows = "".join(f"Zebra crossing {i},Customer Care,alice.martin.0@post.example\n"
                   for i in range(1200))
    report = run_import(admin, ("subject,team,email\n" + rows).encode(), "tickets")
    assert report.written == 1200 and report.unlinked == 0
    assert [h.ticket.subject for h in admin.search("crossing 1199")] == ["Zebra crossing 1199"]
    assert store.conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                              " AND name = 'tickets_fts_ai'").fetchone()[0] == 1
    run_import(admin, b"subject,team\nLonely giraffe,Customer Care\n", "tickets")
    assert len(admin.search("giraffe")) == 1
    # Open imported tickets start their SLA clocks as created ones do.
    sla = store.conn.execute("SELECT count(*) FROM ticket_slas s JOIN tickets t ON"
                             " t.id = s.ticket_id WHERE t.subject LIKE 'Zebra crossing %'"
                             ).fetchone()[0]
    assert sla == 1200  # "Solve within 3 days" applies to every Customer Care ticket


def test_mapping_screen_helpers(admin):
    from deskline.io import importer

    assert ImportKind("tickets").required_fields() == ["subject", "team"]
    assert ImportKind("customers").required_fields() == ["email"]
    saved = importer.save_mapping(admin, " helpdesk-x ", "tickets",
                                  {"Titel": "subject", "Gruppe": "team", "Notiz": None})
    assert saved.columns == {"Titel": "subject", "Gruppe": "team", "Notiz": ""}
    assert [m.name for m in importer.saved_mappings(admin, "tickets")] == ["helpdesk-x"]
    assert importer.saved_mappings(admin, "customers") == []
    with pytest.raises(ValidationFailed, match="unknown field 'titel'"):
        importer.save_mapping(admin, "bad", "tickets", {"Titel": "titel"})
    report = run_import(admin, b"Gruppe;Titel\nBilling;Invoice wrong\n", "tickets",
                        saved="helpdesk-x")
    assert report.written == 1
    importer.delete_mapping(admin, "helpdesk-x")
    assert importer.saved_mappings(admin) == []


def test_skipped_rows_bring_no_new_organization(admin, store, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("email,name,organization\n"
                    "good@example.com,Good,Kept Org\n"
                    ",Bad,Ghost Org\n", encoding="utf-8")
    report = run_import(admin, path, "customers", skip_bad=True)
    assert report.organizations_created == ["Kept Org"]
    names = {o.name for o in store.organizations()}
    assert "Kept Org" in names and "Ghost Org" not in names
