#!/usr/bin/env bash
# The README's main command: install what crewmux needs, then run the team on a brief.
#
#   bash scripts/run.sh                       the demo brief, in ~/crewmux-demo
#   bash scripts/run.sh "a CLI that converts CSV to JSON"
#   CREWMUX_PROJECT=~/code/myproj bash scripts/run.sh "add a --json flag"
#
# With no model server configured (no crewmux.toml, no OLLAMA_HOST, no Ollama on
# localhost:11434) the team runs on crewmux's built-in scripted model, and says so.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bash "$repo/scripts/setup.sh"
project="${CREWMUX_PROJECT:-$HOME/crewmux-demo}"
mkdir -p "$project"
brief="${*:-a landing page for a bakery with a contact form}"
exec python3 -m crewmux run --project "$project" "$brief"
