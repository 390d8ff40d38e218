"""``crewmux bench`` (run a suite, ``--list``, ``compare A B``) and ``crewmux episodes``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROVIDERS = ("local", "ollama", "openai", "anthropic")
MODES = ("single", "team")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="pass rates of models on a suite of tasks, in single-call and team modes",
                       description="Run a suite against models and score it with hidden checks. "
                                   "`crewmux bench compare DIR DIR` puts two results side by side.")
    p.add_argument("action", nargs="*", help="`compare DIR DIR` (otherwise run the suite)")
    p.add_argument("--list", action="store_true", help="list the built-in suites and their task counts")
    p.add_argument("--suite", help="a built-in suite's name or a directory (exercism exercises or crewmux tasks)")
    p.add_argument("--model", action="append", default=[], help="a model to bench (repeatable)")
    p.add_argument("--provider", choices=PROVIDERS, default="ollama", help="where --model runs (default ollama)")
    p.add_argument("--base-url", help="the server of --model (default: the provider's)")
    p.add_argument("--config", action="append", default=[], help="a crewmux.toml as one model entry (repeatable)")
    p.add_argument("--mode", action="append", choices=MODES, default=[], help="single and/or team (default single)")
    p.add_argument("--tries", type=int, default=2, help="tries per task (default 2, as aider)")
    p.add_argument("--out", help="the results directory (a rerun resumes it)")
    p.add_argument("--task", action="append", default=[], help="only this task id (repeatable)")
    p.add_argument("--coders", type=int, default=1, help="coders in team mode (default 1)")
    p.add_argument("--team-wall", type=float, default=900.0, help="wall budget of one team run, seconds (default 900)")
    p.add_argument("--episodes", help="the episode store (default: the user's data dir; 'none' keeps none)")
    p.set_defaults(func=cmd_bench)

    e = sub.add_parser("episodes", help="export the stored attempts (bench tasks and team runs) as JSONL",
                       description="crewmux episodes export --sft FILE | --all FILE [--add-run RUNDIR]")
    e.add_argument("action", nargs="?", choices=["export"], default="export", help="export (the only action)")
    e.add_argument("--db", help="the episode store (default: the user's data dir)")
    e.add_argument("--sft", metavar="FILE", help="write failed-then-fixed pairs as chat JSONL")
    e.add_argument("--all", metavar="FILE", dest="all_file", help="write every episode as JSONL")
    e.add_argument("--add-run", metavar="RUNDIR", action="append", default=[],
                   help="store the coder attempts of a finished team run directory first")
    e.set_defaults(func=cmd_episodes)


def cmd_bench(args: argparse.Namespace) -> int:
    from crewmux.benchmark.suite import SuiteError, builtin_suites, load_suite, resolve_suite

    if args.action:
        if args.action[0] != "compare" or len(args.action) != 3:
            print("crewmux bench: the only action is `compare DIR DIR`; run a suite with --suite", file=sys.stderr)
            return 2
        from crewmux.benchmark.runner import compare_dirs

        try:
            print(compare_dirs(Path(args.action[1]), Path(args.action[2])))
        except FileNotFoundError as exc:
            print(f"crewmux bench compare: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.list:
        suites = builtin_suites()
        if not suites:
            print("no built-in suites installed")
        for name, path in suites.items():
            try:
                suite = load_suite(path, name)
                print(f"{name:<14} {len(suite.tasks):>3} tasks  {path}")
            except SuiteError as exc:
                print(f"{name:<14}   ? tasks  {exc}")
        return 0
    if not args.suite:
        print("crewmux bench: give --suite NAME|DIR (crewmux bench --list shows the built-in ones)", file=sys.stderr)
        return 2
    if not args.model and not args.config:
        print("crewmux bench: give --model NAME (with --provider) or --config FILE", file=sys.stderr)
        return 2
    if not args.out:
        print("crewmux bench: give --out DIR for the results", file=sys.stderr)
        return 2
    if args.tries < 1 or args.tries > 3:
        print("crewmux bench: --tries is 1, 2 or 3", file=sys.stderr)
        return 2
    from crewmux.benchmark.episodes import default_store_path
    from crewmux.benchmark.models import entries_from_args
    from crewmux.benchmark.runner import BenchOptions, run_bench
    from crewmux.config import ConfigError

    try:
        suite = resolve_suite(args.suite)
        entries = entries_from_args(args.model, args.provider, args.base_url, args.config)
    except (SuiteError, ConfigError, ValueError) as exc:
        print(f"crewmux bench: {exc}", file=sys.stderr)
        return 2
    if not suite.tasks:
        print(f"crewmux bench: no tasks in {suite.path}", file=sys.stderr)
        return 2
    episodes = None if args.episodes == "none" else Path(args.episodes) if args.episodes else default_store_path()
    modes = list(dict.fromkeys(args.mode or ["single"]))
    opts = BenchOptions(suite=suite, entries=entries, modes=modes, out=Path(args.out), tries=args.tries, episodes=episodes,
                        coders=args.coders, team_wall=args.team_wall, tasks=args.task)
    unknown = sorted(set(args.task) - {t.id for t in suite.tasks})
    if unknown:
        print(f"crewmux bench: no task {', '.join(unknown)} in {suite.name}; `crewmux bench --list` shows the suites", file=sys.stderr)
        return 2
    count = len(set(args.task)) if args.task else len(suite.tasks)
    print(f"bench {suite.name}: {count} tasks x {len(entries)} model(s) x {', '.join(modes)}; "
          f"results in {opts.out}", file=sys.stderr)
    import signal

    def terminated(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds like Ctrl-C: the engine and a running team are stopped

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        summary = run_bench(opts)
    except RuntimeError as exc:
        print(f"crewmux bench: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    for s in summary:
        print(f"{s['model']:<24} {s['mode']:<6} tasks {s['tasks']:>3}  pass_rate_1 {s['pass_rate_1']:>5}%  "
              f"pass_rate_2 {s['pass_rate_2']:>5}%  well-formed {s['well_formed']:>5}%  {s['seconds_per_task']} s/task")
    from crewmux.benchmark.figures import mode_ratios

    for r in mode_ratios(summary):
        print(f"{r['model']}: team passed {r['team_passed']}, single {r['single_passed']} (team / single = {r['ratio']})")
    print(f"report: {opts.out / 'report.md'}")
    return 0


def cmd_episodes(args: argparse.Namespace) -> int:
    from crewmux.benchmark.episodes import EpisodeStore, as_dict, default_store_path, episodes_from_run, export_jsonl, sft_pairs

    path = Path(args.db) if args.db else default_store_path()
    if not args.sft and not args.all_file and not args.add_run:
        print("crewmux episodes: give --sft FILE, --all FILE or --add-run RUNDIR", file=sys.stderr)
        return 2
    with EpisodeStore(path) as store:
        for run_dir in args.add_run:
            if not (Path(run_dir) / "run.json").is_file():
                print(f"crewmux episodes: {run_dir} is not a run directory (.crewmux/runs/<id>)", file=sys.stderr)
                return 2
            added = store.add(episodes_from_run(Path(run_dir)))
            print(f"{run_dir}: {added} new episode(s)")
        episodes = store.all()
    if args.sft:
        n = export_jsonl(Path(args.sft), sft_pairs(episodes))
        print(f"{args.sft}: {n} failed-then-fixed pair(s) from {len(episodes)} episode(s) in {path}")
    if args.all_file:
        n = export_jsonl(Path(args.all_file), [as_dict(e) for e in episodes])
        print(f"{args.all_file}: {n} episode(s) from {path}")
    return 0
