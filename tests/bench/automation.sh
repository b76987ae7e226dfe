#!/usr/bin/env bash
# What --sudo and --cli cost next to a plain exec: 200 host aliases, all
# in flight at once, each row run the same way in one go, wall time and
# drover's CPU (user+sys), in total and per host. Once directly on
# loopback (RTT ~0: the cost is CPU and the servers' work) and once
# through drover-faultproxy with --delay ms each way, where every extra
# round trip per host shows as about 2*delay more wall time. Then the
# round trips themselves, robust to a loaded machine: one host, best of 5,
# through a second proxy with --rt-delay ms each way, less the same rows'
# direct difference (the servers' work: sudo's PAM, the device's login).
# Not part of the test run.
#
#   tests/bench/automation.sh [--n 200] [--delay 20] [--rt-delay 100]
#                             [--repeat R] [--keep]
#
# Needs root (the fleet's sudo and device users) and a build with
# build/drover, build/drover-faultproxy and build/tests/fakedevice.
# Environment: BENCH_PORT (2655), DROVER_BIN.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
port=${BENCH_PORT:-2655}
drover=${DROVER_BIN:-$repo/build/drover}
build=$(dirname -- "$drover")
n=200
delay=20
rtdelay=100
repeat=1
keep=0
while (($#)); do
	case $1 in
	--n) n=${2:?}; shift ;;
	--delay) delay=${2:?}; shift ;;
	--rt-delay) rtdelay=${2:?}; shift ;;
	--repeat) repeat=${2:?}; shift ;;
	--keep) keep=1 ;;
	*) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done
((EUID == 0)) || { echo "automation.sh: needs root (sudo and device users)" >&2; exit 77; }
for f in "$drover" "$build/drover-faultproxy" "$build/tests/fakedevice"; do
	[[ -x $f ]] || { echo "automation.sh: $f missing (build first)" >&2; exit 77; }
done
command -v sudo >/dev/null || { echo "automation.sh: sudo is not installed" >&2; exit 77; }

dir=$(mktemp -d /tmp/drover-bench-auto.XXXXXX)
chmod 755 "$dir"
proxy_pid=""
rtproxy_pid=""
cleanup() {
	[[ -z $proxy_pid ]] || kill "$proxy_pid" 2>/dev/null || true
	[[ -z $rtproxy_pid ]] || kill "$rtproxy_pid" 2>/dev/null || true
	FLEET_PORT=$port "$repo/tests/fleet/fleet.sh" down "$dir/fleet" >/dev/null 2>&1 || true
	((keep)) || rm -rf -- "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

FLEET_PORT=$port FLEET_FAKEDEVICE=$build/tests/fakedevice \
	"$repo/tests/fleet/fleet.sh" up "$dir/fleet" 1 >/dev/null
# shellcheck disable=SC1091
. "$dir/fleet/fleet.env"
[[ -n ${FLEET_SUDO_USER:-} && -n ${FLEET_DEV_USER:-} ]] || { echo "automation.sh: fleet has no sudo/device users" >&2; exit 1; }

# The proxies in front of h1, and a config with n aliases for each path.
start_proxy() { # OUT DELAY: sets $proxy_started, the pid; the port is in $dir/OUT
	"$build/drover-faultproxy" -l 127.0.0.1:0 -t "$FLEET_ADDR_1:$port" -d "$2" >"$dir/$1" &
	proxy_started=$!
	for _ in $(seq 50); do grep -q '^PORT ' "$dir/$1" 2>/dev/null && break; sleep 0.1; done
	grep -q '^PORT ' "$dir/$1" || { echo "automation.sh: proxy did not start" >&2; exit 1; }
}
start_proxy proxy.out "$delay"
proxy_pid=$proxy_started
start_proxy rtproxy.out "$rtdelay"
rtproxy_pid=$proxy_started
pport=$(sed -n 's/^PORT //p' "$dir/proxy.out")
rport=$(sed -n 's/^PORT //p' "$dir/rtproxy.out")
read -r ktype kkey _ <"$dir/fleet/h1/ssh_host_ed25519_key.pub"
printf '[%s]:%s %s %s\n[127.0.0.1]:%s %s %s\n[127.0.0.1]:%s %s %s\n' "$FLEET_ADDR_1" "$port" \
	"$ktype" "$kkey" "$pport" "$ktype" "$kkey" "$rport" "$ktype" "$kkey" >"$dir/known_hosts"
for path in direct proxied rt; do
	{
		for ((i = 1; i <= n; i++)); do
			case $path in
			direct) printf 'Host a%03d\n  HostName %s\n  Port %s\n' "$i" "$FLEET_ADDR_1" "$port" ;;
			proxied) printf 'Host a%03d\n  HostName 127.0.0.1\n  Port %s\n' "$i" "$pport" ;;
			rt) printf 'Host a%03d\n  HostName 127.0.0.1\n  Port %s\n' "$i" "$rport" ;;
			esac
		done
		printf 'Host *\n  IdentityFile %s\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n' \
			"$FLEET_KEY" "$dir/known_hosts"
	} >"$dir/ssh_config.$path"
