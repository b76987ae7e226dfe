#!/usr/bin/env bash
# Fan-out benchmark: drover vs pdsh, clush and pssh running `true` on N host
# aliases that all point at one dedicated local sshd, then a 1 GiB one-channel
# stream, drover vs ssh. See tests/bench/README.md. Not part of the test run.
#
#   tests/bench/fanout.sh [--quick] [--ns "50 200 1000"] [--tools "drover pdsh clush pssh"]
#                         [--repeat R] [--no-stream | --stream-only] [--keep]
#
# Environment: BENCH_PORT (2299), BENCH_ADDR (127.0.0.200), DROVER_BIN
# (<repo>/build/drover). Starts its own sshd and stops it (and every session)
# on exit, Ctrl-C or TERM.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck disable=SC2034  # used by lib.sh
FLEET_PROG=fanout.sh
# shellcheck source=../fleet/lib.sh
. "$repo/tests/fleet/lib.sh"

port=${BENCH_PORT:-2299}
addr=${BENCH_ADDR:-127.0.0.200}
drover=${DROVER_BIN:-$repo/build/drover}
fanout=64
ns="50 200 1000"
tools="drover pdsh clush pssh"
repeat=1
stream=1
stream_bytes=1073741824
keep=0

usage() {
	sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while (($#)); do
	case $1 in
	--quick)
		ns=50
		stream_bytes=268435456
		;;
	--ns)
		ns=${2:?}
		shift
		;;
	--tools)
		tools=${2:?}
		shift
		;;
	--repeat)
		repeat=${2:?}
		shift
		;;
	--no-stream) stream=0 ;;
	--stream-only) ns="" ;;
	--keep) keep=1 ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
	shift
done
[[ $repeat =~ ^[1-9][0-9]*$ ]] || fleet_die "--repeat wants a positive integer"
maxn=0
for n in $ns; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]] || ((n > 9999)); then
		fleet_die "bad N '$n' (1..9999)"
	fi
	((n <= maxn)) || maxn=$n
done
((maxn > 0)) || maxn=1   # --stream-only: the stream's b0001

# ---------------------------------------------------------------- checks
need_fds=$((maxn + 512))
((need_fds >= 4096)) || need_fds=4096
if (($(ulimit -n) < need_fds)); then
	hard=$(ulimit -Hn)
	if [[ $hard == unlimited ]] || ((hard >= need_fds)); then
		ulimit -n "$need_fds"
	else
		ulimit -n "$hard"
	fi
fi
if (($(ulimit -n) < maxn + 64)); then
	fleet_die "open-file limit $(ulimit -n) is too low for N=$maxn (hard limit $(ulimit -Hn))"
fi

have_drover=0
drover_flags=()
if [[ " $tools " == *" drover "* ]]; then
	if [[ -x $drover ]]; then
		have_drover=1
		help=$("$drover" exec --help 2>&1 || true)
		drover_flags=(-f "$fanout")
		if [[ $help == *--max-handshakes* ]]; then
			drover_flags+=(--max-handshakes "$fanout")
		else
			fleet_note "note: $drover has no --max-handshakes; running without it"
		fi
	else
		fleet_note "note: $drover not found (build it: cmake -B build && cmake --build build); drover rows skipped"
	fi
fi
for t in $tools; do
	case $t in
	drover) ;;
	pdsh | clush) command -v "$t" >/dev/null || fleet_die "$t is not installed" ;;
	pssh) command -v parallel-ssh >/dev/null || fleet_die "parallel-ssh (pssh) is not installed" ;;
	*) fleet_die "unknown tool '$t'" ;;
	esac
done
unset SSH_AUTH_SOCK SSH_AGENT_PID # same auth path (one key file) for every tool

# ---------------------------------------------------------------- sshd
bdir=""
tool_pid=""
# shellcheck disable=SC2317  # trap handler
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $tool_pid ]]; then
		kill -TERM -- "-$tool_pid" 2>/dev/null || true
		sleep 0.3
		kill -KILL -- "-$tool_pid" 2>/dev/null || true
	fi
	if [[ -n $bdir ]]; then
		fleet_stop "$bdir" || fleet_note "could not stop everything in $bdir"
		if ((keep)); then
			fleet_note "kept $bdir (sshd log: $bdir/srv/sshd.log)"
		else
			rm -rf -- "$bdir"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bdir=$(mktemp -d "${TMPDIR:-/tmp}/drover-bench.XXXXXX")
