#!/usr/bin/env bash
# Transfer benchmark: drover put/get vs OpenSSH sftp and scp on one file
# (loopback, then 0/30/100 ms RTT through drover-faultproxy), a push and a
# pull of one file to/from 200 host aliases vs parallel-scp/parallel-slurp,
# clush --copy/--rcopy and pdcp/rpdcp, and a tree of small files with -r vs
# sftp -r / scp -r. Wall time, MB/s, client CPU (user+sys) and peak RSS per
# row, ratios against the best peer. Not part of the test run.
#
#   tests/bench/transfer.sh [--size MiB] [--rtt-size MiB] [--many-size MiB]
#                           [--files N] [--rounds N] [--rtts "0 30 100"] [--keep]
#                           [--sections "one rtt many tree"]
#                           [--peers "sftp scp pssh clush pdsh"]
#
# Defaults: --size 1024 --rtt-size 1024 --many-size 10 --files 10000
# --rounds 3 (the rows of "one" and "tree", repeated in alternating order:
# medians).
# Environment: BENCH_PORT (2450), DROVER_BIN (<repo>/build/drover). Brings up
# its own 4-host fleet (tests/fleet/fleet.sh, 200 aliases n001..n200) on
# BENCH_PORT and takes it down on exit.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
port=${BENCH_PORT:-2450}
drover=${DROVER_BIN:-$repo/build/drover}
proxy=$(dirname "$drover")/drover-faultproxy
size=1024 rtt_size=1024 many_size=10 files=10000 nrounds=3 rtts="0 30 100" keep=0
sections="one rtt many tree"
peers="sftp scp pssh clush pdsh"
while (($#)); do
	case $1 in
	--size) size=$2; shift ;;
	--rtt-size) rtt_size=$2; shift ;;
	--many-size) many_size=$2; shift ;;
	--files) files=$2; shift ;;
	--rounds) nrounds=$2; shift ;;
	--rtts) rtts=$2; shift ;;
	--keep) keep=1 ;;
	--sections) sections=$2; shift ;;
	--peers) peers=$2; shift ;;
	*) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done

