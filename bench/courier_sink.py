"""A Graph API sink for bench/courier.py: raw ASGI on uvicorn, answers sends, counts what it got.

    python bench/courier_sink.py PORT [LATENCY_SECONDS]

`POST /{version}/{number}/messages` answers `{"messages": [{"id": …}]}`; the texts received per
recipient are kept, so that `GET /stats[?reset=1]` can say how many arrived, how many were
duplicates and how many arrived out of their recipient's order (texts end in a sequence number).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from typing import Any, ClassVar

import uvicorn


class State:
    received: ClassVar[dict[str, list[str]]] = {}
    count = 0
    latency = 0.0
    """Seconds each send takes to be answered (the Graph API's round trip; the server is not busy meanwhile)."""


def stats(reset: bool) -> dict[str, int]:
    received = State.received
    duplicates = sum(len(texts) - len(set(texts)) for texts in received.values())
    out_of_order = sum(1 for texts in received.values() for a, b in itertools.pairwise(texts) if b < a)
    answer = {"received": State.count, "duplicates": duplicates, "out_of_order": out_of_order}
    if reset:
        received.clear()
        State.count = 0
    return answer


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    if scope["method"] == "GET":
        answer: dict[str, Any] = stats(reset=b"reset=1" in scope.get("query_string", b""))
    else:
        payload = json.loads(body)
        State.count += 1
        State.received.setdefault(payload["to"], []).append(payload["text"]["body"])
        answer = {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.sink{State.count}"}]}
        if State.latency:
            await asyncio.sleep(State.latency)
    data = json.dumps(answer).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": data})


if __name__ == "__main__":
    State.latency = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
