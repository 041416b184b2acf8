"""Organizations, projects and tags: create, rename (an organization's domain, a project's
organization), delete when empty (the refusal says what is left), and for tags: ticket
counts, merge one into another, delete with the count confirmed."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from deskline.text import plain
from tui import keymap
from tui.pickers import Confirm, Picker
from tui.screens.settings.form import DASH, Field, FieldsForm, SettingsList
from widgets.rows import Row

KINDS = ("organizations", "projects", "tags")
NO_ORG = 0  # the project form's "no organization"


class CatalogSettings(SettingsList):
    SCOPE = "catalog"
    BINDINGS = keymap.bindings("catalog")
    TITLE_TEXT = "Settings · Organizations, projects and tags"

    def __init__(self) -> None:
        super().__init__()
        self.kind = "organizations"
        self.organizations: list = []
        self.projects: list = []
        self.tags: list = []

    def on_mount(self) -> None:
        self.load()

    @property
    def items(self) -> list:
        return getattr(self, self.kind)

    @property
    def current(self):
        i = self.selected
        return self.items[i] if 0 <= i < len(self.items) else None

    def load(self, select_id: int | None = None) -> None:
        async def fetch(backend):
            orgs = await backend.list_organizations()
            projects = await backend.list_projects()
            tags = await backend.list_tag_details()
            return orgs, projects, tags

        def show(result) -> None:
            orgs, projects, tags = result
            self.organizations = sorted(orgs, key=lambda o: o.name.casefold())
            self.projects = sorted(projects, key=lambda p: p.name.casefold())
            self.tags = sorted(tags, key=lambda t: t.name.casefold())
            self.show_kind(select_id)

        self.call(fetch, show, "Loading organizations, projects and tags", group="load",
                  exclusive=True)

    def org_name(self, org_id: int | None) -> str:
        org = next((o for o in self.organizations if o.id == org_id), None)
        return plain(org.name, one_line=True) if org else DASH

    def show_kind(self, select_id: int | None = None) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        for i, kind in enumerate(KINDS):
            if i:
                line.append(" · ")
            count = len(getattr(self, kind))
            label = f"{kind.capitalize()} ({count})"
            line.append(f"[{label}]" if kind == self.kind else label,
                        "bold reverse" if kind == self.kind else "")
        line.append(f"   {keymap.display('catalog.switch', True)} switches")
        self.set_context(line)
        self.rows.empty = f"(no {self.kind} yet)"
        self.rows.set_rows([self._row(x) for x in self.items])
        if select_id is not None:
            self.rows.select(next((i for i, x in enumerate(self.items) if x.id == select_id), 0))
        self.show_details()

    def _row(self, x) -> Row:
        name = plain(x.name, one_line=True)
        if self.kind == "organizations":
            return [(name, "strong"), (f"  · {plain(x.domain or DASH, one_line=True)}", "dim")]
        if self.kind == "projects":
            return [(name, "strong"), (f"  · {self.org_name(x.organization_id)}", "dim")]
        return [(f"#{name}", "strong"), (f"  · {x.ticket_count:,} tickets", "dim")]

    def details(self, index: int) -> Text:
        x = self.current
        if x is None:
            return Text("")
        out = Text()
        if self.kind == "organizations":
            projects = [plain(p.name, one_line=True) for p in self.projects
                        if p.organization_id == x.id]
            out.append("Domain: ", "bold")
            out.append(plain(x.domain or DASH, one_line=True))
            out.append("\nProjects: ", "bold")
            out.append(", ".join(projects) or "none")
        elif self.kind == "projects":
            out.append("Organization: ", "bold")
            out.append(self.org_name(x.organization_id))
        else:
            out.append(f"#{plain(x.name, one_line=True)}", "bold")
            out.append(f" is on {x.ticket_count:,} tickets. m merges it into another tag.")
        return out

    # --- keys -------------------------------------------------------------------------

    def action_switch(self) -> None:
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self.rows.selected = 0
        self.show_kind()

    def _org_options(self) -> list[tuple[str, Any]]:
        return [("No organization", NO_ORG)] + [(o.name, o.id) for o in self.organizations]

    def action_new(self) -> None:
        from deskline.models import OrganizationCreate, ProjectCreate

        if self.kind == "organizations":
            def create_org(changed: dict) -> Any:
                data = OrganizationCreate(name=changed.get("name", ""),
                                          domain=changed.get("domain") or None)
                return lambda b: b.create_organization(data)

            form = FieldsForm("New organization", [
                Field("name", "Name"), Field("domain", "Domain", placeholder="example.com")],
                create_org, what="Creating the organization")
        elif self.kind == "projects":
            def create_project(changed: dict) -> Any:
                org = changed.get("organization_id", NO_ORG)
                data = ProjectCreate(name=changed.get("name", ""),
                                     organization_id=None if org == NO_ORG else org)
                return lambda b: b.create_project(data)

            form = FieldsForm("New project", [
                Field("name", "Name"),
                Field("organization_id", "Organization", NO_ORG, self._org_options())],
                create_project, what="Creating the project")
        else:
            self.say("Tags are made by tagging tickets; here they are renamed, "
                             "merged or deleted.", problem=True)
            return
        self.app.push_screen(form, self._saved)

    def action_edit(self) -> None:
        from deskline.models import OrganizationUpdate, ProjectUpdate

        x = self.current
        if x is None:
            return
        name = plain(x.name, one_line=True)
        if self.kind == "organizations":
            def save_org(changed: dict) -> Any:
                if not changed:
                    return None
                if "domain" in changed:
                    changed["domain"] = changed["domain"] or None  # emptied: no domain
                data = OrganizationUpdate(**changed)
                return lambda b: b.update_organization(x.id, data)

            form = FieldsForm(f"Organization {name}", [
                Field("name", "Name", x.name), Field("domain", "Domain", x.domain or "")],
                save_org, what="Saving the organization")
        elif self.kind == "projects":
            def save_project(changed: dict) -> Any:
                if not changed:
                    return None
                if "organization_id" in changed and changed["organization_id"] == NO_ORG:
                    changed["organization_id"] = None  # sent: out of its organization
                data = ProjectUpdate(**changed)
                return lambda b: b.update_project(x.id, data)

            form = FieldsForm(f"Project {name}", [
                Field("name", "Name", x.name),
                Field("organization_id", "Organization", x.organization_id or NO_ORG,
                      self._org_options())], save_project, what="Saving the project")
        else:
            def rename(changed: dict) -> Any:
                if "name" not in changed:
                    return None
                return lambda b: b.rename_tag(x.id, changed["name"])

            form = FieldsForm(f"Rename the tag #{name} (on {x.ticket_count:,} tickets)",
                              [Field("name", "Name", x.name)], rename,
                              note="To a name another tag has: merge them instead (m).",
                              what="Renaming the tag")
        self.app.push_screen(form, self._saved)

    def _saved(self, result) -> None:
        if result is None:
            return
        self.say(f"Saved {plain(result.name, one_line=True)}")
        self.load(select_id=result.id)

    def action_delete(self) -> None:
        x = self.current
        if x is None:
            return
        name = plain(x.name, one_line=True)
        if self.kind == "organizations":
            title = f"Delete the organization {name}? Only an empty one can be."
            call = lambda b: b.delete_organization(x.id)  # noqa: E731
        elif self.kind == "projects":
            title = f"Delete the project {name}? Only one without members can be."
            call = lambda b: b.delete_project(x.id)  # noqa: E731
        else:
            title = f"Delete the tag #{name}? It is taken off its {x.ticket_count:,} tickets."
            call = lambda b: b.delete_tag(x.id)  # noqa: E731

        def confirmed(yes) -> None:
            if yes:
                self.submit(call, f"Deleting {name}", lambda _r: self._deleted(name))

        self.app.push_screen(Confirm(title, "Delete"), confirmed)

    def _deleted(self, name: str) -> None:
        self.say(f"Deleted {name}")
        self.load()

    def action_merge(self) -> None:
        source = self.current
        if self.kind != "tags" or source is None:
            self.say("Merging is for tags (s switches to them).", problem=True)
            return
        others = [(f"#{t.name}  ({t.ticket_count:,} tickets)", t.id) for t in self.tags
                  if t.id != source.id]
        name = plain(source.name, one_line=True)

        def chosen(target_id) -> None:
            if target_id is None:
                return
            self.submit(lambda b: b.merge_tags(source.id, target_id), "Merging the tags",
                        lambda tag: self._merged(name, tag))

        self.app.push_screen(Picker(f"Merge #{name} ({source.ticket_count:,} tickets) into",
                                    others, hint="enter merges · esc cancels"), chosen)

    def _merged(self, name: str, tag) -> None:
        self.say(f"Merged #{name} into #{plain(tag.name, one_line=True)} "
                         f"({tag.ticket_count:,} tickets now)")
        self.load(select_id=tag.id)

    def action_refresh(self) -> None:
        self.load()
