"""CSV import as use cases, so that every backend offers it (a console on a server too):
the file arrives as bytes; `deskline.io.importer` does the work on the service's store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from deskline.models import FilePreview, ImportKind, ImportReport, SavedMapping
from deskline.service.base import ServiceBase

if TYPE_CHECKING:
    from deskline.io.importer import Progress


class ImportUseCases(ServiceBase):

    def preview_import(self, kind: ImportKind | str, content: bytes,
                       chosen: Mapping[str, str] | None = None,
                       saved: str | None = None) -> FilePreview:
        """The file's encoding, delimiter, columns with samples and the field each maps to
        (guessed, then the saved mapping `saved`, then `chosen`)."""
        from deskline import access
        from deskline.io import importer

        access.require_agent(self.scope(), "import")
        return importer.preview_file(content, kind, store=self.store, chosen=chosen,
                                     saved=saved)

    def run_import(self, kind: ImportKind | str, content: bytes, *,
                   chosen: Mapping[str, str] | None = None, saved: str | None = None,
                   dry_run: bool = False, skip_bad: bool = False,
                   source_name: str | None = None,
                   progress: Progress | None = None) -> ImportReport:
        """Check every row; unless `dry_run`, write all of them (or, with `skip_bad`, the
        good ones) in one transaction. `progress` (local only) hears (phase, done, total)."""
        from deskline.io import importer

        return importer.run_import(self, content, kind, chosen=chosen, saved=saved,
                                   dry_run=dry_run, skip_bad=skip_bad, progress=progress,
                                   source_name=source_name or "an uploaded file")

    def import_mappings(self, kind: ImportKind | str | None = None) -> list[SavedMapping]:
        from deskline.io import importer

        return importer.saved_mappings(self, kind)

    def save_import_mapping(self, name: str, kind: ImportKind | str,
                            columns: Mapping[str, str | None]) -> SavedMapping:
        from deskline.io import importer

        return importer.save_mapping(self, name, kind, columns)
