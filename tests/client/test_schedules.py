"""``client.schedules`` against the emulator, over loopback HTTP, with each client in turn."""

from __future__ import annotations

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import NotFoundError
from botcity_provider.client._endpoints import schedules as api
from botcity_provider.client._models.schedules import Schedule

from ._support import Twin, collect, refused, requests_to

DAILY = "0 0 12 * * ?"
ONE = "GET /api/v2/scheduling/{scheduleId}"


async def test_create_then_get(maestro: Twin) -> None:
    created = await maestro.schedules.create(
        "invoices", DAILY, parameters={"region": "EU"}, priority=4, description="noon run"
    )
    assert isinstance(created, Schedule) and created.id
    assert (created.activity_label, created.cron, created.parameters) == ("invoices", DAILY, {"region": "EU"})
    assert (created.active, created.test, created.priority, created.description) == (
        True,
        False,
        4,
        "noon run",
    )
    assert created.date_creation is not None and created.date_creation.tzinfo is not None
    fetched = await maestro.schedules.get(created.id)
    assert fetched == created


async def test_the_cron_is_sent_with_single_spaces(maestro: Twin) -> None:
    created = await maestro.schedules.create("invoices", "  0 0  12 * * ?  ")
    assert created.cron == DAILY


async def test_list_filters_by_automation_and_pages(maestro: Twin) -> None:
    first = await maestro.schedules.create("invoices", DAILY)
    await maestro.schedules.create("payroll", "0 30 6 ? * MON-FRI")
    third = await maestro.schedules.create("invoices", "0 0/15 * * * ?")
    page = await maestro.schedules.list(activity_label="invoices")
    assert [item.id for item in page.content] == [first.id, third.id]
    assert page.total_elements == 2
    second_page = await maestro.schedules.list(page=1, size=2)
    assert [item.id for item in second_page.content] == [third.id]
    assert (second_page.number, second_page.total_pages) == (1, 2)


async def test_iter_reads_every_page(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    made = [await maestro.schedules.create("invoices", f"0 0 {hour} * * ?") for hour in (6, 12, 18)]
    await maestro.schedules.create("payroll", DAILY)
    found = await collect(await maestro.schedules.iter(activity_label="invoices", size=1))
    assert [item.id for item in found] == [item.id for item in made]
    assert requests_to(emulator_state, "GET /api/v2/scheduling") == 3


async def test_update_changes_only_what_is_given(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    created = await maestro.schedules.create(
        "invoices", DAILY, parameters={"region": "EU"}, test=True, priority=4, description="noon"
    )
    updated = await maestro.schedules.update(created.id, cron="0 0 18 ? * FRI", active=False)
    assert (updated.id, updated.cron, updated.active) == (created.id, "0 0 18 ? * FRI", False)
    # The emulator's PUT replaces: what was not given survives only because the client sent it back.
    assert (updated.parameters, updated.test, updated.priority, updated.description) == (
        {"region": "EU"},
        True,
        4,
        "noon",
    )
    assert updated.date_creation == created.date_creation
    assert requests_to(emulator_state, ONE) == 1
    assert requests_to(emulator_state, "PUT /api/v2/scheduling/{scheduleId}") == 1


async def test_update_can_clear_the_parameters(maestro: Twin) -> None:
    created = await maestro.schedules.create("invoices", DAILY, parameters={"region": "EU"})
    updated = await maestro.schedules.update(created.id, parameters={})
    assert updated.parameters == {} and updated.cron == DAILY


async def test_delete_then_it_is_not_found(maestro: Twin) -> None:
    created = await maestro.schedules.create("invoices", DAILY)
    assert await maestro.schedules.delete(created.id) is None
    with pytest.raises(NotFoundError) as caught:
        await maestro.schedules.get(created.id)
    assert "schedules.list" in str(caught.value)


async def test_updating_an_unknown_schedule_sends_no_put(
    maestro: Twin, emulator_state: EmulatorHandle
) -> None:
    with pytest.raises(NotFoundError):
        await maestro.schedules.update("nope", cron=DAILY)
    assert requests_to(emulator_state, "PUT /api/v2/scheduling/{scheduleId}") == 0


def test_a_create_is_never_resent_and_unverified() -> None:
    call = api.create_schedule("invoices", DAILY)
    assert call.idempotent is False
    assert call.json == {
        "activityLabel": "invoices",
        "cron": DAILY,
        "parameters": {},
        "active": True,
        "test": False,
        "priority": 0,
    }
    kept = Schedule.model_validate({"id": 7, "cron": DAILY, "nextFireTime": "2030-01-01T12:00:00Z"})
    assert kept.id == "7" and kept.model_extra == {"nextFireTime": "2030-01-01T12:00:00Z"}


# --- bad input: refused before any request -----------------------------------------------------------


async def test_bad_input_an_invalid_cron(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.schedules.create("invoices", "0 12 * * *"), "cron")
    assert message == (
        "cron: '0 12 * * *' is not a Quartz cron expression: has 5 fields, as a Unix cron; Quartz needs "
        "seconds first and '?' in day-of-month or day-of-week, e.g. '0 0 12 * * ?'"
    )
    message = await refused(emulator_state, maestro.schedules.update("s-1", cron="0 0 12 * * *"), "cron")
    assert "one of day-of-month and day-of-week must be '?'" in message


async def test_bad_input_an_empty_activity_label(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.schedules.create("  ", DAILY), "activity_label")
    assert message == "activity_label: is empty; give the label of the automation in Maestro"
    await refused(emulator_state, maestro.schedules.list(activity_label=""), "activity_label")


@pytest.mark.parametrize("size", [0, 1001])
async def test_bad_input_a_page_size_out_of_range(
    maestro: Twin, emulator_state: EmulatorHandle, size: int
) -> None:
    message = await refused(emulator_state, maestro.schedules.list(size=size), "size")
    assert message == f"size: must be from 1 to 1000, got {size}"
    # Refused when iter() is called, not at the first item.
    await refused(emulator_state, maestro.schedules.iter(size=size), "size")


async def test_bad_input_ids_flags_and_priority(maestro: Twin, emulator_state: EmulatorHandle) -> None:
    message = await refused(emulator_state, maestro.schedules.get(" "), "schedule_id")
    assert message == "schedule_id: must be a schedule id (non-empty text or a number), got ' '"
    await refused(emulator_state, maestro.schedules.delete(True), "schedule_id")
    await refused(emulator_state, maestro.schedules.update("s-1", active="yes"), "active")
    await refused(emulator_state, maestro.schedules.create("invoices", DAILY, priority=11), "priority")
    await refused(emulator_state, maestro.schedules.create("invoices", DAILY, parameters=[1]), "parameters")
