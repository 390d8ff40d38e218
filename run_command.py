"""``crewmux run``: start a team on a brief and (headless) wait for its verdict."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from crewmux.protocol.exit_codes import RUN_EXIT_CODES
from crewmux.protocol.rundir import COORDINATOR, FINAL_STATUSES, build_agents


def cmd_run(args: argparse.Namespace) -> int:
    from crewmux.config import SCRIPTED_MODEL
    from crewmux.agents.preflight import preflight_lines, project_problem, server_checks
    from crewmux.config import CONFIG_FILE, ConfigError, load_config, resolve_endpoints
    from crewmux.protocol.rundir import RunDir
    from crewmux.workspace import git

    project = Path(args.project).resolve()
    if not project.is_dir():
        print(f"crewmux run: {project} is not a directory (give the project with --project)", file=sys.stderr)
        return 2
    brief = " ".join(args.brief).strip()
    if not brief:
        print('crewmux run: give a brief, e.g. crewmux run --headless "a CLI that converts CSV to JSON"', file=sys.stderr)
        return 2
    top = git.toplevel(project)
    if top is not None and top != project:
        print(f"note: {project} is inside the git repository {top}: the run works on the whole repository, "
              f"and its runs live in {top / '.crewmux'}")
        project = top
    problem = project_problem(project)
    if problem:
        print(f"crewmux run: {problem}", file=sys.stderr)
        return 2
    busy = [] if args.force else _live_runs(project)
    if busy:
        print(f"crewmux run: run {busy[0]} of this project is still going (its agents wrote in the last "
              f"{LIVE_SECONDS:.0f} s); two teams share the model server and slow each other: watch it "
              f"(`crewmux dashboard {busy[0]}`), stop it (`crewmux stop {busy[0]}`), or start anyway with --force", file=sys.stderr)
        return 2
    import shutil

    if shutil.which("tmux") is None:  # before the banner and the run directory, not a traceback after them
        print("crewmux run: tmux is not installed, and every agent runs in a tmux pane: install it "
              "(apt-get install tmux, dnf install tmux or brew install tmux); `crewmux doctor` checks the rest", file=sys.stderr)
        return 2
    try:
        config = load_config(project, Path(args.config) if args.config else None)
    except ConfigError as exc:
        print(f"crewmux run: {exc}", file=sys.stderr)
        return 2
    if args.coders is not None:
        config = config.model_copy(update={"coders": args.coders})
    if args.wall:
        config = config.model_copy(update={"budgets": config.budgets.model_copy(update={"wall_seconds": args.wall})})
    config_file = bool(args.config) or (project / CONFIG_FILE).is_file()
    config, services = _model_source(config, config_file=config_file, force_scripted=args.scripted)
    # The servers as this shell names them (OLLAMA_HOST, OPENAI_BASE_URL), written into
    # run.json: `crewmux resume` from another shell talks to the same ones.
    config = resolve_endpoints(config)
    if not args.no_check:
        lines, ok = preflight_lines(server_checks(config, own=[s.url for s in services if s.url]))
        for line in lines:
            print(line if ok else f"crewmux run: {line}", file=sys.stdout if ok else sys.stderr)
        if not ok:
            print("crewmux run: nothing was started: the team needs its model server", file=sys.stderr)
            return 2
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        print("note: playwright is not installed: QA cannot load web pages, and accepts them unchecked "
              "(pip install 'crewmux[web]' to check them)")
    others = _unfinished_runs(project)
    if others:
        print(f"note: {len(others)} other run(s) of this project are not finished ({', '.join(others)}); "
              "both teams work on their own branches (`crewmux ls` shows them)")
    try:
        fresh = not git.is_repo(project)
        git.ensure_repo(project)
        if fresh:
            print(f"note: {project} was not a git repository: `git init` made one; the run starts from an empty "
                  "tree, so files already here are not part of it (commit them first to include them)")
        local = git.uncommitted(project) if git.has_commits(project) else []
    except git.GitError as exc:
        print(f"crewmux run: {exc}", file=sys.stderr)
        return 2
    if local:
        print(f"note: {len(local)} uncommitted file(s) (e.g. {local[0]}) are not part of the run: it starts from HEAD")
    run = RunDir.create(project, brief, build_agents(config.coders, args.qa), config=config.model_dump(mode="json"))
    print(f"run {run.run_id}: {config.coders} coders; work goes to branch crewmux/{run.run_id}")
    print(f"run directory: {run.path}")
    from crewmux.runtime.team import TeamError, TeamRuntime
    from crewmux.runtime.tmux import TmuxError

    runtime = TeamRuntime(config.tmux_socket, services=services)
    try:
        runtime.start(run)
    except (TeamError, TmuxError, ValueError) as exc:
        run.update_info(status="failed", reason=f"could not start the team in tmux: {exc}")
        print(f"crewmux run: could not start the team in tmux: {exc} (is tmux installed? `crewmux doctor` checks)", file=sys.stderr)
        return 2
    interactive = not args.headless and sys.stdin.isatty() and sys.stdout.isatty()
    if interactive:
        from crewmux.tui.commands import open_dashboard

        open_dashboard(run)
        info = run.info()
        if info.status in FINAL_STATUSES:
            _print_verdict(run, info)
            print(f"  crewmux attach {run.run_id}       the agents' last output in tmux")
            print(f"  crewmux stop {run.run_id}         close its tmux session")
        else:
            print(f"run {run.run_id} is {info.status}. The team keeps running in tmux:")
            print(f"  crewmux dashboard {run.run_id}    watch and steer it again")
            print(f"  crewmux attach {run.run_id}       see the agents' panes")
            print(f"  crewmux stop {run.run_id}         stop it")
        if config.default.model == SCRIPTED_MODEL:
            from crewmux.agents.llm.model_source import HOW_TO_USE_OLLAMA

            print("\nThis run used the SCRIPTED demo model. " + HOW_TO_USE_OLLAMA)
        return 0
    if not args.headless:
        print("no terminal here: running without the dashboard (as --headless)")
    print(f"the team runs in tmux: `crewmux attach {run.run_id}` shows it")
    previous = signal.signal(signal.SIGTERM, _terminated)
    started = time.monotonic()
    from crewmux.tui.notify import Notifier, state_alerts

    # A bell (on a terminal, not into a log) and a desktop notification: a task given up, the end.
    notifier = Notifier(stream=sys.stdout if sys.stdout.isatty() else None, wait=True)
    try:
        runtime.wait(run, on_wake=_progress_printer(run, started, notifier))
    except KeyboardInterrupt:
        print("interrupted: stopping the team")
    finally:
        signal.signal(signal.SIGTERM, previous)
        runtime.stop(run)  # a headless run leaves no tmux session behind; its logs stay
    from crewmux.agents.headless_progress import summary_line

    print(summary_line(_state(run), time.monotonic() - started))
    code = _verdict(run)
    if (state := _state(run)) is not None:
        notifier.ring(state_alerts(state, run.info().status))
    return code


def _state(run):
    from crewmux.protocol.state import RunState

    try:
        return RunState.model_validate_json(run.state_json.read_bytes())
    except (OSError, ValueError):
        return None  # not written yet, or mid-replace: the next wake-up reads it again


def _progress_printer(run, started: float, notifier=None):
    """For runtime.wait's wake-ups: one line per event that matters, as it happens."""
    from crewmux.agents.headless_progress import progress_lines
    from crewmux.tui.notify import state_alerts

    seen = None

    def show() -> None:
        nonlocal seen
        state = _state(run)
        if state is not None:
            for line in progress_lines(seen, state):
                print(f"[{time.monotonic() - started:5.0f}s] {line}", flush=True)
            seen = state
            if notifier is not None:
                notifier.ring(state_alerts(state))

    return show


