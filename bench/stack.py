"""The processes of a load or fault run: `atende serve` as shipped, and the Graph sink.

`AtendeServe` runs the real command (`atende serve --port P --workers N`) with the environment
a deployment gives it (config file, database URL, WhatsApp secrets, the Graph URL pointed at the
sink), waits for `/healthz`, can SIGKILL it (or one of its workers) and start it again, and
samples the resident memory of its whole process tree. `SinkProcess` runs `sink.py`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from common import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN

HERE = Path(__file__).resolve().parent
ATENDE = Path(sys.executable).with_name("atende")


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 5) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # loopback only
        return json.loads(answer.read())


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    found = [pid]
    for child in _children(pid):
        found += tree(child)
    return found


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time `pid` has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all CPUs (/proc/stat)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def folded(line: str) -> str:
    """A log line with its numbers and ids folded, so that lines of one kind count together."""
    return re.sub(r"[0-9a-f]{6,}|\d+", "#", line.strip())[:110]


class _Drain(threading.Thread):
    """Reads a process's output as it comes: the last 400 lines kept, every line counted by kind."""

    def __init__(self, stream: Any) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[str] = []
        self.kinds: Counter[str] = Counter()

    def run(self) -> None:
        for line in self.stream:
            self.lines.append(line)
            self.kinds[folded(line)] += 1
            del self.lines[:-400]


class SinkProcess:
    def __init__(self, webhooks: list[str], statuses: bool = True) -> None:
        command = [sys.executable, str(HERE / "sink.py")]
        for url in webhooks:
            command += ["--webhook", url]
        if not statuses:
            command.append("--no-statuses")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE)
        assert self.process.stdout is not None
        self._err = _Drain(self.process.stderr)
        self._err.start()
        first = self.process.stdout.readline()
        if not first:
            raise RuntimeError(f"sink.py did not start: {''.join(self._err.lines)[-800:]}")
        self.port = int(json.loads(first)["port"])
        self.url = f"http://127.0.0.1:{self.port}"
        self._seen = 0
        self.records: list[tuple[int, float, str, str]] = []

    def stats(self) -> dict[str, int]:
        return dict(_get(f"{self.url}/_bench/stats"))

    def fetch(self) -> list[tuple[int, float, str, str]]:
        """Everything recorded so far (fetched in increments)."""
        new = _get(f"{self.url}/_bench/records?since={len(self.records)}", timeout=30)
        self.records += [tuple(r) for r in new]  # type: ignore[misc]
        return self.records

    def faults(self, p500: float = 0.0, p131056: float = 0.0) -> None:
        data = json.dumps({"p500": p500, "p131056": p131056}).encode()
        request = urllib.request.Request(f"{self.url}/_bench/faults", data=data, method="POST")
        with urllib.request.urlopen(request, timeout=5):
            pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._err.join(5)
        _close_pipes(self.process)


class AtendeServe:
    """`atende serve` on a port of its own, as a deployment runs it."""

    def __init__(self, config: Path, database_url: str, graph_url: str, workers: int = 1, port: int = 0) -> None:
        self.port = port or free_port()
        self.workers = workers
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.env = {
            **os.environ,
            "ATENDE_CONFIG": str(config),
            "ATENDE_DATABASE_URL": database_url,
            "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_GRAPH_URL": graph_url,
        }
        self.process: subprocess.Popen[str] | None = None
        self.peak_rss = 0
        self._sampling = False
        self._sampler: threading.Thread | None = None
        self.log: list[str] = []
        self.logged: Counter[str] = Counter()
        """Every line the server logged, by kind (`folded`), however many there were."""

    def start(self, timeout: float = 60) -> None:
        command = [str(ATENDE), "serve", "--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        drain = _Drain(self.process.stderr)
        drain.start()
        self.log, self.logged = drain.lines, drain.kinds
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"atende serve exited {self.process.returncode}: {''.join(self.log)[-1500:]}")
            with (
                contextlib.suppress(OSError, ValueError),
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer,
            ):
                if answer.status == 200 and len(self.pids()) >= self.workers:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"atende serve not healthy within {timeout:.0f} s: {''.join(self.log)[-1500:]}")
        if self._sampler is None:
            self._sampling = True
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()

    def pids(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        return tree(self.process.pid)

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the children of uvicorn's supervisor, or the one process."""
        if self.process is None:
            return []
        children = _children(self.process.pid)
        return [p for p in children if "resource_tracker" not in _cmdline(p)] or [self.process.pid]

    def rss(self) -> int:
        return sum(rss_bytes(pid) for pid in self.pids())

    def cpu(self) -> float:
        """CPU seconds used so far by the server's processes alive now."""
        return sum(cpu_seconds(pid) for pid in self.pids())

    def _sample(self) -> None:
        while self._sampling:
            self.peak_rss = max(self.peak_rss, self.rss())
            time.sleep(0.25)

    def kill(self) -> int:
        """SIGKILL: with one process the whole server (start it again yourself); with workers, one
        worker, which uvicorn's supervisor replaces. Returns the pid killed."""
        pid = self.worker_pids()[0] if self.workers > 1 else self.process.pid  # type: ignore[union-attr]
        os.kill(pid, signal.SIGKILL)
        if self.workers == 1 and self.process is not None:
            self.process.wait(10)
            _close_pipes(self.process)
        return pid

    def wait_workers(self, excluded: int, timeout: float = 60) -> bool:
        """Whether uvicorn brought the worker count back, without `excluded`, within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if excluded not in pids and len(pids) >= self.workers:
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        self._sampling = False
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        if self.process is not None:
            _close_pipes(self.process)


def _close_pipes(process: subprocess.Popen[str]) -> None:
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
