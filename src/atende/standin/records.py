"""What was asked of the stand-in: each request with the answer it gave, and the media it holds.

Tests read these to assert on what atende sent, so they stay plain frozen values.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in saw it, with the answer it gave."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-case header names."""
    json: Any
    """The parsed JSON body, or None."""
    form: dict[str, str]
    """Multipart fields other than the file (uploads)."""
    status: int
    response: Any

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_message(self) -> bool:
        """A send to `/messages` (read receipts included)."""
        return self.method == "POST" and self.path.endswith("/messages")

    @property
    def to(self) -> str | None:
        return self.json.get("to") if isinstance(self.json, dict) else None

    @property
    def type(self) -> str | None:
        """The message type, "read" for a read receipt."""
        if not isinstance(self.json, dict):
            return None
        return "read" if self.json.get("status") == "read" else self.json.get("type")

    @property
    def wamid(self) -> str | None:
        if self.accepted and isinstance(self.response, dict) and self.response.get("messages"):
            return str(self.response["messages"][0]["id"])
        return None

    @property
    def text(self) -> str | None:
        """What the recipient reads: a text's body, an interactive's body, a media caption."""
        payload = self.json if isinstance(self.json, dict) else {}
        kind = payload.get("type")
        obj = payload.get(kind) if isinstance(kind, str) else None
        if not isinstance(obj, dict):
            return None
        if kind == "text":
            return obj.get("body")
        if kind == "interactive":
            body = obj.get("body")
            return body.get("text") if isinstance(body, dict) else None
        return obj.get("caption")


@dataclass(frozen=True)
class StoredMedia:
    data: bytes
    mime_type: str
    filename: str = ""

    @property
    def sha256(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()
