"""The load test's figures: locust's per-endpoint statistics and the machine's CPU use."""

import csv
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

# The order rows are printed in; any other name follows, then locust's total.
ENDPOINT_ORDER = [
    "record page",
    "autosave",
    "dashboard",
    "PDF request",
    "report versions page",
    "PDF poll",
    "PDF download",
    "sign-in page",
    "sign-in: password",
    "sign-in: code page",
    "sign-in: security code",
]


@dataclass
class EndpointRow:
    name: str
    method: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    max: float
    rps: float


def read_stats(path: Path) -> list[EndpointRow]:
    """Read locust's `<prefix>_stats.csv` into rows, in ENDPOINT_ORDER, the total last."""

    def number(row: dict, key: str) -> float:
        value = row.get(key, "") or "0"
        return float(value) if value != "N/A" else 0.0

    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                EndpointRow(
                    name=row["Name"],
                    method=row["Type"],
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    p50=number(row, "50%"),
                    p95=number(row, "95%"),
                    p99=number(row, "99%"),
                    max=number(row, "Max Response Time"),
                    rps=number(row, "Requests/s"),
                )
            )

    def order(row: EndpointRow) -> tuple[int, str]:
        if row.name == "Aggregated":
            return (len(ENDPOINT_ORDER) + 1, "")
        if row.name in ENDPOINT_ORDER:
            return (ENDPOINT_ORDER.index(row.name), "")
        return (len(ENDPOINT_ORDER), row.name)

    return sorted(rows, key=order)


def format_stats(rows: list[EndpointRow]) -> str:
    width = max([len(r.name) for r in rows] + [len("endpoint (as locust saw it)")])
    lines = [
        f"{'endpoint (as locust saw it)':<{width}}  {'requests':>8}  {'failures':>8}  "
        f"{'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}  {'max ms':>7}  {'req/s':>6}",
        "-" * (width + 68),
    ]
    for r in rows:
        name = "all requests" if r.name == "Aggregated" else r.name
        lines.append(
            f"{name:<{width}}  {r.requests:>8}  {r.failures:>8}  {r.p50:>7.0f}  {r.p95:>7.0f}  "
            f"{r.p99:>7.0f}  {r.max:>7.0f}  {r.rps:>6.1f}"
        )
    return "\n".join(lines)


# The endpoint each request in gunicorn's access log belongs to: (method, path pattern, name).
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(M)s'
_ACCESS_LINE = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) (\d+)$')
SERVER_ENDPOINTS = [
    ("GET", re.compile(r"^/inspections/readings/\d+/\?section="), "record page"),
    ("POST", re.compile(r"^/inspections/readings/\d+/answers/$"), "autosave"),
    ("GET", re.compile(r"^/documents/dashboard/$"), "dashboard"),
    ("POST", re.compile(r"^/inspections/\d+/report/versions/draft/$"), "PDF request"),
    ("GET", re.compile(r"^/inspections/\d+/report/versions/$"), "report versions page"),
    ("GET", re.compile(r"^/inspections/\d+/report/versions/\d+/pdf/"), "PDF poll"),
    ("GET", re.compile(r"^/documents/\d+/download/$"), "PDF download"),
    ("GET", re.compile(r"^/accounts/sign-in/$"), "sign-in page"),
    ("POST", re.compile(r"^/accounts/sign-in/$"), "sign-in: password"),
    ("GET", re.compile(r"^/accounts/sign-in/security-code/"), "sign-in: code page"),
    ("POST", re.compile(r"^/accounts/sign-in/security-code/"), "sign-in: security code"),
]


