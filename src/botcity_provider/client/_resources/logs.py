"""``client.logs``: an automation's tabular log, its entries and their CSV export."""

from __future__ import annotations

from ._base import AsyncResource, Resource


class Logs(Resource):
    """an automation's tabular log, its entries and their CSV export"""


class AsyncLogs(AsyncResource):
    """an automation's tabular log, its entries and their CSV export"""
