"""The connection form, for Airflow versions that build it from the hook (2.11 to 3.1).

Airflow 3.2+ reads the same form from ``conn-fields`` in the provider info without importing the hook;
both are built from :data:`botcity_provider.get_provider_info.CONNECTION_FIELDS` so they cannot drift.
"""

from __future__ import annotations

from typing import Any

from botcity_provider.get_provider_info import CONNECTION_FIELDS, UI_FIELD_BEHAVIOUR

__all__ = ["connection_form_widgets", "ui_field_behaviour"]


def ui_field_behaviour() -> dict[str, Any]:
    """Hidden, relabelled and explained standard fields, in the hook classmethod's spelling."""
    return {
        "hidden_fields": list(UI_FIELD_BEHAVIOUR["hidden-fields"]),
        "relabeling": dict(UI_FIELD_BEHAVIOUR["relabeling"]),
        "placeholders": dict(UI_FIELD_BEHAVIOUR["placeholders"]),
    }


def connection_form_widgets() -> dict[str, Any]:
    """wtforms fields for the extras (wtforms ships with the Flask UI of Airflow 2.11)."""
    from wtforms import BooleanField, IntegerField, StringField

    try:
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget

        text_widget: dict[str, Any] = {"widget": BS3TextFieldWidget()}
    except ImportError:  # no Flask UI: plain widgets
        text_widget = {}
    kinds = {"boolean": BooleanField, "integer": IntegerField}
    widgets: dict[str, Any] = {}
    for name, spec in CONNECTION_FIELDS.items():
        kind = spec["schema"]["type"][0]
        field_class = kinds.get(kind, StringField)
        options = {} if field_class is BooleanField else text_widget
        widgets[name] = field_class(spec["label"], description=spec["description"], **options)
    return widgets