def _model_source(config, *, config_file: bool, force_scripted: bool):
    """The config to run with and the services it needs (embedded engines, the scripted server)."""
    import os

    from crewmux.agents.llm.model_source import (
        DEMO_SCRIPT,
        choose_model_source,
        free_loopback_port,
        ollama_answers,
        scripted_banner,
    )
    from crewmux.runtime.engines import engine_services, local_engine, local_escalation, local_model_config
    from crewmux.config import SCRIPTED_MODEL, ModelConfig
    from crewmux.runtime.team_launch import Service

    if force_scripted:
        reason = "--scripted was given"
    else:
        source = choose_model_source(config_file=config_file, environ=os.environ, ollama_answers=ollama_answers, local_engine=local_engine)
        print(f"model server: {source.reason}")
        if source.kind == "local" and source.model:
            config = config.model_copy(update={"default": local_model_config(source.model), "roles": {}, "escalation": None})
        if source.kind != "scripted":
            from crewmux.agents.escalation import pulled_local_models

            config, services = engine_services(local_escalation(config, pulled_local_models()))
            if config.default.provider == "local":
                where = f"in the run's window {services[0].name}" if services else f"at {config.default.base_urls[0]}"
                print(f"model: {config.default.model} on crewmux's embedded engine (llama.cpp, n_ctx {config.default.num_ctx}) {where}")
            if config.escalation is not None and config.escalation.provider == "local":
                print(f"escalation: {config.escalation.model} on its own engine, for tasks that fail on {config.default.model}")
            return config, services
        reason = source.reason
    port = free_loopback_port()
    scripted = ModelConfig(provider="ollama", model=SCRIPTED_MODEL, base_urls=[f"http://127.0.0.1:{port}"])
    config = config.model_copy(update={"default": scripted, "roles": {}, "escalation": None})
    argv = [sys.executable, "-m", "crewmux", "fake-llm", "--script", str(DEMO_SCRIPT), "--port", str(port)]
    print(scripted_banner(reason))
    return config, [Service(name="scripted-llm", argv=argv, url=scripted.base_urls[0])]


