"""Saved views over HTTP: each agent's own (another's is a 404, a portal account's a 403),
a view's tickets narrowed by who asks, and refusals as problems naming the field."""

from __future__ import annotations

from tests.server.conftest import World
from tests.server.test_security import _problem


def _names(world: World, items: list[dict]) -> set[str]:
    by_id = {t["id"]: name for name, t in world.tickets.items()}
    return {by_id[i["id"]] for i in items if i["id"] in by_id}


def test_views_are_their_agents_and_list_what_each_may_see(world: World) -> None:
    matrix = {"name": "Matrix", "filter": {"text": "zqx", "open_only": False}}
    with world.client("alice") as alice, world.client("jonas") as jonas, \
            world.client("portal") as portal:
        mine = alice.post("/me/views", json=matrix)
        assert mine.status_code == 201, mine.text
        view = mine.json()
        theirs = jonas.post("/me/views", json=matrix).json()  # the same name: their own
        for client, v, role in ((alice, view, "alice"), (jonas, theirs, "jonas")):
            page = client.get(f"/me/views/{v['id']}/tickets", params={"limit": 3}).json()
            items = page["items"]
            while page["next_cursor"]:
                page = client.get(f"/me/views/{v['id']}/tickets",
                                  params={"limit": 3, "cursor": page["next_cursor"]}).json()
                items += page["items"]
            assert _names(world, items) == world.visible[role]
        for path in (f"/me/views/{view['id']}", f"/me/views/{view['id']}/tickets"):
            _problem(jonas.get(path), 404)
        _problem(jonas.patch(f"/me/views/{view['id']}", json={"name": "Mine now"}), 404)
        _problem(jonas.delete(f"/me/views/{view['id']}"), 404)
        _problem(alice.post("/me/views", json={"name": "matrix"}), 409, "name")
        _problem(alice.post("/me/views", json={"name": ""}), 422, "name")
        _problem(alice.post("/me/views", json={"name": "x", "filter": {"team_ids": [987654]}}),
                 422, "filter.team_ids")
        _problem(alice.get(f"/me/views/{view['id']}/tickets", params={"cursor": "nope"}),
                 422, "cursor")
        _problem(portal.get("/me/views"), 403)
        renamed = alice.patch(f"/me/views/{view['id']}", json={"name": "Matrix, all"})
        assert renamed.json()["name"] == "Matrix, all"
        assert renamed.json()["filter"] == view["filter"]
        assert alice.delete(f"/me/views/{view['id']}").status_code == 204
        assert [v["name"] for v in alice.get("/me/views").json()] == []
