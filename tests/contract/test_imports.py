"""Contract: CSV import through the Backend — a console on a server imports like a local
one: preview with guessed fields, dry run by line, good rows or nothing, saved mappings."""

from __future__ import annotations

import pytest

from deskline.errors import ValidationFailed
from tests.conftest import ALICE

CSV = ("E-Mail;Vorname;Nachname;Firma\n"
       "anna.berg@kunde.example;Anna;Berg;Kunde GmbH\n"
       "not-an-email;Bad;Row;Kunde GmbH\n"
       "ben.kranz@kunde.example;Ben;Kranz;Kunde GmbH\n").encode("cp1252")


async def test_preview_dry_run_and_good_rows(open_backend):
    alice = await open_backend(ALICE)
    preview = await alice.preview_import("customers", CSV)
    assert preview.delimiter == ";" and preview.rows == 3
    fields = {c.name: c.field for c in preview.columns}
    assert fields["E-Mail"] == "email" and fields["Firma"] == "organization"
    dry = await alice.run_import("customers", CSV, dry_run=True)
    assert (dry.rows, dry.good, dry.bad, dry.written) == (3, 2, 1, 0)
    assert [p.line for p in dry.problems] == [3]
    nothing = await alice.run_import("customers", CSV)  # all or nothing: a bad row stops it
    assert nothing.written == 0
    assert not (await alice.list_customers(text="anna.berg@kunde.example")).items
    done = await alice.run_import("customers", CSV, skip_bad=True, source_name="kunden.csv")
    assert done.written == 2 and done.organizations_created == ["Kunde GmbH"]
    found = (await alice.list_customers(text="ben.kranz@kunde.example")).items
    assert [c.name for c in found] == ["Ben Kranz"]


async def test_saved_mappings_and_a_mapping_chosen_by_hand(open_backend):
    alice = await open_backend(ALICE)
    text = b"Mail,Who\nzoe@firma.example,Zoe Z\n"
    saved = await alice.save_import_mapping("Firma export", "customers",
                                            {"Mail": "email", "Who": "name"})
    assert saved.name == "Firma export" and saved.columns == {"Mail": "email", "Who": "name"}
    assert "Firma export" in [m.name for m in await alice.import_mappings("customers")]
    preview = await alice.preview_import("customers", text, saved="Firma export")
    assert {c.name: c.field for c in preview.columns} == {"Mail": "email", "Who": "name"}
    report = await alice.run_import("customers", text, chosen={"Mail": "email", "Who": "-"})
    assert report.written == 1 and report.mapping["Who"] == ""
    with pytest.raises(ValidationFailed):
        await alice.preview_import("customers", text, saved="No such mapping")


async def test_a_file_larger_than_an_ordinary_request_is_taken(open_backend):
    """Import bodies may be larger than the server's ordinary limit (1 MiB)."""
    alice = await open_backend(ALICE)
    rows = "".join(f"bulk{i}@many.example,Bulk Customer {i},{'x' * 40}\n"
                   for i in range(20_000))
    content = ("email,name,note\n" + rows).encode()
    assert len(content) > 1.3 * (1 << 20)
    report = await alice.run_import("customers", content, chosen={"note": "-"})
    assert report.written == 20_000
