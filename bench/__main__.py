"""``make bench``: run every ``bench/bench_*.py`` and print its measurements.
``python -m bench --quick`` runs smaller sizes (used by the test suite to keep benches working)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("only", nargs="*", help="module names to run (default: all)")
    args = parser.parse_args(argv)
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    failed = False
    for name in names:
        if args.only and name not in args.only and name.removeprefix("bench_") not in args.only:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        for measurement in module.run(quick=args.quick):
            print("  " + measurement.line(), flush=True)
            failed |= measurement.met is False
    if failed:
        print("some goals were not met in this run (see ✘ above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
