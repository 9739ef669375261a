"""A small HTTP/1.1 keep-alive client on asyncio streams, for load shapes wrk cannot make.

httpx costs ~10× more CPU a request, which on two cores would be taken from the server being
measured. This one writes a prepared request and reads the status line, the headers it needs
(Content-Length, Connection) and the body — enough for atende's webhook and the Graph sink,
which both answer with a Content-Length.

Used for: the paced run (open loop: each request has a scheduled time, and its latency is
counted from then, so a slow answer cannot hide the requests queued behind it); Meta's
at-least-once delivery in the fault run (a notification is posted again until a 200); the
status notifications the Graph sink sends back.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


class HttpError(OSError):
    pass


def request_bytes(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Connection:
    host: str
    port: int
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
        self._reader = self._writer = None

    async def send(self, raw: bytes, timeout: float) -> tuple[int, bytes]:
        """Post a prepared request; (status, body). Raises HttpError (or OSError) on any failure."""
        try:
            return await asyncio.wait_for(self._exchange(raw), timeout)
        except (TimeoutError, asyncio.IncompleteReadError, OSError, ValueError) as error:
            self.close()
            raise HttpError(f"{type(error).__name__}: {error}") from error

    async def _exchange(self, raw: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        self._writer.write(raw)
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        keep = True
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                keep = False
        body = await self._reader.readexactly(length) if length else b""
        if not keep:
            self.close()
        return status, body
