"""The repository's copy of the WhatsApp samples is the design's, file for file, when shared/ is beside it."""

from __future__ import annotations

import pytest

from tests.samples import SHARED_WA_SAMPLES, WA_SAMPLES


@pytest.mark.skipif(not SHARED_WA_SAMPLES.is_dir(), reason="shared/wa/samples is not beside this clone")
def test_the_copy_holds_every_shared_sample_unchanged() -> None:
    shared = {p.relative_to(SHARED_WA_SAMPLES): p.read_bytes() for p in SHARED_WA_SAMPLES.rglob("*") if p.is_file()}
    copy = {p.relative_to(WA_SAMPLES): p.read_bytes() for p in WA_SAMPLES.rglob("*") if p.is_file()}

    assert sorted(map(str, shared)) == sorted(map(str, copy))
    assert [name for name, body in shared.items() if copy[name] != body] == []
