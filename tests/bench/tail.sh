#!/usr/bin/env bash
# Log tail benchmark: drover tail vs clush and parallel-ssh -P running
# `tail -n 0 -F` on N host aliases of one dedicated local sshd, all
# following one file that a writer appends R lines/s to (each line carries
# its write time), so the client receives N x R lines/s. Then (tool
# "console") drover's console with its tail pane on the same stream:
# keystroke-to-echo in the pane's prompt, CPU, and whether the remote
# readers stay at the end of the file (the pane keeps up). See
# tests/bench/README.md. Not part of the test run.
#
#   tests/bench/tail.sh [--quick] [--n 100] [--rate 500] [--secs 60]
#                       [--warmup 20] [--tools "drover clush pssh console"]
#                       [--keys 200] [--keep]
#
# Environment: BENCH_PORT (2350), BENCH_ADDR (127.0.0.201), DROVER_BIN
# (<repo>/build/drover). Starts its own sshd and stops it (and every session)
# on exit, Ctrl-C or TERM. Needs python3 (writer and reader).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck disable=SC2034  # used by lib.sh
FLEET_PROG=tail.sh
# shellcheck source=../fleet/lib.sh
. "$repo/tests/fleet/lib.sh"

port=${BENCH_PORT:-2350}
addr=${BENCH_ADDR:-127.0.0.201}
drover=${DROVER_BIN:-$repo/build/drover}
n=100
rate=500
secs=60
warmup=20
tools="drover clush pssh console"
keys=200
keep=0

usage() {
	sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while (($#)); do
	case $1 in
	--quick) n=20 secs=15 warmup=10 keys=50 ;;
	--n) n=${2:?}; shift ;;
	--rate) rate=${2:?}; shift ;;
	--secs) secs=${2:?}; shift ;;
	--warmup) warmup=${2:?}; shift ;;
	--tools) tools=${2:?}; shift ;;
	--keys) keys=${2:?}; shift ;;
	--keep) keep=1 ;;
	*) usage ;;
	esac
	shift
done
for v in "$n" "$rate" "$secs" "$warmup" "$keys"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || fleet_die "bad number '$v'"
done
command -v python3 >/dev/null || fleet_die "python3 is not installed"
for t in $tools; do
	case $t in
	drover | console) [[ -x $drover ]] || fleet_die "$drover not built" ;;
	clush) command -v clush >/dev/null || fleet_die "clush (clustershell) is not installed" ;;
	pssh) command -v parallel-ssh >/dev/null || fleet_die "parallel-ssh (pssh) is not installed" ;;
	*) fleet_die "unknown tool '$t'" ;;
	esac
done
(($(ulimit -n) >= 4096)) || ulimit -n 4096 2>/dev/null || true
unset SSH_AUTH_SOCK SSH_AGENT_PID

# ---------------------------------------------------------------- sshd
bdir=""
tool_pid=""
writer_pid=""
# shellcheck disable=SC2317  # trap handler
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for p in $tool_pid $writer_pid; do
		kill -TERM -- "-$p" 2>/dev/null || true
	done
	sleep 0.3
	for p in $tool_pid $writer_pid; do
		kill -KILL -- "-$p" 2>/dev/null || true
	done
	if [[ -n $bdir ]]; then
		[[ ! -d $bdir/run ]] || XDG_RUNTIME_DIR=$bdir/run "$drover" kill-server >/dev/null 2>&1 || true
		fleet_stop "$bdir" || fleet_note "could not stop everything in $bdir"
		if ((keep)); then fleet_note "kept $bdir"; else rm -rf -- "$bdir"; fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bdir=$(mktemp -d "${TMPDIR:-/tmp}/drover-tailbench.XXXXXX")
chmod 755 "$bdir"
: >"$bdir/.drover-fleet"
fleet_setup_login_user
mkdir -m 700 "$bdir/client"
fleet_keygen "$bdir/client/id_ed25519" "drover-bench"
cp "$bdir/client/id_ed25519.pub" "$bdir/authorized_keys"
chmod 644 "$bdir/authorized_keys"
srv=$bdir/srv
mkdir -m 755 "$srv"
fleet_keygen "$srv/ssh_host_ed25519_key" bench
fleet_write_sshd_config "$srv" "$addr" "$port" "$bdir/authorized_keys" 2000:30:4000 "$FLEET_USER" \
	"UsePAM no" "PasswordAuthentication no" "KbdInteractiveAuthentication no"
