#!/usr/bin/env bash
# Kill test (opt-in; needs Xvfb and xdotool): start optlab under Xvfb, add an entry, SIGKILL it
# within a second and a half, restart it, add another entry. The second entry is named "Race 4"
# only if the first edit survived the kill, so the autosave after the restart proves it.
#   usage: tests/kill_restore.sh [path/to/optlab]     (default: the release build)
set -euo pipefail
bin="${1:-${CARGO_TARGET_DIR:-target}/release/optlab}"
data="$(mktemp -d)"
display=":$((100 + RANDOM % 100))"
Xvfb "$display" -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null; rm -rf "$data"' EXIT
sleep 1
click() { # a slow click: egui sees the move, the press and the release in separate frames
  DISPLAY="$display" xdotool mousemove "$1" "$2"; sleep 0.2
  DISPLAY="$display" xdotool mousedown 1; sleep 0.1
  DISPLAY="$display" xdotool mouseup 1; sleep 0.3
}
# Edit > Add entry (the menu sits at the same place whatever the notebook holds) appends
# "Race N" with N = entries + 1. The default notebook has two entries, so the first edit adds
# "Race 3"; after a restart that restored it, the next one adds "Race 4" (a lost edit would
# give "Race 3" again, so it cannot pass by accident).
add_entry() { click 53 11; click 75 94; }
start() {
  XDG_DATA_HOME="$data" DISPLAY="$display" "$bin" >/dev/null 2>&1 &
  app=$!
  sleep 6
}
start
add_entry
sleep 1.5
kill -9 "$app"
grep -q 'name: "Race 3"' "$data/optlab/autosave.ron" || { echo "FAIL: edit not autosaved before SIGKILL"; exit 1; }
start
add_entry
sleep 1.5
kill -9 "$app"
if grep -q 'name: "Race 4"' "$data/optlab/autosave.ron"; then
  echo "kill test: 1 passed, 0 failed"
else
  echo "FAIL: the edit made before SIGKILL was not restored"; grep 'name: "Race' "$data/optlab/autosave.ron"; exit 1
fi
