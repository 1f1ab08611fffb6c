"""MaestroHook.get_credential: the plain value for a DAG, masked in task logs by Airflow's own masker."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import pytest

from botcity_maestro_emulator.testing import EmulatorHandle
from botcity_provider.client import MaestroClient, NotFoundError
from botcity_provider.hooks.maestro import MaestroHook

VALUE = "hunter2-the-vault-value"


def _airflow_masker() -> Any:
    """The masker Airflow's task logs go through: its home moved between 2.11 and 3.x."""
    for module in (
        "airflow.sdk._shared.secrets_masker",  # 3.1+
        "airflow.sdk.execution_time.secrets_masker",  # 3.0
        "airflow.utils.log.secrets_masker",  # 2.11
    ):
        try:
            return importlib.import_module(module)._secrets_masker()
        except (ImportError, AttributeError):
            continue
    raise AssertionError("no secrets masker found in this Airflow")


@pytest.fixture
def vault(maestro_conn: EmulatorHandle) -> EmulatorHandle:
    with MaestroClient(maestro_conn.url, maestro_conn.login, maestro_conn.key) as client:
        client.credentials.set("erp", "password", VALUE)
    return maestro_conn


def test_the_value_comes_back_and_is_masked_in_a_log_line(
    vault: EmulatorHandle, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = MaestroHook()
    value = hook.get_credential("erp", "password")
    assert value == VALUE and type(value) is str

    logger = logging.getLogger("airflow.task.test_get_credential")
    masker = _airflow_masker()
    # A task process turns masking on; a test process has to. Up to 3.0 the switch is a setting
    # (settings.MASK_SECRETS_IN_LOGS, set by the task runner); from 3.1 it is the masker's own.
    from airflow import settings

    if hasattr(settings, "MASK_SECRETS_IN_LOGS"):
        monkeypatch.setattr(settings, "MASK_SECRETS_IN_LOGS", True)
    was_on = getattr(masker, "is_log_masking_enabled", lambda: True)()
    if not was_on:
        masker.enable_log_masking()
    logger.addFilter(masker)
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("logging in to the ERP with %s", value)
            logger.info(f"and once more, formatted by the DAG: {value}")
    finally:
        logger.removeFilter(masker)
        if not was_on:
            masker.disable_log_masking()
    lines = [record.getMessage() for record in caplog.records if record.name == logger.name]
    assert lines == ["logging in to the ERP with ***", "and once more, formatted by the DAG: ***"]


def test_an_unknown_key_is_not_found(vault: EmulatorHandle) -> None:
    with pytest.raises(NotFoundError):
        MaestroHook().get_credential("erp", "nope")


def test_the_hook_client_is_the_one_client(vault: EmulatorHandle) -> None:
    hook = MaestroHook()
    assert hook.client is hook.get_conn()
    assert hook.client.credentials.keys("erp") == ["password"]