fleet_start_sshd "$srv" "$addr" "$port"
fleet_known_hosts_line "$addr" "$port" "$srv/ssh_host_ed25519_key.pub" >"$bdir/known_hosts"
{
	for ((k = 1; k <= n; k++)); do
		printf 'Host t%03d\n  HostName %s\n  Port %s\n' "$k" "$addr" "$port"
	done
	printf '\nHost *\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n' "$FLEET_USER" "$bdir/client/id_ed25519"
	printf '  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n' "$bdir/known_hosts"
} >"$bdir/ssh_config"
for ((k = 1; k <= n; k++)); do printf 't%03d\n' "$k"; done >"$bdir/hosts"
mkdir -p "$bdir/clush"
printf '[Main]\nfanout: %d\nconnect_timeout: 60\ncommand_timeout: 0\ncolor: never\nfd_max: 4096\nssh_path: ssh\n' \
	"$n" >"$bdir/clush/clush.conf"
out=$(ssh -F "$bdir/ssh_config" t001 'echo ok' 2>&1 </dev/null) || true
[[ $out == ok ]] || fleet_die "ssh to the bench sshd failed: $out"

log=$bdir/app.log
: >"$log"
chmod 644 "$log"

# Writer: RATE lines/s in batches every 10 ms, "SEQ WRITE_NS padding" (72
# bytes with the newline); a ledger "SEQ WRITE_NS" per batch for the reader.
cat >"$bdir/writer.py" <<'EOF'
import os, sys, time
path, rate, ledger = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "w")
fd = os.open(path, os.O_WRONLY | os.O_APPEND)
seq, t0, tick = 0, time.monotonic(), 0.01
pad = "x" * 40
while True:
    tick_n = int((time.monotonic() - t0) * rate) - seq
    if tick_n > 0:
        now = time.time_ns()
        lines = []
        for _ in range(tick_n):
            seq += 1
            lines.append("%010d %d %s\n" % (seq, now, pad))
        os.write(fd, "".join(lines).encode())
        ledger.write("%d %d\n" % (seq, now))
        ledger.flush()
    time.sleep(tick)
EOF
# Reader: the tool's stdout; per host, every SEQ once? latency = receipt - write.
cat >"$bdir/reader.py" <<'EOF'
import sys, time, re
win_file, ledger_file, nhosts = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen, byseq, lat, total, anon = {}, {}, [], 0, 0
# "host: SEQ TIME ..." or, where a tool prefixes a whole chunk once
# (parallel-ssh -P), "SEQ TIME ..." alone: counted by sequence only.
rx = re.compile(rb"^(?:([A-Za-z0-9_.-]+): )?(\d{10}) (\d+) ")
for line in sys.stdin.buffer:
    now = time.time_ns()
    m = rx.match(line)
    if not m:
        continue
    total += 1
    host, seq, wt = m.group(1), int(m.group(2)), int(m.group(3))
    if host is None:
        anon += 1
    else:
        h = seen.setdefault(host, {})
        h[seq] = h.get(seq, 0) + 1
    byseq[seq] = byseq.get(seq, 0) + 1
    lat.append((wt, now - wt))
ws, we = [int(x) for x in open(win_file).read().split()]
lo = hi = None
prev = 0
for l in open(ledger_file):
    s, t = [int(x) for x in l.split()]
    if ws <= t <= we:
        if lo is None:
            lo = prev + 1
        hi = s
    prev = s
want = range(lo, hi + 1) if lo is not None else range(0)
lost = dup = got = 0
if anon == 0:
    for c in seen.values():
        for s in want:
            k = c.get(s, 0)
            lost += k == 0
            got += k > 0
            dup += max(0, k - 1)
    lost += max(0, nhosts - len(seen)) * len(want)
