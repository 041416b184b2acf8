"""The reference for start-up: a bare Textual app that paints one line (the issue's "a
bare Textual app is about 300 ms here"), timed by bench/console.py next to the console."""

from textual.app import App
from textual.widgets import Static


class Hello(App):
    def compose(self):
        yield Static("Deskline · SLA failed")


if __name__ == "__main__":
    Hello().run()
