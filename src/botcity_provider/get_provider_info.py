"""Provider metadata read by Airflow's ProvidersManager through the ``apache_airflow_provider`` entry point.

Literals only, and no import of the rest of the package but its version string (``__init__.py`` holds
nothing else, and importing this module has loaded it already): Airflow reads this while loading its own
configuration, and a mistake here breaks ``import airflow`` on the whole machine
(``tests/test_provider_info.py`` guards it).
"""

from __future__ import annotations

import copy
from typing import Any

from botcity_provider import __version__

PACKAGE = "botcity_provider"

# Where `airflow providers get` sends a reader. The provider's own guide is built from docs/ by `make docs`
# and has no published address yet, and the project records no public repository: rather than invent an
# address, this is BotCity's Maestro documentation, which explains the automations, tasks and workspace keys
# the guide refers to. Once the guide is published, put its address here and in pyproject.toml's
# [project.urls] (Airflow 3.3 reads that one); tests/test_provider_info.py keeps the two equal.
DOCUMENTATION_URL = "https://documentation.botcity.dev/maestro/"

# The connection form's extra fields, declared once: Airflow 3.2+ reads them from here as ``conn-fields``,
# and the hook builds its 2.11-3.1 widgets from the same dict.
CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "timeout_seconds": {
        "label": "Request timeout (seconds)",
        "description": "Limit for each HTTP request to Maestro. Default 30.",
        "schema": {"type": ["number", "null"], "minimum": 1},
    },
    "verify": {
        "label": "Verify TLS certificate",
        "description": "Check the server's certificate (turn off only for a test server).",
        "schema": {"type": ["boolean", "null"], "default": True},
    },
    "ca_bundle": {
        "label": "CA bundle path",
        "description": "PEM file of the authorities that signed an on-premises server's certificate.",
        "schema": {"type": ["string", "null"]},
    },
    "max_retries": {
        "label": "Retries per request",
        "description": "Times a request is resent after 429, 502, 503, 504 or a network error. Default 4.",
        "schema": {"type": ["integer", "null"], "minimum": 0, "maximum": 20},
    },
    "portal_url": {
        "label": "Portal URL",
        "description": "Base URL of the Maestro portal used by task links; default: the server URL.",
        "schema": {"type": ["string", "null"], "format": "url"},
    },
}

# The host holds the whole server URL; the port field is shown, since it is read (Airflow's URI form puts a
# URL's port there, and Airflow 3.3.1-3.3.2's Test button needs a stored port), and the schema field is
# hidden because it is never read.
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema"],
    "relabeling": {
        "host": "Server URL",
        "port": "Server port",
        "login": "Workspace login",
        "password": "Workspace key",
    },
    "placeholders": {
        "host": "https://developers.botcity.dev",
        "port": "Optional: the port of the Server URL",
        "login": "Login from Maestro's Dev. Environment page",
        "password": "Key from Maestro's Dev. Environment page",
    },
}


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata."""
    return {
        "package-name": "airflow-provider-botcity",
        "name": "BotCity Maestro",
        "description": "Create, wait for, feed, cancel and restart BotCity Maestro RPA tasks from Airflow.",
        "versions": [__version__],
        "documentation-url": DOCUMENTATION_URL,
        "integrations": [
            {
                "integration-name": "BotCity Maestro",
                "external-doc-url": "https://documentation.botcity.dev/maestro/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "BotCity Maestro",
                "python-modules": [f"{PACKAGE}.hooks.maestro"],
            }
        ],
        "operators": [
            {
                "integration-name": "BotCity Maestro",
                "python-modules": [
                    f"{PACKAGE}.operators.maestro",
                    f"{PACKAGE}.operators.datapool",
                    f"{PACKAGE}.operators.artifacts",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": "BotCity Maestro",
                "python-modules": [
                    f"{PACKAGE}.sensors.maestro",
                    f"{PACKAGE}.sensors.datapool",
                    f"{PACKAGE}.sensors.runner",
                ],
            }
        ],
        "triggers": [
            {
                "integration-name": "BotCity Maestro",
                "python-modules": [
                    f"{PACKAGE}.triggers.maestro",
                    f"{PACKAGE}.triggers.datapool",
                    f"{PACKAGE}.triggers.finished",
                    f"{PACKAGE}.triggers.runner",
                ],
            }
        ],
        "notifications": [f"{PACKAGE}.notifications.maestro.MaestroNotifier"],
        "connection-types": [
            {
                # No "_" or "-" in the type: Airflow warns about "_" (RFC 3986) on every use of such a
                # connection. hooks/_connection.py still reads the old name, botcity_maestro.
                "connection-type": "botcity",
                "hook-class-name": f"{PACKAGE}.hooks.maestro.MaestroHook",
                "hook-name": "BotCity Maestro",
                # Copies: Airflow may edit what it is given, and the hook reads the originals.
                "ui-field-behaviour": copy.deepcopy(UI_FIELD_BEHAVIOUR),
                "conn-fields": copy.deepcopy(CONNECTION_FIELDS),
            }
        ],
        "extra-links": [f"{PACKAGE}.links.maestro.MaestroTaskLink"],
    }