LIVE_SECONDS = 30.0  # agents heartbeat every 2 s: this much silence means no team is at work


def _live_runs(project: Path, now: float | None = None) -> list[str]:
    """Unfinished runs whose agents are at work: an event log written in the last
    LIVE_SECONDS (a run that died unfinished is only noted, not refused)."""
    from crewmux.protocol.rundir import list_runs

    now = time.time() if now is None else now
    unfinished = set(_unfinished_runs(project))
    live = []
    for run in list_runs(project):
        try:
            newest = max((p.stat().st_mtime for p in run.events_dir.glob("*.jsonl")), default=0.0)
        except OSError:
            continue
        if run.run_id in unfinished and now - newest < LIVE_SECONDS:
            live.append(run.run_id)
    return live


def _unfinished_runs(project: Path) -> list[str]:
    from crewmux.protocol.rundir import list_runs

    final = FINAL_STATUSES
    names = []
    for run in list_runs(project):
        try:
            if run.info().status not in final:
                names.append(run.run_id)
        except (OSError, ValueError):
            continue
    return names


def _verdict(run) -> int:
    info = run.info()
    if info.status not in FINAL_STATUSES:
        log = run.log(COORDINATOR)
        where = f"see {log}" if log.is_file() else (
            f"the coordinator wrote no log; `crewmux logs {run.run_id} supervisor` says what the supervisor saw")
        run.update_info(status="failed", reason=f"the team ended before the run finished; {where}")
        info = run.info()
    _print_verdict(run, info)
    return RUN_EXIT_CODES.get(info.status, 2)


def _print_verdict(run, info) -> None:
    print(f"run {info.status}: {info.reason}")
    if run.report_md.is_file():
        print(f"report: {run.report_md}")


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the team the same way Ctrl-C does


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the team on a brief",
                       description="Start a team (CTO, coders, QA, coordinator) on a brief in tmux and open the dashboard; "
                                   "with --headless, print its progress and wait for the verdict (exit 0 succeeded, "
                                   "1 partial, 2 failed, 3 stopped).")
    p.add_argument("brief", nargs="+", help="what to build")
    p.add_argument("--headless", action="store_true", help="no dashboard; exit 0 only if the run succeeded")
    p.add_argument("-C", "--project", default=".", help="the project directory, which must exist (git init is run there if it is not a repository; default: here)")
    p.add_argument("--config", help="a crewmux.toml to use instead of the project's")
    p.add_argument("--coders", type=_count(1, 16), help="number of coder agents, 1 to 16 (default: the config's)")
    p.add_argument("--qa", type=_count(1, 4), default=1, help="number of QA agents, 1 to 4 (default 1)")
    p.add_argument("--wall", type=float, help="wall-time budget in seconds (default: the config's)")
    p.add_argument("--scripted", action="store_true", help="use the built-in scripted model (a demo) whatever is configured")
    p.add_argument("--no-check", action="store_true", help="start the team without first asking the model servers whether they answer")
    p.add_argument("--force", action="store_true", help="start even while another run of this project is at work")
    p.set_defaults(func=cmd_run)


def _count(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``, refused with the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: give {low} to {high}")
        return value

    return parse