chmod 755 "$bdir"
: >"$bdir/.drover-fleet"
fleet_setup_login_user
mkdir -m 700 "$bdir/client"
fleet_keygen "$bdir/client/id_ed25519" "drover-bench"
cp "$bdir/client/id_ed25519.pub" "$bdir/authorized_keys"
chmod 644 "$bdir/authorized_keys"
fleet_can_read "$FLEET_USER" "$bdir/authorized_keys" ||
	fleet_die "user $FLEET_USER cannot read $bdir/authorized_keys (parent directories must be o+x)"
srv=$bdir/srv
mkdir -m 755 "$srv"
fleet_keygen "$srv/ssh_host_ed25519_key" bench
# Public key only, no PAM: the server's per-login work is the same for every
# tool and as small as OpenSSH allows (extra lines come first and win).
fleet_write_sshd_config "$srv" "$addr" "$port" "$bdir/authorized_keys" 2000:30:4000 "$FLEET_USER" \
	"UsePAM no" "PasswordAuthentication no" "KbdInteractiveAuthentication no"
fleet_start_sshd "$srv" "$addr" "$port"
listener=$(<"$srv/sshd.pid")
fleet_known_hosts_line "$addr" "$port" "$srv/ssh_host_ed25519_key.pub" >"$bdir/known_hosts"

# ssh_config with aliases b0001..bMAX, and a copy forcing curve25519.
{
	printf '# drover fan-out benchmark: %d aliases onto %s:%s\n' "$maxn" "$addr" "$port"
	for ((k = 1; k <= maxn; k++)); do
		printf 'Host b%04d\n  HostName %s\n  Port %s\n' "$k" "$addr" "$port"
	done
} >"$bdir/aliases"
hostblock() {
	printf '\nHost *\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n' "$FLEET_USER" "$bdir/client/id_ed25519"
	printf '  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n' "$bdir/known_hosts"
}
cat "$bdir/aliases" <(hostblock) >"$bdir/ssh_config.default"
cat "$bdir/aliases" <(hostblock) <(printf '  KexAlgorithms curve25519-sha256\n') >"$bdir/ssh_config.curve25519"
for ((k = 1; k <= maxn; k++)); do printf 'b%04d\n' "$k"; done >"$bdir/hosts.all"
mkdir -p "$bdir/clush"
cat >"$bdir/clush/clush.conf" <<EOF
[Main]
fanout: $fanout
connect_timeout: 60
command_timeout: 0
color: never
fd_max: $(ulimit -n)
maxrc: yes
node_count: yes
verbosity: 1
ssh_path: ssh
EOF

out=$(ssh -F "$bdir/ssh_config.default" b0001 'echo ok' 2>&1 </dev/null) || true
[[ $out == ok ]] || fleet_die "ssh to the bench sshd failed: $out"

