"""Deskline: a helpdesk that support agents run in a terminal."""

__version__ = "0.1.0"
