#!/usr/bin/env bash
# The README's test command: set up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${CREWMUX_SKIP_SETUP:-}" = "1" ] || bash scripts/setup.sh
unset TMUX TMUX_PANE
python3 -m pytest -q -p no:randomly "$@"
