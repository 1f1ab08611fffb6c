"""The emulator's own bot for a datapool: it works through the pool's items as the clock runs.

Invariants:

1. Nothing runs in the background. Before a route reads or changes a pool, :meth:`Consumers.catch_up`
   replays what the bot did since the last look: it pulls items one at a time in the real pull's order
   (highest priority first, then FIFO or LIFO; nothing while the pool is inactive) and finishes each one
   ``1 / rate`` seconds after it took it. So the state is a function of the stored bot, the entries and
   the clock, and a restarted emulator continues where the old process left off.
2. Every route that adds or re-pends an entry catches up first (with no ``await`` in between), so between
   two catch-ups of a pool no item becomes pending that the bot could have taken earlier; the bot takes
   an item no earlier than it became pending (``since``).
3. Item number ``n`` (0-based, counted per pool in finishing order) fails iff
   ``floor((n + 1) * error_ratio) > floor(n * error_ratio)``, in exact decimal arithmetic: of any first
   N items, exactly ``floor(N * error_ratio)`` fail.
4. A catch-up costs what it does: the pending items wait in a heap per pool (built once from a scan,
   then kept by the push and save hooks and checked lazily when popped), never re-sorted per request.
"""

from __future__ import annotations

import heapq
import math
import string
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from botcity_maestro_emulator.errors import bad_request
from botcity_maestro_emulator.store import Store
from botcity_maestro_emulator.timefmt import iso, parse_iso

__all__ = ["KIND", "ConsumerSettings", "Consumers", "fails", "parse_settings", "pool_consumer", "render"]

KIND = "consumer"
"""The store kind of the bots, one per datapool label: settings, progress and the item in hand."""
POOL_KNOB = "_emulator"
DEFAULT_RATE = 20.0
DEFAULT_DONE_MESSAGE = "processed by the emulator's bot"
DEFAULT_ERROR_MESSAGE = "rejected by the emulator's bot"
MODES = ("work", "never")
ERROR_TYPES = ("BUSINESS", "SYSTEM")
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class ConsumerSettings:
    """How the emulator's bot works a datapool; the JSON object of the admin route, key for key."""

    rate: float = DEFAULT_RATE
    """Items finished per second."""
    error_ratio: float = 0.0
    """Share of the items that end ERROR, spread evenly (see the module's rule 3)."""
    error_type: str = "BUSINESS"
    done_message: str = DEFAULT_DONE_MESSAGE
    """The ``message`` of a DONE item, ``str.format``-ed with its values."""
    error_message: str = DEFAULT_ERROR_MESSAGE
    """The ``message`` of an ERROR item, ``str.format``-ed with its values."""
    mode: str = "work"
    """``work``, or ``never``: the bot takes one item and holds it PROCESSING for ever (a stuck bot)."""
    start_delay_seconds: float = 0.0
    """Seconds between setting the bot and its first pull."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(name: str, value: Any, ok: Callable[[float], bool], wanted: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise bad_request(name, f"must be {wanted}, got {value!r}")
    if not ok(value):
        raise bad_request(name, f"must be {wanted}, got {value!r}")
    return float(value)


def _one_of(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if value not in options:
            raise bad_request(name, f"must be one of {', '.join(options)}, got {value!r}")
        return str(value)

    return check


def _template(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise bad_request(name, f"must be a string, got {value!r}")
    try:
        list(_FORMATTER.parse(value))
    except ValueError as exc:
        raise bad_request(
            name, f"is not a format string ({exc}); write a literal brace as {{{{ or }}}}"
        ) from exc
    return value


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "rate": lambda n, v: _number(n, v, lambda x: x > 0, "a number greater than 0"),
    "error_ratio": lambda n, v: _number(n, v, lambda x: 0 <= x <= 1, "a number from 0 to 1"),
    "error_type": _one_of(ERROR_TYPES),
    "done_message": _template,
    "error_message": _template,
    "mode": _one_of(MODES),
    "start_delay_seconds": lambda n, v: _number(n, v, lambda x: x >= 0, "a non-negative number"),
}


def parse_settings(raw: Any, where: str = "") -> ConsumerSettings | None:
    """Validate a consumer object; ``null`` and ``{}`` mean "no consumer" (``None``).

    :param where: the path of the object in its body, prefixed to the key a 400 names.
    :raises ApiError: 400 naming the first unknown key or bad value.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request(where or "body", "must be a JSON object or null")
    prefix = f"{where}." if where else ""
    for key in raw:
        if key not in _CHECKS:
            raise bad_request(f"{prefix}{key}", f"unknown consumer setting; known: {', '.join(_CHECKS)}")
    if not raw:
        return None
    return ConsumerSettings(**{key: _CHECKS[key](f"{prefix}{key}", value) for key, value in raw.items()})