else:
    # Not attributable to hosts: each sequence number should come nhosts times.
    for s in want:
        k = byseq.get(s, 0)
        got += min(k, nhosts)
        lost += max(0, nhosts - k)
        dup += max(0, k - nhosts)
w = sorted(l for t, l in lat if ws <= t <= we)
def pct(p):
    return w[min(len(w) - 1, int(len(w) * p))] / 1e6 if w else float("nan")
print("lines_in_window %d lost %d dup %d hosts %d p50_ms %.1f p99_ms %.1f max_ms %.1f total %d anon %d"
      % (got, lost, dup, len(seen), pct(0.5), pct(0.99), (w[-1] / 1e6 if w else float("nan")), total, anon))
EOF

# Console: drover's console on a pty with the tail pane on the n aliases.
# After the warm-up (and every remote reader streaming), keys one at a time
# into the pane's highlight prompt (h): the time from writing a letter to
# the pty until drover's output has it, then DEL erases it. Meanwhile the
# CPU of drover and its session server, and how far the remote readers
# (GNU tail on the file, one per alias) are behind the end of the file:
# a console that does not keep up lets the SSH windows fill, and the
# readers stop at their offset while the file grows.
cat >"$bdir/console.py" <<'EOF'
import errno, fcntl, os, random, re, select, struct, subprocess, sys, termios, time
(nkeys, warmup, nhosts, user, log, drover, rundir), argv = sys.argv[1:8], sys.argv[8:]
nkeys, warmup, nhosts = int(nkeys), float(warmup), int(nhosts)
rows, cols = 50, 200
m, s = os.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
env = dict(os.environ, TERM="xterm-256color", XDG_RUNTIME_DIR=rundir)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(s, fd)
    os.execvpe(argv[0], argv, env)
os.close(s)
os.set_blocking(m, False)
now = time.monotonic

def read(t):
    r, _, _ = select.select([m], [], [], max(0.0, t))
    out = b""
    while r:
        try:
            d = os.read(m, 1 << 20)
        except BlockingIOError:
            break
        except OSError as e:
            if e.errno == errno.EIO:
                break
            raise
        if not d:
            break
        out += d
    return out

def pump(t):
    end, out = now() + t, b""
    while now() < end:
        out += read(end - now())
    return out

def readers():
    """Pids of the remote streaming readers (GNU tail on the file)."""
    r = subprocess.run(["pgrep", "-u", user, "-f", "^tail -c [+][0-9]+ -s"],
                       capture_output=True, text=True)
    return [int(x) for x in r.stdout.split()]

