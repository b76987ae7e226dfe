#!/usr/bin/env bash
# tests/fleet/sessions_down.sh DROVER RUNDIR - the suite's last cleanup
# before the fleet goes down: every session the tests left in RUNDIR is
# ended (drover kill-server), then any process of this DROVER binary still
# running with XDG_RUNTIME_DIR=RUNDIR is stopped (TERM, then KILL). A
# console whose tmux went away detaches and exits by itself; under ASan its
# exit-time leak check has been seen to hang instead, spinning, for good.
# Nothing the suite started may be left running.
set -u
drover=$1 run=$2
XDG_RUNTIME_DIR=$run "$drover" kill-server >/dev/null 2>&1
left() {
	local d exe
	for d in /proc/[0-9]*; do
		exe=$(readlink "$d/exe" 2>/dev/null) || continue
		[[ $exe == "$drover" ]] || continue
		tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qxF "XDG_RUNTIME_DIR=$run" &&
			printf '%s ' "${d#/proc/}"
	done
}
for sig in TERM TERM KILL KILL KILL; do
	pids=$(left)
	[[ -z $pids ]] && exit 0
	echo "sessions_down: $sig to drover processes left running: $pids" >&2
	# shellcheck disable=SC2086 # a list of pids
	kill -"$sig" $pids 2>/dev/null
	sleep 0.5
done
pids=$(left)
[[ -z $pids ]] || { echo "sessions_down: still running: $pids" >&2; exit 1; }
