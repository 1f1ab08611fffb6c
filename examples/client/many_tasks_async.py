"""Start many bots at once with the asyncio client, and look around the workspace while they run.

    MAESTRO_SERVER=https://developers.botcity.dev MAESTRO_LOGIN=... MAESTRO_KEY=... python many_tasks_async.py

In a notebook, drop ``asyncio.run`` and ``await main()`` in a cell: Jupyter already runs an event loop.
"""

from __future__ import annotations

import asyncio
import os
import sys

from botcity_provider.client import AsyncMaestroClient


async def main() -> int:
    server, login, key = (os.environ[name] for name in ("MAESTRO_SERVER", "MAESTRO_LOGIN", "MAESTRO_KEY"))
    async with AsyncMaestroClient(server, login, key) as maestro:
        version = await maestro.workspace.version()
        print(f"Maestro {version.version}")

        regions = ["north", "south", "east", "west"]
        tasks = await asyncio.gather(
            *(maestro.tasks.create("report-bot", parameters={"region": region}) for region in regions)
        )
        print(f"created {len(tasks)} tasks")

        async for automation in maestro.automations.iter():
            print(f"automation {automation.label}")
        runners = await maestro.runners.list(online=True)
        print(f"{runners.total_elements} runner(s) online")

        # Cancels a task still queued, interrupts (then kills) a running one, leaves an ended one alone.
        await asyncio.gather(*(maestro.tasks.stop(task.id, grace_seconds=5) for task in tasks))
        print("stopped them all")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
