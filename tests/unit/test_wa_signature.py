"""X-Hub-Signature-256: Meta's HMAC vectors, and every way a header can be wrong.

The vectors live in tests/wa_samples/signature/ (tests/samples.py).
The non-ASCII vector is the one that matters: hashing re-serialised JSON instead of the raw
bytes gives a different HMAC, which is how relays break for customers who write "é".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from atende.adapters.whatsapp import parse_notification, sign, verify_signature
from atende.domain.content import Text
from tests.samples import WA_SAMPLES

SIGNATURES = WA_SAMPLES / "signature"
SECRET = "test_app_secret_123"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def _vectors() -> list[dict[str, Any]]:
    path = SIGNATURES / "vectors.json"
    if not path.is_file():
        return []
    vectors: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return vectors


VECTORS = _vectors()


def test_the_vectors_are_there() -> None:
    assert len(VECTORS) >= 2, f"no signature vectors under {SIGNATURES}; set ATENDE_WA_SAMPLES"
    assert any(not vector["reserialised_matches"] for vector in VECTORS), "the non-ASCII vector is missing"


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["body_file"] for vector in VECTORS])
def test_meta_vector(vector: dict[str, Any]) -> None:
    raw = (SIGNATURES / vector["body_file"]).read_bytes()
    secret = vector["app_secret"]
    assert sign(secret, raw) == vector["expected_header_value"]
    assert verify_signature(secret, raw, vector["expected_header_value"])

    reserialised = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")).encode()
    assert sign(secret, reserialised) == vector["hmac_of_reserialised_utf8_body"]
    assert verify_signature(secret, reserialised, vector["expected_header_value"]) is vector["reserialised_matches"]


def test_escaped_unicode_body_verifies_and_parses_to_the_real_characters() -> None:
    [vector] = [vector for vector in VECTORS if not vector["reserialised_matches"]]
    raw = (SIGNATURES / vector["body_file"]).read_bytes()
    assert raw.isascii()  # Meta escapes: the raw bytes are ASCII, the text is not
    assert verify_signature(vector["app_secret"], raw, vector["expected_header_value"])
    [message] = parse_notification(raw).messages
    assert message.inbound.content == Text("Café / résumé 😀")


def test_sign_round_trips() -> None:
    header = sign(SECRET, BODY)
    assert header.startswith("sha256=")
    assert len(header) == len("sha256=") + 64
    assert header == header.lower()
    assert verify_signature(SECRET, BODY, header)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("sha256=", id="no-digest"),
        pytest.param("sha256", id="no-equals"),
        pytest.param(sign(SECRET, BODY)[len("sha256=") :], id="bare-digest"),
        pytest.param("sha1=" + sign(SECRET, BODY)[len("sha256=") :], id="other-algorithm"),
        pytest.param(sign(SECRET, BODY)[:-1], id="truncated"),
        pytest.param(sign(SECRET, BODY) + "0", id="too-long"),
        pytest.param("sha256=" + "z" * 64, id="not-hex"),
        pytest.param("sha256=" + "é" * 64, id="non-ascii"),
        pytest.param("sha256=" + "0" * 64, id="wrong-digest"),
        pytest.param(sign("another secret", BODY), id="other-secret"),
        pytest.param(sign(SECRET, BODY + b" "), id="other-body"),
    ],
)
def test_bad_headers_are_refused(header: str | None) -> None:
    assert verify_signature(SECRET, BODY, header) is False


def test_a_single_changed_byte_is_refused() -> None:
    header = sign(SECRET, BODY)
    tampered = BODY.replace(b"entry", b"entrY")
    assert verify_signature(SECRET, tampered, header) is False


def test_an_empty_secret_never_verifies() -> None:
    """Anyone can compute an HMAC with an empty key: a missing secret must fail closed."""
    assert verify_signature("", BODY, sign("", BODY)) is False


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda h: h.upper().replace("SHA256=", "sha256="), id="upper-hex"),
        pytest.param(lambda h: h.replace("sha256=", "SHA256="), id="upper-prefix"),
        pytest.param(lambda h: f"  {h} ", id="padded"),
    ],
)
def test_harmless_spellings_are_accepted(spelling: Any) -> None:
    assert verify_signature(SECRET, BODY, spelling(sign(SECRET, BODY)))
