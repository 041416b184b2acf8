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

    @r.post("/imports/preview", response_model=FilePreview, tags=["import"])
    async def preview(request: Request, data: ImportBody) -> Response:
        content = data.content()
        return await run(request, lambda s: s.preview_import(data.kind, content, data.chosen,
                                                             data.saved))

    @r.post("/imports", response_model=ImportReport, tags=["import"])
    async def run_import(request: Request, data: ImportBody) -> Response:
        content = data.content()
        return await run(request, lambda s: s.run_import(
            data.kind, content, chosen=data.chosen, saved=data.saved, dry_run=data.dry_run,
            skip_bad=data.skip_bad, source_name=data.source_name))

    @r.get("/imports/mappings", response_model=list[SavedMapping], tags=["import"])
    async def mappings(request: Request, kind: ImportKind | None = None) -> Response:
        return await run(request, lambda s: s.import_mappings(kind))

    @r.put("/imports/mappings/{name}", response_model=SavedMapping, tags=["import"])
    async def save_mapping(request: Request, name: str, data: MappingBody) -> Response:
        return await run(request, lambda s: s.save_import_mapping(name, data.kind,
                                                                  data.columns))

    return r
