"""The ASGI lifespan protocol, spoken explicitly: start the loops before serving, stop them after.

A `Lifespan` is an async context manager factory: everything before its `yield` is startup,
everything after is shutdown. A failure on the way in is reported as `lifespan.startup.failed`
with its message, so uvicorn refuses to serve instead of answering 200s that nothing handles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from .asgi import Receive, Send

log = logging.getLogger(__name__)

Lifespan = Callable[[], AbstractAsyncContextManager[None]]


async def run_lifespan(lifespan: Lifespan | None, receive: Receive, send: Send) -> None:
    """Answer startup, wait for shutdown, answer it; `None` means nothing to start."""
    message = await receive()
    if message["type"] != "lifespan.startup":
        raise RuntimeError(f"lifespan began with {message['type']!r}, not 'lifespan.startup'")
    if lifespan is None:
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    started = False
    try:
        async with lifespan():
            await send({"type": "lifespan.startup.complete"})
            started = True
            await receive()  # lifespan.shutdown: the server has stopped taking requests
    except BaseException as error:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if started:
            log.exception("shutdown failed")
            await send({"type": "lifespan.shutdown.failed", "message": text})
        else:  # uvicorn logs the message and exits
            await send({"type": "lifespan.startup.failed", "message": text})
        if not isinstance(error, Exception):
            raise  # cancellation and interpreter exit are not ours to swallow
        return
    await send({"type": "lifespan.shutdown.complete"})
