"""The agent's notification settings (`s` in the inbox): which kinds also come by mail and
whether the bell rings. Its own module: the form widgets are imported when it opens, not
with the inbox."""

from __future__ import annotations

from textual.app import ComposeResult

from tui.screens.settings.form import Checklist, SettingsForm, YesNo, field


class NotificationSettingsForm(SettingsForm):
    """The agent's own choice: which kinds also come by mail (to their address, with the
    ticket's number), and whether the terminal bell rings when one arrives."""

    title_text = "Notification settings"
    LABELS = {"mail_kinds": "Also by mail", "bell": "Bell"}

    def __init__(self, current) -> None:
        super().__init__()
        self.current = current

    def fields(self) -> ComposeResult:
        from deskline.models import NOTIFICATION_LABELS

        items = [(label, kind) for kind, label in NOTIFICATION_LABELS.items()]
        yield from field("Also by mail (space toggles)",
                         Checklist(items, self.current.mail_kinds, id="mail_kinds"),
                         "sent to your own address, with the ticket's number")
        # Short: the label says its state and key too, on one line at 80 columns.
        yield YesNo("Ring the terminal bell", self.current.bell, id="bell")

    def action_save(self) -> None:
        from deskline.models import NOTIFICATION_LABELS, NotificationSettings

        chosen = self.query_one("#mail_kinds", Checklist).chosen
        bell = self.query_one("#bell", YesNo).value
        data = NotificationSettings(mail_kinds=[k for k in NOTIFICATION_LABELS if k in chosen],
                                    bell=bell)
        self.submit(lambda b: b.update_notification_settings(data), "Saving the settings")
