"""Command line: ``maestro-emulator`` / ``python -m botcity_maestro_emulator``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from botcity_maestro_emulator.app import create_app
from botcity_maestro_emulator.config import (
    DEFAULT_KEY,
    DEFAULT_LOGIN,
    DEFAULT_QUEUE_SECONDS,
    DEFAULT_RUN_SECONDS,
    EmulatorConfig,
)
from botcity_maestro_emulator.faults import FaultProfile, merge_profile
from botcity_maestro_emulator.server import bind_socket, make_server, run_in_main_thread, url_of
from botcity_maestro_emulator.tls import TLSFiles, chosen, is_loopback

READY_PREFIX = "Maestro emulator ready at "
READY_LINE = READY_PREFIX + "{url} (login {login})"
"""The one line on stdout: the URL is the first word after the prefix, so readers can split it off."""
AUTHORITY_SUFFIX = " (authority {path})"
"""Added to the ready line by ``--tls``: the PEM file a client trusts to reach the server."""
KEY_ENV = "MAESTRO_EMULATOR_KEY"
RUNNER_TOKENS_ENV = "MAESTRO_EMULATOR_RUNNER_TOKENS"
ADMIN_TOKEN_ENV = "MAESTRO_EMULATOR_ADMIN_TOKEN"
"""Secrets can come from the environment, which unlike argv is not visible to other users in ``ps``."""
_FAULT_FLAGS = {
    "error_rate": "error_rate",
    "rate_limit_rate": "rate_limit_rate",
    "retry_after": "retry_after_seconds",
    "latency": "latency_seconds",
    "drop_rate": "drop_rate",
    "lost_create_rate": "lost_create_rate",
    "lost_push_rate": "lost_push_rate",
    "token_lifetime": "token_lifetime_seconds",
    "seed": "seed",
    "max_faults_in_a_row": "max_faults_in_a_row",
}


class Ready(NamedTuple):
    """What the ready line says: where the server is, its login, and the authority to trust (``--tls``)."""

    url: str
    login: str
    authority: str | None = None


def parse_ready_line(line: str) -> Ready | None:
    """Return what a ready line says, or ``None`` if ``line`` is not one."""
    if not line.startswith(READY_PREFIX):
        return None
    url, _, rest = line[len(READY_PREFIX) :].strip().partition(" ")
    login, _, rest = rest.removeprefix("(login ").partition(")")
    authority = rest.strip().removeprefix("(authority ").removesuffix(")") if "(authority " in rest else None
    return Ready(url, login, authority)


def build_parser() -> argparse.ArgumentParser:
    """Describe the flags, each with its default; the fault flags map onto ``POST /_emulator/faults``.

    Defaults are written into the help text by hand: the key's default is a fixed text, so ``--help`` can
    never print a key given through ``$MAESTRO_EMULATOR_KEY``.
    """
    parser = argparse.ArgumentParser(
        prog="maestro-emulator", description="A local BotCity Maestro (v2 API) for offline DAG development."
    )
    add = parser.add_argument
    add("--host", metavar="HOST", default="127.0.0.1", help=_help("address to listen on", "127.0.0.1"))
    add("--port", metavar="PORT", type=int, default=0, help=_help("port; 0 picks a free one", 0))
    add("--login", metavar="LOGIN", default=DEFAULT_LOGIN, help=_help("workspace login", DEFAULT_LOGIN))
    add("--key", metavar="KEY", help=_help("workspace key", f"${KEY_ENV} if set, else {DEFAULT_KEY}"))
    add("--state-file", metavar="PATH", type=Path, help=_help("keep the state across restarts", "in memory"))
    queue, run = DEFAULT_QUEUE_SECONDS, DEFAULT_RUN_SECONDS
    add(
        "--queue-seconds",
        metavar="S",
        type=float,
        default=queue,
        help=_help("seconds a new task waits in START", queue),
    )
    add(
        "--run-seconds",
        metavar="S",
        type=float,
        default=run,
        help=_help("seconds the bot runs before it finishes", run),
    )
    _add_fault_flags(parser, FaultProfile())
    add(
        "--runner-token",
        metavar="TOKEN",
        action="extend",
        nargs="+",
        default=[],
        help=_help("tokens accepted without a login", f"none; also ${RUNNER_TOKENS_ENV}, comma-separated"),
    )
    add("--activities", metavar="A,B", help=_help("known automation labels, others 404", "any label"))
    add("--access-log", action="store_true", help=_help("log every request to stderr", "off"))
    lines = "write one JSON line per API request (time, route, answer, user agent) to this file"
    add("--request-log", metavar="PATH", type=Path, help=_help(lines, "none"))
    _add_tls_flags(parser)
    return parser


def _add_tls_flags(parser: argparse.ArgumentParser) -> None:
    """HTTPS and the admin token: what it takes to reach the emulator from another machine."""
    add = parser.add_argument
    add("--certfile", metavar="PATH", type=Path, help=_help("serve HTTPS with this PEM certificate", "HTTP"))
    add("--keyfile", metavar="PATH", type=Path, help=_help("the PEM private key of that certificate", "none"))
    made = "serve HTTPS with a throwaway authority, whose PEM file the ready line names"
    add("--tls", action="store_true", help=_help(made, "off"))
    admin = "bearer token the /_emulator/ routes require; needed beyond loopback"
    add("--admin-token", metavar="TOKEN", help=_help(admin, f"${ADMIN_TOKEN_ENV} if set, else open"))


def _help(text: str, default: object) -> str:
    shown = f"{default:g}" if isinstance(default, float) else str(default)
    return f"{text} (default: {shown})"


def _add_fault_flags(parser: argparse.ArgumentParser, off: FaultProfile) -> None:
    """The fault profile at start-up; without these flags there are no faults."""
    add = parser.add_argument
    add(
        "--error-rate",
        metavar="F",
        type=float,
        help=_help("fraction of API requests answered 5xx", off.error_rate),
    )
    add(
        "--rate-limit-rate",
        metavar="F",
        type=float,
        help=_help("fraction of API requests answered 429", off.rate_limit_rate),
    )
    add("--retry-after", metavar="S", type=float, help=_help("Retry-After of a 429", off.retry_after_seconds))
    add(
        "--latency", metavar="S", type=float, help=_help("seconds added to every answer", off.latency_seconds)
    )
    add("--drop-rate", metavar="F", type=float, help=_help("fraction of connections dropped", off.drop_rate))
    lost = "fraction of task creations processed, never answered"
    add("--lost-create-rate", metavar="F", type=float, help=_help(lost, off.lost_create_rate))
    pushed = "fraction of datapool pushes processed, never answered"
    add("--lost-push-rate", metavar="F", type=float, help=_help(pushed, off.lost_push_rate))
    add("--token-lifetime", metavar="S", type=float, help=_help("seconds a token stays valid", "forever"))
    add("--seed", metavar="N", type=int, help=_help("seed of the fault randomness", "random"))
    spare = "random faults one request may meet in a row before it is spared"
    add("--max-faults-in-a-row", metavar="N", type=int, help=_help(spare, "no bound"))
    whole = "a whole fault profile as JSON, e.g. with a script"
    add("--faults", metavar="JSON", type=json.loads, default={}, help=_help(whole, "{}, no faults"))


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
        key=args.key if args.key is not None else os.environ.get(KEY_ENV, DEFAULT_KEY),
        queue_seconds=args.queue_seconds,
        run_seconds=args.run_seconds,
        state_file=args.state_file,
        runner_tokens=(*args.runner_token, *_split(os.environ.get(RUNNER_TOKENS_ENV, ""))),
        activities=activities,
        faults=faults,
        access_log=args.access_log,
        request_log=args.request_log,
        admin_token=args.admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None,
    )


def check_exposure(host: str, config: EmulatorConfig) -> None:
    """Refuse a non-loopback address without an admin token: ``/_emulator/tokens`` hands out every token.

    :raises ValueError: saying how to give the token.
    """
    if config.admin_token is None and not is_loopback(host):
        raise ValueError(
            f"--host {host} is reachable from other machines, so the /_emulator/ routes (reset, faults, "
            f"every token issued) need a token: give --admin-token TOKEN or ${ADMIN_TOKEN_ENV}"
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
    # A throwaway authority's files live as long as the server: a client needs them only to reach it.
    with tempfile.TemporaryDirectory(prefix="maestro-emulator-tls-") as directory:
        try:
            check_exposure(args.host, config)
            tls = chosen(
                args.host, Path(directory), tls=args.tls, certfile=args.certfile, keyfile=args.keyfile
            )
        except ValueError as exc:  # TLSSetupError included: it names the file
            parser.error(str(exc))
        return _serve(args.host, args.port, config, tls)


def _serve(host: str, port: int, config: EmulatorConfig, tls: TLSFiles | None) -> int:
    _configure_logging(config.access_log)
    sock = bind_socket(host, port)
    app = create_app(config)
    ready = READY_LINE.format(url=url_of(sock, tls=tls is not None), login=config.login)
    if tls is not None and tls.authority is not None:
        ready += AUTHORITY_SUFFIX.format(path=tls.authority)
    server = make_server(
        app, access_log=config.access_log, on_ready=lambda: print(ready, flush=True), tls=tls
    )
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
