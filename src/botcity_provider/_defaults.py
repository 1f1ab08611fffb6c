"""Defaults every part of the provider shares, each written once. Standard library only (parse time)."""

from __future__ import annotations

__all__ = ["DEFAULT_CONN_ID"]

DEFAULT_CONN_ID = "botcity_maestro_default"
"""The Airflow connection the operators, the sensor and the hook use unless given another."""
