#!/usr/bin/env bash
# The dashboard's pictures in docs/, from a REAL terminal: a scripted run (the demo model,
# no real model needed) is run headless in a scratch project, then `crewmux dashboard` on
# it is shown in xterm at 80x24 and at 200x50 on a virtual X screen (Xvfb), and each
# window is dumped with xwd and made a PNG (scripts/xwd_to_png.py, Pillow).
# Needs: apt-get install xterm xvfb x11-apps (xwd); fonts-dejavu-core.
# usage: scripts/dashboard_png.sh [OUT_DIR]   (default: docs/)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath "${1:-docs}")
for tool in xterm Xvfb xwd tmux git; do
  command -v "$tool" >/dev/null || { echo "dashboard_png.sh: $tool is missing (apt-get install xterm xvfb x11-apps tmux git)" >&2; exit 2; }
done
python=${PYTHON:-python3}
scratch=$(mktemp -d /tmp/crewmux-png.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

# A private tmux server for the run (never the user's), and a finished scripted run.
export TMUX_TMPDIR="$scratch/tmux" && mkdir -p "$TMUX_TMPDIR" && unset TMUX TMUX_PANE
project="$scratch/bakery"
mkdir -p "$project" && git -C "$project" init -q
git -C "$project" -c user.name=demo -c user.email=demo@example.com commit -q --allow-empty -m "empty project"
echo "dashboard_png.sh: a scripted run in $project (about 40 s)"
(cd "$project" && "$python" -m crewmux run --headless --scripted "a landing page for a bakery, with a menu and opening hours" >"$scratch/run.log" 2>&1) || {
  status=$?; [ "$status" -le 1 ] || { cat "$scratch/run.log" >&2; exit "$status"; }
}
run_id=$(basename "$(ls -d "$project"/.crewmux/runs/* | tail -1)")

# A virtual screen big enough for the 200x50 window.
display=:$(( 90 + RANDOM % 100 ))
Xvfb "$display" -screen 0 2200x1400x24 -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
export DISPLAY=$display

for size in 80x24 200x50; do
  title="crewmux-dashboard-$size"
  # Textual draws with 24-bit colour; xterm shows it with -tn xterm-256color and COLORTERM.
  COLORTERM=truecolor xterm -T "$title" -geometry "$size+0+0" -fa "DejaVu Sans Mono" -fs 11 -bg black -fg white \
    -tn xterm-256color +sb -b 0 -bw 0 -e "$python" -m crewmux dashboard -C "$project" "$run_id" &
  pid=$!
  pids+=("$pid")
  sleep "${SETTLE_SECONDS:-8}"  # the app starts, reads the run and draws
  xwd -silent -name "$title" -out "$scratch/$size.xwd"
  "$python" scripts/xwd_to_png.py "$scratch/$size.xwd" "$out/dashboard-$size.png"
  kill "$pid" 2>/dev/null || true
done
echo "dashboard_png.sh: run $run_id shown; pictures in $out"