# ---------------------------------------------------------------- measuring
# Client CPU = user+sys of the tool's whole process tree: bash's `times`
# reports waited-for children (and, recursively, what they waited for) with
# ms resolution; the sshd is not our child, so its CPU is never included.
# (Sets cpu_ms; never call it in $(...): a subshell's counters start at 0.)
children_cpu() {
	local t u s
	times >"$bdir/times"
	{ read -r t && read -r t; } <"$bdir/times" # builtins only: no child to count
	[[ $t =~ ^([0-9]+)m([0-9]+)[.,]([0-9]{3})s\ ([0-9]+)m([0-9]+)[.,]([0-9]{3})s$ ]] || fleet_die "cannot parse times: $t"
	u=$((BASH_REMATCH[1] * 60000 + 10#${BASH_REMATCH[2]} * 1000 + 10#${BASH_REMATCH[3]}))
	s=$((BASH_REMATCH[4] * 60000 + 10#${BASH_REMATCH[5]} * 1000 + 10#${BASH_REMATCH[6]}))
	cpu_ms=$((u + s))
}
# run_tool OUT ERR CMD...: run CMD as its own process group (so an interrupt
# can end all of it), in the background so INT/TERM traps run at once.
run_tool() {
	local o=$1 e=$2 rc=0
	shift 2
	setsid "$@" >"$o" 2>"$e" </dev/null &
	tool_pid=$!
	wait "$tool_pid" || rc=$?
	tool_pid=""
	return "$rc"
}
# Server CPU (for context only): children time the listener has reaped.
server_cpu_ms() {
	local st f
	st=$(<"/proc/$listener/stat")
	read -ra f <<<"${st##*) }"
	printf '%d\n' $(((f[13] + f[14]) * 1000 / $(getconf CLK_TCK)))
}
# Wait until the server has no per-connection children left.
drain() {
	local i
	for ((i = 0; i < 600; i++)); do
		pgrep -P "$listener" >/dev/null || return 0
		sleep 0.05
	done
	fleet_note "warning: sshd still has connections after 30 s"
}
sessions_since() { # log offset -> sessions started since
	tail -c +"$(($1 + 1))" "$srv/sshd.log" | grep -c 'Starting session: command' || true
}

# build_cmd TOOL KEX N -> sets cmd=(...) and env_=(...)
build_cmd() {
	local tool=$1 cfg=$bdir/ssh_config.$2 n=$3
	head -n "$n" "$bdir/hosts.all" >"$bdir/hosts"
	case $tool in
	drover) cmd=("$drover" -F "$cfg" exec "${drover_flags[@]}" "b[0001-$(printf %04d "$n")]" -- true) ;;
	pdsh) cmd=(env "PDSH_SSH_ARGS_APPEND=-F $cfg" pdsh -R ssh -S -f "$fanout" -w "^$bdir/hosts" true) ;;
	clush) cmd=(env "CLUSTERSHELL_CFGDIR=$bdir/clush" clush -S -f "$fanout" -w "b[0001-$(printf %04d "$n")]" -o "-F $cfg" true) ;;
	pssh) cmd=(parallel-ssh -p "$fanout" -t 0 -h "$bdir/hosts" -x "-F $cfg" true) ;;
	esac
}

# run_once TOOL KEX N -> sets r_wall_us r_cpu_ms r_srv_ms r_ok r_rc
run_once() {
	local tool=$1 kex=$2 n=$3 off c0 c1 s0 t0 t1
	local -a cmd
	build_cmd "$tool" "$kex" "$n"
	drain
	off=$(stat -c %s "$srv/sshd.log")
	s0=$(server_cpu_ms)
	children_cpu
	c0=$cpu_ms
	t0=$EPOCHREALTIME
	r_rc=0
	run_tool "$bdir/out" "$bdir/err" "${cmd[@]}" || r_rc=$?
	t1=$EPOCHREALTIME
	children_cpu
	c1=$cpu_ms
	drain
	r_srv_ms=$(($(server_cpu_ms) - s0))
	r_wall_us=$((${t1/[.,]/} - ${t0/[.,]/}))
	r_cpu_ms=$((c1 - c0))
	r_ok=$(sessions_since "$off")
	if [[ $tool == pssh ]]; then
		local said
		said=$(grep -c '\[SUCCESS\]' "$bdir/out" || true)
		((said >= r_ok)) || r_ok=$said
	fi
	if [[ $tool == drover ]] && [[ $(tail -n 1 "$bdir/err") =~ ([0-9]+)\ ok ]]; then
		((BASH_REMATCH[1] >= r_ok)) || r_ok=${BASH_REMATCH[1]}
	fi
	if ((r_rc != 0 || r_ok != n)); then
		cp "$bdir/err" "$bdir/failed-$tool-$kex-$n.err"
	fi
}

rows=()
failures=0
fmt_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
print_header() {
	printf '%-7s %-10s %5s %5s %8s %8s %8s %9s  %s\n' tool kex N ok "wall s" "cpu s" "ms/host" "server s" status
}
print_row() { # tool kex n ok wall_us cpu_ms srv_ms status
	local per
	per=$(awk -v c="$6" -v n="$3" 'BEGIN { printf "%.2f", c / n }')
	printf '%-7s %-10s %5d %5d %8s %8s %8s %9s  %s\n' "$1" "$2" "$3" "$4" \
		"$(fmt_s $(($5 / 1000)))" "$(fmt_s "$6")" "$per" "$(fmt_s "$7")" "$8"
}

printf 'fan-out benchmark: sshd %s:%s (user %s), fanout %d, N = %s, %d run(s) each (fastest kept)\n' \
	"$addr" "$port" "$FLEET_USER" "$fanout" "$ns" "$repeat"