done
: >"$dir/inventory.ini"
printf '#!/bin/sh\nexec cat %s\n' "$FLEET_SUDO_PASSWORD_FILE" >"$dir/askpass"
printf '#!/bin/sh\necho enable-s3cret\n' >"$dir/askenable"
chmod 700 "$dir/askpass" "$dir/askenable"

# Seconds from "ready" (authenticated) to "closing" in drover's log of a
# one-host run: the channel's round trips and the server's work, no more.
after_auth() {
	awk '/-> ready$/ { split($1, t, ":"); a = t[1] * 3600 + t[2] * 60 + t[3] }
		/ready -> closing$/ { split($1, t, ":"); b = t[1] * 3600 + t[2] * 60 + t[3] }
		END { if (a && b) printf "%.3f", b - a; else print "nan" }' "$1"
}

# row NAME PATH HOSTS REPEAT USER ARGS...: best wall of REPEAT runs, with its
# CPU; sets W_PATH_NAME (and A_PATH_NAME, the best after_auth, for one
# host). --enable rows answer with the enable secret.
row() {
	local name=$1 path=$2 hosts=$3 rep=$4 user=$5 best="" line r ask=$dir/askpass aa="" a
	local log=()
	shift 5
	[[ $hosts == 1 ]] && log=(--log "$dir/log")
	[[ " $* " == *" --enable "* ]] && ask=$dir/askenable
	targets="a[001-$(printf '%03d' "$hosts")]"
	[[ $hosts == 1 ]] && targets=a001
	for ((r = 0; r < rep; r++)); do
		TIMEFORMAT='%R %U %S'
		rm -f "$dir/log"
		line=$( { time SSH_ASKPASS=$ask SSH_ASKPASS_REQUIRE=force \
			"$drover" -F "$dir/ssh_config.$path" -i "$dir/inventory.ini" exec -n -o none \
			-f "$hosts" --connect-timeout 120 -l "$user" "${log[@]}" "${@/@T/$targets}" \
			>/dev/null 2>"$dir/err"; } 2>&1 ) ||
			{ echo "automation.sh: $name failed: $(tail -3 "$dir/err")" >&2; line="nan nan nan"; }
		if [[ $hosts == 1 ]]; then
			a=$(after_auth "$dir/log")
			if [[ -z $aa ]] || awk -v a="$a" -v b="$aa" 'BEGIN{exit !(a<b)}'; then
				aa=$a
			fi
		fi
		if [[ -z $best ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
			best=$line
		fi
	done
	read -r wall usr sys <<<"$best"
	awk -v p="$path" -v nm="$name" -v w="$wall" -v u="$usr" -v s="$sys" -v h="$hosts" -v aa="$aa" 'BEGIN {
		printf "%-9s %-16s %8.2f %8.3f %10.2f %10.2f", p, nm, w, u + s, 1000 * w / h, 1000 * (u + s) / h
		if (aa != "") printf " %10.3f", aa
		printf "\n" }'
	eval "W_${path}_${name}=$wall"
	eval "C_${path}_${name}=$(awk -v u="$usr" -v s="$sys" 'BEGIN{print u+s}')"
	[[ -z $aa ]] || eval "A_${path}_${name}=$aa"
}
rows() { # PATH HOSTS REPEAT
	row plain "$@" "$FLEET_SUDO_USER" @T -- true
	row sudo_nopw "$@" "$FLEET_NOPW_USER" --sudo @T -- true
	row sudo_pw "$@" "$FLEET_SUDO_USER" --sudo @T -- true
	row dev_exec "$@" "$FLEET_DEV_USER" @T -- "show version"
	row dev_cli "$@" "$FLEET_DEV_USER" --cli @T -- "show version"
	row dev_cli3 "$@" "$FLEET_DEV_USER" --cli @T -- "show version" "show interfaces" "show version"
	row dev_cli_enable "$@" "$FLEET_DEV_USER" --cli --enable @T -- "show version"
}
# What a row adds to its baseline in round trips: the proxied difference
# less the direct one (the servers' work is the same on both paths).
# W: from wall times; A: from the after-auth part of the log (one host).
extra() { # LABEL W|A PROXIED_PATH ROW BASE RTT_MS
	local k=$2 p=$2_$3_$4 pb=$2_$3_$5 d=$2_direct1_$4 db=$2_direct1_$5
	awk -v l="$1" -v a="${!p}" -v b="${!pb}" -v c="${!d}" -v e="${!db}" -v rt="$6" -v k="$k" \
		'BEGIN { printf "  %-34s %5.2f", l, ((a - b) - (c - e)) / (rt / 1000)
		if (k == "A") printf "   (after auth: %.2f vs %.2f round trips)", a / (rt / 1000), b / (rt / 1000)
		printf "\n" }'
}
summary() { # W|A PROXIED_PATH RTT_MS
	extra "--sudo, NOPASSWD:" "$1" "$2" sudo_nopw plain "$3"
	extra "--sudo, password asked:" "$1" "$2" sudo_pw plain "$3"
	extra "--cli vs exec (device), 1 command:" "$1" "$2" dev_cli dev_exec "$3"
	extra "--cli, 3 commands:" "$1" "$2" dev_cli3 dev_exec "$3"
	extra "--cli --enable, 1 command:" "$1" "$2" dev_cli_enable dev_exec "$3"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
printf 'automation bench: %d hosts, all in flight; proxied: +%d ms each way (RTT +%d ms); load average %s\n' \
	"$n" "$delay" $((2 * delay)) "$(load)"
printf '%-9s %-16s %8s %8s %10s %10s\n' path row wall_s cpu_s wall_ms/h cpu_ms/h
for path in direct proxied; do
	rows "$path" "$n" "$repeat"
done
# At this count one sshd on a shared machine is the bottleneck (handshakes
# and logins queue): the wall is the server's, and round trips are counted
# on one host below. What each row costs drover is its CPU.
over() { # PATH ROW BASE
	local w=W_$1_$2 wb=W_$1_$3 c=C_$1_$2 cb=C_$1_$3
	awk -v p="$1" -v r="$2" -v b="$3" -v w="${!w}" -v wb="${!wb}" -v c="${!c}" -v cb="${!cb}" -v n="$n" \
		'BEGIN { printf "  %-8s %-15s vs %-9s wall %5.2fx, CPU %5.2fx (%+.2f ms/host)\n",
		p, r, b, w / wb, c / cb, 1000 * (c - cb) / n }'
}
printf 'at %d hosts, each row against its baseline:\n' "$n"
for path in direct proxied; do
	over "$path" sudo_nopw plain
	over "$path" sudo_pw plain
	over "$path" dev_cli dev_exec
	over "$path" dev_cli3 dev_exec
	over "$path" dev_cli_enable dev_exec
done
printf '\nround trips, one host, best of 5: rt +%d ms each way (RTT +%d ms); load average %s\n' \
	"$rtdelay" $((2 * rtdelay)) "$(load)"
printf '%-9s %-16s %8s %8s %10s %10s %10s\n' path row wall_s cpu_s wall_ms/h cpu_ms/h after_auth
for path in direct1 rt; do
	[[ $path == direct1 ]] && cp "$dir/ssh_config.direct" "$dir/ssh_config.direct1"
	rows "$path" 1 5
done
printf 'extra round trips per host, one host, from wall times:\n'
summary W rt $((2 * rtdelay))
printf 'extra round trips per host, one host, from the log (authenticated -> closing):\n'
summary A rt $((2 * rtdelay))
printf 'load average at the end: %s\n' "$(load)"
