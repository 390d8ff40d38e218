#!/usr/bin/env bash
# The dashboard's pictures in docs/: the snapshot tests' SVGs (tests/__snapshots__, the
# real screen as Textual renders it) drawn by headless Chromium. Run after
# `pytest --snapshot-update tests/test_tui_snapshots.py`.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
shots=tests/__snapshots__/test_tui_snapshots
for size in 80x24 200x50; do
  svg="$shots/test_main_screen_$size.svg"
  box=$(grep -o 'viewBox="[^"]*"' "$svg" | head -1 | tr -d '"' | cut -d' ' -f3,4)
  width=$(printf '%.0f' "$(echo "$box" | cut -d' ' -f1)")
  height=$(printf '%.0f' "$(echo "$box" | cut -d' ' -f2)")
  "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
    --screenshot="docs/dashboard-$size.png" "file://$PWD/$svg" 2>/dev/null
  echo "docs/dashboard-$size.png (${width}x${height} px)"
done
