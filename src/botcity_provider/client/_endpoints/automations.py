"""Automations ("activities"): the paged listing and one automation with its parameters (§4.10).

Both routes are unverified (BotCity's dashboard sample, the n8n node), so their answers keep every field
the server sends.
"""

from __future__ import annotations

from botcity_provider.client._core import Call, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Page
from botcity_provider.client._models.automations import Automation

from ._common import call, page_parser, paging
from ._common import label as non_empty

__all__ = ["automation_label", "get_automation", "list_automations"]

AUTOMATION_HINT = "check the automation label in Maestro (Automations page)"


def automation_label(value: object, field: str = "label") -> str:
    """A non-empty automation label with no ``/`` (a path segment Maestro cannot route, §3)."""
    checked = non_empty(value, field, "the automation's label")
    if "/" in checked:
        raise ValidationError(field, f"{checked!r} contains '/', which Maestro cannot tell from the path")
    return checked


def list_automations(
    *, page: int = 0, size: int = 100, label: str | None = None, name: str | None = None
) -> Call[Page[Automation]]:
    """``GET /api/v2/activity/pagination`` (unverified): one page of automations in label order;
    ``label`` and ``name`` search (the server's own matching, a substring in the emulator)."""
    query = [*paging(page, size), ("sort", "label,asc")]
    if label is not None:
        query.append(("label", _search(label, "label")))
    if name is not None:
        query.append(("name", _search(name, "name")))
    doing = "Listing automations"
    return call("automations.list", (), doing, page_parser(Automation, doing), query=tuple(query))


def _search(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be text to search for, or None for no filter, got {value!r}")
    if not value.strip():
        raise ValidationError(field, "is empty; give text to search for, or None for no filter")
    return value


def get_automation(automation: object) -> Call[Automation]:
    """``GET /api/v2/activity/{label}`` (unverified): one automation with its declared parameters."""
    checked = automation_label(automation)
    parse = model_parser(Automation, "Reading the automation")
    return call("automations.get", (checked,), f"Getting automation {checked!r}", parse, hint=AUTOMATION_HINT)
