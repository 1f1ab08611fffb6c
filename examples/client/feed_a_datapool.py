"""Feed a datapool from a script, then work through it as a bot would, and read the summary.

MAESTRO_SERVER=https://developers.botcity.dev MAESTRO_LOGIN=... MAESTRO_KEY=... python feed_a_datapool.py
"""

from __future__ import annotations

import os
import sys

from botcity_provider.client import MaestroClient, NotFoundError


def main() -> int:
    server, login, key = (os.environ[name] for name in ("MAESTRO_SERVER", "MAESTRO_LOGIN", "MAESTRO_KEY"))
    with MaestroClient(server, login, key) as maestro:
        try:
            pool = maestro.datapools.get("invoices")
        except NotFoundError:
            pool = maestro.datapools.create("invoices", default_automation="invoice-bot")
        print(f"datapool {pool.label}")

        rows = [{"invoice": f"INV-{n:04}", "amount": n * 10} for n in range(1, 6)]
        entries = maestro.datapools.push_many("invoices", rows)
        print(f"pushed {len(entries)} items")

        # What a bot does: take the next item, work on it, report it.
        while (entry := maestro.datapools.next("invoices")) is not None:
            if entry.values["amount"] > 40:
                maestro.datapools.failed("invoices", entry.id)
            else:
                maestro.datapools.done("invoices", entry.id)

        summary = maestro.datapools.summary("invoices")
        print(f"done {summary.count_done}, failed {summary.count_error}, pending {summary.count_pending}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
