#!/usr/bin/env bash
# Installs everything crewmux and its tests use: Debian packages, then the Python package.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
want=(tmux git bubblewrap chromium php-cli golang-go)
# Node.js: keep the one the machine has (Debian's npm would fight it).
command -v node >/dev/null 2>&1 || want+=(nodejs)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if command -v npm >/dev/null 2>&1 && ! command -v tsc >/dev/null 2>&1; then
  npm install -g --silent typescript >/dev/null 2>&1 || echo "setup: could not install typescript (tsc checks will say 'not checked')"
fi
# "local" is the embedded engine: llama-cpp-python builds llama.cpp from source the first
# time (about 8 minutes on 2 cores; pip caches the wheel, so later installs take seconds).
# With a GPU, build it with its backend first (README: "A GPU").
echo "setup: installing crewmux with its engine (the first build of llama.cpp takes minutes)"
python3 -m pip install -q --disable-pip-version-check -e ".[test,local]"
# llama.cpp's own llama-server batches the team's parallel requests (docs/performance.md);
# the engine runs it when it is built, llama-cpp-python's server otherwise. Opt in (it needs
# cmake and g++; 206 compile steps, 30 minutes on 2 shared cores here; cached per version, so a second
# setup finds it and builds nothing): CREWMUX_LLAMA_SERVER=1 scripts/setup.sh
if [ "${CREWMUX_LLAMA_SERVER:-0}" = "1" ]; then
  nice -n 10 python3 -m crewmux.engine.llama_server build \
    || echo "setup: llama-server not built (see above); the engine stays llama-cpp-python's server"
fi
