#!/usr/bin/env bash
# The README's test command: set up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CREWMUX_SKIP_SETUP:-}" != "1" ]; then
  start=$SECONDS
  bash scripts/setup.sh
  echo "test.sh: setup took $((SECONDS - start)) s"
  start=$SECONDS
  # The real-engine tests run on the small model (about 0.5 GB; verified, kept in the cache).
  python3 -m crewmux models pull qwen2.5-coder:0.5b
  echo "test.sh: the model pull took $((SECONDS - start)) s"
fi
unset TMUX TMUX_PANE
python3 -m ruff check .
python3 -m mypy
python3 -m pytest -q -p no:randomly "$@"
