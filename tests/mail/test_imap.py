"""IMAP fetch against a scripted IMAP client (the protocol calls imaplib would make)."""

from __future__ import annotations

from deskline.mail.imap import KEYWORD, fetch
from deskline.mail.intake import Intake

from .conftest import mail


class FakeImap:
    def __init__(self, messages: dict[bytes, bytes], keywords: bool = True) -> None:
        self.messages = messages
        self.flags: dict[bytes, set[str]] = {uid: set() for uid in messages}
        self.keywords = keywords
        self.selected = None

    def select(self, mailbox: str):
        self.selected = mailbox
        return "OK", [str(len(self.messages)).encode()]

    def response(self, code: str):
        if code == "PERMANENTFLAGS":
            return code, [b"(\\Seen \\Deleted \\*)" if self.keywords else b"(\\Seen \\Deleted)"]
        return code, [None]

    def uid(self, command: str, *args):
        if command == "SEARCH":
            criteria = args[1]
            if criteria == f"UNKEYWORD {KEYWORD}":
                found = [u for u in self.messages if KEYWORD not in self.flags[u]]
            else:
                assert criteria == "UNSEEN"
                found = [u for u in self.messages if "\\Seen" not in self.flags[u]]
            return "OK", [b" ".join(found)]
        if command == "FETCH":
            uid, what = args
            assert what == "(BODY.PEEK[])"  # reading must not mark it before it is stored
            return "OK", [(b"1 (UID " + uid + b" BODY[] {n}", self.messages[uid]), b")"]
        if command == "STORE":
            uid, _op, flags = args
            self.flags[uid] |= set(flags.strip("()").split())
            return "OK", [b""]
        raise AssertionError(command)


def test_fetch_takes_untaken_mail_and_marks_it(intake: Intake) -> None:
    client = FakeImap({b"1": mail(message_id="<i1@x>"), b"2": b"garbage",
                       b"3": mail(message_id="<i3@x>", subject="Re: x",
                                  headers={"In-Reply-To": "<i1@x>"})})
    results = fetch(intake, client, "INBOX")
    assert [r.status for r in results] == ["ticket", "failed", "threaded"]
    assert [r.source for r in results] == ["imap:INBOX/1", "imap:INBOX/2", "imap:INBOX/3"]
    assert client.selected == '"INBOX"'
    assert all(flags == {"\\Seen", KEYWORD} for flags in client.flags.values())
    assert fetch(intake, client, "INBOX") == []  # nothing new next time


def test_fetch_without_keywords_uses_seen_and_duplicates_are_harmless(intake: Intake) -> None:
    client = FakeImap({b"7": mail(message_id="<k@x>")}, keywords=False)
    assert [r.status for r in fetch(intake, client)] == ["ticket"]
    assert client.flags[b"7"] == {"\\Seen"}
    client.flags[b"7"].clear()  # someone marked it unread again
    assert [r.status for r in fetch(intake, client)] == ["duplicate"]
    assert intake.store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 1


def test_fetch_respects_a_limit(intake: Intake) -> None:
    client = FakeImap({str(n).encode(): mail(message_id=f"<l{n}@x>") for n in range(5)})
    assert len(fetch(intake, client, limit=2)) == 2
    assert len(fetch(intake, client)) == 3
