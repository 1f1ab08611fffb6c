"""Quartz cron checking (``client/_cron.py``), pure: tables of expressions Quartz takes and refuses."""

from __future__ import annotations

import pytest

from botcity_provider.client._cron import cron_problem

VALID = [
    "0 0 12 * * ?",  # every day at noon
    "0 15 10 ? * *",  # every day at 10:15, the other '?'
    "0 15 10 * * ? 2030",  # with a year
    "0 15 10 * * ? *",  # every year
    "0 0/5 14 * * ?",  # every 5 minutes from 14:00
    "0 0/5 14,18 * * ?",  # lists
    "0 0-5 14 * * ?",  # ranges
    "0 10,44 14 ? 3 WED",  # a weekday name that has a W in it
    "0 15 10 ? * MON-FRI",  # a range of names
    "0 15 10 ? JAN-MAR,DEC FRI-MON",  # names in lists, a range that wraps
    "0 0 22-2 * * ?",  # an hour range that wraps past midnight
    "0 15 10 L * ?",  # last day of the month
    "0 15 10 L-2 * ?",  # two days before it
    "0 15 10 LW * ?",  # last weekday of the month
    "0 15 10 15W * ?",  # the weekday nearest the 15th
    "0 15 10 ? * L",  # Saturday
    "0 15 10 ? * 6L",  # last Friday of the month
    "0 15 10 ? * FRIL",  # the same, named
    "0 15 10 ? * 6#3",  # third Friday of the month
    "0 15 10 ? * fri#1",  # names in any case
    "*/30 * * * * ?",  # a step of every value
    "0 0 12 1/5 * ?",  # a day step from the 1st
    "0 0 0 ? * 1-7/2",  # a stepped range
    "0 0 12 * * ? 2030/2",  # a year step
    "  0   0 12 * * ?  ",  # spaces around and between
    "0 0 12 ? * SUN,SAT",
    "59 59 23 31 12 ? 2199",  # every upper bound
]

INVALID = [
    ("", "is empty"),
    ("   ", "is empty"),
    ("0 12 * * *", "has 5 fields, as a Unix cron"),
    ("0 0 12 * *", "has 5 fields"),
    ("0 0 12 * * ? 2030 x", "has 8 field(s)"),
    ("0 0 12", "has 3 field(s)"),
    ("0 0 12 * * *", "one of day-of-month and day-of-week must be '?'"),
    ("0 0 12 1 * MON", "one of day-of-month and day-of-week must be '?'"),
    ("0 0 12 ? * ?", "both '?'"),
    ("60 0 12 * * ?", "seconds field '60': 60 is out of range (0-59)"),
    ("0 60 12 * * ?", "minutes field '60'"),
    ("0 0 24 * * ?", "hours field '24': 24 is out of range (0-23)"),
    ("0 0 12 0 * ?", "day-of-month field '0'"),
    ("0 0 12 32 * ?", "day-of-month field '32'"),
    ("0 0 12 * 13 ?", "month field '13'"),
    ("0 0 12 * JANUARY ?", "month field 'JANUARY'"),
    ("0 0 12 ? * 0", "Quartz counts SUN=1 to SAT=7"),
    ("0 0 12 ? * 8", "day-of-week field '8'"),
    ("0 0 12 ? * MOO", "'MOO' is not 1-7 or SUN-SAT"),
    ("0 0 12 ? * MON-", "a value is missing"),
    ("0 0 12 * * ? 1969", "year field '1969'"),
    ("0 0 ? * * ?", "'?' is only for day-of-month and day-of-week"),
    ("0 0 12 ?,1 * MON", "'?' must be the whole field"),
    ("0 0 12 1,,2 * ?", "a list has an empty item"),
    ("0 0 12 1, * ?", "a list has an empty item"),
    ("0 */0 * * * ?", "the step '0'"),
    ("0 0/60 * * * ?", "larger than Quartz allows here (59)"),
    ("0 0 0/24 * * ?", "larger than Quartz allows here (23)"),
    ("0 0 12 ? * 1/8", "larger than Quartz allows here (7)"),
    ("0 0/x * * * ?", "minutes field '0/x': the step 'X'"),
    ("0 /5 * * * ?", "a step needs a start"),
    ("0 0 L * * ?", "hours field 'L'"),
    ("0 0 12 ? * 6W", "day-of-week field '6W'"),
    ("0 0 12 6#3 * ?", "day-of-month field '6#3'"),
    ("0 0 12 L,15 * ?", "not in a list"),
    ("0 0 12 ? * 6L,2", "not in a list"),
    ("0 0 12 ? * MON#2,FRI#2", "not in a list"),
    ("0 0 12 L-31 * ?", "from 0 to 30"),
    ("0 0 12 32W * ?", "day-of-month field '32W'"),
    ("0 0 12 W * ?", "a value is missing"),
    ("0 0 12 L/2 * ?", "L and W go alone"),
    ("0 0 12 ? * MON#6", "from 1 to 5"),
    ("0 0 12 ? * #2", "a value is missing"),
    ("0 0 12 ? * 9L", "day-of-week field '9L'"),
    ("0 0 12 ? * L#2", "'L' is not 1-7"),
]


@pytest.mark.parametrize("expression", VALID)
def test_quartz_takes_it(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(("expression", "words"), INVALID, ids=[row[0] or "empty" for row in INVALID])
def test_quartz_refuses_it_and_says_why(expression: str, words: str) -> None:
    problem = cron_problem(expression)
    assert problem is not None
    assert words in problem


def test_a_plain_unix_cron_gets_its_quartz_spelling() -> None:
    problem = cron_problem("30 6 * * *")
    assert problem is not None
    assert "'0 30 6 * * ?'" in problem
    assert cron_problem("0 30 6 * * ?") is None  # the advice is itself valid


def test_only_text_is_an_expression() -> None:
    assert cron_problem(None) == "must be a string, got NoneType"
    assert cron_problem(12) == "must be a string, got int"
