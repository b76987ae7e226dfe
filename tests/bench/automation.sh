#!/usr/bin/env bash
# What --sudo and --cli cost next to a plain exec: 200 host aliases, all
# in flight at once, each row run the same way in one go, wall time and
# drover's CPU (user+sys). Once directly on loopback (RTT ~0: the cost is
# CPU and the servers' work) and once through drover-faultproxy with
# --delay ms each way, where every extra round trip per host shows as
# about 2*delay more wall time. Not part of the test run.
#
#   tests/bench/automation.sh [--n 200] [--delay 20] [--repeat R] [--keep]
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
repeat=1
keep=0
while (($#)); do
	case $1 in
	--n) n=${2:?}; shift ;;
	--delay) delay=${2:?}; shift ;;
	--repeat) repeat=${2:?}; shift ;;
	--keep) keep=1 ;;
	*) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
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
cleanup() {
	[[ -z $proxy_pid ]] || kill "$proxy_pid" 2>/dev/null || true
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

# The proxy in front of h1, and a config with n aliases for each path.
"$build/drover-faultproxy" -l 127.0.0.1:0 -t "$FLEET_ADDR_1:$port" -d "$delay" >"$dir/proxy.out" &
proxy_pid=$!
for _ in $(seq 50); do grep -q '^PORT ' "$dir/proxy.out" 2>/dev/null && break; sleep 0.1; done
pport=$(sed -n 's/^PORT //p' "$dir/proxy.out")
[[ -n $pport ]] || { echo "automation.sh: proxy did not start" >&2; exit 1; }
read -r ktype kkey _ <"$dir/fleet/h1/ssh_host_ed25519_key.pub"
printf '[%s]:%s %s %s\n[127.0.0.1]:%s %s %s\n' "$FLEET_ADDR_1" "$port" "$ktype" "$kkey" \
	"$pport" "$ktype" "$kkey" >"$dir/known_hosts"
for path in direct proxied; do
	{
		for ((i = 1; i <= n; i++)); do
			if [[ $path == direct ]]; then
				printf 'Host a%03d\n  HostName %s\n  Port %s\n' "$i" "$FLEET_ADDR_1" "$port"
			else
				printf 'Host a%03d\n  HostName 127.0.0.1\n  Port %s\n' "$i" "$pport"
			fi
		done
		printf 'Host *\n  IdentityFile %s\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n' \
			"$FLEET_KEY" "$dir/known_hosts"
	} >"$dir/ssh_config.$path"
done
: >"$dir/inventory.ini"
printf '#!/bin/sh\nexec cat %s\n' "$FLEET_SUDO_PASSWORD_FILE" >"$dir/askpass"
printf '#!/bin/sh\necho enable-s3cret\n' >"$dir/askenable"
chmod 700 "$dir/askpass" "$dir/askenable"

targets="a[001-$(printf '%03d' "$n")]"
# row NAME PATH USER ARGS...: best wall of $repeat runs, with its CPU.
row() {
	local name=$1 path=$2 user=$3 best="" line r
	shift 3
	for ((r = 0; r < repeat; r++)); do
		TIMEFORMAT='%R %U %S'
		line=$( { time SSH_ASKPASS=$dir/askpass SSH_ASKPASS_REQUIRE=force \
			"$drover" -F "$dir/ssh_config.$path" -i "$dir/inventory.ini" exec -n -o none \
			-f "$n" --connect-timeout 120 -l "$user" "$@" >/dev/null 2>"$dir/err"; } 2>&1 ) ||
			{ echo "automation.sh: $name failed: $(tail -3 "$dir/err")" >&2; line="nan nan nan"; }
		if [[ -z $best ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
			best=$line
		fi
	done
	read -r wall usr sys <<<"$best"
	printf '%-9s %-28s %8.2f %8.3f\n' "$path" "$name" "$wall" "$(awk -v u="$usr" -v s="$sys" 'BEGIN{print u+s}')"
	eval "W_${path}_${name//[^a-z]/_}=$wall"
}

printf 'automation bench: %d hosts, all in flight; proxied path: +%d ms each way (RTT +%d ms)\n' \
	"$n" "$delay" $((2 * delay))
printf '%-9s %-28s %8s %8s\n' path row wall_s cpu_s
for path in direct proxied; do
	row plain "$path" "$FLEET_SUDO_USER" "$targets" -- true
	row sudo_nopasswd "$path" "$FLEET_NOPW_USER" --sudo "$targets" -- true
	row sudo_password "$path" "$FLEET_SUDO_USER" --sudo "$targets" -- true
	row dev_plain_exec "$path" "$FLEET_DEV_USER" "$targets" -- "show version"
	row dev_cli "$path" "$FLEET_DEV_USER" --cli "$targets" -- "show version"
done
rt=$((2 * delay))
# shellcheck disable=SC2154  # W_* are set by row() through eval
# Server work (sudo, PAM, the device's login) costs the same on both paths:
# what the delay adds beyond the direct difference is round trips.
awk -v rt="$rt" -v p="$W_proxied_plain" -v a="$W_proxied_sudo_nopasswd" \
	-v b="$W_proxied_sudo_password" -v d="$W_proxied_dev_plain_exec" -v c="$W_proxied_dev_cli" \
	-v P="$W_direct_plain" -v A="$W_direct_sudo_nopasswd" -v B="$W_direct_sudo_password" \
	-v D="$W_direct_dev_plain_exec" -v C="$W_direct_dev_cli" 'BEGIN {
	r = rt / 1000
	printf "extra round trips per host ((proxied - direct) wall difference / RTT):\n"
	printf "  --sudo, NOPASSWD:        %.2f\n", ((a - p) - (A - P)) / r
	printf "  --sudo, password asked:  %.2f\n", ((b - p) - (B - P)) / r
	printf "  --cli vs exec (device):  %.2f\n", ((c - d) - (C - D)) / r
}'
