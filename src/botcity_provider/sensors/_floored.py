"""The base of this provider's sensors: ``poke_interval`` has the same floor as the operators' polls.

Light at import time, like the sensors themselves.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import BaseSensorOperator

from botcity_provider._intervals import poll_interval

__all__ = ["FlooredSensor"]


class FlooredSensor(BaseSensorOperator):
    """A sensor whose ``poke_interval`` is at least the operators' floor, in every mode.

    Every mode waits ``poke_interval`` between looks, the triggerer included, so the floor keeps each of
    them from polling in a busy loop. It is checked before Airflow's own base sees the value, so that
    every Airflow version refuses a bad one in the same words, and again after: a ``poke_interval`` from
    the DAG's ``default_args`` reaches only the base's ``__init__``.
    """

    def __init__(self, **kwargs: Any) -> None:
        if "poke_interval" in kwargs:
            kwargs["poke_interval"] = poll_interval(kwargs["poke_interval"], "poke_interval")
        super().__init__(**kwargs)
        self.poke_interval = poll_interval(self.poke_interval, "poke_interval")
