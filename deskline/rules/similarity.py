"""How alike two tickets are, to suggest merge candidates (the same problem reported twice)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from deskline.models import Ticket

# Weights of the signals; they add up to 1.
W_SUBJECT = 0.35
W_CUSTOMER = 0.20
W_DESCRIPTION = 0.15
W_ORGANIZATION = 0.10
W_TAGS = 0.10
W_TIME = 0.10

_DAY_SECONDS = 86_400.0

# "Re:", "RE[2]:", "Fwd:", "FW:", "AW:" (German), "WG:" (German forward), "SV:" (Nordic)
# and ticket references, repeated, at the start of a subject.
_PREFIXES = re.compile(r"^(?:\s*(?:(?:re|fwd?|aw|wg|sv)\s*(?:\[\d+\])?\s*:|\[[^\]]*#\d+\]))+")
_TICKET_REF = re.compile(r"\[[^\]]*#\d+\]")
_TOKEN = re.compile(r"\w+")
_STOPWORDS = frozenset(
    "the and for are but not you your with this that have has was were our from they "
    "can could would will please thanks thank hello dear regards it's its into about "
    "der die das und ist nicht mit ein eine les des est pas".split()
)


def normalize_subject(subject: str) -> str:
    """Lowercase, without reply/forward prefixes, ticket references or extra spaces."""
    text = _PREFIXES.sub("", subject.casefold())
    text = _TICKET_REF.sub(" ", text)
    return " ".join(text.split())


def _tokens(text: str) -> frozenset[str]:
    return frozenset(
        token
        for token in _TOKEN.findall(text.casefold())
        if len(token) > 1 and token not in _STOPWORDS
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _subject_score(a: str, b: str) -> float:
    left, right = normalize_subject(a), normalize_subject(b)
    if not left and not right:  # nothing but prefixes and references on both sides
        left, right = a.casefold().strip(), b.casefold().strip()
    # SequenceMatcher is not symmetric in general: compare in a fixed order.
    first, second = sorted((left, right))
    ratio = SequenceMatcher(None, first, second).ratio()
    return 0.5 * ratio + 0.5 * _jaccard(_tokens(left), _tokens(right))


def similarity(a: Ticket, b: Ticket) -> float:
    """A merge-candidate score in [0, 1]: symmetric, 1.0 for identical tickets.

    Weighted mean of these signals, each in [0, 1]:

    - subject, 0.35: half difflib ratio, half token Jaccard, of the normalized subjects
      (lowercase, "Re:"/"Fwd:"/"AW:"... prefixes and "[#123]" references removed);
    - customer, 0.20: 1 when both name the same customer (id, or email ignoring case);
    - description, 0.15: Jaccard overlap of the descriptions' words (stopwords and
      one-letter words left out);
    - organization, 0.10: 1 when both are of the same organization;
    - tags, 0.10: Jaccard overlap of the tags, ignoring case;
    - created_at, 0.10: 1 when created at the same moment, falling linearly to 0 at one
      day apart.

    A signal that neither ticket has (no customer on either, no tags on either...) says
    nothing, so it is left out and the remaining weights are scaled up to add up to 1.
    Rounded to 3 decimals.
    """
    total = W_SUBJECT * _subject_score(a.subject, b.subject)
    weight = W_SUBJECT

    customer_a = (a.customer_id, (a.customer_email or "").casefold())
    customer_b = (b.customer_id, (b.customer_email or "").casefold())
    if customer_a != (None, "") or customer_b != (None, ""):
        same_id = a.customer_id is not None and a.customer_id == b.customer_id
        same_email = bool(customer_a[1]) and customer_a[1] == customer_b[1]
        total += W_CUSTOMER * (1.0 if same_id or same_email else 0.0)
        weight += W_CUSTOMER

    words_a, words_b = _tokens(a.description), _tokens(b.description)
    if words_a or words_b:
        total += W_DESCRIPTION * _jaccard(words_a, words_b)
        weight += W_DESCRIPTION

    if a.organization_id is not None or b.organization_id is not None:
        total += W_ORGANIZATION * (1.0 if a.organization_id == b.organization_id else 0.0)
        weight += W_ORGANIZATION

    tags_a = frozenset(tag.strip().casefold() for tag in a.tags)
    tags_b = frozenset(tag.strip().casefold() for tag in b.tags)
    if tags_a or tags_b:
        total += W_TAGS * _jaccard(tags_a, tags_b)
        weight += W_TAGS

    apart = abs((a.created_at - b.created_at).total_seconds())
    total += W_TIME * max(0.0, 1.0 - apart / _DAY_SECONDS)
    weight += W_TIME

    return round(min(1.0, total / weight), 3)
