"""`X-Hub-Signature-256`: proof that a webhook POST comes from Meta (docs/whatsapp.md §a).

The HMAC covers the body exactly as received. Meta escapes non-ASCII as `\\uXXXX` (and may
write `/` as `\\/`), so hashing re-serialised JSON breaks as soon as a customer writes "é".
"""

from __future__ import annotations

import hashlib
import hmac
import re

PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta would send for `body`: for tests and the simulator."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is `sha256=<hex>` and matches the HMAC-SHA256 of the raw `body`.

    Fails closed: a missing or malformed header, or an empty secret (anyone could sign with
    it), is never valid. The digest comparison takes constant time.
    """
    if not app_secret or not header:
        return False
    scheme, separator, digest = header.strip().partition("=")
    digest = digest.strip().lower()
    if not separator or scheme.lower() != PREFIX[:-1] or not _HEX_DIGEST.fullmatch(digest):
        return False
    expected = sign(app_secret, body)[len(PREFIX) :]
    return hmac.compare_digest(expected, digest)
