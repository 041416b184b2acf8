"""Mail templates in the settings: live check with the line, preview against a ticket,
nothing saved while there is a problem."""

from __future__ import annotations

from deskline.models import MailTemplateUpdate
from tests.tui.helpers import make_app, open_section, screen_text, wait_for
from tui.screens.settings.templates import TemplateEditor, TemplateSettings


async def open_templates(pilot):
    return await open_section(pilot, TemplateSettings, loaded="templates")


def problem(editor) -> str:
    return str(editor.query_one("#form-problem").render())


def preview(editor) -> str:
    return str(editor.query_one("#preview-text").render())


async def edit_first(pilot, screen):
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TemplateEditor))
    editor = pilot.app.screen
    await pilot.pause()
    return editor


async def test_syntax_error_is_shown_with_its_line_and_not_saved(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        assert "Ticket solved" in screen_text(app)
        editor = await edit_first(pilot, screen)
        assert "ticket.number" in screen_text(app)  # the placeholders are listed
        body = editor.query_one("#f-body")
        body.focus()
        body.move_cursor(body.document.end)
        await pilot.press("enter", *"{% if ticket.number %}oops")
        await wait_for(pilot, lambda: "Body" in problem(editor) and "line" in problem(editor))
        assert f"line {body.document.line_count}:" in problem(editor)  # the last one
        assert "no preview until the problem above is fixed" in preview(editor)
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert app.screen is editor  # kept, with what was typed
        assert not app.backend.writes("update_template")
        assert body.text.endswith("oops")


async def test_unknown_placeholder_is_refused(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        editor = await edit_first(pilot, screen)
        subject = editor.query_one("#f-subject")
        subject.focus()
        await pilot.press("end", *" {{ ticket.secret }}")
        await wait_for(pilot, lambda: "unknown placeholder 'ticket.secret'" in problem(editor))
        assert "Subject" in problem(editor) and "line 1" in problem(editor)
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert not app.backend.writes("update_template")
        # Fixed, it saves: only the subject, with the version the editor opened with.
        template = editor.template
        subject.value = "Solved: {{ ticket.subject }}"
        await wait_for(pilot, lambda: editor.error is None and not problem(editor))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        (args, _kw), = app.backend.writes("update_template")
        assert args == (template.id, MailTemplateUpdate(subject="Solved: {{ ticket.subject }}"),
                        template.version)
        await wait_for(pilot, lambda: "Solved: {{ ticket.subject }}" in screen_text(app))


async def test_preview_against_a_ticket_follows_the_typing(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        ticket = await app.backend.get_ticket_by_number(386)
        editor = await edit_first(pilot, screen)
        assert "Type a ticket number" in preview(editor)
        await pilot.press("f4", *"386")
        await wait_for(pilot, lambda: "#386" in preview(editor))
        assert f"Your request {ticket.subject} is solved" in preview(editor)
        subject = editor.query_one("#f-subject")
        subject.focus()
        await pilot.press("end", *" ({{ ticket.number }})")
        await wait_for(pilot, lambda: "is solved (386)" in preview(editor))
        await pilot.press("f4", "backspace", "backspace", "backspace", *"99999")
        await wait_for(pilot, lambda: "no ticket #99999" in screen_text(app))


async def test_new_template_name_is_required_and_clash_is_named(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TemplateEditor))
        editor = app.screen
        await pilot.press("tab", *"Hello {{ customer.name }}")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Name" in problem(editor))
        editor.query_one("#f-name").value = "Ticket solved"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "a template named Ticket solved exists" in problem(editor))
        editor.query_one("#f-name").value = "Welcome"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and len(screen.templates) == 3)
        assert "Welcome" in screen_text(app)