def pool_consumer(body: Mapping[str, Any]) -> ConsumerSettings | None:
    """Read the reserved ``_emulator`` knob of a create-datapool body: ``{"consumer": {...}}``.

    At creation there is nothing to remove, so ``{"consumer": {}}`` is a bot with every default.
    """
    knob = body.get(POOL_KNOB)
    if knob is None:
        return None
    if not isinstance(knob, dict):
        raise bad_request(POOL_KNOB, 'must be a JSON object such as {"consumer": {"rate": 20}}')
    for key in knob:
        if key != "consumer":
            raise bad_request(f"{POOL_KNOB}.{key}", "unknown key; known: consumer")
    consumer = knob.get("consumer")
    if consumer == {}:
        return ConsumerSettings()
    return parse_settings(consumer, f"{POOL_KNOB}.consumer")


def render(template: str, values: Any) -> str:
    """Format ``template`` with an item's values; a field that cannot be filled stays as written."""
    found = values if isinstance(values, Mapping) else {}
    parts: list[str] = []
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(_field(name, spec or "", conversion, found))
    return "".join(parts)


def _field(name: str, spec: str, conversion: str | None, values: Mapping[str, Any]) -> str:
    shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
    try:
        if name in values:
            value = values[name]
        elif not name or "__" in name:
            return shown  # no positional fields, and no walking into an object's internals
        else:
            value, _ = _FORMATTER.get_field(name, (), dict(values))
        if conversion:
            value = _FORMATTER.convert_field(value, conversion)
        return format(value, render(spec, values) if "{" in spec else spec)
    except (LookupError, AttributeError, TypeError, ValueError):
        return shown


def fails(number: int, ratio: Fraction) -> bool:
    """Tell whether item ``number`` (0-based) fails at ``ratio``: rule 3 of the module, in integers."""
    top, bottom = ratio.numerator, ratio.denominator
    return (number + 1) * top // bottom > number * top // bottom


def _priority(entry: Mapping[str, Any]) -> int:
    value = entry.get("priority")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _registered(entry: Mapping[str, Any]) -> float:
    try:
        return parse_iso(str(entry["dateRegister"]))
    except (KeyError, ValueError):
        return 0.0


class _Queue:
    """The pending items of one pool, in the order the real pull hands them out.

    A heap node is (-priority, position) with the position in push order (negated for LIFO), which is the
    order of the store's entries the real pull scans. Nodes go stale when an entry is canceled, deleted,
    pulled by a client or re-prioritised; :meth:`take` checks each one against the store as it pops it.
    """

    def __init__(self, pool_id: str, lifo: bool) -> None:
        self.pool_id = pool_id
        self.lifo = lifo
        self._heap: list[tuple[int, int, str]] = []
        self._position: dict[str, int] = {}
        self._since: dict[str, float] = {}
        """When each pending item became pending: the bot cannot have taken it before."""

    @classmethod
    def build(cls, store: Store, pool: Mapping[str, Any]) -> _Queue:
        """Scan the store once for the pool's entries."""
        queue = cls(str(pool["id"]), pool.get("consumptionPolicy") == "LIFO")
        for entry in store.values("entry"):
            if entry["dataPoolLabel"] == pool["label"]:
                queue._position.setdefault(entry["id"], len(queue._position))
                if entry["state"] == "PENDING":
                    queue.add(entry, _registered(entry))
        return queue

    def add(self, entry: Mapping[str, Any], since: float | None) -> None:
        """Queue a pending entry; ``since`` ``None`` keeps the time it became pending."""
        entry_id = str(entry["id"])
        position = self._position.setdefault(entry_id, len(self._position))
        if since is not None:
            self._since[entry_id] = since
        heapq.heappush(self._heap, (-_priority(entry), -position if self.lifo else position, entry_id))

    def take(self, store: Store, label: str) -> tuple[dict[str, Any], float] | None:
        """Pop the next entry a pull would hand out, with when it became pending, or ``None``."""
        while self._heap:
            negated, _, entry_id = heapq.heappop(self._heap)
            entry = store.get("entry", entry_id)
            if entry is None or entry["dataPoolLabel"] != label or entry["state"] != "PENDING":
                self._since.pop(entry_id, None)
                continue
            if -negated != _priority(entry):
                self.add(entry, None)
                continue
            since = self._since.pop(entry_id, None)
            return entry, _registered(entry) if since is None else since
        return None


