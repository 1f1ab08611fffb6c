"""Quartz cron expressions, checked with no I/O, so a bad schedule is refused before it is sent.

Maestro schedules with Quartz (``maestro-api.md`` §4.10), whose expressions are not Unix cron:

* 6 or 7 fields: seconds, minutes, hours, day-of-month, month, day-of-week, and an optional year;
* every field takes ``*``, a value, a range ``a-b`` (which may wrap: ``FRI-MON``, ``22-2``), a step
  ``a/n``, ``*/n`` or ``a-b/n``, and lists of these: ``0,15,30``;
* months may be named ``JAN``…``DEC``; days of the week ``SUN``…``SAT``, and numbered 1 (Sunday) to 7;
* exactly one of day-of-month and day-of-week is ``?`` ("no specific value"); Quartz cannot combine both;
* day-of-month also takes ``L`` (last day), ``L-n`` (n days before it), ``LW`` (last weekday) and ``nW``
  (the weekday nearest day n); day-of-week takes ``L`` (Saturday), ``xL`` (the last x of the month) and
  ``x#n`` (the n-th x). Quartz takes these forms only alone in their field, not in a list.

Names are read in any case, as Quartz upper-cases the expression (a message quotes the field as written,
its values upper-cased). Steps are bounded as Quartz bounds them: at most 59 for seconds and minutes, 23
for hours, 31, 12 and 7 for the day, month and weekday fields. Years run from 1970 to 2199 (Quartz's own
bound moves with the calendar, about a century ahead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["cron_problem"]

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class _Field:
    """One field of an expression: its allowed values, and the forms only it knows."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    """Names of the values from ``low`` up (``JAN`` is 1)."""
    step_limit: int | None = None
    """The largest step Quartz accepts; ``None``: any."""
    question: bool = False
    """Takes ``?``: the two day fields."""
    special: Callable[[_Field, str], str | None] | None = None
    """Checks the field's own forms (``L``, ``W``, ``#``), for a text that has one of ``marks``."""
    marks: str = ""
    advice: str = ""

    def value(self, token: str) -> int | str:
        """The number ``token`` stands for, or why it stands for none."""
        if not token:
            return "a value is missing"
        if token in self.names:
            return self.low + self.names.index(token)
        if not token.isdigit():
            return f"{token!r} is not {self.allowed}"
        number = int(token)
        if not self.low <= number <= self.high:
            return f"{number} is out of range ({self.allowed}){self.advice}"
        return number

    @property
    def allowed(self) -> str:
        named = f" or {self.names[0]}-{self.names[-1]}" if self.names else ""
        return f"{self.low}-{self.high}{named}"


def _day_of_month_special(spec: _Field, text: str) -> str | None:
    """``L``, ``L-n`` (n from 0 to 30), ``LW`` and ``nW``."""
    if text in ("L", "LW"):
        return None
    if text.startswith("L-"):
        offset = text[2:]
        if offset.isdigit() and int(offset) <= 30:
            return None
        return f"'L-n' counts back from the last day: n must be from 0 to 30, got {offset!r}"
    if text.endswith("W"):
        day = spec.value(text[:-1])
        return day if isinstance(day, str) else None
    return "L and W go alone: 'L', 'L-3', 'LW' or '15W'"


def _day_of_week_special(spec: _Field, text: str) -> str | None:
    """``L`` (Saturday), ``xL`` (the last x of the month) and ``x#n`` (the n-th x, n from 1 to 5)."""
    if text == "L":
        return None
    day, hash_, nth = text.partition("#")
    if hash_:
        if not (nth.isdigit() and 1 <= int(nth) <= 5):
            return f"in 'x#n' n is the week of the month, from 1 to 5, got {nth!r}"
    elif text.endswith("L"):
        day = text[:-1]
    else:
        return "L and # go alone: 'L', '6L', 'FRIL' or '6#3'"
    found = spec.value(day)
    return found if isinstance(found, str) else None


