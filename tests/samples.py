"""Where the WhatsApp Cloud API samples the tests parse live.

They are kept in the repository (tests/wa_samples, a copy of the design's shared/wa/samples, with
SOURCES.md saying where each comes from) so that a clone tests on its own; $ATENDE_WA_SAMPLES points
elsewhere, and tests/unit/test_wa_samples_copy.py keeps the copy equal to shared/ when that is beside.
"""

from __future__ import annotations

import os
from pathlib import Path

WA_SAMPLES = Path(os.environ.get("ATENDE_WA_SAMPLES", str(Path(__file__).resolve().parent / "wa_samples")))
SHARED_WA_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "wa" / "samples"
