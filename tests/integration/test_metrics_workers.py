"""The multiprocess mode's folder: set up for several workers, wiped of an earlier run, removed after."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atende.adapters.metrics import MULTIPROCESS_DIR, shared_between_workers


def test_one_worker_needs_no_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROCESS_DIR, raising=False)
    with shared_between_workers(1) as folder:
        assert folder is None and MULTIPROCESS_DIR not in os.environ


def test_several_workers_share_a_fresh_folder_removed_afterwards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROCESS_DIR, raising=False)
    with shared_between_workers(2) as folder:
        assert folder is not None and Path(folder).is_dir()
        assert os.environ[MULTIPROCESS_DIR] == folder  # what the spawned workers inherit
        (Path(folder) / "counter_123.db").write_bytes(b"x")
    assert not Path(folder).exists()
    assert MULTIPROCESS_DIR not in os.environ


def test_an_operators_folder_is_kept_but_last_runs_counts_are_wiped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "counter_99.db").write_bytes(b"last run")
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.setenv(MULTIPROCESS_DIR, str(tmp_path))
    with shared_between_workers(4) as folder:
        assert folder == str(tmp_path)
        assert not (tmp_path / "counter_99.db").exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert os.environ[MULTIPROCESS_DIR] == str(tmp_path)
