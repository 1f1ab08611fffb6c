"""Request and fault counters read by tests and benchmarks through ``GET /_emulator/stats``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

FAULT_KINDS = (
    "error",
    "rate_limit",
    "drop",
    "lost_create",
    "expired_token",
    "delay",
    "empty",
    "html",
    "lost_push",
    "stall",
)

# The types an alert can have (what ``POST /api/v2/alerts`` accepts); each is counted, 0 included.
ALERT_TYPES = ("INFO", "WARN", "ERROR")


def alert_counts(alerts: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Count stored alerts by type, with every type present so a test can compare the whole mapping."""
    counts = Counter(str(alert.get("type")) for alert in alerts)
    return {kind: counts[kind] for kind in ALERT_TYPES}


class Stats:
    """Counters since start-up or the last reset; they live in memory only (a restart zeroes them)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        self.logins = 0
        self.login_failures = 0
        self.requests: Counter[str] = Counter()
        self.responses: Counter[str] = Counter()
        self.tasks_created = 0
        self.faults: Counter[str] = Counter()
        self.bytes_uploaded = 0

    def snapshot(
        self,
        *,
        tasks_by_state: dict[str, int],
        artifacts: int,
        datapools: dict[str, dict[str, int]],
        alerts_by_type: dict[str, int],
        messages: int,
    ) -> dict[str, Any]:
        """Return the stats document; the key set is a contract with the tests, do not add to it lightly.

        :param datapools: label → ``{"done", "failed"}`` of each pool's consumer (see ``consumer``); unlike
            the counters these live with the pools, so a reset clears them and a restart keeps them.
        :param alerts_by_type: alerts stored, by type (``INFO``, ``WARN``, ``ERROR``, each present); like
            ``messages`` (e-mails stored) and ``artifacts``, counted from the store, not the traffic.
        """
        return {
            "logins": self.logins,
            "login_failures": self.login_failures,
            "requests": dict(self.requests),
            "requests_total": sum(self.requests.values()),
            "responses": dict(self.responses),
            "tasks_created": self.tasks_created,
            "tasks_by_state": tasks_by_state,
            "faults": {kind: self.faults[kind] for kind in FAULT_KINDS},
            "artifacts": artifacts,
            "bytes_uploaded": self.bytes_uploaded,
            "datapools": datapools,
            "alerts": alerts_by_type,
            "messages": messages,
        }