work=$(mktemp -d /tmp/drover-xbench.XXXXXX)
chmod 777 "$work"
fleet=$work/fleet
pxpid=
cleanup() {
	[ -n "$pxpid" ] && kill "$pxpid" 2>/dev/null || true
	FLEET_PORT=$port "$repo/tests/fleet/fleet.sh" down "$fleet" >/dev/null 2>&1 || true
	if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
FLEET_PORT=$port "$repo/tests/fleet/fleet.sh" up "$fleet" 4 >/dev/null
# shellcheck disable=SC1091
. "$fleet/fleet.env"
cfg=$FLEET_SSH_CONFIG
export SSH_AUTH_SOCK=

# One row: label, bytes moved, command...; prints wall, MB/s, CPU, RSS.
declare -A wall cpu
row() {
	local label=$1 bytes=$2
	shift 2
	local t0 t1 u s rss w
	# What the row before (or the set-up) left dirty is written back now,
	# not on the clock of the next row: a tree of 10,000 new files is ~4 s
	# of kernel writeback here.
	sync
	t0=$(date +%s.%N)
	if ! /usr/bin/time -o "$work/time" -f '%U %S %M' "$@" >/dev/null 2>"$work/err"; then
		echo "$label: FAILED ($(grep -v '^clush:' "$work/err" | tail -1))"
		return 0
	fi
	t1=$(date +%s.%N)
	read -r u s rss <"$work/time"
	w=$(echo "$t1 - $t0" | bc -l)
	wall[$label]=$w
	cpu[$label]=$(echo "$u + $s" | bc -l)
	printf '%-24s %7.2fs %8.1f MB/s  cpu %6.2fs (%6.2fs/GiB)  rss %7d KiB\n' "$label" "$w" \
	    "$(echo "$bytes / 1048576 / $w" | bc -l)" "${cpu[$label]}" \
	    "$(echo "${cpu[$label]} * 1073741824 / $bytes" | bc -l)" "$rss"
}
ratio() { # drover-label peer-label: wall and CPU of the peer over drover's (>1: drover better)
	[ -n "${wall[$1]:-}" ] && [ -n "${wall[$2]:-}" ] &&
	    printf '  %s / %s: wall %.2fx, cpu %.2fx\n' "$2" "$1" \
	    "$(echo "${wall[$2]} / ${wall[$1]}" | bc -l)" \
	    "$(echo "${cpu[$2]} / (${cpu[$1]} + 0.001)" | bc -l)"
	return 0
}

on() { [[ " $sections " == *" $1 "* ]]; }
want() { [[ " $peers " == *" $1 "* ]] && command -v "$2" >/dev/null; }

# The rows of a comparison are repeated --rounds times, the order reversed
# every other round, each into a new target; nothing is removed until the
# section ends. The machine's state moves a row more than the tools differ:
# ext4 without a journal (this VM's) skips every inode deleted in the last
# 1-6 minutes when it allocates one, so a tree created after a big rm is up
# to 2x slower, for whichever row comes first; one row's writeback lands on
# the next; the other tenants come and go. The medians compare the tools
# under the same conditions.
declare -A runs
trow() { # label bytes command... (round $r): one run of a repeated row
	local label=$1
	row "$label #$r" "${@:2}"
	[ -n "${wall["$label #$r"]:-}" ] &&
	    runs[$label]+="${wall["$label #$r"]} ${cpu["$label #$r"]};"
	return 0
}
median() { # label: the median run's wall and CPU, as the row "label"
	local -a w
	[ -n "${runs[$1]:-}" ] || return 0
	mapfile -t w < <(tr ';' '\n' <<<"${runs[$1]}" | sed '/^$/d' | sort -n)
	local m=$(( (${#w[@]} - 1) / 2 )) mw mc
	read -r mw mc <<<"${w[$m]}"
	wall[$1]=$mw
	cpu[$1]=$mc
	printf '%-24s %7.2fs median of %d, cpu %6.2fs\n' "$1" "${wall[$1]}" "${#w[@]}" "${cpu[$1]}"
}
rounds() { # runner label...: runner label runs one row of round $r
	local runner=$1 label i
	shift
	local -a order
	for ((r = 1; r <= nrounds; r++)); do
		order=()
		if ((r % 2)); then
			order=("$@")
		else
			for ((i = $#; i >= 1; i--)); do order+=("${!i}"); done
		fi
		for label in "${order[@]}"; do "$runner" "$label"; done
	done
	for label in "$@"; do median "$label"; done
}

# One row of round $r, by label: $what (a file, or a tree with rec=-r) to
# a new target, or $from (drover's first copy) back. drover fsyncs every
# file before its rename; sftp does only with -f.
put_row() {
	local t=$work/dst/r$r-${1//[^a-z]/}
	case $1 in
	"drover put"*) trow "$1" $bytes "$drover" -F "$cfg" put ${rec:+"$rec"} h1 -- "$what" "$t" ;;
	"sftp put"*) want sftp sftp && trow "$1" $bytes sftp -q -F "$cfg" \
	    -b <(echo "put${rec:+ $rec} $what $t") h1 ;;
	"scp"*) want scp scp && trow "$1" $bytes scp -q ${rec:+"$rec"} -F "$cfg" "$what" "h1:$t" ;;
	"sftp -f put"*) want sftp sftp && trow "$1" $bytes sftp -f -q -F "$cfg" \
	    -b <(echo "put${rec:+ $rec} $what $t") h1 ;;
	esac
}
get_row() {
	local t=$work/back/r$r-${1//[^a-z]/}
	case $1 in
	"drover get"*) trow "$1" $bytes "$drover" -F "$cfg" get ${rec:+"$rec"} h1 -- "$from" "$t" ;;
	"sftp get"*) want sftp sftp && trow "$1" $bytes sftp -q -F "$cfg" ${rec:+"$rec"} "h1:$from" "$t" ;;
	"scp"*) want scp scp && trow "$1" $bytes scp -q ${rec:+"$rec"} -F "$cfg" "h1:$from" "$t" ;;
	esac
}

src=$work/src
mkdir -p "$src" "$work/dst" "$work/back"
chmod 777 "$work/dst" "$work/back"
big=$size
[ "$rtt_size" -gt "$big" ] && big=$rtt_size
head -c $((big << 20)) /dev/urandom >"$src/big"
bytes=$((size << 20))
if on one; then
echo "== one file, ${size} MiB, loopback (h1)"
head -c "$bytes" "$src/big" >"$src/one"
what=$src/one from=$work/dst/r1-droverput rec=
rounds put_row "drover put" "sftp put" "scp put" "sftp -f put"
ratio "drover put" "sftp put"; ratio "drover put" "scp put"; ratio "drover put" "sftp -f put"
rounds get_row "drover get" "sftp get" "scp get"
ratio "drover get" "sftp get"; ratio "drover get" "scp get"
rm -rf "${work:?}"/dst/* "${work:?}"/back/* "$src/one"
fi

head -c $((rtt_size << 20)) "$src/big" >"$src/rtt"
bytes=$((rtt_size << 20))
on rtt || rtts=
for rtt in $rtts; do
	echo "== one file, ${rtt_size} MiB, ${rtt} ms RTT through drover-faultproxy"
	"$proxy" -l 127.0.0.1:0 -t "$FLEET_ADDR_1:$port" -d $((rtt / 2)) >"$work/px.out" &
	pxpid=$!
	# The proxy is the instrument, not a contender: never starved by the
	# nice'd load around it (a late timer is added latency for both tools).
	renice -n 0 -p "$pxpid" >/dev/null 2>&1 || true
	sleep 0.5
	pport=$(sed -n 's/^PORT //p' "$work/px.out")
	printf 'Host px\n  HostName 127.0.0.1\n  Port %s\n  UserKnownHostsFile %s/kh\n  StrictHostKeyChecking accept-new\nInclude %s\n' \
	    "$pport" "$work" "$cfg" >"$work/px_config"
	rm -f "$work/kh"
	"$drover" -F "$work/px_config" ls --accept-new px -- / >/dev/null 2>&1 || true
	row "drover put ${rtt}ms" $bytes "$drover" -F "$work/px_config" put px -- "$src/rtt" "$work/dst/d"
	want sftp sftp && row "sftp put ${rtt}ms" $bytes sftp -q -F "$work/px_config" -b <(echo "put $src/rtt $work/dst/s") px
	ratio "drover put ${rtt}ms" "sftp put ${rtt}ms"
	row "drover get ${rtt}ms" $bytes "$drover" -F "$work/px_config" get px -- "$work/dst/d" "$work/back"
	want sftp sftp && row "sftp get ${rtt}ms" $bytes sftp -q -F "$work/px_config" "px:$work/dst/d" "$work/back/s"
	ratio "drover get ${rtt}ms" "sftp get ${rtt}ms"
	kill "$pxpid"; wait "$pxpid" 2>/dev/null || true; pxpid=
	rm -rf "$work"/dst/* "$work"/back/*
done
rm -f "$src/rtt"

if on many; then
echo "== ${many_size} MiB to and from 200 aliases (n001..n200 -> 4 sshd)"
head -c $((many_size << 20)) "$src/big" >"$src/m"
bytes=$((200 * (many_size << 20)))
seq -f 'n%03g' 1 200 >"$work/hosts"
row "drover put x200" $bytes "$drover" -F "$cfg" put --connect-timeout 120 -f 200 'n[001-200]' -- "$src/m" "$work/dst/m"
want pssh parallel-scp && row "parallel-scp x200" $bytes parallel-scp -p 200 \
    -x "-F $cfg" -h "$work/hosts" "$src/m" "$work/dst/m"
want clush clush && row "clush --copy x200" $bytes clush -f 200 -o "-F $cfg" \
    -w 'n[001-200]' --copy "$src/m" --dest "$work/dst/m"
want pdsh pdcp && row "pdcp x200" $bytes env PDSH_SSH_ARGS_APPEND="-F $cfg" \
    pdcp -R ssh -f 200 -w 'n[001-200]' "$src/m" "$work/dst/m"
ratio "drover put x200" "parallel-scp x200"; ratio "drover put x200" "clush --copy x200"
ratio "drover put x200" "pdcp x200"
row "drover get x200" $bytes "$drover" -F "$cfg" get --connect-timeout 120 -f 200 'n[001-200]' -- "$work/dst/m" "$work/back/d"
mkdir -p "$work/back/p" "$work/back/c" "$work/back/r"
want pssh parallel-slurp && row "parallel-slurp x200" $bytes parallel-slurp -p 200 \
    -x "-F $cfg" -h "$work/hosts" -L "$work/back/p" "$work/dst/m" m
want clush clush && row "clush --rcopy x200" $bytes clush -f 200 -o "-F $cfg" \
    -w 'n[001-200]' --rcopy "$work/dst/m" --dest "$work/back/c"
want pdsh rpdcp && row "rpdcp x200" $bytes env PDSH_SSH_ARGS_APPEND="-F $cfg" \
    rpdcp -R ssh -f 200 -w 'n[001-200]' "$work/dst/m" "$work/back/r"
ratio "drover get x200" "parallel-slurp x200"; ratio "drover get x200" "clush --rcopy x200"
ratio "drover get x200" "rpdcp x200"
rm -rf "$work"/dst/* "$work"/back/*
fi

on tree || exit 0
echo "== ${files} files of 4 KiB, -r"
mkdir -p "$src/tree"
python3 - "$src/tree" "$files" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
b = os.urandom(4096 * 64)
for i in range(n):
    sub = os.path.join(d, "d%d" % (i // 100))
    os.makedirs(sub, exist_ok=True)
    open(os.path.join(sub, "f%d" % i), "wb").write(b[(i % 64) * 4096:][:4096])
PY
bytes=$((files * 4096))
what=$src/tree from=$work/dst/r1-droverputr rec=-r
rounds put_row "drover put -r" "sftp put -r" "scp -r put" "sftp -f put -r"
ratio "drover put -r" "sftp put -r"; ratio "drover put -r" "scp -r put"
ratio "drover put -r" "sftp -f put -r"
rounds get_row "drover get -r" "sftp get -r" "scp -r get"
ratio "drover get -r" "sftp get -r"; ratio "drover get -r" "scp -r get"
