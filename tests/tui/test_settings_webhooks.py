"""Settings › Webhooks at 80×24: add an endpoint (a private address refused naming the
URL, what was typed kept), the secret shown once, switch off, the delivery log with "send
again"; and the hand-off to sales from the ticket view, with its note."""

from __future__ import annotations

from deskline.models import WebhookEndpointCreate
from tests.tui.helpers import make_app, open_section, screen_text, wait_for
from tests.tui.test_pilot import ALICE, is_ready
from tests.tui.test_settings_teams import SIZE, flat, form_error, type_into
from tui.pickers import Confirm, TextPrompt
from tui.screens.settings.webhooks import (
    SecretShown,
    WebhookForm,
    WebhookLog,
    WebhookSettings,
)
from tui.screens.ticket import TicketScreen


async def open_webhooks(pilot) -> WebhookSettings:
    return await open_section(pilot, WebhookSettings, key="webhooks", shown="endpoints")


async def test_add_switch_off_and_read_the_delivery_log(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_webhooks(pilot)
        assert "no webhooks" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, WebhookForm))
        await type_into(pilot, "url", "http://127.0.0.1:9/hook")
        app.screen.query_one("#events").focus()
        await pilot.press("space")  # ticket.created
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "URL" in form_error(app))
        assert "not a public address" in form_error(app)
        assert app.screen.query_one("#url").value == "http://127.0.0.1:9/hook"  # kept
        app.screen.query_one("#allow_private").value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SecretShown)
                       and "whsec_" in flat(app))
        assert "shown only now" in flat(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WebhookSettings)
                       and screen.endpoints)
        assert "http://127.0.0.1:9/hook" in screen_text(app) and "● on" in screen_text(app)
        assert "whsec_" not in screen_text(app)

        backend = app.holder["backend"]
        team = (await backend.list_teams())[0]
        from deskline.models import TicketCreate

        await backend.create_ticket(TicketCreate(team_id=team.id, subject="For the log"))
        await pilot.press("t")  # off: what waits is kept, not sent
        await wait_for(pilot, lambda: "○ off" in screen_text(app))
        assert "1 waiting" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WebhookLog)
                       and "ticket.created" in screen_text(app))
        assert "queued" in screen_text(app)
        await pilot.press("s")  # queued already: refused, said on the status line
        await wait_for(pilot, lambda: "already" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WebhookSettings))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "no webhooks" in screen_text(app))


async def test_hand_off_from_the_ticket_view_asks_for_a_note(demo_db):
    app = make_app(demo_db, email=ALICE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: is_ready(app))
        backend = app.holder["backend"]
        team = next(t for t in await backend.list_teams() if t.name == "Customer Care")
        from deskline.models import TicketCreate

        made = await backend.create_ticket(TicketCreate(team_id=team.id, subject="40 seats"))
        app.open_ticket_screen(made.id)
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.ticket)
        await pilot.press("O")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press("enter")  # no note: asked again
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"Budget approved", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen)
                       and app.screen.ticket.archived)
        calls = [c for c in backend.calls if c[0] == "hand_off"]
        assert len(calls) == 1 and calls[0][1][2] == "Budget approved"
        await wait_for(pilot, lambda: "Handed to sales" in screen_text(app))


async def test_hostile_text_shows_as_text_and_an_edit_sends_only_what_changed(demo_db):
    """A description with markup and terminal control shows as text (the URL itself
    cannot hold controls); saving another field does not rewrite it."""
    from deskline.local import LocalBackend

    local = await LocalBackend.open(demo_db)
    await local.create_webhook(WebhookEndpointCreate(
        url="https://hooks.example.com/[b]x[/b]", events=["ticket.created"],
        description="[red]CRM[/red] \x1b]52;c;aGk=\x07"))
    await local.close()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_webhooks(pilot)
        text = screen_text(app)
        assert "https://hooks.example.com/[b]x[/b]" in text
        assert "[red]CRM[/red]" in text and "\x1b" not in text
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, WebhookForm))
        app.screen.query_one("#allow_internal").value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, WebhookSettings)
                       and "Saved" in screen_text(app))
        (args, _kw), = app.holder["backend"].writes("update_webhook")
        assert args[1].model_dump(exclude_unset=True) == {"allow_internal": True}
