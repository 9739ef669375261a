"""`atende standin`: a local Graph API to point `WHATSAPP_GRAPH_URL` at, printing what atende sends.

For trying `atende serve` end to end without Meta credentials: the stand-in answers like the
Cloud API (fresh `wamid.` ids, Meta-shaped errors, media endpoints) and shows every request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from atende.standin import GraphStandIn, RecordedRequest

console = Console()


def _describe(request: RecordedRequest) -> str:
    what = request.type or ("read receipt" if request.json and request.json.get("status") == "read" else "?")
    words = (request.text or "").replace("\n", " ⏎ ")
    verdict = "" if request.accepted else " [red](refused)[/red]"
    return f"→ {escape(request.to or '?')} · {what}{verdict} · {escape(words[:160])}"


def _more_than(count: int) -> Callable[[Sequence[RecordedRequest]], bool]:
    return lambda records: len(records) > count


def standin(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8900,
    token: Annotated[str, typer.Option(help="The bearer token it accepts (WHATSAPP_ACCESS_TOKEN).")] = "standin-token",
    phone_number_id: Annotated[str, typer.Option(help="WHATSAPP_PHONE_NUMBER_ID it serves.")] = "106540352242922",
    bodies: Annotated[bool, typer.Option("--bodies", help="Also print each request's JSON body, as sent.")] = False,
) -> None:
    """Run a local Graph API stand-in on 127.0.0.1 and print every message atende sends to it."""
    with GraphStandIn(access_token=token, phone_number_id=phone_number_id, port=port) as graph:
        console.print(f"Graph API stand-in on [bold]{graph.url}[/bold] — set WHATSAPP_GRAPH_URL={graph.url}")
        console.print(f"WHATSAPP_ACCESS_TOKEN={token} WHATSAPP_PHONE_NUMBER_ID={phone_number_id} · Ctrl-C stops")
        shown = 0
        try:
            while True:
                graph.wait_for(_more_than(shown), timeout=1.0)
                requests = graph.requests
                for request in requests[shown:]:
                    if request.is_message:
                        console.print(_describe(request))
                        if bodies and request.json is not None:
                            console.print_json(data=request.json)
                shown = len(requests)
        except KeyboardInterrupt:
            console.print("stopped")
