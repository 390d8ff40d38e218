"""Exit codes that mean something to another process: an agent's to the runtime, a run's to the shell."""

from __future__ import annotations

RESTART_EXIT_CODE = 75  # an agent asks the runtime to start it again (EX_TEMPFAIL)

# ``crewmux run --headless``: the run's final status as its exit code (anything else is 2).
RUN_EXIT_CODES = {"succeeded": 0, "partial": 1, "failed": 2, "stopped": 3}
