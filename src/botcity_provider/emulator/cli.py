"""Command line: ``maestro-emulator`` / ``python -m botcity_provider.emulator``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from botcity_provider.emulator.app import create_app
from botcity_provider.emulator.config import (
    DEFAULT_KEY,
    DEFAULT_LOGIN,
    DEFAULT_QUEUE_SECONDS,
    DEFAULT_RUN_SECONDS,
    EmulatorConfig,
)
from botcity_provider.emulator.faults import FaultProfile, merge_profile
from botcity_provider.emulator.server import bind_socket, make_server, run_in_main_thread, url_of

READY_LINE = "Maestro emulator ready at {url}"
KEY_ENV = "MAESTRO_EMULATOR_KEY"
RUNNER_TOKENS_ENV = "MAESTRO_EMULATOR_RUNNER_TOKENS"
"""Secrets can come from the environment, which unlike argv is not visible to other users in ``ps``."""
_FAULT_FLAGS = {
    "error_rate": "error_rate",
    "rate_limit_rate": "rate_limit_rate",
    "retry_after": "retry_after_seconds",
    "latency": "latency_seconds",
    "drop_rate": "drop_rate",
    "lost_create_rate": "lost_create_rate",
    "token_lifetime": "token_lifetime_seconds",
    "seed": "seed",
}


def build_parser() -> argparse.ArgumentParser:
    """Describe the flags; the fault flags map onto the keys of ``POST /_emulator/faults``."""
    parser = argparse.ArgumentParser(
        prog="maestro-emulator", description="A local BotCity Maestro (v2 API) for offline DAG development."
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default 0)")
    add("--login", default=DEFAULT_LOGIN, help=f"workspace login (default {DEFAULT_LOGIN})")
    add("--key", default=os.environ.get(KEY_ENV, DEFAULT_KEY), help=f"workspace key (or ${KEY_ENV})")
    add("--state-file", type=Path, help="journal that keeps the state across restarts")
    add("--queue-seconds", type=float, default=DEFAULT_QUEUE_SECONDS, help="seconds a task waits in START")
    add("--run-seconds", type=float, default=DEFAULT_RUN_SECONDS, help="seconds a task runs")
    add("--error-rate", type=float, help="fraction of API requests answered 5xx without processing")
    add("--rate-limit-rate", type=float, help="fraction of API requests answered 429")
    add("--retry-after", type=float, help="Retry-After seconds of a 429 (default 1)")
    add("--latency", type=float, help="seconds added before every API response")
    add("--drop-rate", type=float, help="fraction of API requests whose connection is dropped")
    add("--lost-create-rate", type=float, help="fraction of task creations processed but never answered")
    add("--token-lifetime", type=float, help="seconds a token stays valid (default forever)")
    add("--seed", type=int, help="seed of the fault randomness, for reproducible runs")
    add("--faults", type=json.loads, default={}, help="a whole fault profile as JSON (script, exempt...)")
    add(
        "--runner-token",
        action="extend",
        nargs="+",
        default=[],
        help=f"token accepted without login (or ${RUNNER_TOKENS_ENV})",
    )
    add("--activities", help="comma-separated automation labels; others are unknown (404)")
    add("--access-log", action="store_true", help="log every request to stderr")
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """Turn parsed flags into a validated :class:`EmulatorConfig`.

    :raises ValueError: naming the invalid fault setting.
    """
    faults: dict[str, Any] = dict(args.faults)
    for flag, key in _FAULT_FLAGS.items():
        value = getattr(args, flag)
        if value is not None:
            faults[key] = value
    merge_profile(FaultProfile(), faults)
    activities = None if args.activities is None else frozenset(_split(args.activities))
    return EmulatorConfig(
        login=args.login,
        key=args.key,
        queue_seconds=args.queue_seconds,
        run_seconds=args.run_seconds,
        state_file=args.state_file,
        runner_tokens=(*args.runner_token, *_split(os.environ.get(RUNNER_TOKENS_ENV, ""))),
        activities=activities,
        faults=faults,
        access_log=args.access_log,
    )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _configure_logging(access_log: bool) -> None:
    """Send uvicorn's warnings (and the access log, when asked) to stderr; stdout carries the ready line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name, level in (("uvicorn.error", logging.WARNING), ("uvicorn.access", logging.INFO)):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = not access_log


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT or SIGTERM; print the ready line once it accepts connections."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    _configure_logging(config.access_log)
    sock = bind_socket(args.host, args.port)
    app = create_app(config)
    url = url_of(sock)
    ready = READY_LINE.format(url=url)
    server = make_server(app, access_log=config.access_log, on_ready=lambda: print(ready, flush=True))
    # uvicorn re-raises the signal that stopped it once it has shut down; a no-op handler makes that a
    # clean exit (status 0) instead of a KeyboardInterrupt traceback or a death by SIGTERM.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        run_in_main_thread(server, sock)
    finally:
        app.emulator.close()
        sock.close()
    return 0