def server_times(log: Path) -> dict[str, list[tuple[float, int]]]:
    """Return each endpoint's (time in ms, status) as gunicorn measured them (no queueing)."""
    times: dict[str, list[tuple[float, int]]] = {}
    if not log.exists():
        return times
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _ACCESS_LINE.search(line)
        if match is None:
            continue
        method, path, status, ms = match.groups()
        for wanted, pattern, name in SERVER_ENDPOINTS:
            if method == wanted and pattern.search(path):
                times.setdefault(name, []).append((float(ms), int(status)))
                break
    return times


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def format_server_times(times: dict[str, list[tuple[float, int]]]) -> str:
    """A table of gunicorn's own times per endpoint; `4xx/5xx` counts refused or failed ones."""
    names = [n for n in ENDPOINT_ORDER if n in times]
    width = max([len(n) for n in names] + [len("endpoint (as locust saw it)")])
    lines = [
        f"{'endpoint (gunicorn time)':<{width}}  {'requests':>8}  {'4xx/5xx':>8}  "
        f"{'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}",
        "-" * (width + 50),
    ]
    for name in names:
        values = [ms for ms, _status in times[name]]
        errors = sum(1 for _ms, status in times[name] if status >= 400)
        lines.append(
            f"{name:<{width}}  {len(values):>8}  {errors:>8}  {_percentile(values, 0.5):>7.0f}  "
            f"{_percentile(values, 0.95):>7.0f}  {_percentile(values, 0.99):>7.0f}"
        )
    return "\n".join(lines)


@dataclass
class ProcessGroup:
    """Processes counted together: the given roots and their children, or a name filter."""

    label: str
    roots: list[int] = field(default_factory=list)
    cmdline_contains: str = ""  # e.g. PostgreSQL backends serving one database

    def pids(self) -> set[int]:
        found: set[int] = set()
        for pid in self.roots:
            try:
                root = psutil.Process(pid)
                found.add(pid)
                found.update(child.pid for child in root.children(recursive=True))
            except psutil.NoSuchProcess:
                continue
        if self.cmdline_contains:
            for process in psutil.process_iter(["cmdline"]):
                cmdline = " ".join(process.info["cmdline"] or [])
                if self.cmdline_contains in cmdline:
                    found.add(process.pid)
        return found


class CpuSampler(threading.Thread):
    """Sample the machine's and each group's CPU time every `interval` seconds while running.

    Machine CPU is busy time over all cores (100% = every core busy). A group's CPU is its
    processes' user+system time as a share of one core (200% = two cores' worth); processes
    that start during the run count from zero, those that end keep what was last seen.
    """

    def __init__(self, groups: list[ProcessGroup], interval: float = 2.0):
        super().__init__(daemon=True)
        self.groups = groups
        self.interval = interval
        self.stopping = threading.Event()
        self.machine_samples: list[float] = []
        self.seen: dict[str, dict[int, float]] = {g.label: {} for g in groups}
        self.first: dict[str, dict[int, float]] = {g.label: {} for g in groups}

    def _cpu(self, pid: int) -> float | None:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None
        return times.user + times.system

    def _sample_groups(self, initial: bool) -> None:
        for group in self.groups:
            for pid in group.pids():
                used = self._cpu(pid)
                if used is None:
                    continue
                if pid not in self.first[group.label]:
                    self.first[group.label][pid] = used if initial else 0.0
                self.seen[group.label][pid] = used

    def run(self) -> None:
        self.started = time.monotonic()
        self.machine_start = psutil.cpu_times()
        self._sample_groups(initial=True)
        psutil.cpu_percent(None)
        while not self.stopping.wait(self.interval):
            self.machine_samples.append(psutil.cpu_percent(None))
            self._sample_groups(initial=False)
        self.machine_end = psutil.cpu_times()
        self.finished = time.monotonic()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.interval * 3)

    def summary(self) -> str:
        elapsed = max(self.finished - self.started, 1e-9)
        busy = _busy(self.machine_end) - _busy(self.machine_start)
        total = sum(self.machine_end) - sum(self.machine_start)
        cores = os.cpu_count() or 1
        samples = sorted(self.machine_samples) or [0.0]
        p95 = samples[int(0.95 * (len(samples) - 1))]
        lines = [
            f"machine CPU ({cores} cores, everyone's work included): "
            f"mean {100 * busy / max(total, 1e-9):.0f}% of all cores, "
            f"p95 of {self.interval:.0f}-second samples {p95:.0f}%, max {samples[-1]:.0f}%",
        ]
        ours = 0.0
        for group in self.groups:
            used = sum(
                self.seen[group.label][pid] - self.first[group.label][pid]
                for pid in self.seen[group.label]
            )
            ours += used
            lines.append(
                f"  {group.label:<28} {100 * used / elapsed:>5.0f}% of one core "
                f"({used:.0f} CPU-seconds over {elapsed:.0f} s)"
            )
        others = busy - ours  # both in core-seconds
        lines.append(
            f"  {'everything else on the machine':<28} {100 * max(others, 0) / elapsed:>5.0f}% "
            f"of one core (other helpers' work, the OS)"
        )
        return "\n".join(lines)


