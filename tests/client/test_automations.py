"""``client.automations`` against the emulator, over loopback HTTP, with each client in turn.

The routes are unverified, so the models keep what they do not know; the emulator is seeded through its
admin routes (``EmulatorHandle.add_automation``).
"""

from __future__ import annotations

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import NotFoundError, Page
from botcity_provider.client._models.automations import Automation, AutomationParameter

from ._support import Twin, collect, refused

PAGE_ROUTE = "GET /api/v2/activity/pagination"
INVOICE_PARAMETERS = [
    {"label": "month", "type": "TEXT", "required": True},
    {"label": "retries", "type": "INTEGER", "required": False},
]


def _seed(emulator: EmulatorHandle) -> None:
    emulator.add_automation("invoices", name="Invoice run", parameters=INVOICE_PARAMETERS)
    emulator.add_automation("payroll", name="Monthly payroll")
    emulator.add_automation("reports", description="weekly")


async def test_get_reads_the_automation_and_its_parameters(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    _seed(emulator_state)
    automation = await maestro.automations.get("invoices")
    assert isinstance(automation, Automation)
    assert (automation.label, automation.name, automation.organization_label) == (
        "invoices",
        "Invoice run",
        emulator_state.login,
    )
    assert automation.parameters == [
        AutomationParameter(label="month", type="TEXT", required=True),
        AutomationParameter(label="retries", type="INTEGER", required=False),
    ]
    assert automation.required_parameters == ["month"]
    assert automation.date_creation is not None and automation.date_creation.tzinfo is not None


async def test_a_label_with_spaces_and_unicode_reaches_the_server_intact(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    emulator_state.add_automation("folha de pagamento é?")
    assert (await maestro.automations.get("folha de pagamento é?")).label == "folha de pagamento é?"


async def test_an_unknown_automation_is_not_found(maestro: Twin) -> None:
    with pytest.raises(NotFoundError, match="automation 'ghost' not found"):
        await maestro.automations.get("ghost")


async def test_list_is_one_page_in_label_order(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    _seed(emulator_state)
    first = await maestro.automations.list(size=2)
    assert isinstance(first, Page)
    assert [a.label for a in first.content] == ["invoices", "payroll"]
    assert (first.number, first.size, first.total_elements, first.total_pages, first.last) == (
        0,
        2,
        3,
        2,
        False,
    )
    second = await maestro.automations.list(page=1, size=2)
    assert [a.label for a in second.content] == ["reports"] and second.last


async def test_list_searches_label_and_name(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    _seed(emulator_state)
    assert [a.label for a in (await maestro.automations.list(label="PAY")).content] == ["payroll"]
    assert [a.label for a in (await maestro.automations.list(name="run")).content] == ["invoices"]
    assert (await maestro.automations.list(label="pay", name="run")).content == []


async def test_the_first_task_of_a_label_makes_its_automation(maestro: Twin) -> None:
    await maestro.tasks.create("fresh", parameters={"count": 3, "_emulator": {"queue_seconds": 3600}})
    automation = await maestro.automations.get("fresh")
    assert [(p.label, p.type, p.required) for p in automation.parameters] == [("count", "INTEGER", False)]


async def test_iter_walks_every_page_once(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    labels = [f"auto-{index:02d}" for index in range(5)]
    for name in reversed(labels):
        emulator_state.add_automation(name)
    before = emulator_state.stats()["requests"].get(PAGE_ROUTE, 0)
    items = await maestro.automations.iter(size=2)
    assert emulator_state.stats()["requests"].get(PAGE_ROUTE, 0) == before, "iter() itself sends nothing"
    assert [a.label for a in await collect(items)] == labels
    assert emulator_state.stats()["requests"][PAGE_ROUTE] == before + 3  # pages of 2, 2 and 1


async def test_iter_keeps_the_search(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    _seed(emulator_state)
    assert [a.label for a in await collect(await maestro.automations.iter(size=1, label="r"))] == [
        "payroll",
        "reports",
    ]


def test_unknown_fields_are_kept_and_unknown_nulls_tolerated() -> None:
    raw = {"label": "a", "parameters": [{"label": "p", "required": None, "mask": "###"}], "ownerId": 7}
    automation = Automation.model_validate(raw)
    assert automation.model_extra == {"ownerId": 7}
    assert automation.parameters[0].required is False
    assert automation.parameters[0].model_extra == {"mask": "###"}
    assert Automation.model_validate({"label": "b", "parameters": None}).parameters == []


# --- bad input: refused before any request -----------------------------------------------------------


async def test_bad_input_an_empty_label(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.automations.get("  "), "label")
    assert message == "label: is empty; give the automation's label"


async def test_bad_input_a_label_with_a_slash(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.automations.get("a/b"), "label")
    assert message == "label: 'a/b' contains '/', which Maestro cannot tell from the path"


@pytest.mark.parametrize("size", [0, 1001])
async def test_bad_input_a_page_size_out_of_range(
    maestro: Twin, emulator_state: EmulatorHandle, size: int
) -> None:
    message = await refused(emulator_state, maestro.automations.list(size=size), "size")
    assert message == f"size: must be from 1 to 1000, got {size}"


async def test_bad_input_iter_refuses_a_bad_size_at_once(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    message = await refused(emulator_state, maestro.automations.iter(size=0), "size")
    assert message == "size: must be from 1 to 1000, got 0"


async def test_bad_input_an_empty_search(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.automations.list(name=""), "name")
    assert message == "name: is empty; give text to search for, or None for no filter"
