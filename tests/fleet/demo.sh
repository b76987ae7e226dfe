#!/usr/bin/env bash
# Try drover on a throw-away local fleet of real sshd processes:
#
#   tests/fleet/demo.sh                 the console on the demo hosts (on a
#                                       terminal), else a fan-out command
#   tests/fleet/demo.sh exec -o group @demo -- uptime
#   DEMO_HOSTS=8 tests/fleet/demo.sh    more hosts (default 4)
#   drover demo [N] [ARGS]              the same from an installed drover
#                                       (share/drover/fleet/demo.sh)
#
# Brings the fleet up in a private temporary directory, runs
#   ${DROVER_BIN:-<repo>/build/drover} -F DIR/ssh_config -i DIR/inventory.ini ARGS...
# and tears everything down (sshd, sessions, log writers, agent, the
# directory) when drover exits, on Ctrl-C and on SIGTERM. Exits with drover's
# exit code (130/143 when interrupted). FLEET_PORT picks the port (2222).
#
# Default command: every host's sshd sets DROVER_FLEET_NAME=hI and
# DROVER_FLEET_HOST=<fleet dir>/hI in the session environment (SetEnv in its
# sshd_config), so one command line can show each host its own log although
# all hosts share this machine's filesystem.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${DROVER_BIN:-$repo/build/drover}
hosts=${DEMO_HOSTS:-4}
# How to run this again, for the banner (drover demo sets it).
rerun=${DEMO_RERUN:-$0}

if [[ ! -x $bin ]]; then
	printf 'demo.sh: %s not found; build first: cmake -B build && cmake --build build\n' "$bin" >&2
	exit 2
fi

dir=""
child=""
# shellcheck disable=SC2317  # trap handler
cleanup() {
	trap - EXIT INT TERM
	if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	if [[ -n $dir ]]; then
		"$here/fleet.sh" down --clean "$dir" || printf 'demo.sh: teardown of %s failed\n' "$dir" >&2
		rm -rf -- "$dir"
	fi
}
# shellcheck disable=SC2317  # trap handler
on_signal() {
	printf '\ndemo.sh: interrupted, tearing the fleet down\n' >&2
	cleanup
	exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

dir=$(mktemp -d "${TMPDIR:-/tmp}/drover-demo.XXXXXX")
chmod 755 "$dir"
"$here/fleet.sh" up "$dir" "$hosts" >/dev/null

if (($# == 0)); then
	# shellcheck disable=SC2016  # expanded by the remote shell
	if [[ -t 0 && -t 1 ]]; then
		# On a terminal: the console, a shell pane per demo host.
		set -- @demo
	else
		set -- exec @demo -- 'echo "$DROVER_FLEET_NAME ($(uname -n)):$(uptime)"; tail -n 2 "$DROVER_FLEET_HOST/app.log"'
	fi
fi

# shellcheck disable=SC1091
. "$dir/fleet.env"
cat >&2 <<EOF
drover demo: $FLEET_N hosts h1..h$FLEET_N (sshd on 127.0.0.2..127.0.0.$((FLEET_N + 1)) port $FLEET_PORT, user $FLEET_USER)
  fleet dir : $dir (removed on exit)
  groups    : @demo = h[1-$FLEET_N], @many = n[001-200] (aliases onto the same hosts)
  rerun     : $rerun [drover args...]   e.g. $rerun exec -o group @many -- uname -n
              (a new fleet each time; the "running" line below works only while
              this demo is up; a fleet that stays: $here/fleet.sh up DIR)
EOF
printf '  running   :' >&2
printf ' %q' "$bin" -F "$dir/ssh_config" -i "$dir/inventory.ini" "$@" >&2
printf '\n\n' >&2

# drover runs as a background job so that a TERM sent to this script alone is
# handled at once (bash defers traps while a foreground child runs). It keeps
# the terminal (<&0, same process group) and gets SIGINT back: background jobs
# of a non-interactive shell start with SIGINT ignored.
env --default-signal=INT,QUIT DROVER_IN_PLACE=1 "$bin" -F "$dir/ssh_config" -i "$dir/inventory.ini" "$@" <&0 &
child=$!
rc=0
wait "$child" || rc=$?
child=""
exit "$rc"
