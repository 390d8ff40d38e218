"""``crewmux run``: start a team on a brief and (headless) wait for its verdict."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

EXIT_CODES = {"succeeded": 0, "partial": 1, "failed": 2, "stopped": 3}


def build_agents(coders: int, qa: int):
    from crewmux.protocol.rundir import AgentSpec

    agents = [AgentSpec(name="coordinator", role="coordinator"), AgentSpec(name="cto", role="cto")]
    agents += [AgentSpec(name=f"coder-{i}", role="coder") for i in range(1, coders + 1)]
    agents += [AgentSpec(name="qa" if qa == 1 else f"qa-{i}", role="qa") for i in range(1, qa + 1)]
    return agents


def cmd_run(args: argparse.Namespace) -> int:
    from crewmux.config import ConfigError, load_config
    from crewmux.protocol.rundir import RunDir
    from crewmux.workspace import git
    from crewmux.workspace.process_runtime import ProcessRuntime

    project = Path(args.project).resolve()
    if not project.is_dir():
        print(f"crewmux run: {project} is not a directory (give the project with --project)", file=sys.stderr)
        return 2
    brief = " ".join(args.brief).strip()
    if not brief:
        print('crewmux run: give a brief, e.g. crewmux run --headless "a CLI that converts CSV to JSON"', file=sys.stderr)
        return 2
    try:
        config = load_config(project, Path(args.config) if args.config else None)
    except ConfigError as exc:
        print(f"crewmux run: {exc}", file=sys.stderr)
        return 2
    if args.coders:
        config = config.model_copy(update={"coders": args.coders})
    if args.wall:
        config = config.model_copy(update={"budgets": config.budgets.model_copy(update={"wall_seconds": args.wall})})
    try:
        git.ensure_repo(project)
        local = git.uncommitted(project) if git.has_commits(project) else []
    except git.GitError as exc:
        print(f"crewmux run: {exc}", file=sys.stderr)
        return 2
    if local:
        print(f"note: {len(local)} uncommitted file(s) (e.g. {local[0]}) are not part of the run: it starts from HEAD")
    run = RunDir.create(project, brief, build_agents(config.coders, args.qa), config=config.model_dump(mode="json"))
    if not args.headless:
        print("crewmux run: the dashboard is not part of this build yet; running headless (use --headless to say so)")
    print(f"run {run.run_id}: {config.coders} coders; work goes to branch crewmux/{run.run_id}")
    print(f"run directory: {run.path}")
    runtime = ProcessRuntime()
    code: int | None = None
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        runtime.start(run)
        code = runtime.wait()
    except KeyboardInterrupt:
        run.update_info(status="stopped", reason="interrupted (Ctrl-C or SIGTERM)")
    finally:
        runtime.stop()
        signal.signal(signal.SIGTERM, previous)
    info = run.info()
    if info.status not in EXIT_CODES:
        run.update_info(status="failed", reason=f"the coordinator exited (code {code}) before the run finished; see {run.log('coordinator')} and {run.logs_dir / 'coordinator.stderr'}")
        info = run.info()
    print(f"run {info.status}: {info.reason}")
    if run.report_md.is_file():
        print(f"report: {run.report_md}")
    return EXIT_CODES.get(info.status, 2)


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the team the same way Ctrl-C does


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the team on a brief", description=__doc__)
    p.add_argument("brief", nargs="+", help="what to build")
    p.add_argument("--headless", action="store_true", help="no dashboard; exit 0 only if the run succeeded")
    p.add_argument("--project", default=".", help="the project directory (a git repository; created if needed)")
    p.add_argument("--config", help="a crewmux.toml to use instead of the project's")
    p.add_argument("--coders", type=int, help="number of coder agents (default: the config's)")
    p.add_argument("--qa", type=int, default=1, help="number of QA agents (default 1)")
    p.add_argument("--wall", type=float, help="wall-time budget in seconds (default: the config's)")
    p.set_defaults(func=cmd_run)
