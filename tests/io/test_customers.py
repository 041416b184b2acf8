"""Customers: create with only an email, invite through the outbox, projects."""

from __future__ import annotations

import pytest

from deskline.errors import PermissionDenied, ValidationFailed
from deskline.models import CustomerCreate, CustomerUpdate, MailTemplateCreate
from tests.conftest import PORTAL
from tests.io.conftest import as_


def _invitations(store):
    return store.conn.execute("SELECT to_addr, subject, body, status FROM outbox"
                              " WHERE kind = 'invitation'").fetchall()


def test_invite_queues_the_mail_when_mail_is_configured(admin, store):
    store.set_mail_setting("from_address", "help@deskline.example")
    result = admin.invite_customer(CustomerCreate(email="ines@example.org", name="Ines Haddad"))
    assert result.invitation_queued and "queued" in result.note
    [(to, subject, body, status)] = _invitations(store)
    assert (to, subject, status) == ("ines@example.org", "Your helpdesk account", "queued")
    assert body.startswith("Hello Ines,")


def test_invitation_template_is_used_when_there_is_one(admin, store, monkeypatch):
    monkeypatch.setenv("DESKLINE_SMTP_HOST", "localhost")
    admin.create_template(MailTemplateCreate(
        name="Invitation", subject="Welcome, {{ customer.first_name }}",
        body="Hi {{ customer.name }} <{{ customer.email }}>"))
    admin.invite_customer(CustomerCreate(email="wen@example.org", name="Wen Sato"))
    assert _invitations(store)[0][1:3] == ("Welcome, Wen", "Hi Wen Sato <wen@example.org>")


def test_invite_without_mail_creates_and_says_nothing_was_sent(admin, store, monkeypatch):
    monkeypatch.delenv("DESKLINE_SMTP_HOST", raising=False)
    result = admin.invite_customer(CustomerCreate(email="only@example.org"))
    assert not result.invitation_queued and _invitations(store) == []
    assert result.note == ("Created only@example.org, but no invitation was sent: outbound "
                           "mail is not configured (deskline mail settings --from ADDRESS).")
    assert store.customer_by_email("only@example.org").name == ""


def test_projects_of_a_customer(admin, store):
    customer = admin.create_customer(CustomerCreate(email="p@example.org"))
    projects = store.projects()
    updated = admin.update_customer(customer.id, CustomerUpdate(
        project_ids=[projects[0].id, projects[1].id]))
    assert sorted(updated.project_ids) == sorted([projects[0].id, projects[1].id])
    page = admin.list_customers(project_id=projects[1].id, limit=200)
    assert customer.id in {c.id for c in page.items}
    with pytest.raises(ValidationFailed) as err:
        admin.update_customer(customer.id, CustomerUpdate(project_ids=[10 ** 6]))
    assert err.value.field == "project_ids"
    with pytest.raises(ValueError, match="not an email address"):
        CustomerUpdate(email="not an email")


def test_portal_cannot_change_customers(store, clock):
    portal = as_(store, PORTAL, clock)
    with pytest.raises(PermissionDenied):
        portal.update_customer(portal.actor.customer_id, CustomerUpdate(name="Me"))
    with pytest.raises(PermissionDenied):
        portal.invite_customer(CustomerCreate(email="friend@example.org"))
