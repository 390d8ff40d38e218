"""The dashboard's main screen: header, agents, live output, task board, message feed,
and every steering key (see ``keys.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from crewmux.tui.keys import bindings
from crewmux.tui.refusals import agent_refusal, task_refusal, team_refusal
from crewmux.tui.screens.confirm_stop import ConfirmStopScreen
from crewmux.tui.screens.help import HelpScreen
from crewmux.tui.screens.steer import SteerScreen
from crewmux.tui.screens.task_details import TaskDetailsScreen
from crewmux.tui.steering import STEERING_ERRORS, AgentAction, TaskAction
from crewmux.tui.team_view import Changes
from crewmux.tui.widgets.agent_output import AgentOutput
from crewmux.tui.widgets.agent_table import AgentTable
from crewmux.tui.widgets.message_feed import FeedFilterChanged, MessageFeed
from crewmux.tui.widgets.run_header import RunHeader
from crewmux.tui.widgets.task_board import TaskBoard

if TYPE_CHECKING:
    from crewmux.tui.app import DashboardApp


class MainScreen(Screen):
    BINDINGS = bindings()

    app: "DashboardApp"

    def compose(self) -> ComposeResult:
        yield RunHeader(id="run-header")
        with Horizontal(id="top"):
            yield AgentTable(id="agents")
            yield AgentOutput(id="output")
        with Horizontal(id="bottom"):
            yield TaskBoard(id="tasks")
            yield MessageFeed(id="feed")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(AgentTable).border_title = "agents"
        self.query_one(TaskBoard).border_title = "tasks"
        self.query_one(MessageFeed).border_title = "messages"
        self.query_one(AgentOutput).border_title = "output"
        self.query_one(RunHeader).show(self.app.view, self.app.clock())
        self.app.start_watching()

    # -- showing what changed -------------------------------------------------------------
    @property
    def agent_table(self) -> AgentTable:
        return self.query_one(AgentTable)

    @property
    def task_board(self) -> TaskBoard:
        return self.query_one(TaskBoard)

    def show(self, changes: Changes, now: float) -> None:
        view = self.app.view
        table = self.agent_table
        if changes.new_agents or changes.agents:
            table.show(view, [*changes.new_agents, *(changes.agents - set(changes.new_agents))], now)
        if changes.tasks:
            self.task_board.show(view)
        if changes.feed:
            self.query_one(MessageFeed).add(changes.feed)
        self.query_one(RunHeader).show(view, now)

    def tick(self, now: float) -> None:
        view = self.app.view
        self.query_one(RunHeader).show(view, now)
        self.agent_table.show(view, list(view.agents), now)

    def show_log(self, agent: str, text: str, reset: bool) -> None:
        self.query_one(AgentOutput).show_chunk(agent, text, reset)

    # -- selection ----------------------------------------------------------------------
    def on_agent_table_highlighted(self, event: AgentTable.Highlighted) -> None:
        self.app.select_agent(event.name)

    def on_agent_table_selected(self, event: AgentTable.Selected) -> None:
        self.app.attach(event.name)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.task_board:
            self.action_details()

    def on_feed_filter_changed(self, event: FeedFilterChanged) -> None:
        self.query_one(MessageFeed).refilter(self.app.view.feed, event.query)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "feed-filter":
            self.agent_table.focus()

    def _selected_agent(self) -> str | None:
        agent = self.agent_table.selected
        if agent is None:
            self.notify("No agent yet: agents appear as they start.", severity="warning")
        return agent

    def _selected_task(self) -> str | None:
        task = self.task_board.selected
        if task is None:
            self.notify("No task yet: the task board fills once the CTO's plan is in.", severity="warning")
        return task

    def _refused(self, why: str | None) -> bool:
        """Say why a key would do nothing, instead of sending it and toasting "sent"."""
        if why is not None:
            self.notify(why, title="not sent", severity="warning")
        return why is not None

    def _sent(self, what: str, send) -> None:
        try:
            send()
        except STEERING_ERRORS as exc:
            self.notify(str(exc), title="not sent", severity="error")
            return
        self.notify(what)

    # -- keys ---------------------------------------------------------------------------
    def action_open(self) -> None:
        if self.focused is self.task_board:
            self.action_details()
            return
        agent = self._selected_agent()
        if agent is not None:
            self.app.attach(agent)

    def _agent_control(self, action: AgentAction) -> None:
        if (agent := self._selected_agent()) is not None:
            if self._refused(agent_refusal(self.app.view, action, agent, self.app.clock())):
                return
            self._sent(f"{action} sent to {agent}", lambda: self.app.steering.agent_control(action, agent))

    def _task_control(self, action: TaskAction) -> None:
        if (task := self._selected_task()) is not None:
            if self._refused(task_refusal(self.app.view, action, task)):
                return
            self._sent(f"{action} {task} sent to the coordinator", lambda: self.app.steering.task_control(action, task))

    def action_pause(self) -> None:
        self._agent_control("pause")

    def action_resume(self) -> None:
        self._agent_control("resume")

    def action_restart(self) -> None:
        self._agent_control("restart")

    def action_steer(self) -> None:
        agent = self._selected_agent()
        if agent is None or self._refused(agent_refusal(self.app.view, "steer", agent, self.app.clock())):
            return

        def send(text: str | None) -> None:
            if text:
                self._sent(f"steer note sent to {agent}", lambda: self.app.steering.steer(agent, text))

        self.app.push_screen(SteerScreen(agent), send)

    def action_retry(self) -> None:
        self._task_control("retry")

    def action_skip(self) -> None:
        self._task_control("skip")

    def action_details(self) -> None:
        task = self._selected_task()
        if task is not None and task in self.app.view.tasks:
            self.app.push_screen(TaskDetailsScreen(self.app.view.tasks[task], self.app.run_dir.project_dir))

    def action_add_coder(self) -> None:
        if self._refused(team_refusal(self.app.view, "add_coder", self.app.clock())):
            return
        self._sent("a coder is starting in the run's tmux session", self.app.steering.add_coder)

    def action_remove_coder(self) -> None:
        agent = self._selected_agent()
        if agent is None:
            return
        role = self.app.view.agents[agent].role if agent in self.app.view.agents else ""
        if role != "coder":
            self.notify(f"{agent} is a {role or 'agent of unknown role'}, not a coder: only coders can be removed.", severity="warning")
            return
        if self._refused(team_refusal(self.app.view, "remove_coder", self.app.clock())):
            return
        self._sent(f"{agent} is told to stop and leaves the team", lambda: self.app.steering.remove_coder(agent))

    def action_filter(self) -> None:
        self.query_one("#feed-filter", Input).focus()

    def action_stop_run(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.notify("stopping the run: every agent, its services and its tmux session (as `crewmux stop`)")
                self.run_worker(self._stop_run, thread=True, exclusive=True, group="stop-run")

        self.app.push_screen(ConfirmStopScreen(self.app.view.run_id), confirmed)

    def _stop_run(self) -> None:
        """Off the UI thread: the runtime waits for the agents to finish their step."""
        try:
            self.app.steering.stop_run()
        except STEERING_ERRORS as exc:
            self.app.call_from_thread(self.notify, str(exc), title="not stopped", severity="error")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.app.exit()
