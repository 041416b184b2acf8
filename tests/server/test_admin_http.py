"""Administration over HTTP: racing creations answer 201 and 409 (never 500), versioned
configuration needs If-Match, and bad input is a problem naming the field."""

from __future__ import annotations

import threading

import httpx

from tests.server.conftest import World
from tests.server.test_security import _problem


def _race(world: World, bodies: list[dict]) -> list[httpx.Response]:
    """POST /teams with each body at the same moment, from clients of their own."""
    clients = [world.client("admin") for _ in bodies]
    for c in clients:  # connected before the start, so the requests leave together
        c.get("/me")
    start = threading.Barrier(len(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)

    def post(i: int) -> None:
        start.wait()
        answers[i] = clients[i].post("/teams", json=bodies[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    for c in clients:
        c.close()
    assert all(a is not None for a in answers)
    return answers  # type: ignore[return-value]


def test_racing_creations_of_one_team_name_or_alias_answer_201_and_409(world: World) -> None:
    for n in range(4):
        same_name = _race(world, [{"name": f"Race {n}", "email_alias": f"r{n}a@x.example"},
                                  {"name": f"race {n}", "email_alias": f"r{n}b@x.example"}])
        assert sorted(a.status_code for a in same_name) == [201, 409], \
            [a.text for a in same_name]
        _problem(next(a for a in same_name if a.status_code == 409), 409, "name")

        same_alias = _race(world, [{"name": f"Alias {n} a", "email_alias": f"q{n}@x.example"},
                                   {"name": f"Alias {n} b", "email_alias": f"Q{n}@x.example"}])
        assert sorted(a.status_code for a in same_alias) == [201, 409], \
            [a.text for a in same_alias]
        _problem(next(a for a in same_alias if a.status_code == 409), 409, "email_alias")


def test_versioned_configuration_needs_if_match(world: World) -> None:
    with world.client("admin") as c:
        team = c.post("/teams", json={"name": "Versioned", "stage_ids": [1, 2, 4]}).json()
        stage = c.post("/stages", json={"name": "Versioned"}).json()
        policy = c.post("/sla-policies", json={"team_id": team["id"], "name": "Versioned",
                                               "target_stage_id": 4, "hours": 5}).json()
        template = c.post("/templates", json={"name": "Versioned", "subject": "s",
                                              "body": "b"}).json()
        for path, change in ((f"/teams/{team['id']}", {"description": "d"}),
                             (f"/stages/{stage['id']}", {"name": "Versioned 2"}),
                             (f"/sla-policies/{policy['id']}", {"hours": 6}),
                             (f"/templates/{template['id']}", {"body": "b2"})):
            read = c.get(path)
            assert read.headers["etag"] == '"1"', path
            _problem(c.patch(path, json=change), 428, "If-Match")
            _problem(c.patch(path, json=change, headers={"If-Match": "soon"}), 428, "If-Match")
            done = c.patch(path, json=change, headers={"If-Match": '"1"'})
            assert done.status_code == 200 and done.headers["etag"] == '"2"', done.text
            stale = _problem(c.patch(path, json=change, headers={"If-Match": '"1"'}), 412)
            assert stale["current_version"] == 2
        _problem(c.post(f"/teams/{team['id']}/archive", json={"archived": True}), 428,
                 "If-Match")
        archived = c.post(f"/teams/{team['id']}/archive", json={"archived": True},
                          headers={"If-Match": '"2"'})
        assert archived.json()["archived"] and archived.headers["etag"] == '"3"'


def test_bad_administration_input_names_the_field(world: World) -> None:
    with world.client("admin") as c:
        agent = c.post("/agents", json={"email": "fieldy@deskline.example"}).json()
        stage = c.post("/stages", json={"name": "Fieldy"}).json()
        tag = c.get("/tags/details").json()[0]
        cases = [
            (c.post("/teams", json={"name": "Bad alias", "email_alias": "not an address"}),
             422, "email_alias"),
            (c.post("/teams", json={"name": ""}), 422, "name"),
            (c.post("/teams", json={"name": "Extra", "secret": 1}), 422, "secret"),
            (c.post(f"/agents/{agent['id']}/time-off",
                    json={"start": "2030-01-02T00:00:00Z", "end": "2030-01-01T00:00:00Z"}),
             422, "end"),
            (c.post("/agents", json={"email": "fieldy@deskline.example"}), 409, "email"),
            (c.patch("/agents/1", json={"role": "agent"}), 422, "role"),
            (c.post("/agents/1/deactivate"), 422, "active"),
            (c.get("/sla-policies"), 422, "team_id"),
            (c.post("/sla-policies", json={"team_id": 2, "name": "x", "target_stage_id": 3,
                                           "hours": 1}), 422, "target_stage_id"),
            (c.post("/templates/check", json={"name": "x", "subject": "s",
                                              "body": "a\n{% if %}"}), 422, "body"),
            (c.post("/templates/preview", json={"name": "x", "subject": "s", "body": "b"}),
             422, "ticket_id"),
            (c.delete(f"/stages/{stage['id']}?move_to=soon"), 422, "move_to"),
            (c.post(f"/stages/{stage['id']}/move", json={"offset": 10**6}), 422, "offset"),
            (c.post("/stages/order", json={"stage_ids": [1]}), 422, "stage_ids"),
            (c.patch(f"/tags/{tag['id']}", json={"name": "a,b"}), 422, "name"),
            (c.post(f"/tags/{tag['id']}/merge", json={"target_id": tag["id"]}), 422,
             "target_id"),
            (c.get("/audit", params={"cursor": "%%%"}), 422, "cursor"),
            (c.get("/audit", params={"limit": 0}), 422, "limit"),
            (c.get("/teams/99999999999999999999999"), 404, None),  # names nothing
        ]
        for answer, status, field in cases:
            body = _problem(answer, status, field)
            if field == "body":
                assert "line 2" in body["detail"], body


def test_a_deactivated_agent_is_signed_out(world: World) -> None:
    from tests.server_support import make_token

    with world.client("admin") as c:
        agent = c.post("/agents", json={"email": "leaving@deskline.example"}).json()
        token = make_token(world.db, "leaving@deskline.example")
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=world.server.url + "/api/v1", headers=headers) as leaving:
            assert leaving.get("/me").status_code == 200
            gone = c.post(f"/agents/{agent['id']}/deactivate").json()
            assert gone["tokens_revoked"] == 1 and gone["open_tickets"] == []
            _problem(leaving.get("/me"), 401)
        entry = c.get("/audit", params={"kind": "agent", "limit": 1}).json()["items"][0]
        assert (entry["object_id"], entry["action"]) == (agent["id"], "deactivated")
        assert {"field": "active", "old": "True", "new": "False"} in entry["changes"]
