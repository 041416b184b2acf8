"""Reading awkward files: encodings, delimiters, quoted newlines, header guesses."""

from __future__ import annotations

import pytest

from deskline.errors import ValidationFailed
from deskline.io.csvfile import decode, read_csv, sniff_delimiter
from deskline.io.importer import parse_date
from deskline.io.mapping import apply_mapping, guess_mapping, normalize_header, parse_map_args
from deskline.models import ImportKind
from tests.io.conftest import FILES


@pytest.mark.parametrize("data, text, encoding", [
    (b"\xef\xbb\xbfE-Mail;Name\n", "E-Mail;Name\n", "utf-8-sig"),
    ("Müller".encode(), "Müller", "utf-8"),
    ("Müller €".encode("cp1252"), "Müller €", "cp1252"),
    (b"\x81abc\xe9", "\x81abcé", "latin-1"),  # 0x81 is undefined in cp1252
    ("\ufeffa,b".encode("utf-16"), "a,b", "utf-16"),
])
def test_decode(data, text, encoding):
    assert decode(data) == (text, encoding)


@pytest.mark.parametrize("text, delimiter", [
    ("a;b;c\n1;2;3\n", ";"),
    ("a,b,c\n1,2,3\n", ","),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ('"last, first";email\n"x, y";z@z.de\n', ";"),  # the comma is inside quotes
    ("email\nx@y.de\n", ","),  # one column: no delimiter at all
    ("Preis;Menge\n1,50;3\n2,75;4\n", ";"),  # decimal commas do not fool it
])
def test_sniff_delimiter(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_records_start_lines_survive_quoted_newlines_and_crlf():
    data = b'h1,h2\r\n"a\r\nb\r\nc",x\r\n\r\nlast,y\r\n'
    rows = list(read_csv(data).records())
    assert rows == [(2, ["a\r\nb\r\nc", "x"]), (6, ["last", "y"])]


def test_headers_blank_and_duplicate_are_named():
    csv_file = read_csv(b"email,,Email\nx@y.de,1,2\n")
    assert csv_file.header == ["email", "column 2", "Email (2)"]


def test_empty_file_is_refused():
    with pytest.raises(ValidationFailed, match="empty"):
        read_csv(b"  \n")


def test_real_world_files_decode():
    bom = read_csv(FILES / "kunden_utf8_bom_semikolon.csv")
    assert (bom.encoding, bom.delimiter) == ("utf-8-sig", ";")
    assert bom.header[0] == "E-Mail"  # no BOM left on the first header
    rows = [r for _, r in bom.records()]
    assert rows[1][3] == "Meier; Söhne & Co"
    cp = read_csv(FILES / "customers_cp1252.csv")
    assert cp.encoding == "cp1252"
    assert [r for _, r in cp.records()][1][1:4] == ["Jörg", "Weiß", "Straße & Söhne – Büro"]
    assert read_csv(FILES / "customers_tabs.tsv").delimiter == "\t"


@pytest.mark.parametrize("header, normal", [
    ("E-Mail", "email"), ("E-Mail-Adresse", "emailadresse"), ("First name", "firstname"),
    ("Prénom", "prenom"), ("Priorität", "prioritaet"), ("  Straße ", "strasse"),
])
def test_normalize_header(header, normal):
    assert normalize_header(header) == normal


def test_guess_customer_columns_in_three_languages():
    guess = guess_mapping(["E-Mail", "Vorname", "Nachname", "Firma", "Telefon", "Notiz"],
                          ImportKind.customers)
    assert guess == {"E-Mail": "email", "Vorname": "first_name", "Nachname": "last_name",
                     "Firma": "organization", "Telefon": "phone", "Notiz": None}
    guess = guess_mapping(["Email Address", "First Name", "Last Name", "Company"],
                          ImportKind.customers)
    assert list(guess.values()) == ["email", "first_name", "last_name", "organization"]
    guess = guess_mapping(["Courriel", "Prénom", "Nom de famille", "Société"],
                          ImportKind.customers)
    assert list(guess.values()) == ["email", "first_name", "last_name", "organization"]


def test_guess_takes_each_field_once():
    guess = guess_mapping(["email", "E-Mail"], ImportKind.customers)
    assert guess == {"email": "email", "E-Mail": None}


def test_guess_ticket_columns():
    guess = guess_mapping(["Betreff", "Beschreibung", "Team", "Status", "Priorität", "E-Mail",
                           "Erstellt", "Schlagworte", "Bearbeiter"], ImportKind.tickets)
    assert list(guess.values()) == ["subject", "description", "team", "stage", "priority",
                                    "customer_email", "created_at", "tags", "assignee"]


def test_chosen_mapping_overrides_guesses():
    headers = ["Mail", "Kontakt", "Notes"]
    guess = guess_mapping(headers, ImportKind.customers)
    result = apply_mapping(headers, ImportKind.customers, guess,
                           parse_map_args(["notes=name", "kontakt=ignore"]))
    assert result == {"Mail": "email", "Kontakt": None, "Notes": "name"}
    with pytest.raises(ValidationFailed, match="no column 'Nope'"):
        apply_mapping(headers, ImportKind.customers, guess, {"Nope": "name"})
    with pytest.raises(ValidationFailed, match="unknown field 'mail'"):
        apply_mapping(headers, ImportKind.customers, guess, {"Mail": "mail"})
    with pytest.raises(ValidationFailed, match="COLUMN=FIELD"):
        parse_map_args(["email"])


@pytest.mark.parametrize("text, iso", [
    ("2026-11-03", "2026-11-03T00:00:00+00:00"),
    ("2026-11-03 09:15", "2026-11-03T09:15:00+00:00"),
    ("2026-11-03T09:15:00+01:00", "2026-11-03T08:15:00+00:00"),
    ("2026-11-03T09:15:00Z", "2026-11-03T09:15:00+00:00"),
    ("03.11.2026", "2026-11-03T00:00:00+00:00"),
    ("3.11.26 14:05", "2026-11-03T14:05:00+00:00"),
    ("25/12/2026", "2026-12-25T00:00:00+00:00"),
    ("12/25/2026", "2026-12-25T00:00:00+00:00"),
])
def test_parse_date(text, iso):
    assert parse_date(text).isoformat() == iso


@pytest.mark.parametrize("text, message", [
    ("31.02.2026", "unparseable"), ("03/04/2026", "ambiguous"), ("yesterday", "unparseable"),
    ("2026-13-01", "unparseable"),
])
def test_parse_date_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text)
