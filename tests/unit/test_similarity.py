"""Merge-candidate scores between tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskline.models import Ticket
from deskline.rules.similarity import normalize_subject, similarity

T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)


def ticket(**fields: object) -> Ticket:
    values: dict[str, object] = {
        "id": 1,
        "number": 1001,
        "subject": "Printer on floor 3 is jammed",
        "team_id": 1,
        "stage_id": 1,
        "created_at": T0,
        "updated_at": T0,
        "version": 1,
    }
    values.update(fields)
    return Ticket(**values)


PRINTER = ticket(
    subject="Printer jammed",
    description="The printer on the third floor shows error E42",
    customer_id=5,
    organization_id=2,
    tags=["Hardware", "printer"],
)
PRINTER_AGAIN = ticket(
    id=3,
    subject="printer jammed again",
    description="printer on third floor: error E42 again",
    customer_id=5,
    organization_id=2,
    tags=["hardware"],
    created_at=T0 + timedelta(hours=6),
)
INVOICE = ticket(
    id=2,
    subject="Invoice missing for December",
    description="We did not get the December invoice",
    customer_id=6,
    organization_id=3,
    tags=["billing"],
    created_at=T0 + timedelta(days=10),
)


@pytest.mark.parametrize(
    ("subject", "normalized"),
    [
        ("Re: [#1042] Hello", "hello"),
        ("RE[2]: fwd: AW: Hi  there", "hi there"),
        ("[Deskline #12] Re: VPN down", "vpn down"),
        ("VPN down [#12]", "vpn down"),
        ("Sv: WG: Fw: abc", "abc"),
        ("Question about re: tax", "question about re: tax"),
    ],
)
def test_normalize_subject(subject: str, normalized: str) -> None:
    assert normalize_subject(subject) == normalized


def test_identical_tickets_score_one() -> None:
    assert similarity(PRINTER, PRINTER) == 1.0
    assert similarity(PRINTER, PRINTER.model_copy(update={"id": 9, "number": 1009})) == 1.0
    bare = ticket()
    assert similarity(bare, bare.model_copy(update={"id": 2})) == 1.0


def test_reply_prefixes_and_references_do_not_matter() -> None:
    a = ticket(customer_id=1)
    b = ticket(id=2, subject="AW: Printer on floor 3 is jammed [#12]", customer_id=1)
    assert similarity(a, b) == 1.0


def test_a_different_customer_weighs_heavily() -> None:
    # Subject 1 x 0.35, customer 0 x 0.20, created together 1 x 0.10: 0.45 / 0.65.
    a = ticket(customer_id=1)
    b = ticket(id=2, subject="RE: Fwd: printer on floor 3 is jammed", customer_id=2)
    assert similarity(a, b) == 0.692


def test_creation_times_count_within_a_day() -> None:
    # Only subject (0.35) and time (0.10) are known: 0.35 + 0.10 x closeness, over 0.45.
    assert similarity(ticket(), ticket(id=2, created_at=T0 + timedelta(hours=12))) == 0.889
    assert similarity(ticket(), ticket(id=2, created_at=T0 - timedelta(hours=24))) == 0.778
    assert similarity(ticket(), ticket(id=2, created_at=T0 + timedelta(days=3))) == 0.778


def test_a_follow_up_of_the_same_problem_scores_high() -> None:
    # subject 0.745 (difflib 0.824, Jaccard 2/3), description 6/8, same customer and
    # organization, tags 1/2 ignoring case, 6 hours apart (0.75):
    # 0.35*0.745 + 0.20 + 0.15*0.75 + 0.10 + 0.10*0.5 + 0.10*0.75 = 0.798
    assert similarity(PRINTER, PRINTER_AGAIN) == 0.798


def test_unrelated_tickets_score_low() -> None:
    # Only the subjects share a little (difflib 0.286, no common word): 0.35 x 0.143.
    assert similarity(PRINTER, INVOICE) == 0.05


@pytest.mark.parametrize(
    ("a", "b"),
    [(PRINTER, PRINTER_AGAIN), (PRINTER, INVOICE), (INVOICE, PRINTER_AGAIN)],
)
def test_the_score_is_symmetric_and_bounded(a: Ticket, b: Ticket) -> None:
    assert similarity(a, b) == similarity(b, a)
    assert 0.0 <= similarity(a, b) <= 1.0


def test_difflib_asymmetry_does_not_leak_into_the_score() -> None:
    # SequenceMatcher("aaaba bb", "a a ab").ratio() is 0.571, the other way round 0.429.
    a = ticket(subject="aaaba bb")
    b = ticket(id=2, subject="a a ab")
    assert similarity(a, b) == similarity(b, a)


def test_same_customer_email_counts_as_same_customer() -> None:
    a = ticket(customer_email="Ann@Example.com")
    b = ticket(id=2, customer_email="ann@example.com")
    assert similarity(a, b) == 1.0
    c = ticket(id=3, customer_email="bob@example.com")
    assert similarity(a, c) == 0.692


def test_the_result_is_rounded_to_three_decimals() -> None:
    score = similarity(PRINTER, PRINTER_AGAIN)
    assert score == round(score, 3)