def behind(pids):
    """Bytes the slowest reader is behind the end of the file."""
    size, worst = os.stat(log).st_size, 0
    for p in pids:
        try:
            with open("/proc/%d/fdinfo/0" % p) as f:
                pos = int(f.read().split("pos:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
        worst = max(worst, size - pos)
    return worst

def ticks():
    tot = 0
    ps = [pid]
    r = subprocess.run([drover, "sessions"], capture_output=True, text=True,
                       env=env, timeout=10).stdout
    ps += [int(w.split(")")[0]) for w in r.split("(pid ")[1:]]
    for p in ps:
        try:
            with open("/proc/%d/stat" % p) as f:
                x = f.read().rsplit(")", 1)[1].split()
            tot += int(x[11]) + int(x[12])
        except OSError:
            pass
    return tot

def pct(v, p):
    return v[max(0, min(len(v) - 1, int(len(v) * p)))]

start = now()
while now() - start < warmup or (len(readers()) < nhosts and now() - start < warmup + 60):
    pump(0.5)
nread = len(readers())
seen = pump(2.0)
chars = [c for c in b"QZVWFIUYKJ" if bytes([c]) not in seen]
os.write(m, b"h")
pump(0.5)
hz = os.sysconf("SC_CLK_TCK")
c0, t0, lags, lat, miss = ticks(), now(), [], [], 0
for i in range(nkeys):
    c = bytes([chars[i % len(chars)]])
    k0 = now()
    os.write(m, c)
    got = b""
    while c not in got and now() - k0 < 5:
        got += read(5 - (now() - k0))
    if c in got:
        lat.append((now() - k0) * 1000)
    else:
        miss += 1
    os.write(m, b"\x7f")
    pump(random.uniform(0.03, 0.12))
    if i % 10 == 0:
        lags.append(behind(readers()))
c1, t1 = ticks(), now()
os.write(m, b"\x1b")
pump(0.3)
lat.sort()
lags.sort()
print("readers %d of %d keys %d miss %d p50 %.1f p95 %.1f p99 %.1f max %.1f cpu_s %.2f secs %.1f behind_p50 %d behind_max %d"
      % (nread, nhosts, len(lat), miss, pct(lat, 0.5), pct(lat, 0.95), pct(lat, 0.99), lat[-1],
         (c1 - c0) / hz, t1 - t0, pct(lags, 0.5), lags[-1]))
EOF

run_console() {
	local res name=tailbench$$
	mkdir -m 700 "$bdir/run"
	res=$(setsid python3 "$bdir/console.py" "$keys" "$warmup" "$n" "$FLEET_USER" "$log" "$drover" "$bdir/run" \
		"$drover" -F "$bdir/ssh_config" -s "$name" --tail "$log" "t[001-$(printf %03d "$n")]" \
		2>"$bdir/console.err" </dev/null) || fleet_note "console driver failed: $(tail -n 3 "$bdir/console.err")"
	XDG_RUNTIME_DIR=$bdir/run "$drover" kill-server >/dev/null 2>&1 || true
	pkill -u "$FLEET_USER" -f "^tail -c [+]" 2>/dev/null || true
	[[ -n $res ]] || return 0
	read -r _ nr _ _ _ nk _ miss _ p50 _ p95 _ p99 _ mx _ cpu _ ksecs _ bp50 _ bmax <<<"$res"
	printf 'console (drover --tail, the pane on %d aliases, %d of them streaming; %d lines/s):\n' "$n" "$nr" $((n * rate))
	printf '  keystroke to echo in the pane prompt: %d keys, %d missed; p50 %s ms, p95 %s, p99 %s, max %s\n' \
		"$nk" "$miss" "$p50" "$p95" "$p99" "$mx"
	printf '  CPU (drover + session server) %s s in %s s: %s s per million lines offered\n' "$cpu" "$ksecs" \
		"$(awk -v c="$cpu" -v s="$ksecs" -v r=$((n * rate)) 'BEGIN { printf "%.3f", c / (s * r / 1e6) }')"
	printf '  remote readers behind the end of the file: median %s bytes, worst %s bytes (%s lines/s x 72 bytes = %d bytes/s per reader)\n' \
		"$bp50" "$bmax" "$rate" $((rate * 72))
}

# CPU (user+sys, ms) of every live process in process group $1 (one awk
# over /proc: a bash loop is too slow on a busy machine and stretches the
# window). Fields after the ")" of the command name: pgrp is $3, utime $12.
group_cpu_ms() {
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pg="$1" -v hz="$(getconf CLK_TCK)" '
		{ sub(/^.*\) /, ""); if ($3 == pg) s += $12 + $13 }
		END { printf "%d\n", s * 1000 / hz }'
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

setsid python3 "$bdir/writer.py" "$log" "$rate" "$bdir/ledger" </dev/null &
writer_pid=$!

run_tool() { # tool -> prints a result row
	local tool=$1 c0 c1 ws we rss=() k res pipe_pid
	local -a cmd
	case $tool in
	drover) cmd=("$drover" -F "$bdir/ssh_config" tail --color never -n 0 "t[001-$(printf %03d "$n")]" -- "$log") ;;
	clush) cmd=(env PYTHONUNBUFFERED=1 "CLUSTERSHELL_CFGDIR=$bdir/clush" clush -f "$n" -w "t[001-$(printf %03d "$n")]" -o "-F $bdir/ssh_config" "tail -n 0 -F $log") ;;
	pssh) cmd=(env PYTHONUNBUFFERED=1 parallel-ssh -p "$n" -t 0 -P -h "$bdir/hosts" -x "-F $bdir/ssh_config" "tail -n 0 -F $log") ;;
	esac
	: >"$bdir/window"
	rm -f "$bdir/pgid"
	# (In a pipeline setsid does not fork: sh's pid is the new group's id.)
	setsid sh -c 'echo $$ >"$0"; exec "$@"' "$bdir/pgid" "${cmd[@]}" 2>"$bdir/$tool.err" </dev/null |
		python3 "$bdir/reader.py" "$bdir/window" "$bdir/ledger" "$n" >"$bdir/$tool.res" &
	pipe_pid=$!
	sleep 1
	tool_pid=$(<"$bdir/pgid")
	sleep "$warmup"
	ws=$(date +%s%N)
	c0=$(group_cpu_ms "$tool_pid")
	for ((k = 0; k < secs; k += 10)); do
		[[ $tool != drover ]] || rss+=("$(rss_kb "$tool_pid")")
		sleep 10
	done
	we=$(date +%s%N)
	c1=$(group_cpu_ms "$tool_pid")
	[[ $tool != drover ]] || rss+=("$(rss_kb "$tool_pid")")
	echo "$ws $we" >"$bdir/window"
	sleep 10   # lines of the window still on their way count as late, not lost
	kill -INT -- "-$tool_pid" 2>/dev/null || true
	sleep 2
	kill -TERM -- "-$tool_pid" 2>/dev/null || true
	wait "$pipe_pid" || true
	tool_pid=""
	pkill -u "$FLEET_USER" -f "tail -n 0 -F $log" 2>/dev/null || true
	res=$(<"$bdir/$tool.res")
	read -r _ lines _ lost _ dup _ hosts _ p50 _ p99 _ mx _ total _ anon <<<"$res"
	((anon == 0)) || hosts="($hosts)"
	printf '%-7s %6s %9d %6d %6d %8s %8s %8s %9s %10s  %s\n' "$tool" "$hosts" "$lines" "$lost" "$dup" \
		"$p50" "$p99" "$mx" "$(fmt_ms $((c1 - c0)))" \
		"$(awk -v c=$((c1 - c0)) -v l="$lines" 'BEGIN { if (l > 0) printf "%.3f", c / 1000 / (l / 1e6); else print "-" }')" \
		"${rss[*]:-}"
	echo "$tool $(awk -v c=$((c1 - c0)) -v l="$lines" 'BEGIN { if (l > 0) printf "%.4f", c / 1000 / (l / 1e6); else print 0 }') $p99 $lost $dup" >>"$bdir/rows"
}
fmt_ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

