"""``occi-one-simulator``: run the oned XML-RPC simulator."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .seed import DEFAULT_SEED, SeedError
from .server import Simulator, make_server


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host or "127.0.0.1", int(port)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"speed must be a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="occi-one-simulator",
        description="Simulated OpenNebula oned XML-RPC endpoint (/RPC2) for tests and demos.",
    )
    parser.add_argument(
        "--listen",
        type=_address,
        default=("127.0.0.1", 2633),
        help="HOST:PORT (default 127.0.0.1:2633)",
    )
    parser.add_argument(
        "--speed", type=_speed, default=1.0, help="life-cycle speed factor (1.0 = 3 s per step)"
    )
    parser.add_argument("--seed", default=None, help=f"seed YAML (default {DEFAULT_SEED})")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        simulator = Simulator(seed=args.seed, speed=args.speed)
    except SeedError as exc:
        print(f"occi-one-simulator: {exc}", file=sys.stderr)
        return 2
    host, port = args.listen
    try:
        server = make_server(host, port, simulator, log_requests=args.verbose)
    except OSError as exc:
        print(f"occi-one-simulator: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 2
    bound_host, bound_port = server.server_address[:2]
    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            # shutdown() waits for serve_forever, so it must run off the serving thread.
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(
        f"occi-one-simulator: oned {simulator.store.version} simulator listening on"
        f" http://{bound_host}:{bound_port}/RPC2 (speed {args.speed:g},"
        f" {simulator.store.step_seconds:g} s per step)",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    print("occi-one-simulator: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