printf 'client CPU = user+sys of the tool and its children; "server s" = sshd CPU, context only\n'
printf 'versions: %s; pdsh %s; clush %s; pssh %s; %s\n' "$(ssh -V 2>&1 | cut -d, -f1)" \
	"$(pdsh -V 2>&1 | head -n1 | cut -d' ' -f1 | cut -d- -f2)" "$(clush --version 2>&1 | cut -d' ' -f2)" \
	"$(parallel-ssh --version 2>&1)" "$( ((have_drover)) && "$drover" --version 2>&1 | head -n1 || echo 'drover -')"
read -r load1 _ </proc/loadavg
cores=$(nproc)
printf 'machine: %d cores, load average %s\n\n' "$cores" "$load1"
if awk -v l="$load1" -v c="$cores" 'BEGIN { exit !(l > c / 2) }'; then
	printf 'WARNING: the machine is busy (load %s on %d cores); timings will be noisy.\n\n' "$load1" "$cores"
fi

[[ -n $ns ]] || tools=""   # --stream-only
# Warm-up (page cache, python imports) at a small N, not reported.
for tool in $tools; do
	[[ $tool != drover ]] || ((have_drover)) || continue
	run_once "$tool" default 4
done

[[ -z $ns ]] || print_header
for n in $ns; do
	for kex in default curve25519; do
		for tool in $tools; do
			if [[ $tool == drover ]] && ((!have_drover)); then
				continue
			fi
			best_wall=-1
			status=ok
			for ((r = 0; r < repeat; r++)); do
				run_once "$tool" "$kex" "$n"
				if ((r_rc != 0 || r_ok != n)); then
					status="FAILED (exit $r_rc, $r_ok/$n sessions; $bdir/failed-$tool-$kex-$n.err)"
					keep=1
					failures=$((failures + 1))
				fi
				if ((best_wall < 0 || r_wall_us < best_wall)); then
					best_wall=$r_wall_us b_cpu=$r_cpu_ms b_srv=$r_srv_ms b_ok=$r_ok
				fi
			done
			print_row "$tool" "$kex" "$n" "$b_ok" "$best_wall" "$b_cpu" "$b_srv" "$status"
			rows+=("$tool $kex $n $best_wall $b_cpu $status")
		done
	done
done
if ((!have_drover)) && [[ " $tools " == *" drover "* ]]; then
	printf '(drover rows skipped: %s not built)\n' "$drover"
fi

# ---------------------------------------------------------------- ratios
if ((have_drover)) && [[ -n $ns ]]; then
	printf '\ndrover / best curve25519 peer (lower is better; targets: wall at N=200 <= 0.70, CPU <= 2 ms/host)\n'
	printf '%-7s %-10s %5s %12s %8s %14s %8s  %s\n' "" kex N "best wall s" "wall x" "best ms/host" "cpu x" targets
	printf '%s\n' "${rows[@]}" | awk '
		$6 != "ok" { next }
		$1 != "drover" && $2 == "curve25519" {
			if (!($3 in bw) || $4 < bw[$3]) { bw[$3] = $4; bwt[$3] = $1 }
			c = $5 / $3; if (!($3 in bc) || c < bc[$3]) { bc[$3] = c; bct[$3] = $1 }
		}
		$1 == "drover" { d[++nd] = $0 }
		END {
			for (i = 1; i <= nd; i++) {
				split(d[i], f, " "); n = f[3]
				if (!(n in bw)) { printf "drover  %-10s %5d  (no successful curve25519 peer run)\n", f[2], n; continue }
				wr = f[4] / bw[n]; cr = (f[5] / n) / bc[n]
				note = ((f[5] / n) <= 2 ? "cpu met" : "cpu MISSED")
				if (n == 200) note = (wr <= 0.70 ? "wall met, " : "wall MISSED, ") note
				printf "drover  %-10s %5d %6.3f %-5s %8.2f %7.2f %-6s %8.2f  %s\n", f[2], n, bw[n] / 1e6, bwt[n], wr, bc[n], bct[n], cr, note
			}
		}'
fi