read -r load1 _ </proc/loadavg
printf 'tail benchmark: %d aliases of sshd %s:%s following one file, %d lines/s written (%d lines/s to the client), %d s window after %d s warm-up\n' \
	"$n" "$addr" "$port" "$rate" $((n * rate)) "$secs" "$warmup"
printf 'versions: %s; clush %s; pssh %s; %s; machine: %d cores, load %s\n\n' "$(ssh -V 2>&1 | cut -d, -f1)" \
	"$(clush --version 2>&1 | cut -d' ' -f2)" "$(parallel-ssh --version 2>&1)" "$("$drover" --version 2>&1 | head -n1)" \
	"$(nproc)" "$load1"
printf '%-7s %6s %9s %6s %6s %8s %8s %8s %9s %10s  %s\n' tool hosts lines lost dup "p50 ms" "p99 ms" "max ms" "cpu s" "cpu s/Mln" "drover RSS kB every 10 s"
: >"$bdir/rows"
for t in $tools; do
	[[ $t == console ]] || run_tool "$t"
done
printf '\n'
awk '
	$1 == "drover" { d = $2; dp = $3 }
	$1 != "drover" && $2 > 0 && (b == "" || $2 < b) { b = $2; bt = $1 }
	END {
		if (d == "" || b == "") exit
		printf "drover CPU per million lines / best peer (%s): %.2f (target <= 0.25); drover p99 %s ms (target <= 200)\n", bt, d / b, dp
	}' "$bdir/rows"
printf 'multitail: not run (it draws on a terminal; there is no output to time).\n'
for t in $tools; do
	[[ $t != console ]] || { printf '\n'; run_console; }
done
