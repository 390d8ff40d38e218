#!/usr/bin/env bash
# The README's main command: install what crewmux needs, then run the team on a brief.
#
#   bash scripts/run.sh                       the demo brief, in ~/crewmux-demo
#   bash scripts/run.sh "a CLI that converts CSV to JSON"
#   CREWMUX_PROJECT=~/code/myproj bash scripts/run.sh "add a --json flag"
#   bash scripts/run.sh --scripted            the 30-second canned demo (no real model)
#
# The team runs on the configured model server (crewmux.toml, OLLAMA_HOST, OPENAI_BASE_URL),
# else a local Ollama, else crewmux's embedded llama.cpp engine: the first time, this
# script builds the engine (about 8 minutes on 2 cores) and pulls qwen2.5-coder:1.5b
# (about 1.1 GB).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scripted=()
if [ "${1:-}" = "--scripted" ]; then scripted=(--scripted); shift; fi
bash "$repo/scripts/setup.sh"
project="${CREWMUX_PROJECT:-$HOME/crewmux-demo}"
mkdir -p "$project"
if [ "${#scripted[@]}" -eq 0 ] && [ ! -f "$project/crewmux.toml" ] && [ -z "${OLLAMA_HOST:-}${OPENAI_BASE_URL:-}" ]; then
  # The embedded engine's model; a pulled and verified model is not fetched again.
  python3 -m crewmux models pull "${CREWMUX_MODEL:-qwen2.5-coder:1.5b}"
fi
brief="${*:-a landing page for a bakery with a contact form}"
exec python3 -m crewmux run "${scripted[@]}" --project "$project" "$brief"
