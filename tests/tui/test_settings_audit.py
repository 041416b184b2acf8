"""API tokens and the audit trail in the settings."""

from __future__ import annotations

from deskline.models import OrganizationUpdate
from tests.tui.helpers import NOW, make_app, screen_text, wait_for
from tests.tui.test_pilot import is_ready
from tui.screens.settings.audit import AuditEntryView, AuditSettings
from tui.screens.settings.tokens import TokenSettings


def add_tokens(path) -> None:
    import sqlite3

    from deskline.store.sqlite import SqliteStore

    conn = sqlite3.connect(path)
    store = SqliteStore(conn)
    with conn:
        store.create_api_token(2, label="laptop", expires_days=30, now=NOW)
        store.create_api_token(3, label="ci \x1b[31m[b]", now=NOW)
    conn.close()


async def test_admin_lists_every_token_and_revokes_one(demo_db):
    add_tokens(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        app.push_screen(TokenSettings())
        await wait_for(pilot, lambda: isinstance(app.screen, TokenSettings) and app.screen.tokens)
        screen = app.screen
        await pilot.pause()
        text = screen_text(app)
        assert "2 tokens, 2 not revoked" in text and "dl_" in text and "laptop" in text
        assert "\x1b" not in text and "ci " in text and "[b]" in text  # shown, never run
        token = screen.tokens[0]
        await pilot.press("x")
        await wait_for(pilot, lambda: "Revoke the token" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Revoked" in str(screen.query_one("#settings-status")
                                                       .render()))
        assert app.backend.writes("revoke_token")[0][0] == (token.id,)
        await wait_for(pilot, lambda: "2 tokens, 1 not revoked" in screen_text(app))
        revoked = next(t for t in screen.tokens if t.id == token.id)
        assert revoked.revoked_at is not None
        assert "✗ revoked" in screen_text(app)


async def test_audit_shows_the_changes_just_made_filtered_and_paged(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        await app.backend.update_organization(1, OrganizationUpdate(domain="acme.test"))
        app.push_screen(AuditSettings())
        await wait_for(pilot, lambda: isinstance(app.screen, AuditSettings)
                       and app.screen.entries)
        screen = app.screen
        await pilot.pause()
        newest = screen.entries[0]
        assert (newest.kind, newest.action, newest.object_name) == (
            "organization", "changed", "Acme Logistics")
        text = screen_text(app)
        assert "Acme Logistics changed" in text
        assert "domain: acme.example → acme.test" in text  # the pane: each field old → new
        assert screen.cursor is not None  # more than a page: the rest comes by cursor
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown", "pagedown")
        await wait_for(pilot, lambda: len(screen.entries) > 50)
        await pilot.press("home", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditEntryView))
        assert "domain: acme.example → acme.test" in screen_text(app)
        await pilot.press("escape")

        await pilot.press("f")
        await wait_for(pilot, lambda: "Show the changes of" in screen_text(app))
        picker = app.screen
        for _ in range(picker.values.index("sla_policy")):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.entries and all(
            e.kind == "sla_policy" for e in screen.entries))
        assert "kind: sla_policy (4 shown)" in screen_text(app)
