"""Email addresses are refused at the door when no mail system could carry them."""

from __future__ import annotations

import pytest

from deskline.models import AgentCreate, CustomerCreate, CustomerUpdate, normalize_email


@pytest.mark.parametrize("bad", [
    "a\x00b@example.com", "\ufeffann@example.com", "ann@exa\u202emple.com",
    "ann\u200b@example.com", "ann@example.com\ufdd0", "ann\U0010fffe@example.com",
    "an\x1bn@example.com", "ann\x85@example.com", "x" * 250 + "@example.com",
])
def test_control_invisible_and_noncharacters_are_refused(bad):
    with pytest.raises(ValueError):
        normalize_email(bad)
    for model in (CustomerCreate, AgentCreate, CustomerUpdate):
        with pytest.raises(ValueError):
            model(email=bad)


@pytest.mark.parametrize("good", ["ann@example.com", "jürgen@müller.example",
                                  "a.b+tag@sub.example.org"])
def test_ordinary_addresses_pass(good):
    assert normalize_email(f"  {good} ") == good