# ---------------------------------------------------------------- stream
if ((stream)); then
	mb=$(awk -v b="$stream_bytes" 'BEGIN { printf "%d", b / 1048576 }')
	printf '\none-channel stream: head -c %d /dev/zero (%d MiB) from b0001 into a file\n' "$stream_bytes" "$mb"
	remote="head -c $stream_bytes /dev/zero"
	# Both write the bytes to a file in the same directory: writing 1 GiB
	# to a file costs the kernel about as much as the transfer itself on
	# some machines, so a file against /dev/null would compare sinks.
	# stream_run NAME OUT FILE CMD... -> prints a row, sets s_mbps ("" on
	# failure). OUT takes CMD's stdout; FILE (may be OUT) must then hold
	# exactly the streamed bytes ("" = not checked); it is removed after.
	stream_run() {
		local name=$1 out=$2 file=$3 c0 c1 t0 t1 rc=0 wall cpu got
		shift 3
		drain
		children_cpu
		c0=$cpu_ms
		t0=$EPOCHREALTIME
		run_tool "$out" "$bdir/err" "$@" || rc=$?
		t1=$EPOCHREALTIME
		children_cpu
		c1=$cpu_ms
		wall=$((${t1/[.,]/} - ${t0/[.,]/}))
		cpu=$((c1 - c0))
		s_mbps=""
		got=$stream_bytes
		if [[ -n $file ]]; then
			got=$(stat -c %s "$file" 2>/dev/null || echo 0)
			rm -f "$file"
		fi
		if ((rc == 0 && got != stream_bytes)); then
			printf '%-8s FAILED: %s holds %s bytes, expected %s\n' "$name" "$file" "$got" "$stream_bytes"
			failures=$((failures + 1))
		elif ((rc == 0)); then
			s_mbps=$(awk -v b="$stream_bytes" -v w="$wall" 'BEGIN { printf "%.1f", b / w }')
			printf '%-8s %8s s %8s MB/s  client cpu %s s\n' "$name" "$(fmt_s $((wall / 1000)))" "$s_mbps" "$(fmt_s "$cpu")"
		else
			printf '%-8s FAILED (exit %d): %s\n' "$name" "$rc" "$(head -c 300 "$bdir/err" | tr '\n' ' ')"
			failures=$((failures + 1))
		fi
	}
	best_ssh="" best_drover="" help=${help:-}
	for ((r = 0; r < repeat; r++)); do
		stream_run ssh "$bdir/ssh.out" "$bdir/ssh.out" ssh -F "$bdir/ssh_config.default" b0001 "$remote"
		if [[ -n $s_mbps ]] && { [[ -z $best_ssh ]] || awk -v a="$s_mbps" -v b="$best_ssh" 'BEGIN { exit !(a > b) }'; }; then
			best_ssh=$s_mbps
		fi
		if ((have_drover)); then
			if [[ $help == *--outdir* ]]; then
				# Raw bytes to a file (no per-line framing; stdout is not a
				# fair sink: a 1 GiB "line" of NULs gets escaped and framed).
				rm -rf "$bdir/outdir"
				mkdir "$bdir/outdir"
				# -o none: files only (since --outdir keeps the printed mode).
				nomode=()
				[[ $help == *"none: no per-host output"* ]] && nomode=(-o none)
				stream_run drover /dev/null "$bdir/outdir/b0001.out" \
				    "$drover" -F "$bdir/ssh_config.default" exec -q "${nomode[@]}" --outdir "$bdir/outdir" b0001 -- "$remote"
				rm -rf "$bdir/outdir"
			else
				fleet_note "note: drover exec has no --outdir; streaming to stdout (/dev/null)"
				stream_run drover /dev/null "" "$drover" -F "$bdir/ssh_config.default" exec -q b0001 -- "$remote"
			fi
			if [[ -n $s_mbps ]] && { [[ -z $best_drover ]] || awk -v a="$s_mbps" -v b="$best_drover" 'BEGIN { exit !(a > b) }'; }; then
				best_drover=$s_mbps
			fi
		fi
	done
	if [[ -n $best_ssh && -n $best_drover ]]; then
		awk -v d="$best_drover" -v s="$best_ssh" 'BEGIN {
			r = d / s; printf "drover / ssh throughput: %.2fx (target >= 1.0: %s)\n", r, (r >= 1.0 ? "met" : "MISSED") }'
	fi
fi
if ((failures)); then
	printf '\n%d run(s) FAILED\n' "$failures"
	exit 1
fi
