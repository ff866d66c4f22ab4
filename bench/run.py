"""`make bench`: run the benchmarks, write bench/results.json and print a table.

    make bench                  # every benchmark
    make bench ONLY=pages.home  # those whose name starts with the prefix
    .venv/bin/python -m bench.run --help

Each benchmark is compared with its target and with the physical limit measured in the same run
(see bench/results.py). Runs on bench/.work/bench.sqlite3 (created, migrated and scaled to 300
shared projects and 1,500 authorities on the first run, reused afterwards), or on the database of
DATABASE_URL when it is set — which is then scaled in place, so use a dedicated database.
"""

import argparse
import sys
import time
from pathlib import Path

from bench import (
    codesign,
    codesign_draw,
    codesign_opinion,
    community,
    diagnostic_coding,
    diagnostic_import,
    diagnostic_map,
    diagnostic_network,
    library,
    pages,
    plans,
    surveys_dashboard,
    surveys_exports,
    surveys_submission,
)
from bench.results import format_table, write_results
from bench.server import apply_environment, bench_environment, database_label, prepare_database

RESULTS_PATH = Path(__file__).with_name("results.json")

# (benchmark names a group can produce, function that runs the selected ones)
GROUPS = [
    (pages.NAMES, pages.run),
    (library.NAMES, library.run),
    (community.NAMES, community.run),
    (surveys_submission.NAMES, surveys_submission.run),
    (surveys_dashboard.NAMES, surveys_dashboard.run),
    (surveys_exports.NAMES, surveys_exports.run),
    (diagnostic_map.NAMES, diagnostic_map.run),
    (diagnostic_network.NAMES, diagnostic_network.run),
    (plans.NAMES, plans.run),
    (diagnostic_import.NAMES, diagnostic_import.run),
    (codesign.NAMES, codesign.run),
    (codesign_opinion.NAMES, codesign_opinion.run),
    (diagnostic_coding.NAMES, diagnostic_coding.run),
    (codesign_draw.NAMES, codesign_draw.run),
]


def all_names() -> list[str]:
    return [name for names, _run in GROUPS for name in names]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run only the benchmarks whose name starts with this prefix")
    parser.add_argument("--duration", type=float, default=3, help="seconds per measurement (default 3)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved measurement rounds (default 5)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per URL (default 2)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument(
        "--tool", choices=("auto", "wrk", "python"), default="auto", help="load generator (default: wrk if installed)"
    )
    parser.add_argument(
        "--collectstatic", action="store_true", help="run collectstatic even when the collected files are current"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="where to write the JSON results")
    parser.add_argument("--list", action="store_true", help="list the benchmark names and exit")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(message, flush=True)


def main(argv=None) -> int:
    options = parse_args(argv)
    if options.list:
        print("\n".join(all_names()))
        return 0
    selected = {name for name in all_names() if name.startswith(options.only)}
    if not selected:
        print(f"No benchmark name starts with {options.only!r}. Known benchmarks:", file=sys.stderr)
        print("\n".join(f"  {name}" for name in all_names()), file=sys.stderr)
        return 2
    options.duration = max(1.0, min(options.duration, 30.0))  # bounded loops only
    options.warmup = max(1.0, min(options.warmup, 10.0))
    options.rounds = max(1, min(options.rounds, 10))

    started = time.perf_counter()
    env = bench_environment()
    apply_environment(env)
    log(f"Database: {database_label()}")
    prepare_database(log, force_collectstatic=options.collectstatic)

    records = []
    for names, run in GROUPS:
        group_selected = selected & set(names)
        if group_selected:
            records += run(env, group_selected, options, log)

    write_results(records, options.output)
    log("")
    log(format_table(records))
    log("")
    met = sum(1 for record in records if record["meets_target"])
    with_target = sum(1 for record in records if record["meets_target"] is not None)
    log(f"{met}/{with_target} targets met; {len(records)} results written to {options.output}")
    log(f"Total time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
