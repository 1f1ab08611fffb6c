"""The per-process token cache, with an injected clock."""

from __future__ import annotations

import asyncio
import threading

from pydantic import SecretStr

from botcity_provider.client import TokenCache, default_token_cache

KEY = SecretStr("k3y-that-must-not-be-kept")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_same_credentials_share_one_slot() -> None:
    cache = TokenCache()
    first = cache.slot("https://maestro.example", "acme", KEY)
    assert cache.slot("https://maestro.example", "acme", KEY) is first
    assert cache.slot("https://maestro.example/", "acme", KEY) is first


def test_other_credentials_get_other_slots() -> None:
    cache = TokenCache()
    first = cache.slot("https://maestro.example", "acme", KEY)
    others = [
        cache.slot("https://maestro.example", "acme", SecretStr(KEY.get_secret_value() + "-rotated")),
        cache.slot("https://maestro.example", "other-workspace", KEY),
        cache.slot("https://onprem.example", "acme", KEY),
    ]
    assert all(slot is not first for slot in others)
    assert len({id(slot) for slot in others}) == 3


def test_the_key_is_not_kept_as_plain_text() -> None:
    cache = TokenCache()
    cache.slot("https://maestro.example", "acme", KEY).store(SecretStr("tok-1"))
    # The slot table is private; reading it is the only way to prove what it holds.
    idents = list(cache._slots)
    assert len(idents) == 1
    assert all(KEY.get_secret_value() not in part for part in idents[0])
    assert KEY.get_secret_value() not in repr(cache._slots)
    assert "tok-1" not in repr(cache._slots)


def test_a_token_expires_at_its_max_age() -> None:
    clock = Clock()
    slot = TokenCache(clock=clock).slot("https://maestro.example", "acme", KEY)
    assert slot.usable(max_age_seconds=60) is None
    slot.store(SecretStr("tok-1"))
    assert slot.logins == 1
    clock.now += 59.9
    assert slot.usable(max_age_seconds=60) == SecretStr("tok-1")
    clock.now += 0.1
    assert slot.usable(max_age_seconds=60) is None


def test_a_refused_token_is_not_offered_again_but_a_newer_one_is() -> None:
    slot = TokenCache(clock=Clock()).slot("https://maestro.example", "acme", KEY)
    slot.store(SecretStr("tok-1"))
    assert slot.usable(max_age_seconds=60, refused=SecretStr("tok-1")) is None
    slot.store(SecretStr("tok-2"))
    assert slot.usable(max_age_seconds=60, refused=SecretStr("tok-1")) == SecretStr("tok-2")
    assert slot.logins == 2
    slot.forget()
    assert slot.usable(max_age_seconds=60) is None


def test_clear_forgets_every_slot() -> None:
    cache = TokenCache()
    first = cache.slot("https://maestro.example", "acme", KEY)
    cache.clear()
    assert cache.slot("https://maestro.example", "acme", KEY) is not first


def test_the_default_cache_is_one_per_process() -> None:
    assert default_token_cache() is default_token_cache()


async def test_one_login_lock_per_event_loop() -> None:
    slot = TokenCache().slot("https://maestro.example", "acme", KEY)
    here = slot.loop_lock()
    assert slot.loop_lock() is here
    elsewhere: list[asyncio.Lock] = []
    thread = threading.Thread(target=lambda: elsewhere.append(asyncio.run(_lock_of(slot))))
    thread.start()
    thread.join()
    assert elsewhere[0] is not here


async def _lock_of(slot: object) -> asyncio.Lock:
    return slot.loop_lock()  # type: ignore[attr-defined, no-any-return]