@dataclass
class _Bot:
    """One pool's bot as the store keeps it."""

    label: str
    pool_id: str
    settings: ConsumerSettings | None = None
    done: int = 0
    failed: int = 0
    free_at: float | None = None
    """When the bot pulls its next item; ``None``: never again (a ``never`` bot, once it holds one)."""
    holding: str | None = None
    """The id of the item in hand."""
    until: float | None = None
    """When the item in hand is finished; ``None`` with an item in hand: never."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["settings"] = None if self.settings is None else self.settings.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _Bot:
        settings = data.get("settings")
        return cls(
            label=str(data["label"]),
            pool_id=str(data["pool_id"]),
            settings=None if settings is None else ConsumerSettings(**settings),
            done=int(data["done"]),
            failed=int(data["failed"]),
            free_at=data["free_at"],
            holding=data["holding"],
            until=data["until"],
        )


class Consumers:
    """Every datapool's bot; the datapool routes call :meth:`catch_up` before they touch a pool."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queues: dict[str, _Queue] = {}
        self._spelled: tuple[float, str] = (math.nan, "")

    def settings(self, label: str) -> ConsumerSettings | None:
        """Return the settings of the pool's bot, or ``None`` when it has none."""
        bot = self._bot(label)
        return None if bot is None else bot.settings

    def configure(self, label: str, settings: ConsumerSettings | None, at: float) -> ConsumerSettings | None:
        """Set, replace (``settings``) or remove (``None``) the bot of an existing pool, as of ``at``.

        The old bot leaves: the item it holds goes back to PENDING, for the new bot (or a client) to take.
        The counts stay, since items are numbered per pool.
        """
        pool = self.store.get("datapool", label)
        assert pool is not None, "the caller checks that the pool exists"
        self.catch_up(label, at)
        bot = self._bot(label)
        if bot is None or bot.pool_id != pool["id"]:
            if settings is None:
                return None
            bot = _Bot(label, str(pool["id"]))
        self._release(bot, at)
        bot.settings = settings
        bot.free_at = None if settings is None else at + settings.start_delay_seconds
        if settings is None:
            self._queues.pop(label, None)
        self.store.put(KIND, label, bot.to_json())
        return settings

    def catch_up(self, label: str, at: float) -> None:
        """Play what the pool's bot did up to ``at``; a pool without a bot is left alone."""
        bot = self._bot(label)
        if bot is None or bot.settings is None:
            return
        pool = self.store.get("datapool", label)
        if pool is None or pool["id"] != bot.pool_id:
            return
        if self._advance(bot, bot.settings, pool, at):
            self.store.put(KIND, label, bot.to_json())

    def catch_up_all(self, at: float) -> None:
        """Catch every pool's bot up (for the pages and the stats)."""
        for label in list(self.store.objects[KIND]):
            self.catch_up(label, at)

    def progress(self, at: float) -> dict[str, dict[str, int]]:
        """Return label → ``{"done", "failed"}`` of every pool that has (or had) a bot, as of ``at``."""
        self.catch_up_all(at)
        counts: dict[str, dict[str, int]] = {}
        for label, data in self.store.objects[KIND].items():
            pool = self.store.get("datapool", label)
            if pool is not None and pool["id"] == data["pool_id"]:
                counts[label] = {"done": int(data["done"]), "failed": int(data["failed"])}
        return counts

    def pushed(self, label: str, entry: Mapping[str, Any], at: float) -> None:
        """Note an entry pushed at ``at`` (after the catch-up of the push)."""
        queue = self._queues.get(label)
        if queue is not None:
            queue.add(entry, at)

    def saved(self, label: str, before: str, entry: Mapping[str, Any], at: float) -> None:
        """Note an entry saved at ``at`` that was in state ``before``: it may be pending again."""
        queue = self._queues.get(label)
        if queue is not None and entry["state"] == "PENDING":
            queue.add(entry, at if before != "PENDING" else None)

    def dropped(self, label: str) -> None:
        """Forget the bot of a deleted pool."""
        self._queues.pop(label, None)
        self.store.delete(KIND, label)

    def forget(self) -> None:
        """Drop the in-memory queues (after a reset emptied the store)."""
        self._queues.clear()

    # --- the bot at work -----------------------------------------------------------------------------

    def _bot(self, label: str) -> _Bot | None:
        data = self.store.get(KIND, label)
        return None if data is None else _Bot.from_json(data)

    def _queue(self, pool: Mapping[str, Any]) -> _Queue:
        label = str(pool["label"])
        queue = self._queues.get(label)
        lifo = pool.get("consumptionPolicy") == "LIFO"
        if queue is None or queue.pool_id != pool["id"] or queue.lifo != lifo:
            queue = self._queues[label] = _Queue.build(self.store, pool)
        return queue

    def _held(self, bot: _Bot) -> dict[str, Any] | None:
        """The item in hand, unless a client has finished, canceled or deleted it meanwhile."""
        entry = None if bot.holding is None else self.store.get("entry", bot.holding)
        if entry is None or entry["dataPoolLabel"] != bot.label or entry["state"] != "PROCESSING":
            return None
        return entry

    def _advance(self, bot: _Bot, settings: ConsumerSettings, pool: Mapping[str, Any], at: float) -> bool:
        """Finish and take items up to ``at``; return whether anything changed."""
        ratio = Fraction(str(settings.error_ratio))
        changed = False
        while True:
            if bot.holding is not None:
                entry = self._held(bot)
                if entry is not None and (bot.until is None or bot.until > at):
                    return changed
                if entry is not None:
                    self._finish(bot, entry, settings, ratio)
                bot.holding, bot.until, changed = None, None, True
            if bot.free_at is None or bot.free_at > at:
                return changed
            if not pool["active"]:
                # Its pulls get nothing: once the pool is activated it starts from then, not from before.
                moved, bot.free_at = bot.free_at < at, at
                return changed or moved
            picked = self._queue(pool).take(self.store, bot.label)
            if picked is None:
                return changed
            entry, since = picked
            taken = self._take(bot, entry, settings, min(max(bot.free_at, since), at))
            if bot.until is not None and bot.until <= at:
                # Taken and finished before now: one write (and one journal line) instead of two.
                self._finish(bot, taken, settings, ratio)
                bot.holding = bot.until = None
            else:
                self.store.put("entry", str(taken["id"]), taken)
            changed = True

    def _take(
        self, bot: _Bot, entry: dict[str, Any], settings: ConsumerSettings, start: float
    ) -> dict[str, Any]:
        """Put the entry in the bot's hands at ``start``; return it PROCESSING (not yet stored)."""
        bot.holding = str(entry["id"])
        if settings.mode == "never":
            bot.until = bot.free_at = None
        else:
            bot.until = bot.free_at = start + 1 / settings.rate
        return {**entry, "state": "PROCESSING", "dateProcessing": self._iso(start), "dateFinished": None}

    def _finish(self, bot: _Bot, entry: dict[str, Any], settings: ConsumerSettings, ratio: Fraction) -> None:
        assert bot.until is not None
        values = entry.get("values")
        if fails(bot.done + bot.failed, ratio):
            bot.failed += 1
            message = render(settings.error_message, values)
            outcome: dict[str, Any] = {"state": "ERROR", "errorType": settings.error_type, "message": message}
        else:
            bot.done += 1
            outcome = {"state": "DONE", "errorType": None, "message": render(settings.done_message, values)}
        finished = {**entry, **outcome, "dateFinished": self._iso(bot.until)}
        self.store.put("entry", str(entry["id"]), finished)

    def _iso(self, at: float) -> str:
        """Spell a time once: a busy bot takes each item the moment it finished the one before."""
        if self._spelled[0] != at:
            self._spelled = (at, iso(at))
        return self._spelled[1]

    def _release(self, bot: _Bot, at: float) -> None:
        """Put the item in hand back to PENDING: its bot is leaving."""
        entry = self._held(bot)
        bot.holding = bot.until = None
        if entry is None:
            return
        pending = {**entry, "state": "PENDING", "dateProcessing": None}
        self.store.put("entry", str(entry["id"]), pending)
        queue = self._queues.get(bot.label)
        if queue is not None:
            queue.add(pending, at)
