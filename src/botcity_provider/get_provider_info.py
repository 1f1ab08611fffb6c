"""Provider metadata read by Airflow's ProvidersManager through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata: literals only, because a mistake here breaks ``import airflow``."""
    return {
        "package-name": "airflow-provider-botcity",
        "name": "BotCity Maestro",
        "description": "Run and watch BotCity Maestro RPA tasks from Airflow.",
        "versions": ["0.1.0"],
    }
