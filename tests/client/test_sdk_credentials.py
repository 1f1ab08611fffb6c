"""Credentials cross-checked with the official SDK 0.9.1: each reads back exactly what the other wrote."""

from __future__ import annotations

import pytest
from botcity.maestro import BotMaestroSDK

from botcity_provider.client import MaestroClient, NotFoundError

VALUES = {"user": "alice", "password": "  p4ss wörd/?&#  ", "token": "t0k-\u00e7"}


def test_what_the_client_writes_the_sdk_reads(client: MaestroClient, sdk: BotMaestroSDK) -> None:
    for key, value in VALUES.items():
        client.credentials.set("erp vault", key, value)
    assert {key: sdk.get_credential("erp vault", key) for key in VALUES} == VALUES
    client.credentials.set("erp vault", "password", "changed")
    client.credentials.delete("erp vault", "token")
    assert sdk.get_credential("erp vault", "password") == "changed"
    with pytest.raises(ValueError, match="404"):
        sdk.get_credential("erp vault", "token")


def test_what_the_sdk_writes_the_client_reads(client: MaestroClient, sdk: BotMaestroSDK) -> None:
    for key, value in VALUES.items():
        sdk.create_credential("erp vault", key, value)
    read = {key: client.credentials.get("erp vault", key).get_secret_value() for key in VALUES}
    assert read == VALUES
    assert sorted(client.credentials.keys("erp vault")) == sorted(VALUES)
    sdk.update_credential("erp vault", "password", "changed")
    sdk.remove_credential("erp vault", "token")
    assert client.credentials.get("erp vault", "password").get_secret_value() == "changed"
    assert sorted(client.credentials.keys("erp vault")) == ["password", "user"]
    with pytest.raises(NotFoundError):
        client.credentials.get("erp vault", "token")
