"""Every Maestro route the client knows, in one table, with where it was learnt.

``verified`` routes are used by BotCity's official SDKs (Python, JavaScript, C#) and were seen to work
against the real server in their tests or in recorded traffic (``maestro-api.md`` §0). The others come
from third-party code (BotCity's dashboard sample and deploy action, an n8n node, an unofficial client):
their models keep every field the server sends and accept values they do not know, and their docstrings
say "unverified". Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["ROUTES", "Route", "route"]


@dataclass(frozen=True)
class Route:
    """One route: its method, its path with ``{}`` slots, and the source that shows it."""

    name: str
    method: str
    template: str
    source: str
    verified: bool

    def path(self, *values: object) -> str:
        """The path with its slots filled, percent-encoded, so an id or label cannot change the route."""
        if len(values) != self.template.count("{}"):
            raise TypeError(f"{self.name} takes {self.template.count('{}')} value(s), got {len(values)}")
        return self.template.format(*(quote(str(value), safe="") for value in values))


_SDK = "official Python SDK 0.9.1 (recorded traffic)"
_JS = "official JavaScript SDK 1.2.3"
_DASHBOARD = "BotCity's API dashboard sample (third party)"
_ACTION = "BotCity's GitHub deploy action (third party)"
_N8N = "n8n BotCity node (third party)"
_CLIENT3P = "botcity-maestro-client 1.0.1 (third party)"
_MIRRORED = "no source: mirrors a documented route of the same kind (a guess)"

_TABLE: tuple[tuple[str, str, str, str], ...] = (
    # name, method, template, source
    ("workspace.version", "GET", "/api/v2/maestro/version", _SDK),
    ("workspace.login", "POST", "/api/v2/workspace/login", _SDK),
    ("tasks.create", "POST", "/api/v2/task", _SDK),
    ("tasks.get", "GET", "/api/v2/task/{}", _SDK),
    ("tasks.update", "POST", "/api/v2/task/{}", _SDK),
    ("tasks.list", "GET", "/api/v2/task", _DASHBOARD),
    ("alerts.create", "POST", "/api/v2/alerts", _SDK),
    ("alerts.list", "GET", "/api/v2/alerts", _MIRRORED),
    ("messages.send", "POST", "/api/v2/message", _SDK),
    ("logs.create", "POST", "/api/v2/log", _SDK),
    ("logs.get", "GET", "/api/v2/log/{}", _SDK),
    ("logs.delete", "DELETE", "/api/v2/log/{}", _SDK),
    ("logs.add_entry", "POST", "/api/v2/log/{}/entry", _SDK),
    ("logs.entries", "GET", "/api/v2/log/{}/entry-list", _SDK),
    ("logs.export", "GET", "/api/v2/log/{}/export", _JS),
    ("logs.list", "GET", "/api/v2/log", _JS),
    ("artifacts.create", "POST", "/api/v2/artifact", _SDK),
    ("artifacts.upload", "POST", "/api/v2/artifact/log/{}", _SDK),
    ("artifacts.list", "GET", "/api/v2/artifact", _SDK),
    ("artifacts.get", "GET", "/api/v2/artifact/{}", _SDK),
    ("artifacts.download", "GET", "/api/v2/artifact/{}/file", _SDK),
    ("errors.create", "POST", "/api/v2/error", _SDK),
    ("errors.screenshot", "POST", "/api/v2/error/{}/screenshot", _SDK),
    ("errors.attachment", "POST", "/api/v2/error/{}/attachments", _SDK),
    ("errors.list", "GET", "/api/v2/error", _CLIENT3P),
    ("errors.get", "GET", "/api/v2/error/{}", _CLIENT3P),
    ("credentials.value", "GET", "/api/v2/credential/{}/key/{}", _SDK),
    ("credentials.get", "GET", "/api/v2/credential/{}", _SDK),
    ("credentials.create", "POST", "/api/v2/credential", _SDK),
    ("credentials.add_key", "POST", "/api/v2/credential/{}/key", _SDK),
    ("credentials.replace", "POST", "/api/v2/credential/{}", _SDK),
    ("credentials.list", "GET", "/api/v2/credential", _CLIENT3P),
    ("datapools.create", "POST", "/api/v2/datapool", _SDK),
    ("datapools.get", "GET", "/api/v2/datapool/{}", _SDK),
    ("datapools.update", "POST", "/api/v2/datapool/{}", _SDK),
    ("datapools.summary", "GET", "/api/v2/datapool/{}/summary", _SDK),
    ("datapools.push", "POST", "/api/v2/datapool/{}/push", _SDK),
    ("datapools.pull", "GET", "/api/v2/datapool/{}/pull", _SDK),
    ("datapools.get_entry", "GET", "/api/v2/datapool/{}/entry/{}", _SDK),
    ("datapools.update_entry", "POST", "/api/v2/datapool/{}/entry/{}", _SDK),
    ("datapools.cancel_entry", "PUT", "/api/v2/datapool/{}/entry/{}/cancel", _SDK),
    ("datapools.delete_entry", "DELETE", "/api/v2/datapool/{}/entry/{}", _SDK),
    ("datapools.list", "GET", "/api/v2/datapool", _CLIENT3P),
    ("datapools.entries", "GET", "/api/v2/datapool/{}/view", _CLIENT3P),
    ("automations.list", "GET", "/api/v2/activity/pagination", _DASHBOARD),
    ("automations.get", "GET", "/api/v2/activity/{}", _N8N),
    ("bots.versions", "GET", "/api/v2/bot", _ACTION),
    ("bots.get", "GET", "/api/v2/bot/{}/version/{}", _CLIENT3P),
    ("bots.deploy", "POST", "/api/v2/bot", _ACTION),
    ("bots.upload", "POST", "/api/v2/bot/upload/{}/version/{}", _ACTION),
    ("bots.release", "POST", "/api/v2/bot/release", _ACTION),
    ("bots.delete", "DELETE", "/api/v2/bot/{}/version/{}", _ACTION),
    ("bots.list", "GET", "/api/v2/bot/pagination", _DASHBOARD),
    ("runners.list", "GET", "/api/v2/machine/pagination", _DASHBOARD),
    ("runners.get", "GET", "/api/v2/machine/{}", _CLIENT3P),
    ("runners.log", "GET", "/api/v2/machine/log/{}", _CLIENT3P),
    ("runners.tasks_summary", "GET", "/api/v2/machine/{}/tasks-summary", _CLIENT3P),
    ("schedules.list", "GET", "/api/v2/scheduling", _DASHBOARD),
    ("schedules.get", "GET", "/api/v2/scheduling/{}", _CLIENT3P),
    ("schedules.create", "POST", "/api/v2/scheduling", _CLIENT3P),
    ("schedules.update", "PUT", "/api/v2/scheduling/{}", _CLIENT3P),
    ("schedules.delete", "DELETE", "/api/v2/scheduling/{}", _CLIENT3P),
)

ROUTES: dict[str, Route] = {
    name: Route(name, method, template, source, verified=source in (_SDK, _JS))
    for name, method, template, source in _TABLE
}


def route(name: str) -> Route:
    """The route called ``name`` (``"tasks.get"``); a typo fails at import of the endpoint, not at run."""
    return ROUTES[name]
