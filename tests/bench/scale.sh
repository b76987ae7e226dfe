#!/usr/bin/env bash
# Scale benchmark (issue 12): one dedicated local sshd, host aliases onto it.
#   exec     2000 hosts in one `drover exec` with the open-file soft limit
#            at 1024 (drover raises it to the hard limit and sizes its
#            fan-out): wall, CPU, peak RSS, how many ok.
#   console  1000 hosts in the console (tmux, compact view): time until all
#            are up; then every session is killed at once (the sshd's
#            per-connection processes) and the console reconnects them with
#            its backoff: time until all are up again, drover's CPU during
#            the storm, and keystroke latency (C-g / opens the search
#            prompt, Escape closes it) sampled through the storm.
# See tests/bench/README.md. Not part of the test run; prints figures.
#
#   tests/bench/scale.sh [--exec N] [--console N] [--only "exec console"] [--keep]
#
# Environment: BENCH_PORT (2750), BENCH_ADDR (127.0.0.201), DROVER_BIN
# (<repo>/build/drover). Starts its own sshd and tmux server and stops them
# (and every session) on exit, Ctrl-C or TERM.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck disable=SC2034  # used by lib.sh
FLEET_PROG=scale.sh
# shellcheck source=../fleet/lib.sh
. "$repo/tests/fleet/lib.sh"

port=${BENCH_PORT:-2750}
addr=${BENCH_ADDR:-127.0.0.201}
drover=${DROVER_BIN:-$repo/build/drover}
nexec=2000
ncon=1000
only="exec console"
keep=0
while (($#)); do
	case $1 in
	--exec) nexec=${2:?}; shift ;;
	--console) ncon=${2:?}; shift ;;
	--only) only=${2:?}; shift ;;
	--keep) keep=1 ;;
	*) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done
want() { [[ " $only " == *" $1 "* ]]; }
[[ -x $drover ]] || fleet_die "$drover not found (build it first)"
maxn=$nexec
((ncon <= maxn)) || maxn=$ncon
unset SSH_AUTH_SOCK SSH_AGENT_PID

bdir=""
tsock=drover-scale-$$
# shellcheck disable=SC2317  # trap handler
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	tmux -L "$tsock" kill-server 2>/dev/null || true
	if [[ -n $bdir ]]; then
		fleet_stop "$bdir" || fleet_note "could not stop everything in $bdir"
		if ((keep)); then fleet_note "kept $bdir"; else rm -rf -- "$bdir"; fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bdir=$(mktemp -d "${TMPDIR:-/tmp}/drover-scale.XXXXXX")
chmod 755 "$bdir"
: >"$bdir/.drover-fleet"
fleet_setup_login_user
mkdir -m 700 "$bdir/client"
fleet_keygen "$bdir/client/id_ed25519" "drover-scale"
cp "$bdir/client/id_ed25519.pub" "$bdir/authorized_keys"
chmod 644 "$bdir/authorized_keys"
srv=$bdir/srv
mkdir -m 755 "$srv"
fleet_keygen "$srv/ssh_host_ed25519_key" scale
fleet_write_sshd_config "$srv" "$addr" "$port" "$bdir/authorized_keys" 4000:30:8000 "$FLEET_USER" \
	"UsePAM no" "PasswordAuthentication no" "KbdInteractiveAuthentication no"
fleet_start_sshd "$srv" "$addr" "$port"
listener=$(<"$srv/sshd.pid")
fleet_known_hosts_line "$addr" "$port" "$srv/ssh_host_ed25519_key.pub" >"$bdir/known_hosts"
{
	for ((k = 1; k <= maxn; k++)); do
		printf 'Host s%04d\n  HostName %s\n  Port %s\n' "$k" "$addr" "$port"
	done
	printf '\nHost *\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n' "$FLEET_USER" "$bdir/client/id_ed25519"
	printf '  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n' "$bdir/known_hosts"
} >"$bdir/ssh_config"
cfg=$bdir/ssh_config
hz=$(getconf CLK_TCK)
ticks() { local st f; st=$(<"/proc/$1/stat") || return 1; read -ra f <<<"${st##*) }"; echo $((f[11] + f[12])); }
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
sessions() { pgrep -P "$listener" | wc -l; }

# ---------------------------------------------------------------- exec
if want exec; then
	printf '1. exec: %d hosts (aliases onto one sshd), open-file soft limit 1024 (hard %s)\n' \
		"$nexec" "$(ulimit -Hn)"
	last=$(printf 's%04d' "$nexec")
	(
		ulimit -Sn 1024
		exec /usr/bin/time -f 'TIME wall=%e user=%U sys=%S maxrss_kb=%M' \
			"$drover" -F "$cfg" exec -o none -t 120 "s[0001-${last#s}]" -- true
	) >"$bdir/exec.out" 2>"$bdir/exec.err" </dev/null || true
	tail -n 3 "$bdir/exec.err" | sed 's/^/   /'
	grep -c . "$bdir/exec.err" >/dev/null || true
	while pgrep -P "$listener" >/dev/null; do sleep 0.2; done
fi

# ---------------------------------------------------------------- console
if want console; then
	last=$(printf '%04d' "$ncon")
	printf '\n2. console: %d hosts in tmux (200x50), then all sessions killed at once\n' "$ncon"
	cat >"$bdir/tmux.conf" <<EOF
