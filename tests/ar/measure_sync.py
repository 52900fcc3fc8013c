"""How fast ``sync`` is against a server that answers in a given time (issue 18 wants at least 200
parties/s against one answering in 20 ms). Not a test: speed is measured, not asserted.

    python tests/ar/measure_sync.py [--parties 2900] [--latency 0.02] [--connections 16]

The stand-in server runs in its own process (so it does not share this one's interpreter lock),
every party with both certificates (a share of a list request and two certificate requests
each); the sync writes into a temporary repository, twice (the first writes every file, the
second finds nothing changed). Prints parties/s of each, the requests a party and the
connections the server saw.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ar.make_example_snapshot import REPO, generate
from ar.server import TOKEN, ArServer
from pipeline.ar import mirror
from pipeline.ar.auth import Secret
from pipeline.ar.client import Client, Settings

FIRST = 8_600_000
TEMPLATE = 8170001


def synthetic(count: int) -> dict[str, bytes]:
    template = {p: b for p, b in generate(REPO).items() if str(TEMPLATE) in p}
    return {
        path.replace(str(TEMPLATE), str(FIRST + i)): raw.replace(str(TEMPLATE).encode(), str(FIRST + i).encode())
        for i in range(count)
        for path, raw in template.items()
    }


def serve(count: int, latency: float) -> None:
    with ArServer(synthetic(count), latency=latency) as server:
        print(server.base_url, flush=True)
        seen = 0
        for _ in sys.stdin:  # a line: the requests and connections since the last one
            requests = server.requests()[seen:]
            seen += len(requests)
            print(json.dumps({"requests": len(requests), "connections": len({r.port for r in requests})}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parties", type=int, default=2900)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object (benchmarks/run.py)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.parties, args.latency)
        return 0
    command = [sys.executable, __file__, "--serve", "--parties", str(args.parties), "--latency", str(args.latency)]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdin is not None and server.stdout is not None
    base_url = server.stdout.readline().strip()
    if not args.json:
        print(f"{args.parties} parties, each with both certificates, server latency {args.latency * 1000:g} ms")
    figures: dict[str, float] = {"parties": args.parties}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "partners").mkdir()
        settings = Settings(base_url=base_url, connections=args.connections)
        with Client(Secret(TOKEN), settings) as client:
            for run in ("first sync, every file new", "second sync, nothing changed"):
                started = time.perf_counter()
                outcome = mirror.sync(root, range(FIRST, FIRST + args.parties), client)
                seconds = time.perf_counter() - started
                server.stdin.write("stats\n")
                server.stdin.flush()
                stats = json.loads(server.stdout.readline())
                key = "first" if run.startswith("first") else "second"
                figures[f"{key}_parties_per_s"] = args.parties / seconds
                figures[f"{key}_connections"] = stats["connections"]
                figures[f"{key}_requests_per_party"] = stats["requests"] / args.parties
                if args.json:
                    continue
                print(
                    f"  {run}: {seconds:.2f} s, {args.parties / seconds:.0f} parties/s, "
                    f"{stats['requests'] / seconds:.0f} requests/s ({stats['requests'] / args.parties:.2f} a party) "
                    f"over {stats['connections']} connections, "
                    f"{len(outcome.written)} files written"
                )
    server.stdin.close()
    server.wait(timeout=30)
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
