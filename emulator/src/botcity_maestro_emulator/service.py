"""The emulator's parts wired together: store, tasks, tokens, faults, stats and the upload folder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botcity_maestro_emulator.auth import issue_token, same_secret, token_from_headers
from botcity_maestro_emulator.config import EmulatorConfig
from botcity_maestro_emulator.consumer import Consumers
from botcity_maestro_emulator.errors import ApiError
from botcity_maestro_emulator.faults import FaultEngine, FaultProfile, merge_profile
from botcity_maestro_emulator.journal import Journal
from botcity_maestro_emulator.request_log import RequestLog
from botcity_maestro_emulator.stats import Stats, alert_counts
from botcity_maestro_emulator.store import Store
from botcity_maestro_emulator.taskbook import TaskBook
from botcity_maestro_emulator.uploads import FileArea


class Emulator:
    """All state of one emulator instance; route handlers reach it through ``request.app.state``.

    Loading replays the state file, so constructing an :class:`Emulator` is also how a restart resumes.
    """

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.files = FileArea(config.state_file)
        self.store = Store(Journal(config.state_file))
        self.store.load()
        self.stats = Stats()
        self.request_log = RequestLog(config.request_log)
        self.faults = FaultEngine(merge_profile(FaultProfile(), config.faults))
        self.tasks = TaskBook(self.store, config, self.stats, self.files)
        self.consumers = Consumers(self.store)
        self._runner_tokens = frozenset(config.runner_tokens)

    def login(self, body: Mapping[str, Any], at: float) -> str:
        """Check the workspace login and key and issue a token; any mismatch is one 401 for both."""
        login, key = body.get("login"), body.get("key")
        valid = (
            isinstance(login, str)
            and isinstance(key, str)
            and same_secret(login, self.config.login)
            and same_secret(key, self.config.key)
        )
        if not valid:
            self.stats.login_failures += 1
            raise ApiError(401, "invalid login or key")
        token = issue_token()
        self.store.put("token", token, {"issued_at": at})
        self.stats.logins += 1
        return token

    def authenticate(self, headers: Mapping[str, str], at: float) -> None:
        """Accept a token from ``token`` or ``Authorization: Bearer``; the 401 message never echoes it."""
        token = token_from_headers(headers)
        if token is None:
            raise ApiError(401, "missing access token: send the 'token' header or 'Authorization: Bearer'")
        if token in self._runner_tokens:
            return
        issued = self.store.get("token", token)
        if issued is None:
            raise ApiError(401, "invalid access token: log in again")
        lifetime = self.faults.profile.token_lifetime_seconds
        if lifetime is not None and at - float(issued["issued_at"]) > lifetime:
            self.stats.faults["expired_token"] += 1
            raise ApiError(401, "access token expired: log in again")

    def tokens(self) -> list[str]:
        """Return every token issued since start-up or reset, runner tokens first."""
        return [*self.config.runner_tokens, *self.store.objects["token"]]

    def stats_snapshot(self, at: float) -> dict[str, Any]:
        """Return the stats document of ``GET /_emulator/stats``."""
        return self.stats.snapshot(
            tasks_by_state=self.tasks.count_by_state(at),
            artifacts=len(self.store.objects["artifact"]),
            datapools=self.consumers.progress(at),
            alerts_by_type=alert_counts(self.store.values("alert")),
            messages=len(self.store.objects["message"]),
        )

    def reset(self) -> None:
        """Forget all objects, tokens, files and counters; faults go back to the start-up profile."""
        self.store.reset()
        self.consumers.forget()
        self.files.clear()
        self.faults.reset()
        self.stats.reset()

    def close(self) -> None:
        """Release the journal and remove a temporary upload folder."""
        self.store.journal.close()
        self.request_log.close()
        self.files.close()
