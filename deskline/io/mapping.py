"""Which column of a file holds which field: guessed from the headers, overridden with
COLUMN=FIELD, saved and reused by name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from deskline.errors import ValidationFailed
from deskline.models import IMPORT_FIELDS, ImportKind

FIELDS = IMPORT_FIELDS  # the fields a column can map to, per kind (on the model)
IGNORE = ("", "-", "ignore", "none")

_ALIASES: dict[ImportKind, dict[str, tuple[str, ...]]] = {
    ImportKind.customers: {
        "email": ("email", "emailaddress", "mail", "emailadresse", "mailadresse", "courriel",
                  "correo", "correoelectronico", "contactemail", "primaryemail", "emails",
                  "customeremail", "adresseemail"),
        "name": ("name", "fullname", "contactname", "displayname", "kontakt", "ansprechpartner",
                 "nom", "nomcomplet", "customername", "kunde", "kundenname"),
        "first_name": ("firstname", "first", "givenname", "vorname", "forename", "prenom",
                       "nombre"),
        "last_name": ("lastname", "surname", "familyname", "nachname", "last", "nomdefamille",
                      "apellido", "zuname", "familienname"),
        "organization": ("organization", "organisation", "company", "org", "firma",
                         "unternehmen", "companyname", "account", "societe", "entreprise",
                         "firmenname", "empresa", "organizationname"),
        "phone": ("phone", "telephone", "tel", "telefon", "phonenumber", "telefonnummer",
                  "mobile", "mobil", "handy", "cell", "mobilephone", "telefono"),
        "projects": ("projects", "project", "projekt", "projekte", "projet", "projets"),
    },
    ImportKind.tickets: {
        "subject": ("subject", "title", "betreff", "titel", "summary", "zusammenfassung",
                    "sujet", "asunto", "ticketsubject"),
        "description": ("description", "body", "beschreibung", "text", "message", "nachricht",
                        "details", "content", "inhalt"),
        "team": ("team", "group", "queue", "gruppe", "equipe", "helpdeskteam"),
        "stage": ("stage", "status", "phase", "state", "etat", "stufe"),
        "priority": ("priority", "prio", "prioritaet", "prioritat", "priorite", "prioridad"),
        "tags": ("tags", "tag", "labels", "label", "schlagworte", "stichworte", "schlagwort"),
        "assignee": ("assignee", "agent", "owner", "assignedto", "bearbeiter", "zugewiesen",
                     "zugewiesenan", "responsible", "verantwortlich", "assigneeemail"),
        "customer_email": ("customeremail", "email", "emailaddress", "requester",
                           "requesteremail", "contactemail", "kundenemail", "emailkunde",
                           "from", "sender", "absender", "mail", "emailadresse", "kunde"),
        "created_at": ("createdat", "created", "createdon", "date", "datum", "erstellt",
                       "erstelltam", "opened", "openedat", "creationdate", "erstelldatum",
                       "datecreated"),
        "closed_at": ("closedat", "closed", "closedon", "geschlossen", "geschlossenam",
                      "solvedat", "datecloture", "resolvedat"),
        "channel": ("channel", "source", "kanal", "quelle", "canal"),
    },
}

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalize_header(name: str) -> str:
    """`E-Mail-Adresse` -> `emailadresse`, `Prénom` -> `prenom`, `First name` -> `firstname`."""
    folded = name.casefold().translate(_FOLD)
    folded = unicodedata.normalize("NFKD", folded)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in folded if not unicodedata.combining(c)))


def guess_mapping(headers: Sequence[str], kind: ImportKind) -> dict[str, str | None]:
    """header -> field (or None) for every header; each field taken by one column at most,
    the first that names it."""
    lookup = {alias: field for field, aliases in _ALIASES[kind].items() for alias in aliases}
    taken: set[str] = set()
    out: dict[str, str | None] = {}
    for header in headers:
        field = lookup.get(normalize_header(header))
        if field is not None and field not in taken:
            taken.add(field)
            out[header] = field
        else:
            out[header] = None
    return out


def parse_map_args(items: Iterable[str]) -> dict[str, str]:
    """`COLUMN=FIELD` strings (as given to --map) -> {column: field}."""
    out: dict[str, str] = {}
    for item in items:
        column, sep, field = item.partition("=")
        if not sep or not column.strip():
            raise ValidationFailed(f"--map wants COLUMN=FIELD, not {item!r}", field="map")
        out[column.strip()] = field.strip()
    return out


def apply_mapping(headers: Sequence[str], kind: ImportKind, guessed: Mapping[str, str | None],
                  chosen: Mapping[str, str], *, strict: bool = True) -> dict[str, str | None]:
    """The guesses with the chosen column=field pairs laid over them. Columns match
    case-insensitively; a field chosen for one column is taken from any other. With
    `strict`, a column the file does not have is an error (typed on the command line);
    without it (a saved mapping reused on another file) it is left out."""
    fields = FIELDS[kind]
    by_key = {h.casefold(): h for h in headers}
    result = dict(guessed)
    for column, field in chosen.items():
        header = by_key.get(column.strip().casefold())
        if header is None:
            if strict:
                raise ValidationFailed(
                    f"the file has no column {column!r} (columns: {', '.join(headers)})",
                    field="map")
            continue
        if field.casefold() in IGNORE:
            result[header] = None
            continue
        if field not in fields:
            raise ValidationFailed(f"unknown field {field!r} for {kind.value} "
                                   f"(fields: {', '.join(fields)})", field="map")
        for other, value in result.items():
            if value == field:
                result[other] = None
        result[header] = field
    return result


def check_required(mapping: Mapping[str, str | None], kind: ImportKind,
                   default_team: bool = False) -> None:
    fields = set(v for v in mapping.values() if v)
    need = ["email"] if kind is ImportKind.customers else ["subject"]
    if kind is ImportKind.tickets and not default_team:
        need.append("team")
    missing = [f for f in need if f not in fields]
    if missing:
        raise ValidationFailed(
            f"no column is mapped to {', '.join(missing)}; name it with --map COLUMN="
            f"{missing[0]}", field="map")
