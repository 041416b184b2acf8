"""Files in the ticket view. Saving the files that came with customers' mails: pick one
(or all), name a folder, and each is written there under a safe name that never replaces
an existing file. Attaching files to a reply: checked when added, read when sent.

Over SSH the folder is on the machine the console runs on (a jump host): the console says
where each file went, so the agent can copy it on from there."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deskline.text import plain, safe_filename
from widgets import glyphs

ALL = -1  # picker value: every file listed


def default_folder() -> Path:
    """The platform's downloads folder when it exists, else the working directory."""
    from platformdirs import user_downloads_path

    folder = user_downloads_path()
    return folder if folder.is_dir() else Path.cwd()


def write_file(folder: Path, filename: str, content_type: str, content: bytes) -> Path:
    """Write `content` into `folder` under a safe form of `filename`; "name (2).ext" and
    so on when the name is taken (created exclusively: nothing is ever overwritten)."""
    name = safe_filename(filename, content_type, 1)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    for n in range(1, 1000):
        candidate = folder / (name if n == 1 else f"{stem} ({n}){'.' + ext if ext else ''}")
        try:
            with open(candidate, "xb") as out:
                out.write(content)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"{folder / name} and 998 numbered copies exist already")


def save_files(screen: Any, files: Sequence[Any], first: Sequence[Any] = ()) -> None:
    """Ask which of `files` (AttachmentInfo) to save and where, then fetch and write them.
    `first`: the files of the selected message, listed first."""
    from tui.pickers import Picker, TextPrompt

    app = screen.app
    ordered = [*first, *(f for f in files if f not in first)]
    options: list[tuple[str, Any]] = []
    if len(ordered) > 1:
        options.append((f"All {len(ordered)} files", ALL))
    options += [(glyphs.attachment(f), f.id) for f in ordered]

    def chosen(value) -> None:
        if value is None:
            return
        picked = ordered if value == ALL else [f for f in ordered if f.id == value]
        folder = getattr(app, "files_folder", None) or default_folder()

        def where(text) -> None:
            if text is None or not text.strip():
                return
            target = Path(text.strip()).expanduser()
            app.files_folder = target

            async def fetch_and_write(backend) -> list[Path]:
                import asyncio

                await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
                written = []
                for info in picked:
                    file = await backend.get_attachment(info.id)
                    written.append(await asyncio.to_thread(
                        write_file, target, file.info.filename, file.info.content_type,
                        file.content))
                return written

            def done(written: list[Path]) -> None:
                names = ", ".join(plain(p.name, one_line=True) for p in written)
                app.notify(f"Saved to {plain(str(target), one_line=True)}: {names}",
                           timeout=10, markup=False)

            screen.call(fetch_and_write, done, "Saving the files")

        app.push_screen(TextPrompt(f"Save {len(picked)} file(s) into the folder",
                                   "Created if missing; no file there is replaced.",
                                   str(folder)), where)

    app.push_screen(Picker("Save the files of this ticket", options,
                           ordered[0].id if len(ordered) == 1 else ALL), chosen)


# --- files sent with a reply ---------------------------------------------------------


def attachable(text: str, attached: int = 0) -> tuple[str, int]:
    """(absolute path, size) of a file that can go with a reply that has `attached` bytes
    of files already; ValueError saying why not."""
    from deskline.models import MAX_FILE_BYTES, MAX_REPLY_FILES_BYTES

    path = Path(text).expanduser().resolve()
    shown = plain(str(path), one_line=True)
    if not path.is_file():
        raise ValueError(f"{shown} is not a file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{shown} is {glyphs.size(size)}: a reply takes files up to "
                         f"{glyphs.size(MAX_FILE_BYTES)}")
    if attached + size > MAX_REPLY_FILES_BYTES:
        raise ValueError(f"with {shown} the reply's files would add up to "
                         f"{glyphs.size(attached + size)}: at most "
                         f"{glyphs.size(MAX_REPLY_FILES_BYTES)} go with one reply")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{shown} cannot be read")
    return str(path), size


def to_draft(files: Sequence[tuple[str, int]]) -> str:
    """The attached files as a draft keeps them: "path<TAB>size" lines."""
    return "\n".join(f"{path}\t{size}" for path, size in files)


def from_draft(saved: str) -> list[tuple[str, int]]:
    """The files of a saved draft (see `to_draft`)."""
    files = []
    for line in saved.splitlines():
        path, _tab, size = line.rpartition("\t")
        if path:
            files.append((path, int(size) if size.isdigit() else 0))
    return files


def read_uploads(paths: list[str]) -> list:
    """FileUploads of the paths, read now (a file gone since is an error, nothing sent)."""
    import mimetypes

    from deskline.errors import ValidationFailed
    from deskline.models import FileUpload

    uploads = []
    for path in paths:
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise ValidationFailed(f"cannot read {plain(path, one_line=True)}: "
                                   f"{exc.strerror or exc}", field="files") from None
        uploads.append(FileUpload(filename=Path(path).name, content=content,
                                  content_type=mimetypes.guess_type(path)[0]
                                  or "application/octet-stream"))
    return uploads
