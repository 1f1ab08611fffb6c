"""What a traceback renderer that shows local variables would print for an error.

Rich tracebacks (structlog's console renderer as older structlog releases set it up, e.g. the 25.4 that
Airflow 3.0.6 installs: its ``dags test`` output), structlog's dict tracebacks and Sentry print every
local of every frame of an error and of the errors it was raised from. A secret kept in a plain ``str``
local is printed that way even though no log line, ``repr`` or message of ours contains it. These
helpers render the same: the frames rich would show (the cause, else the context unless suppressed),
each local through ``rich.pretty`` with no length limit, plus the plain ``repr``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from rich.pretty import pretty_repr

TESTS = Path(__file__).resolve().parent


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error and those a renderer shows with it, in rich's order."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None


def _frames(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def rendered_locals(error: BaseException) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every local of every frame shown, test code excepted (a test holds the
    secrets it checks for)."""
    for shown in chain(error):
        for tb in _frames(shown.__traceback__):
            code = tb.tb_frame.f_code
            if Path(code.co_filename).resolve().is_relative_to(TESTS):
                continue
            for name, value in tb.tb_frame.f_locals.items():
                where = f"{type(shown).__name__} at {Path(code.co_filename).name}:{tb.tb_lineno} "
                where += f"{code.co_name}(), local {name!r}"
                try:
                    text = pretty_repr(value, max_string=None, max_length=None) + "\n" + repr(value)
                except Exception as exc:  # a renderer skips a local whose repr fails; so do we
                    text = f"<repr failed: {type(exc).__name__}>"
                yield where, text


def locals_showing(error: BaseException, secrets: Iterable[str]) -> list[str]:
    """Where a secret would be printed by a traceback that shows locals; empty when nowhere."""
    wanted = [secret for secret in secrets if secret]
    return [where for where, text in rendered_locals(error) if any(secret in text for secret in wanted)]
