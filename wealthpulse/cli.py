"""The wealthpulse command line: simulate, run, backfill, serve, ui."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

from wealthpulse.settings import (
    API_KEY_ENV,
    PRESETS,
    PROJECT_ROOT,
    Settings,
    SettingsError,
    ensure_dirs,
    export_tool_environment,
)

UI_PORT = 3001
API_PORT = 3000


def settings_of(args: argparse.Namespace) -> Settings:
    """The one settings object of this command: the environment, with the command's flags winning."""
    home = getattr(args, "home", None)
    return Settings.from_env(
        home=Path(home) if home else None, preset=getattr(args, "preset", None), seed=getattr(args, "seed", None)
    )


def _exec(command: list[str], settings: Settings, extra: dict[str, str] | None = None) -> None:
    """Replace this process by a tool, with the environment the settings give the tools."""
    os.chdir(PROJECT_ROOT)
    os.execve(sys.executable, command, {**os.environ, **settings.tool_environment(), **(extra or {})})


def cmd_simulate(args: argparse.Namespace) -> int:
    from simulator import PRESETS, next_day, simulate_to_disk
    from simulator.faults import inject_faults

    out = Path(args.out)
    if args.next_day:
        print(f"simulating the next day of the run saved in {out} ...", flush=True)
        summary = next_day(out, progress=not args.quiet)
    else:
        preset = PRESETS[args.preset]
        clients = args.clients or preset.clients
        days = args.days or preset.days
        print(f"simulating {clients:,} clients x {days} days (seed {args.seed}) ...", flush=True)
        summary = simulate_to_disk(clients, days, args.seed, out, oracle_dir=args.oracle_out, progress=not args.quiet)
    for table, rows in summary.rows.items():
        print(f"  {table:<22} {rows:>13,} rows")
    if summary.oracle_path is not None:
        print(f"  oracle: {summary.oracle_rows:,} rows in {summary.oracle_path}")
    if args.faults:
        report = inject_faults(out, args.faults, seed=args.seed, days=summary.days_written or None)
        print(f"  injected {len(report)} faults, listed in {out / '_faults.json'}")
    print(summary.throughput_line())
    print(f"wrote {out.resolve()}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = ensure_dirs(settings_of(args))
    # The run happens in this process: dbt, Feast, BentoML and Dagster read their variables from it,
    # and the code location loaded below builds these same settings from them.
    export_tool_environment(settings)
    from orchestration.progress import runs_dir, stamp
    from orchestration.quiet import output_to

    started_at = stamp()
    log_path = runs_dir(settings.home) / f"{started_at}.log"
    print(f"wealthpulse run: preset {settings.preset}, seed {settings.seed}, state in {settings.home}", flush=True)
    print(f"the full log goes to {log_path}; each Dagster run's log is in the UI (make ui)", flush=True)
    started = time.perf_counter()
    # Library output (dbt's lines, Feast's banners, deprecation notices) goes to the log, not the terminal.
    with output_to(log_path) as terminal:
        report = _run_graph(settings, terminal, started_at, started)
    print(report.text)
    return 0 if report.ok else 1


def _run_graph(settings: Settings, terminal, started_at: str, started: float):
    """The brokerage's export, the nightly graph of its newest day, then that day's scores and leads, one
    line per stage on `terminal`; the report, with the stage times recorded under <home>/runs/."""
    print("loading the asset graph ...", file=terminal, flush=True)
    # Loading the definitions parses the dbt project when its manifest is missing or stale (about
    # 11 s); a current one is loaded as it is.
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.partitions import AS_OF_DAYS, newest_day
    from orchestration.progress import (
        ProgressView,
        RunProgress,
        execute,
        previous_stage_times,
        run_record,
        runs_dir,
        step_stages,
        write_record,
    )
    from orchestration.recovery import fail_abandoned_runs, run_tags
    from orchestration.report import build_report

    folder = runs_dir(settings.home)
    jobs = {name: defs.resolve_job_def(name) for name in ("brokerage_export", "nightly", "daily_leads")}
    progress = RunProgress(step_stages(defs), previous_stage_times(folder, settings.preset))
    for job in jobs.values():
        progress.plan(job)
    # Dagster's own log lines at INFO (into the log file), not its debug event stream.
    quiet = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    with DagsterInstance.get() as instance, ProgressView(progress, terminal) as view:
        for run_id in fail_abandoned_runs(instance):
            view.say(f"run {run_id} was left unfinished (its process stopped): marked failed; rebuilding")
        # The brokerage's export (simulated), then the newest landed day through the partitioned graph: the
        # whole history was exported again, so the warehouse rebuilds it all (a full refresh) within that run.
        results = [execute(jobs["brokerage_export"], instance, view, tags=run_tags(), run_config=quiet)]
        if results[-1].success:
            newest = results[-1].output_for_node("simulate_export")[-1]
            view.say(f"building landing day {newest} (and the history before it)")
            results.append(
                execute(jobs["nightly"], instance, view, tags=run_tags(), run_config=quiet, partition_key=newest)
            )
        day = newest_day(instance, AS_OF_DAYS)
        if results[-1].success and day is not None:
            # Scores and leads are partitioned by as-of day: today's is the newest one the warehouse registered.
            view.say(f"building the scores and the lead list of {day}")
            results.append(
                execute(jobs["daily_leads"], instance, view, tags=run_tags(), run_config=quiet, partition_key=day)
            )
    seconds = time.perf_counter() - started
    stages = progress.stage_times()
    log_path = folder / f"{started_at}.log"
    report = build_report(
        results, settings, seconds, ui_port=UI_PORT, api_port=API_PORT, stage_times=stages, log_path=log_path
    )
    write_record(folder, run_record(started_at, settings, results, stages, seconds, report.ok))
    return report


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the scoring API; without WEALTHPULSE_API_KEY, make a key for this run and show it once."""
    settings = settings_of(args)
    extra = {}
    if not os.environ.get(API_KEY_ENV):
        import secrets

        key = secrets.token_urlsafe(32)
        extra[API_KEY_ENV] = key
        url = f"http://{args.host}:{args.port}"
        print(
            "WEALTHPULSE_API_KEY is not set: generated an API key for this run (set the variable to choose one).\n"
            f"  API key: {key}\n"
            f"  try:     curl -s -X POST {url}/score -H 'Authorization: Bearer {key}' \\\n"
            "                -H 'Content-Type: application/json' -d '{\"client_ids\": [\"C0000001\"]}'\n"
            f"  docs:    {url}/  (OpenAPI at {url}/docs.json)",
            flush=True,
        )
    command = [
        sys.executable,
        "-m",
        "bentoml",
        "serve",
        "serving.service:WealthPulse",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    _exec(command, settings, extra)


def cmd_bento(args: argparse.Namespace) -> int:
    """`bentoml build` against the state directory's model store: the service and every champion."""
    settings = settings_of(args)
    _exec([sys.executable, "-m", "bentoml", "build", *(["--output", args.output] if args.output else [])], settings)


# What each kind of backfill materializes: the assets of one partition set (all single-run backfills).
AS_OF_DAY_ASSETS = "serving/client_scores,serving/lead_list"
LANDING_DAY_ASSETS = "group:landing or group:warehouse or key:features/online_store"


def _materialize_range(args: argparse.Namespace, selection: str) -> int:
    """One Dagster run over the partitions first..last of `selection` (what a backfill from the UI does)."""
    settings = ensure_dirs(settings_of(args))
    command = [
        *(sys.executable, "-m", "dagster", "asset", "materialize", "-m", "orchestration.definitions"),
        *("--select", selection, "--partition-range", f"{args.first}...{args.last}"),
        # In one process: a process per step would import the whole platform again for each of them.
        *("--config-json", json.dumps({"execution": {"config": {"in_process": {}}}})),
    ]
    _exec(command, settings)


def cmd_backfill(args: argparse.Namespace) -> int:
    """The batch scores and lead lists of a range of as-of days."""
    return _materialize_range(args, AS_OF_DAY_ASSETS)


def cmd_rebuild(args: argparse.Namespace) -> int:
    """The landing tables, the warehouse (from the first day on) and the online store for a range of landing days."""
    return _materialize_range(args, LANDING_DAY_ASSETS)


def cmd_ui(args: argparse.Namespace) -> int:
    settings = ensure_dirs(settings_of(args))
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "orchestration.definitions",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    _exec(command, settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wealthpulse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    simulate = sub.add_parser("simulate", help="write a simulated brokerage's landing files")
    simulate.add_argument("--preset", choices=PRESETS, default="ci")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--clients", type=int, help="override the preset's number of clients")
    simulate.add_argument("--days", type=int, help="override the preset's number of days")
    simulate.add_argument("--out", required=True, help="landing folder to write")
    simulate.add_argument(
        "--next-day", action="store_true", help="continue the run saved in --out by one day (one new partition)"
    )
    simulate.add_argument(
        "--faults", type=float, default=0.0, metavar="RATE", help="inject realistic defects (listed in _faults.json)"
    )
    simulate.add_argument("--oracle-out", help="folder for oracle.parquet (default: <out>/_oracle)")
    simulate.add_argument("--quiet", action="store_true", help="no progress bar")
    simulate.set_defaults(func=cmd_simulate)

    run = sub.add_parser("run", help="materialize the whole asset graph, then print the report")
    run.add_argument("--preset", choices=PRESETS, help="scale (default: $WEALTHPULSE_PRESET or small)")
    run.add_argument("--seed", type=int, help="simulator seed (default: $WEALTHPULSE_SEED or 7)")
    run.add_argument("--home", help="state directory (default: $WEALTHPULSE_HOME or .wealthpulse)")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser(
        "serve",
        help="start the scoring API (bearer key from $WEALTHPULSE_API_KEY, or one generated and printed)",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=API_PORT)
    serve.add_argument("--home", help="state directory")
    serve.set_defaults(func=cmd_serve)

    bento = sub.add_parser("bento", help="build the Bento: the scoring service with every champion model")
    bento.add_argument("--home", help="state directory whose model store holds the champions")
    bento.add_argument("--output", choices=("tag", "default"), help="what bentoml build prints")
    bento.set_defaults(func=cmd_bento)

    for name, func, days, what in (
        ("backfill", cmd_backfill, "as-of", "build the batch scores and lead lists of a range of as-of days"),
        ("rebuild", cmd_rebuild, "landing", "rebuild the landing tables, warehouse and online store for landing days"),
    ):
        command = sub.add_parser(name, help=f"{what} (partitions `run` registered), in one Dagster run")
        command.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD", help=f"first {days} day")
        command.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD", help=f"last {days} day")
        command.add_argument("--home", help="state directory")
        command.set_defaults(func=func)

    ui = sub.add_parser("ui", help="start the Dagster UI on the materialized state")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=UI_PORT)
    ui.add_argument("--home", help="state directory")
    ui.set_defaults(func=cmd_ui)

    args = parser.parse_args(argv)
    if args.command != "run":
        # Libraries' notices to their own developers (deprecations inside ibis, dagster-dbt) are not for the
        # person running a command; `run` keeps them, with all library output, in its log file instead.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
    try:
        return args.func(args)
    except SettingsError as error:
        print(f"wealthpulse {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
