"""The `alumni-bot` command: run, check-config, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from pathlib import Path

from bot.app import run_bot
from bot.config import ConfigError, load_config
from bot.cross_signing import KEYS_FILE, CrossSigningError, identity_report
from bot.login import LoginFailed, store_dir
from bot.store_key import store_key_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="alumni-bot", description=__doc__)
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot with a configuration file")
    run.add_argument("-c", "--config", type=Path, required=True)
    run.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data"),
        help="where the local homeserver lives when none is configured (default ./data)",
    )
    run.add_argument(
        "--new-device",
        action="store_true",
        help="log in as a new device (only when the crypto store of the stored one was lost)",
    )
    run.add_argument(
        "--replace-identity",
        action="store_true",
        help="replace the account's cross-signing identity (when its recovery key is lost)",
    )
    check = sub.add_parser("check-config", help="validate a configuration file and exit")
    check.add_argument("-c", "--config", type=Path, required=True)
    demo = sub.add_parser("demo", help="start a local Synapse, demo accounts, a room and the bot")
    demo.add_argument("--data-dir", type=Path, default=Path(".demo"))
    demo.add_argument(
        "--port", type=int, default=8008, help="the homeserver's port, if free (default 8008)"
    )
    demo.add_argument(
        "--http-port",
        type=int,
        default=8080,
        help="the port of the web page, /healthz and /events.ics, if free (default 8080)",
    )
    demo.add_argument(
        "--smoke", action="store_true", help="check that the bot answers !hilfe, then exit"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # APScheduler logs every re-arm of the scheduler's one job ("Added job", "Running job").
    for noisy in ("nio", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # nio warns of every error answer that is not shaped like a success (an unknown alias when
    # the space looks for its rooms); the callers check the answer's type themselves.
    logging.getLogger("nio.responses").setLevel(logging.ERROR)

    if args.command == "demo":
        # The demo and the local homeserver are imported only here: a bot that runs against
        # its homeserver does not carry them (memory, README "Benchmarks").
        from bot.demo import run_demo

        try:
            asyncio.run(
                run_demo(
                    args.data_dir.resolve(),
                    smoke=args.smoke,
                    port=args.port,
                    http_port=args.http_port,
                )
            )
        except KeyboardInterrupt:
            # Ctrl-C before the bot took over the signal: everything is stopped by now.
            return 130
        return 0
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"alumni-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        where = config.matrix.homeserver or "a local homeserver started by the bot"
        print(f"{args.config}: OK ({config.matrix.user_id} on {where})")
        keys_file = store_dir(config.matrix) / KEYS_FILE
        print(identity_report(keys_file, config.matrix.user_id, config.matrix.recovery_key))
        print(
            store_key_report(
                store_dir(config.matrix), config.matrix.user_id, config.matrix.crypto_store_key
            )
        )
        return 0
    config = replace(
        config,
        matrix=replace(
            config.matrix, new_device=args.new_device, replace_identity=args.replace_identity
        ),
    )
    try:
        if config.matrix.homeserver is None:
            from bot.demo import run_with_local_homeserver

            asyncio.run(run_with_local_homeserver(config, args.data_dir))
        else:
            asyncio.run(run_bot(config, config.matrix.homeserver))
    except (LoginFailed, CrossSigningError) as exc:
        print(f"alumni-bot: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
