"""Routes of CSV import: preview a file, check or import it, saved mappings. The file is
base64 in the JSON body; these routes accept bodies up to `Settings.max_import_body`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from deskline.models import FilePreview, ImportKind, ImportReport, SavedMapping
from deskline.server.api import Api, router
from deskline.server.schemas import ImportBody, MappingBody


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.post("/imports/preview", operation_id="previewImport",
            response_model=FilePreview, tags=["imports"])
    async def preview(request: Request, data: ImportBody) -> Response:
        """Preview a CSV file

        The file's encoding, delimiter, rows and columns with the field each maps to (guessed,
        saved or chosen). Nothing is written. Agents only."""
        content = data.content()
        return await run(request, lambda s: s.preview_import(data.kind, content, data.chosen,
                                                             data.saved))

    @r.post("/imports", operation_id="runImport", response_model=ImportReport, tags=["imports"])
    async def run_import(request: Request, data: ImportBody) -> Response:
        """Import a CSV file

        Customers or tickets. Every row is checked before anything is written; then all rows or
        none (default), or the good rows with `skip_bad`. `dry_run` checks only. Answers the
        report with each bad row's line and field. Agents only."""
        content = data.content()
        return await run(request, lambda s: s.run_import(
            data.kind, content, chosen=data.chosen, saved=data.saved, dry_run=data.dry_run,
            skip_bad=data.skip_bad, source_name=data.source_name))

    @r.get("/imports/mappings", operation_id="listImportMappings",
           response_model=list[SavedMapping], tags=["imports"])
    async def mappings(request: Request, kind: ImportKind | None = None) -> Response:
        """List saved import mappings

        Column-to-field mappings saved by name, of one `kind` or all."""
        return await run(request, lambda s: s.import_mappings(kind))

    @r.put("/imports/mappings/{name}", operation_id="saveImportMapping",
           response_model=SavedMapping, tags=["imports"])
    async def save_mapping(request: Request, name: str, data: MappingBody) -> Response:
        """Save an import mapping

        Under the name in the path, replacing one of that name."""
        return await run(request, lambda s: s.save_import_mapping(name, data.kind,
                                                                  data.columns))

    return r