set -g status off
set -g default-terminal screen-256color
EOF
	tm() { tmux -L "$tsock" -f "$bdir/tmux.conf" "$@"; }
	screen() { tm capture-pane -p -t con 2>/dev/null || true; }
	up_count() { [[ $(screen) =~ ([0-9]+)/$ncon\ up ]] && echo "${BASH_REMATCH[1]}" || echo 0; }
	wait_up() { # SECS -> seconds taken, or FAIL
		local t0 end n
		t0=$(now_us)
		end=$((t0 + $1 * 1000000))
		while :; do
			n=$(up_count)
			((n == ncon)) && { awk -v a="$t0" -v b="$(now_us)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; return 0; }
			(($(now_us) < end)) || { printf 'FAIL(%s/%s up)' "$n" "$ncon"; return 1; }
			sleep 0.2
		done
	}
	# One keystroke round trip: C-g / (search prompt) and Escape; ms until
	# the prompt shows, polled every 5 ms.
	key_ms() {
		local t0 t1 i
		t0=$(now_us)
		tm send-keys -t con C-g /
		for ((i = 0; i < 2000; i++)); do
			[[ $(tm capture-pane -p -t con -S -2 2>/dev/null) == *[Ss]earch* ]] && break
			sleep 0.005
		done
		t1=$(now_us)
		tm send-keys -t con Escape
		for ((i = 0; i < 400; i++)); do
			[[ $(tm capture-pane -p -t con -S -2 2>/dev/null) == *[Ss]earch* ]] || break
			sleep 0.005
		done
		echo $(((t1 - t0) / 1000))
	}
	# The floor of this way of measuring (tmux, polling, a loaded machine):
	# a character typed into `cat` until it shows.
	ctl_ms() {
		local t0 t1 i
		t0=$(now_us)
		tm send-keys -t ctl Z
		for ((i = 0; i < 2000; i++)); do
			[[ $(tm capture-pane -p -t ctl 2>/dev/null) == *Z* ]] && break
			sleep 0.005
		done
		t1=$(now_us)
		tm send-keys -t ctl BSpace
		sleep 0.05
		echo $(((t1 - t0) / 1000))
	}
	tm new-session -d -s ctl -x 80 -y 10 "exec cat"
	ctl=()
	for ((k = 0; k < 10; k++)); do ctl+=("$(ctl_ms)"); sleep 0.2; done
	printf '   control (a key into cat in tmux, same polling): %s ms\n' "${ctl[*]}"
	ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
	tm new-session -d -s con -x 200 -y 50 "exec env DROVER_LOG=$bdir/console.log '$drover' -F '$cfg' 's[0001-$last]'"
	dpid=$(tm display -p -t con '#{pane_pid}')
	c0=$(ticks "$dpid")
	t_up=$(wait_up 600) || true
	printf '   all up after %s s; drover CPU for it %.1f s; RSS %s kB; sessions on the server %s\n' \
		"$t_up" "$(awk -v t="$(($(ticks "$dpid") - c0))" -v h="$hz" 'BEGIN { print t / h }')" \
		"$(awk '/VmRSS/ { print $2 }' "/proc/$dpid/status")" "$(sessions)"
	[[ $(screen) == *"[ready]"* ]] && view="tiled" || view="compact list"
	printf '   view: %s\n' "$view"
	idle=()
	for ((k = 0; k < 10; k++)); do idle+=("$(key_ms)"); sleep 0.2; done
	printf '   keystroke (C-g / until the prompt shows) idle: %s ms\n' "${idle[*]}"
	sleep 2
	# The storm: every per-connection sshd process at once.
	c0=$(ticks "$dpid")
	t0=$(now_us)
	mapfile -t kids < <(pgrep -P "$listener")
	kill -TERM "${kids[@]}" 2>/dev/null || true
	storm=()
	ups=()
	ctl=()
	while :; do
		storm+=("$(key_ms)")
		ctl+=("$(ctl_ms)")
		ups+=("$(up_count)")
		n=${ups[-1]}
		el=$((($(now_us) - t0) / 1000000))
		((n == ncon && el >= 2)) && break
		((el < 300)) || break
		sleep 0.1
	done
	t_back=$(awk -v a="$t0" -v b="$(now_us)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
	cpu=$(awk -v t="$(($(ticks "$dpid") - c0))" -v h="$hz" 'BEGIN { printf "%.1f", t / h }')
	printf '   killed %d sessions; all %s up again after %s s (%s/%s at the end); drover CPU %s s in that time\n' \
		"${#kids[@]}" "$ncon" "$t_back" "${ups[-1]}" "$ncon" "$cpu"
	sorted=$(printf '%s\n' "${storm[@]}" | sort -n)
	cnt=${#storm[@]}
	printf '   keystrokes during the storm: %d, median %s ms, p90 %s ms, max %s ms\n' "$cnt" \
		"$(sed -n "$(((cnt + 1) / 2))p" <<<"$sorted")" "$(sed -n "$(((cnt * 9 + 9) / 10))p" <<<"$sorted")" \
		"$(tail -n 1 <<<"$sorted")"
	sorted=$(printf '%s\n' "${ctl[@]}" | sort -n)
	printf '   control during the storm: median %s ms, max %s ms\n' \
		"$(sed -n "$(((cnt + 1) / 2))p" <<<"$sorted")" "$(tail -n 1 <<<"$sorted")"
	printf '   up counts sampled: %s\n' "$(printf '%s ' "${ups[@]}" | cut -c1-400)"
	if [[ -f $bdir/console.log ]]; then
		printf '   reconnect attempts logged: %s\n' "$(grep -c 'connecting' "$bdir/console.log" || true)"
	fi
	tm kill-server 2>/dev/null || true
fi
