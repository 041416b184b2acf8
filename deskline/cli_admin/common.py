"""What the administration handlers share: refusals as one sentence naming the option,
lists from the command line, names or ids, and output as text or JSON lines."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from deskline.cli_options import find_named, json_line
from deskline.errors import DesklineError
from deskline.text import plain

T = TypeVar("T")

# The service's field names as the options that set them, so a refusal names what the
# person typed.
OPTIONS = {
    "email_alias": "--alias", "member_ids": "--members", "follower_ids": "--followers",
    "stage_ids": "--stages", "calendar": "--timezone/--days/--hours",
    "auto_close_days": "--auto-close-days", "auto_close_stage_ids": "--auto-close-stages",
    "team_ids": "--teams", "team_id": "--team", "template_id": "--template",
    "move_to": "--move-to", "target_stage_id": "--target", "excluded_stage_ids": "--exclude",
    "customer_ids": "--customers", "priorities": "--priorities", "hours": "--hours",
    "subject": "--subject", "body": "--body", "role": "--role", "active": "--active/--inactive",
    "organization_id": "--organization", "domain": "--domain", "description": "--description",
    "visibility": "--visibility", "assignment": "--assignment", "tags": "--tags",
    "start": "--from", "end": "--until", "db": "--db", "stage_id": "STAGE",
    "project_id": "PROJECT", "target_id": "TARGET",
}


def option(field: str | None, names: dict[str, str] | None = None) -> str | None:
    if field is None:
        return None
    if field == "":  # a whole model refused (a model validator): only `names` may say
        return (names or {}).get("")
    return (names or {}).get(field) or OPTIONS.get(field) or f"--{field.replace('_', '-')}"


@contextmanager
def refusals(error: type[Exception], names: dict[str, str] | None = None) -> Iterator[None]:
    """Turn the service's refusals and the models' validation errors into one sentence
    that starts with the option concerned (`names` overrides the usual option names)."""
    from pydantic import ValidationError

    try:
        yield
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        message = first["msg"].removeprefix("Value error, ")
        where = option(field, names)
        raise error(f"{where}: {message}" if where else message) from None
    except DesklineError as exc:
        where = option(exc.field, names)
        raise error(f"{where}: {exc.message}" if where else exc.message) from None


def items(text: str | None) -> list[str] | None:
    """A comma-separated option as a list (None when not given; '' is the empty list)."""
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def find(things: Sequence, key: str, what: str, flag: str | None = None):
    """A team, stage, template… by name or id; unknown: one sentence naming the option."""
    from deskline.errors import CliError

    try:
        return find_named(list(things), key, what)
    except CliError as exc:
        raise CliError(f"{flag}: {exc}" if flag else str(exc)) from None


def find_all(things: Sequence, keys: list[str] | None, what: str, flag: str) -> list | None:
    if keys is None:
        return None
    return [find(things, key, what, flag) for key in keys]


def find_agent(svc, key: str, error: type[Exception], flag: str | None = None):
    for agent in svc.list_agents():
        if key.casefold() == agent.email.casefold() or key.isdigit() and agent.id == int(key):
            return agent
    where = f"{flag}: " if flag else ""
    raise error(f"{where}no agent {key!r}")


def agent_ids(svc, keys: list[str] | None, error, flag: str) -> list[int] | None:
    if keys is None:
        return None
    return [find_agent(svc, key, error, flag).id for key in keys]


def row(*fields: object, blank: str = "-") -> str:
    """A tab-separated line of text from outside, safe for the terminal; an empty or
    missing field shows as `blank`."""
    return "\t".join(plain(blank if f is None or f == "" else f, one_line=True)
                     for f in fields)


def say(text: str) -> None:
    print(plain(text))


def json_lines(models: Sequence, extra=None) -> None:
    """Each model as one JSON object per line (`extra(model)` adds keys)."""
    out = sys.stdout
    for model in models:
        data = model.model_dump(mode="json")
        if extra is not None:
            data |= extra(model)
        out.write(json_line(data))
    out.flush()


def print_list(models: Sequence[T], as_json: bool, line: Callable[[T], str],
               extra: Callable[[T], dict] | None = None) -> int:
    """A list command's output: JSON lines (`--json`), else `line(model)` for each; its
    exit code."""
    if as_json:
        json_lines(models, extra)
    else:
        for model in models:
            print(line(model))
    return 0


SHOWN = {"email_alias": "alias", "calendar": "working hours", "auto_close_days":
         "auto-close days", "customers_may_close": "customers may close"}


def say_changes(what: str, name: str, changes: Sequence[str]) -> None:
    """The summary of an edit of `what` (a team, an agent…): the fields that changed, or
    that nothing did."""
    say(f"Changed {what} {name}: {', '.join(changes)}." if changes
        else f"{what[:1].upper()}{what[1:]} {name} already was so; nothing changed.")


def changed_fields(before, after) -> list[str]:
    """The fields whose value differs, as people name them, for a summary of an edit."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    def shown(key: str) -> str:  # member_ids: members; template_id: template
        key = key[:-4] + "s" if key.endswith("_ids") else key.removesuffix("_id")
        return key.replace("_", " ")

    return [SHOWN.get(k) or shown(k) for k in new if k != "version" and old.get(k) != new[k]]
