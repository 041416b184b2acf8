"""Roles × team visibility × every ticket endpoint: a visible ticket answers, an invisible
one answers exactly like a missing one (404), and no internal message leaks through lists,
search or events."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from tests.server.conftest import MISSING, ROLES, World

TICKETS = ["company_own", "company_other", "private_own", "private_other",
           "private_followed", "public_own", "public_other", "public_followed"]


def _current(world: World, tid: int) -> dict:
    with world.client("admin") as c:
        if tid == MISSING:
            return {"version": 1, "stage_id": 1}
        return c.get(f"/tickets/{tid}").json()


def _other_visible(world: World, role: str, name: str) -> int:
    return next(world.tickets[n]["id"] for n in TICKETS
                if n in world.visible[role] and n != name)


# endpoint -> (expected status for a visible ticket: agents, portal), request maker
def _requests(world: World, role: str, name: str | None, tid: int) -> dict:
    cur = _current(world, tid)
    v = {"If-Match": f'"{cur["version"]}"'}
    number = world.tickets[name]["number"] if name else MISSING
    other = _other_visible(world, role, name)
    return {
        "get": ((200, 200), ("GET", f"/tickets/{tid}", {}, None)),
        "by_number": ((200, 200), ("GET", f"/tickets/by-number/{number}", {}, None)),
        "messages": ((200, 200), ("GET", f"/tickets/{tid}/messages", {}, None)),
        "presence": ((200, 200), ("GET", f"/tickets/{tid}/presence", {}, None)),
        "merge_preview": ((200, 403), ("GET", f"/tickets/{tid}/merge?with={other}", {}, None)),
        "patch_noop": ((200, 403), ("PATCH", f"/tickets/{tid}", v, {})),
        "move_noop": ((200, 403), ("POST", f"/tickets/{tid}/move", v,
                                   {"stage_id": cur["stage_id"]})),
        "archive_noop": ((200, 403), ("POST", f"/tickets/{tid}/archive", v,
                                      {"archived": False})),
        # only an admin deletes: an agent is refused before the version is looked at
        "delete_stale": ((412 if role == "admin" else 403, 403),
                         ("DELETE", f"/tickets/{tid}", {"If-Match": '"0"'}, None)),
        "follow": ((200, 200), ("PUT", f"/tickets/{tid}/following", {}, {"following": True})),
        "reply": ((201, 201), ("POST", f"/tickets/{tid}/messages", {},
                               {"kind": "reply", "body": "matrix reply"})),
        "comment": ((201, 403), ("POST", f"/tickets/{tid}/messages", {},
                                 {"kind": "comment", "body": "matrix comment"})),
        "set_presence": ((200, 403), ("PUT", f"/tickets/{tid}/presence", {},
                                      {"state": "viewing"})),
        "split_missing_message": ((422, 403), ("POST", f"/tickets/{tid}/split", {},
                                               {"message_ids": [MISSING], "version": 1})),
        "merge_missing_source": ((404, 403), ("POST", f"/tickets/{tid}/merge", {},
                                              {"target_id": tid, "source_ids": [MISSING + 1],
                                               "versions": {}})),
        "close_stale": ((412, 403), ("POST", f"/tickets/{tid}/close", {"If-Match": '"0"'},
                                     None)),
        # not closed yet, or no ratings in that team, or not the portal's own ticket: a
        # refusal that is not a 404 (None: any answer but 404)
        "rate_open": ((422, None), ("POST", f"/tickets/{tid}/rating", {},
                                    {"answer": "satisfied"})),
    }


def _send(client: httpx.Client, req: tuple) -> httpx.Response:
    method, path, headers, body = req
    return client.request(method, path, headers=headers,
                          json=body if body is not None else None)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_ticket_endpoint_by_role_and_visibility(world: World, role: str) -> None:
    portal = role == "portal"
    with world.client(role) as client:
        missing = {ep: _send(client, req) for ep, (_exp, req)
                   in _requests(world, role, None, MISSING).items()}
        for name in TICKETS:
            tid = world.tickets[name]["id"]
            shown = name in world.visible[role]
            for ep, (expected, req) in _requests(world, role, name, tid).items():
                answer = _send(client, req)
                where = f"{role} {ep} {name}"
                if shown and expected[portal] is None:
                    assert answer.status_code not in (404, 500), (where, answer.text)
                elif shown:
                    assert answer.status_code == expected[portal], (where, answer.text)
                else:
                    # exactly like a missing ticket: same status, same kind of answer
                    assert answer.status_code == missing[ep].status_code, (where, answer.text)
                    assert answer.status_code in (404, 403), where
                    assert answer.headers["content-type"].startswith("application/problem")
                    assert answer.json()["title"] == missing[ep].json()["title"], where
                if answer.status_code < 300 and ep == "messages" and portal:
                    kinds = {m["kind"] for m in answer.json()["items"]}
                    assert kinds <= {"reply"}, where
                    assert "SECRETNOTE" not in answer.text and "matrix comment" not in answer.text
                if answer.status_code < 300 and ep == "get":
                    assert answer.headers["etag"] == f'"{answer.json()["version"]}"'


@pytest.mark.parametrize("role", sorted(ROLES))
def test_lists_search_and_counts_show_exactly_the_visible(world: World, role: str) -> None:
    portal = role == "portal"
    with world.client(role) as client:
        for name in TICKETS:
            t = world.tickets[name]
            shown = name in world.visible[role]
            page = client.get(f"/teams/{t['team']}/stages/{t['stage']}/tickets",
                              params={"text": t["word"]})
            columns = client.get(f"/teams/{t['team']}/board", params={"text": t["word"]})
            if page.status_code == 404:  # the whole team is invisible (portal, private)
                # the whole team is invisible: portal on a private team, or an agent who
                # only follows one of its tickets (the ticket itself is visible, below)
                assert not shown or name == "private_followed", (role, name)
                assert columns.status_code == 404
            else:
                ids = [c["id"] for c in page.json()["items"]]
                assert (t["id"] in ids) == shown, (role, name)
                count = {c["stage"]["id"]: c["count"] for c in columns.json()}[t["stage"]]
                assert count == int(shown), (role, name)
            hits = client.get("/search", params={"q": t["word"]}).json()
            assert (t["id"] in [h["ticket"]["id"] for h in hits]) == shown, (role, name)
        secret = client.get("/search", params={"q": "SECRETNOTE", "limit": 200})
        assert secret.status_code == 200
        if portal:
            assert secret.json() == []
        mine = client.get("/me/tickets")
        dashboard = client.get("/dashboard")
        assert (mine.status_code, dashboard.status_code) == ((200, 403) if portal else (200, 200))
        teams = {t["name"] for t in client.get("/teams").json()}
        if portal:
            assert teams == {"Onboarding"}
        elif role == "jonas":
            assert "Billing" not in teams
        visible_ids = {world.tickets[n]["id"] for n in world.visible[role]}
        all_ids = {t["id"] for t in world.tickets.values()}
        for key in ("own", "other"):
            listed = client.get(f"/customers/{world.customer_ids[key]}/tickets",
                                params={"limit": 200})
            if listed.status_code == 200:
                ids = {c["id"] for c in listed.json()["items"]} & all_ids
                assert ids <= visible_ids, (role, key)
            else:
                assert portal and key == "other" and listed.status_code == 404
        own = client.get(f"/customers/{world.customer_ids['own']}")
        other = client.get(f"/customers/{world.customer_ids['other']}")
        assert own.status_code == 200
        assert other.status_code == (404 if portal else 200)
        assert client.get(f"/customers/{MISSING}").status_code == 404


def _listen(world: World, role: str, out: list, ready: threading.Event,
            stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    with httpx.Client(base_url=world.server.url, timeout=httpx.Timeout(5, read=0.5)) as c:
        try:
            with c.stream("GET", "/api/v1/events", headers=headers) as response:
                assert response.status_code == 200
                lines = response.iter_lines()
                ready.set()
                while not stop.is_set():
                    try:
                        line = next(lines)
                    except (httpx.ReadTimeout, StopIteration):
                        continue
                    if line.startswith("data:"):
                        out.append(json.loads(line[5:]))
        except httpx.ReadTimeout:
            pass


def test_events_carry_only_visible_tickets_and_no_internal_messages(world: World) -> None:
    got = {role: [] for role in ROLES}
    stop = threading.Event()
    threads = []
    for role in ROLES:
        ready = threading.Event()
        th = threading.Thread(target=_listen, args=(world, role, got[role], ready, stop),
                              daemon=True)
        th.start()
        threads.append(th)
        assert ready.wait(5)
    with world.client("admin") as admin:
        for name in TICKETS:
            tid = world.tickets[name]["id"]
            note = {"kind": "comment", "body": "SECRETNOTE live"}
            assert admin.post(f"/tickets/{tid}/messages", json=note).status_code == 201
            version = admin.get(f"/tickets/{tid}").json()["version"]
            assert admin.patch(f"/tickets/{tid}", json={"priority": 2},
                               headers={"If-Match": f'"{version}"'}).status_code == 200
        tid = world.tickets["public_own"]["id"]
        assert admin.post(f"/tickets/{tid}/messages",
                          json={"kind": "reply", "body": "live reply"}).status_code == 201
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
            e["type"] == "message.created" and e["id"] == tid for e in got["portal"]):
        time.sleep(0.05)
    time.sleep(0.3)
    stop.set()
    for th in threads:
        th.join(5)
    ids = {w["id"]: n for n, w in world.tickets.items()}
    for role, events in got.items():
        for e in events:
            assert set(e) == {"type", "id", "version"}, e
        updated = {ids[e["id"]] for e in events if e["type"] == "ticket.updated"}
        heard = {ids.get(e["id"], e["id"]) for e in events}
        assert heard == world.visible[role], role
        assert updated == world.visible[role], role
    portal_messages = [e for e in got["portal"] if e["type"] == "message.created"]
    assert [e["id"] for e in portal_messages] == [tid]  # the reply, never the comments
    agent_messages = [e for e in got["jonas"] if e["type"] == "message.created"]
    assert len(agent_messages) >= len(world.visible["jonas"])


# --- administration: only admins change configuration ----------------------------------

KIND = {"admin": "admin", "alice": "agent", "jonas": "agent", "portal": "portal"}


def _scratch(world: World, role: str) -> dict:
    """Configuration of its own for one role's run (made by the admin), so the writes of
    one run never touch what another run or test reads."""
    from tests.conftest import ADMIN, ALICE
    from tests.server_support import make_token

    with world.client("admin") as admin:
        def made(path: str, body: dict) -> dict:
            answer = admin.post(path, json=body)
            assert answer.status_code == 201, (path, answer.text)
            return answer.json()

        team = made("/teams", {"name": f"Scratch {role}", "stage_ids": [1, 2, 4]})
        ids = {"team": team["id"],
               "stage": made("/stages", {"name": f"Scratch {role}",
                                         "team_ids": [team["id"]]})["id"],
               "stage_gone": made("/stages", {"name": f"Scratch gone {role}"})["id"],
               "agent": made("/agents", {"email": f"scratch.{role}@deskline.example"})["id"],
               "org": made("/organizations", {"name": f"Scratch {role}"})["id"],
               "org_gone": made("/organizations", {"name": f"Scratch gone {role}"})["id"],
               "template": made("/templates", {"name": f"Scratch {role}", "subject": "s",
                                               "body": "b"})["id"]}
        policy = {"team_id": team["id"], "target_stage_id": 4, "hours": 8}
        ids["policy"] = made("/sla-policies", {"name": f"Scratch {role}", **policy})["id"]
        ids["policy_gone"] = made("/sla-policies", {"name": f"Gone {role}", **policy})["id"]
        ids["project"] = made("/projects", {"name": f"Scratch {role}"})["id"]
        ids["project_gone"] = made("/projects", {"name": f"Scratch gone {role}"})["id"]
        tags = [f"scratch-{role}-{n}" for n in "abc"]
        ids["ticket"] = made("/tickets", {"team_id": team["id"], "subject": "Scratch",
                                          "tags": tags})["id"]
        details = {t["name"]: t["id"] for t in admin.get("/tags/details").json()}
        ids["tags"] = [details[t] for t in tags]
        away = admin.post(f"/agents/{ids['agent']}/time-off",
                          json={"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"})
        ids["time_off"] = away.json()["time_off"][0]["id"]
    with world.client(role) as own_client:
        ids["me"] = own_client.get("/me").json()["id"]
    own = make_token(world.db, ROLES[role])
    other = make_token(world.db, ALICE if role == "admin" else ADMIN)
    with world.client("admin") as admin:
        listed = admin.get("/tokens").json()
    prefix = {t["prefix"]: t["id"] for t in listed}
    ids["own_token"], ids["other_token"] = prefix[own[:10]], prefix[other[:10]]
    return ids


def _admin_get(world: World, path: str) -> list | dict:
    with world.client("admin") as admin:
        return admin.get(path).json()


def _version(world: World, path: str) -> dict:
    with world.client("admin") as admin:
        answer = admin.get(path)
    return {"If-Match": answer.headers["etag"]}


def _admin_requests(world: World, role: str, ids: dict) -> list:
    """(name, {kind or role: status}, request thunk), in the order they are sent."""
    billing = next(t for t in _admin_get(world, "/teams") if t["name"] == "Billing")["id"]
    t, s, tags = ids["team"], ids["stage"], ids["tags"]
    time_off = {"start": "2031-01-01T00:00:00Z", "end": "2031-01-02T00:00:00Z"}
    template = {"name": f"Check {role}", "subject": "{{ ticket.subject }}", "body": "b"}
    reads = [
        ("team", {"admin": 200, "agent": 200, "portal": 404}, lambda: ("GET", f"/teams/{t}")),
        ("private_team", {"admin": 200, "alice": 200, "jonas": 404, "portal": 404},
         lambda: ("GET", f"/teams/{billing}")),
        ("portal_followers", {"admin": 200, "agent": 403, "portal": 403},
         lambda: ("GET", f"/teams/{t}/portal-followers")),
        ("stage", {"admin": 200, "agent": 200, "portal": 200}, lambda: ("GET", f"/stages/{s}")),
        ("policies", {"admin": 200, "agent": 200, "portal": 403},
         lambda: ("GET", f"/sla-policies?team_id={t}")),
        ("private_policies", {"admin": 200, "alice": 200, "jonas": 404, "portal": 403},
         lambda: ("GET", f"/sla-policies?team_id={billing}")),
        ("policy", {"admin": 200, "agent": 200, "portal": 403},
         lambda: ("GET", f"/sla-policies/{ids['policy']}")),
        ("templates", {"admin": 200, "agent": 200, "portal": 403},
         lambda: ("GET", "/templates")),
        ("template", {"admin": 200, "agent": 200, "portal": 403},
         lambda: ("GET", f"/templates/{ids['template']}")),
        ("placeholders", {"admin": 200, "agent": 200, "portal": 200},
         lambda: ("GET", "/templates/placeholders")),
        ("check_template", {"admin": 204, "agent": 204, "portal": 403},
         lambda: ("POST", "/templates/check", {}, template)),
        ("preview_template", {"admin": 200, "agent": 200, "portal": 403},
         lambda: ("POST", f"/templates/preview?ticket_id={ids['ticket']}", {}, template)),
        ("tag_details", {"admin": 200, "agent": 200, "portal": 403},
         lambda: ("GET", "/tags/details")),
        ("own_tokens", {"admin": 200, "agent": 200, "portal": 200},
         lambda: ("GET", f"/tokens?agent_id={ids['me']}")),
        ("all_tokens", {"admin": 200, "agent": 403, "portal": 403}, lambda: ("GET", "/tokens")),
        ("audit", {"admin": 200, "agent": 403, "portal": 403}, lambda: ("GET", "/audit")),
    ]
    admin_only = {"admin": None, "agent": 403, "portal": 403}  # None: the success status
    writes = [
        ("create_team", 201, lambda: ("POST", "/teams", {}, {"name": f"New {role}"})),
        ("patch_team", 200, lambda: ("PATCH", f"/teams/{t}", _version(world, f"/teams/{t}"),
                                     {"description": "matrix"})),
        ("archive_team", 200, lambda: ("POST", f"/teams/{t}/archive",
                                       _version(world, f"/teams/{t}"), {"archived": False})),
        ("create_stage", 201, lambda: ("POST", "/stages", {}, {"name": f"New {role}"})),
        ("patch_stage", 200, lambda: ("PATCH", f"/stages/{s}", _version(world, f"/stages/{s}"),
                                      {"name": f"Renamed {role}"})),
        ("move_stage", 200, lambda: ("POST", f"/stages/{s}/move", {}, {"offset": 0})),
        ("reorder_stages", 200, lambda: ("POST", "/stages/order", {}, {
            "stage_ids": [x["id"] for x in _admin_get(world, "/stages")]})),
        ("delete_stage", 204, lambda: ("DELETE", f"/stages/{ids['stage_gone']}")),
        ("create_policy", 201, lambda: ("POST", "/sla-policies", {}, {
            "team_id": t, "name": f"New {role}", "target_stage_id": 2, "hours": 1})),
        ("patch_policy", 200, lambda: (
            "PATCH", f"/sla-policies/{ids['policy']}",
            _version(world, f"/sla-policies/{ids['policy']}"), {"hours": 9, "recompute": True})),
        ("delete_policy", 204, lambda: ("DELETE", f"/sla-policies/{ids['policy_gone']}")),
        ("create_template", 201, lambda: ("POST", "/templates", {},
                                          {"name": f"New {role}", "subject": "s", "body": "b"})),
        ("patch_template", 200, lambda: (
            "PATCH", f"/templates/{ids['template']}",
            _version(world, f"/templates/{ids['template']}"), {"body": "changed"})),
        ("create_agent", 201, lambda: ("POST", "/agents", {},
                                       {"email": f"new.{role}@deskline.example"})),
        ("patch_agent", 200, lambda: ("PATCH", f"/agents/{ids['agent']}", {}, {"name": "N"})),
        ("agent_teams", 200, lambda: ("PUT", f"/agents/{ids['agent']}/teams", {},
                                      {"team_ids": [t]})),
        ("others_time_off", 201, lambda: ("POST", f"/agents/{ids['agent']}/time-off", {},
                                          time_off)),
        ("remove_others_time_off", 200, lambda: (
            "DELETE", f"/agents/{ids['agent']}/time-off/{ids['time_off']}")),
        ("deactivate_agent", 200, lambda: ("POST", f"/agents/{ids['agent']}/deactivate")),
        ("patch_org", 200, lambda: ("PATCH", f"/organizations/{ids['org']}", {},
                                    {"name": f"Renamed {role}"})),
        ("delete_org", 204, lambda: ("DELETE", f"/organizations/{ids['org_gone']}")),
        ("patch_project", 200, lambda: ("PATCH", f"/projects/{ids['project']}", {},
                                        {"name": f"Renamed {role}"})),
        ("delete_project", 204, lambda: ("DELETE", f"/projects/{ids['project_gone']}")),
        ("rename_tag", 200, lambda: ("PATCH", f"/tags/{tags[0]}", {},
                                     {"name": f"renamed-{role}"})),
        ("merge_tag", 200, lambda: ("POST", f"/tags/{tags[1]}/merge", {},
                                    {"target_id": tags[0]})),
        ("delete_tag", 204, lambda: ("DELETE", f"/tags/{tags[2]}")),
    ]
    agents_too = [  # agents may (as the service says); portal accounts may not
        ("create_org", {"admin": 201, "agent": 201, "portal": 403},
         lambda: ("POST", "/organizations", {}, {"name": f"New {role}"})),
        ("create_project", {"admin": 201, "agent": 201, "portal": 403},
         lambda: ("POST", "/projects", {}, {"name": f"New {role}"})),
        ("own_time_off", {"admin": 201, "agent": 201, "portal": 403},
         lambda: ("POST", f"/agents/{ids['me']}/time-off", {}, time_off)),
        ("revoke_own_token", {"admin": 200, "agent": 200, "portal": 200},
         lambda: ("DELETE", f"/tokens/{ids['own_token']}")),
        ("revoke_others_token", {"admin": 200, "agent": 404, "portal": 404},
         lambda: ("DELETE", f"/tokens/{ids['other_token']}")),
    ]
    return reads + [(n, {**admin_only, "admin": ok}, req) for n, ok, req in writes] + \
        agents_too


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_administration_endpoint_by_role(world: World, role: str) -> None:
    ids = _scratch(world, role)
    with world.client(role) as client:
        for name, expected, make in _admin_requests(world, role, ids):
            req = make()
            method, path = req[:2]
            headers, body = (req[2], req[3]) if len(req) > 2 else ({}, None)
            answer = client.request(method, path, headers=headers, json=body)
            want = expected[role] if role in expected else expected[KIND[role]]
            where = f"{role} {name}"
            assert answer.status_code == want, (where, answer.text)
            if want >= 400:
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert answer.json()["status"] == want, where
            if method in ("GET", "PATCH") and want == 200 and "{" in answer.text[:1] and \
                    "version" in answer.json():
                assert answer.headers["etag"] == f'"{answer.json()["version"]}"', where