_FIELDS = (
    _Field("seconds", 0, 59, step_limit=59),
    _Field("minutes", 0, 59, step_limit=59),
    _Field("hours", 0, 23, step_limit=23),
    _Field("day-of-month", 1, 31, step_limit=31, question=True, special=_day_of_month_special, marks="LW"),
    _Field("month", 1, 12, _MONTHS, step_limit=12),
    _Field(
        "day-of-week",
        1,
        7,
        _WEEKDAYS,
        step_limit=7,
        question=True,
        special=_day_of_week_special,
        marks="L#",
        advice="; Quartz counts SUN=1 to SAT=7",
    ),
    _Field("year", 1970, 2199),
)


def cron_problem(expression: object) -> str | None:
    """Why ``expression`` is not a Quartz cron expression, or None when it is one."""
    if not isinstance(expression, str):
        return f"must be a string, got {type(expression).__name__}"
    written = expression.split()
    fields = [text.upper() for text in written]
    if not fields:
        return "is empty; e.g. '0 0 12 * * ?' is every day at 12:00 UTC"
    if len(fields) == 5:
        return _unix_problem(written)
    if len(fields) not in (6, 7):
        return (
            f"has {len(fields)} field(s); Quartz needs 6 or 7: "
            "seconds minutes hours day-of-month month day-of-week [year]"
        )
    for spec, text, shown in zip(_FIELDS, fields, written, strict=False):
        problem = _field_problem(spec, text)
        if problem is not None:
            return f"{spec.name} field {shown!r}: {problem}"
    return _question_problem(fields[3], fields[5])


def _unix_problem(fields: list[str]) -> str:
    """A 5-field expression is a Unix cron: say how Quartz writes it, with the fix when it is plain."""
    minutes, hours, day, month, weekday = fields
    advice = ""
    if weekday == "*":
        advice = f", e.g. '0 {minutes} {hours} {day} {month} ?'"
    return (
        "has 5 fields, as a Unix cron; Quartz needs seconds first and '?' in day-of-month or "
        f"day-of-week{advice}"
    )


def _field_problem(spec: _Field, text: str) -> str | None:
    if text == "?":
        return None if spec.question else "'?' is only for day-of-month and day-of-week"
    if spec.special is not None and any(mark in text for mark in spec.marks):
        if "," in text:
            return "L, W and # go alone in their field, not in a list"
        return spec.special(spec, text)
    for element in text.split(","):
        problem = _element_problem(spec, element)
        if problem is not None:
            return problem
    return None


def _element_problem(spec: _Field, element: str) -> str | None:
    """One item of a list: ``*``, ``a``, ``a-b``, each optionally ``/step``."""
    if not element:
        return "a list has an empty item"
    if element == "?":
        return "'?' must be the whole field"
    base, slash, step = element.partition("/")
    if slash:
        problem = _step_problem(spec, step)
        if problem is not None:
            return problem
        if not base:
            return "a step needs a start: '*/5' or '0/5'"
    if base == "*":
        return None
    start, dash, end = base.partition("-")
    for token in (start, end) if dash else (start,):
        found = spec.value(token)
        if isinstance(found, str):
            return found
    return None


def _step_problem(spec: _Field, step: str) -> str | None:
    if not step.isdigit() or int(step) < 1:
        return f"the step {step!r} must be a whole number of 1 or more"
    if spec.step_limit is not None and int(step) > spec.step_limit:
        return f"the step {step} is larger than Quartz allows here ({spec.step_limit})"
    return None


def _question_problem(day_of_month: str, day_of_week: str) -> str | None:
    """Quartz needs ``?`` in exactly one of the two day fields."""
    if day_of_month == "?" and day_of_week == "?":
        return "day-of-month and day-of-week are both '?'; give one of them a value ('*' for every day)"
    if day_of_month != "?" and day_of_week != "?":
        return (
            "one of day-of-month and day-of-week must be '?': Quartz cannot use both "
            "(every day: '* * ?'; Mondays: '? * MON')"
        )
    return None