def _busy(times) -> float:
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - idle


class LockSampler(threading.Thread):
    """Count, once a second, the database's backends that wait for a lock, and on what."""

    QUERY = """
        SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),
               count(*) FILTER (WHERE state = 'active'),
               string_agg(DISTINCT left(query, 60), ' | ') FILTER (WHERE wait_event_type = 'Lock')
        FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
    """

    def __init__(self, database_url: str, interval: float = 1.0):
        super().__init__(daemon=True)
        self.database_url = database_url
        self.interval = interval
        self.stopping = threading.Event()
        self.samples: list[tuple[int, int]] = []
        self.waiting_on: dict[str, int] = {}

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            while not self.stopping.wait(self.interval):
                waiting, active, queries = connection.execute(self.QUERY).fetchone()
                self.samples.append((waiting, active))
                for query in (queries or "").split(" | "):
                    if query:
                        self.waiting_on[query] = self.waiting_on.get(query, 0) + 1

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.interval * 5)

    def summary(self) -> str:
        if not self.samples:
            return "lock waits: not sampled"
        with_waits = sum(1 for waiting, _ in self.samples if waiting)
        lines = [
            f"lock waits in PostgreSQL (sampled every {self.interval:g} s): "
            f"{with_waits} of {len(self.samples)} samples had a backend waiting for a lock, "
            f"at most {max(w for w, _ in self.samples)} at once; "
            f"at most {max(a for _, a in self.samples)} backends active at once"
        ]
        for query, count in sorted(self.waiting_on.items(), key=lambda item: -item[1])[:3]:
            lines.append(f"  waiting in {count} samples: {query}")
        return "\n".join(lines)


def read_timings(path: Path) -> dict[str, list[tuple[float, int]]]:
    """Each endpoint's (ms, failed) for requests begun under full load: once the last person
    had finished signing in (or, failing that, once locust had started everyone)."""
    import json

    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    start = data.get("signed_in_at") or data["spawned_at"]
    times: dict[str, list[tuple[float, int]]] = {}
    for name, started, ms, failed in data["requests"]:
        if started >= start:
            times.setdefault(name, []).append((ms, failed))
    return times


def format_full_load(times: dict[str, list[tuple[float, int]]]) -> str:
    """A table of what locust saw once everyone was signed in (sign-in rows left out)."""
    names = [n for n in ENDPOINT_ORDER if n in times and not n.startswith("sign-in")]
    names += sorted(n for n in times if n not in ENDPOINT_ORDER)
    width = max([len(n) for n in names] + [len("endpoint (as locust saw it)")])
    lines = [
        f"{'endpoint (all signed in)':<{width}}  {'requests':>8}  {'failures':>8}  "
        f"{'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}",
        "-" * (width + 50),
    ]
    for name in names:
        values = [ms for ms, _failed in times[name]]
        failures = sum(failed for _ms, failed in times[name])
        lines.append(
            f"{name:<{width}}  {len(values):>8}  {failures:>8}  {_percentile(values, 0.5):>7.0f}  "
            f"{_percentile(values, 0.95):>7.0f}  {_percentile(values, 0.99):>7.0f}"
        )
    return "\n".join(lines)
