"""What every Deskline screen shares: backend calls in workers, errors as notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.screen import ModalScreen, Screen

from deskline.text import plain

if TYPE_CHECKING:
    from textual import getters

    from deskline.backend import Backend
    from tui.app import DesklineApp

T = TypeVar("T")


class BackendUnavailable(RuntimeError):
    """The backend failed to open (already reported once, on the dashboard)."""


def describe_error(exc: BaseException, what: str) -> str:
    """One sentence for a failed backend call: what failed, why, and what to do."""
    from deskline.errors import ConflictError, DesklineError, NotFound, PermissionDenied

    if isinstance(exc, ConflictError):
        return (f"{what}: someone changed this ticket meanwhile ({plain(exc.message)}). "
                "It has been reloaded; look again and retry.")
    if isinstance(exc, NotFound):
        return f"{what}: {plain(exc.message)}. It may have been merged, archived or hidden."
    if isinstance(exc, PermissionDenied):
        return f"{what}: not allowed: {plain(exc.message)}."
    if isinstance(exc, DesklineError):
        return f"{what}: {plain(exc.message)}"
    return f"{what} failed: {plain(type(exc).__name__)}: {plain(exc)}. Retry, or check the log."


if TYPE_CHECKING:
    _ScreenBase = Screen
else:
    _ScreenBase = object


class BackendCalls(_ScreenBase):
    """Mixin for screens: `self.call(lambda b: b.x(...), done, what)` runs in a worker.

    For the type checker it is a Screen (it uses `run_worker`) whose `app` is the
    DesklineApp; at run time a plain mixin, so that screens never import tui/app.py."""

    if TYPE_CHECKING:  # Textual's typed `app` (textual.getters.app), for the checker only
        app = getters.app(DesklineApp)

    def call(self, fn: Callable[[Backend], Awaitable[T]],
             done: Callable[[T], Any] | None = None, what: str = "Loading", *,
             group: str = "backend", exclusive: bool = False,
             failed: Callable[[BaseException], Any] | None = None) -> None:
        async def work() -> None:
            try:
                backend = await self.app.backend_ready()
                result = await fn(backend)
            except Exception as exc:  # every failure is a notification, never a crash
                self.app.log.error(f"{what}: {exc!r}")
                if isinstance(exc, BackendUnavailable):  # said once, on the dashboard
                    if failed is not None:
                        failed(exc)
                    return
                self.app.notify(describe_error(exc, what), severity="error", timeout=8,
                                markup=False)
                if failed is not None:
                    failed(exc)
                return
            if done is not None:
                out = done(result)
                # Await our own coroutines only: an AwaitComplete from dismiss() would wait
                # for this very worker to end.
                if asyncio.iscoroutine(out):
                    await out

        self.run_worker(work(), group=group, exclusive=exclusive, exit_on_error=False)


class DesklineScreen(BackendCalls, Screen):
    SCOPE: ClassVar[str] = "app"


class DesklineModal(BackendCalls, ModalScreen):
    SCOPE: ClassVar[str] = "dialog"
