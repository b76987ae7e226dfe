#!/usr/bin/env bash
# Console benchmark: drover's console vs tmux + ssh on a local demo fleet
# (tests/fleet/fleet.sh, real sshd per host). See tests/bench/README.md.
# Not part of the test run; prints figures and ratios, not pass/fail.
#
#   tests/bench/console.sh [--quick] [--only "drain keys idle attach"] [--mb MB]
#                          [--keys N] [--key-timeout S] [--keys-budget S]
#                          [--flood CMD] [--hosts N] [--idle-secs S]
#                          [--timeout S] [--keep]
#
# Environment: BENCH_PORT (2600), BENCH_FLEET_HOSTS (8), DROVER_BIN
# (<repo>/build/drover). Starts its own fleet and a private tmux server and
# stops them (and every drover, tmux and ssh it started) on exit, Ctrl-C, TERM.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck disable=SC2034  # used by lib.sh
FLEET_PROG=console.sh
# shellcheck source=../fleet/lib.sh
. "$repo/tests/fleet/lib.sh"

port=${BENCH_PORT:-2600}
fleet_n=${BENCH_FLEET_HOSTS:-8}
drover=${DROVER_BIN:-$repo/build/drover}
only="drain keys idle attach"
mb=200
keys=100
hosts=200
idle_secs=30
timeout=900
keys_budget=600
key_timeout=30
flood=yes
keep=0
quick=0

usage() {
	sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
posint() { [[ $1 =~ ^[1-9][0-9]*$ ]] || fleet_die "$2 wants a positive integer (got '$1')"; }
while (($#)); do
	case $1 in
	--quick)
		quick=1 mb=20 keys=30 hosts=50 idle_secs=10 timeout=180 keys_budget=90
		;;
	--only)
		only=${2:?}
		shift
		;;
	--flood)
		flood=${2:?}
		shift
		;;
	--mb | --keys | --hosts | --idle-secs | --timeout | --keys-budget | --key-timeout)
		posint "${2:-}" "$1"
		case $1 in
		--mb) mb=$2 ;;
		--keys) keys=$2 ;;
		--hosts) hosts=$2 ;;
		--idle-secs) idle_secs=$2 ;;
		--timeout) timeout=$2 ;;
		--keys-budget) keys_budget=$2 ;;
		--key-timeout) key_timeout=$2 ;;
		esac
		shift
		;;
	--keep) keep=1 ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
	shift
done
for w in $only; do
	[[ $w == drain || $w == keys || $w == idle || $w == attach ]] || fleet_die "--only: unknown benchmark '$w' (drain keys idle attach)"
done
want() { [[ " $only " == *" $1 "* ]]; }
((hosts <= 200)) || fleet_die "--hosts: at most 200 (the fleet's n001..n200 aliases)"
posint "$fleet_n" BENCH_FLEET_HOSTS
((fleet_n >= 4 && fleet_n <= 200)) || fleet_die "BENCH_FLEET_HOSTS must be 4..200"
# Pane geometry: the outer terminal is 200x50; drover's single pane is
# 200x48 inside it (title row, status bar), so the tmux pane for ssh is 200x48.
cols=200 rows=50 prows=48
keypanes=11

# ---------------------------------------------------------------- checks
[[ -x $drover ]] || fleet_die "$drover not found (build it: cmake -S . -B build && cmake --build build --target drover)"
for t in tmux python3 ssh sshd:/usr/sbin/sshd; do
	command -v "${t#*:}" >/dev/null || fleet_die "${t%%:*} is not installed"
done
need_fds=$((hosts * 4 + 512))
if (($(ulimit -n) < need_fds)); then
	ulimit -n "$need_fds" 2>/dev/null || fleet_note "warning: open-file limit $(ulimit -n) may be too low for $hosts hosts"
fi
# The interpreter itself, not a wrapper script (pyenv shims): its pid is the
# one to signal.
py=$(python3 -c 'import sys; print(sys.executable)') || fleet_die "python3 does not run"
unset SSH_AUTH_SOCK SSH_AGENT_PID TMUX TMUX_PANE # same auth path (the key file) everywhere

# ---------------------------------------------------------------- setup
bdir="" fdir="" tsock="" tool_pid="" fleet_started=0
# shellcheck disable=SC2317  # trap handler
cleanup() {
	local rc=$? pid comm i
	trap - EXIT INT TERM
	if [[ -n $tool_pid ]]; then
		kill -TERM "$tool_pid" 2>/dev/null || true
		wait "$tool_pid" 2>/dev/null || true
	fi
	[[ -z $tsock ]] || tmux -L "$tsock" kill-server 2>/dev/null || true
	# Everything we started directly (pane programs, pty children), by pid,
	# checked against its name: TERM, then KILL.
	if [[ -n $bdir && -s $bdir/pids ]]; then
		for i in 1 2 3 4 5 6 7 8 9 10 11; do
			local alive=()
			while read -r pid; do
				comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
				case $comm in drover | ssh | tmux* | python*) alive+=("$pid") ;; esac
			done <"$bdir/pids"
			((${#alive[@]})) || break
			if ((i == 11)); then
				fleet_note "still running: ${alive[*]}"
			elif ((i < 8)); then
				kill -TERM "${alive[@]}" 2>/dev/null || true
			else
				kill -KILL "${alive[@]}" 2>/dev/null || true
			fi
			sleep 0.3
		done
	fi
	[[ -z $bdir || ! -d $bdir/run ]] || XDG_RUNTIME_DIR=$bdir/run "$drover" kill-server >/dev/null 2>&1 || true
	if ((fleet_started)); then
		FLEET_PORT=$port "$repo/tests/fleet/fleet.sh" down "$fdir" || fleet_note "could not stop the fleet in $fdir"
	fi
	if [[ -n $bdir ]]; then
		if ((keep)); then
			fleet_note "kept $bdir"
		else
			rm -rf -- "$bdir"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bdir=$(mktemp -d "${TMPDIR:-/tmp}/drover-console-bench.XXXXXX")
# drover's console runs as a session server: ours live in a private runtime
# dir, are measured with their clients, and are all ended on exit.
mkdir -m 700 "$bdir/run"
export XDG_RUNTIME_DIR=$bdir/run DROVER_BIN_BENCH=$drover
chmod 755 "$bdir"
fdir=$bdir/fleet
tsock=drover-console-bench-$$
: >"$bdir/pids"
res=$bdir/results
: >"$res"
mkfifo -m 600 "$bdir/nap"
exec {napfd}<>"$bdir/nap"
nap() { read -r -t "$1" -u "$napfd" _ || true; } # sleep without a fork

if infocmp tmux-256color >/dev/null 2>&1; then tterm=tmux-256color; else tterm=screen-256color; fi
cat >"$bdir/tmux.conf" <<EOF
set -g status off
set -g default-terminal $tterm
set -g history-limit 10000
EOF
tm() { tmux -L "$tsock" -f "$bdir/tmux.conf" "$@"; }

cat >"$bdir/drv.py" <<'PY'
# pty driver for tests/bench/console.sh (Python 3 standard library only).
# Runs a program (drover, or a tmux client) on a pty it owns, reads and
# discards everything the program draws, types into it, and timestamps what
# shows up in the byte stream. Subcommands: drain, keys, shells, idle-fleet,
# progress. Results go to --out as "key value" lines; notes to stderr.
import argparse, errno, fcntl, math, os, random, select, signal, struct, subprocess, sys, termios, time

now = time.monotonic


def note(msg):
    sys.stderr.write("  " + msg + "\n")
    sys.stderr.flush()


# ---- the fleet's processes (sshd SetEnv DROVER_FLEET_HOST=DIR/<host>) ----

def fleet_procs(var, exact):
    """[(pid, comm)] of processes whose environment has var (exact entry) or
    an entry starting with var (exact=False)."""
    out = []
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read()
            with open("/proc/%s/comm" % d) as f:
                comm = f.read().strip()
        except OSError:
            continue
        for e in env.split(b"\0"):
            if (e == var) if exact else e.startswith(var):
                out.append((int(d), comm))
                break
    return out


def count_shells(var, exact):
    return sum(1 for _, c in fleet_procs(var, exact) if c in ("sh", "dash", "bash"))


def wait_shells(var, exact, n, timeout):
    end = now() + timeout
    while now() < end:
        if count_shells(var, exact) >= n:
            return True
        time.sleep(0.2)
    return False


def proc_io(pid, key):
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                k, v = line.split(":")
                if k == key:
                    return int(v)
    except OSError:
        pass
    return None


def progress(var, comm):
    """Bytes written so far by the remote `comm` process(es) of var."""
    tot = None
    for pid, c in fleet_procs(var, True):
        if c == comm:
            w = proc_io(pid, "wchar")
            if w is not None:
                tot = (tot or 0) + w
    return tot


def session_pids():
    """Pids of the drover session servers in our private runtime dir (the
    console runs there; the pane program is only its client)."""
    drover = os.environ.get("DROVER_BIN_BENCH")
    if not drover:
        return []
    try:
        out = subprocess.run([drover, "sessions"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(w.split(")")[0]) for w in out.split("(pid ")[1:]]


def tool_ticks(pid):
    """CPU ticks of the program and, for drover, its session server."""
    return cpu_ticks(pid) + sum(cpu_ticks(p) for p in session_pids())


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        f = f.read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])   # utime + stime (fields 14, 15)


# ---- a program on a pty ----

class Child:
    def __init__(self, argv, rows, cols, env, pidfile=None):
        m, s = os.openpty()
        fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                fcntl.ioctl(s, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(s, fd)
                os.close(m)
                if s > 2:
                    os.close(s)
                os.execvpe(argv[0], argv, env)
            except BaseException as e:
                os.write(2, ("exec %s: %s\n" % (argv[0], e)).encode())
            os._exit(127)
        os.close(s)
        os.set_blocking(m, False)
        self.fd, self.pid, self.dead, self.nbytes = m, pid, False, 0
        if pidfile:
            with open(pidfile, "a") as f:
                f.write("%d\n" % pid)

    def read(self, timeout):
        """Waits up to timeout for output; returns what is there (b"" if none)."""
        if self.dead:
            time.sleep(max(0.0, timeout))
            return b""
        r, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not r:
            return b""
        chunks = []
        while True:
            try:
                d = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                self.dead = True
                break
            if not d:
                self.dead = True
                break
            chunks.append(d)
            if len(d) < (1 << 20):
                break
        d = b"".join(chunks)
        self.nbytes += len(d)
        return d

    def pump(self, secs):
        """Reads and discards output for secs seconds."""
        end = now() + secs
        while True:
            left = end - now()
            if left <= 0:
                return
            self.read(min(left, 0.2))

    def flush(self):
        """Discards the output that is already there."""
        for _ in range(64):
            if not self.read(0):
                return

    def write(self, b):
        while b:
            try:
                n = os.write(self.fd, b)
                b = b[n:]
            except BlockingIOError:
                self.read(0.01)

    def wait_for(self, needle, timeout):
        """Monotonic time at which needle arrived, or None."""
        end, tail, keep = now() + timeout, b"", len(needle) - 1
        while True:
            left = end - now()
            if left <= 0 or self.dead:
                return None
            d = self.read(min(left, 0.25))
            if not d:
                continue
            t = now()
            buf = tail + d
            if needle in buf:
                return t
            tail = buf[len(buf) - keep:] if keep else b""

    def exited(self):
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return True
        return pid != 0

    def close(self, quit_keys=b"", grace=10.0):
        if quit_keys and not self.dead:
            try:
                self.write(quit_keys)
            except OSError:
                pass
        for sig, secs in ((None, grace), (signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
            if sig is not None:
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    pass
            end = now() + secs
            while now() < end:
                if self.exited():
                    os.close(self.fd)
                    return True
                self.read(0.05)   # never let it block on a full pty
        os.close(self.fd)
        return False


def child_env():
    env = dict(os.environ)
    env["TERM"] = "xterm-256color"
    for k in ("TMUX", "TMUX_PANE", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "COLUMNS", "LINES"):
        env.pop(k, None)
    return env


def ready_probe(ch, tries=15):
    """Types `echo R$((K+1))Y` until the pane's shell answers RnY."""
    for k in range(41, 41 + tries):
        ch.write(("echo R$((%d+1))Y\r" % k).encode())
        if ch.wait_for(("R%dY" % (k + 1)).encode(), 2.0) is not None:
            return True
    return False


def results(path, **kv):
    with open(path, "a") as f:
        for k, v in kv.items():
            f.write("%s %s\n" % (k, v))


# ---- drain: time a command's output through the program until a marker ----

def cmd_drain(a):
    ch = Child(a.argv, a.rows, a.cols, child_env(), a.pidfile)
    var = a.fleet_var.encode()
    status = "ok"
    try:
        if not wait_shells(var, True, 1, 60):
            raise SystemExit("drain: no remote shell after 60 s")
        ch.pump(0.5)
        ch.write(b"clear\r")
        ch.pump(0.5)
        if not ready_probe(ch):
            raise SystemExit("drain: the shell does not answer")
        ch.write(b"clear\r")
        ch.pump(0.7)
        n0 = ch.nbytes
        c0 = tool_ticks(ch.pid)
        t0 = now()
        ch.write(a.line.encode() + b"\r")
        t1 = ch.wait_for(a.marker.encode(), a.timeout)
        drawn = ch.nbytes - n0
        if a.cpu_name:
            try:
                results(a.out, **{a.label + "_cpu": "%s %.1f s" % (
                    a.cpu_name, (tool_ticks(ch.pid) - c0) / os.sysconf("SC_CLK_TCK"))})
            except OSError:
                pass
        if t1 is None:
            status = "died" if ch.dead else "timeout"
            prog = progress(var, "head")
            results(a.out, **{a.label + "_status": status, a.label + "_secs": "%.2f" % (now() - t0),
                              a.label + "_progress": prog if prog is not None else -1,
                              a.label + "_drawn": drawn})
        else:
            results(a.out, **{a.label + "_status": status, a.label + "_secs": "%.2f" % (t1 - t0),
                              a.label + "_drawn": drawn})
    finally:
        ch.close(a.quit.encode().decode("unicode_escape").encode("latin-1"), 10.0)


# ---- keys: keystroke-to-echo latency in pane 1, idle and with floods ----

def pct(s, p):
    return s[max(0, int(math.ceil(p / 100.0 * len(s))) - 1)]


def measure_keys(ch, n, label, out, per_key, budget):
    """n keystrokes into the focused pane, one at a time: the time from
    writing a character to the pty until it arrives in the program's output.
    Stops early after budget seconds; a key not echoed within per_key
    seconds counts as a miss (infinitely late in the percentiles)."""
    # Letters that no curses sequence, pane title, status bar or `yes` flood
    # contains (checked by check_chars); rotating them means a late echo is
    # never taken for the next key's.
    lat, miss, sent, start = [], 0, 0, now()
    for i in range(n):
        if now() - start > budget:
            break
        if i % 16 == 0:
            ch.write(b"\x15")            # ^U: empty the shell's line
            ch.pump(0.3)
        ch.flush()
        c = KEYCHARS[i % len(KEYCHARS):i % len(KEYCHARS) + 1]
        t0 = now()
        ch.write(c)
        sent += 1
        t = ch.wait_for(c, per_key)
        if t is None:
            miss += 1
            lat.append(float("inf"))
        else:
            lat.append((t - t0) * 1000.0)
        ch.pump(random.uniform(0.03, 0.12))
    s = sorted(lat)
    fin = [v for v in s if v != float("inf")]

    def f(v):
        return "%.1f" % v if v != float("inf") else ">%d" % int(per_key * 1000)
    kv = {label + "_n": sent, label + "_miss": miss, label + "_secs": "%.0f" % (now() - start)}
    if s:
        kv.update({label + "_p50": f(pct(s, 50)), label + "_p95": f(pct(s, 95)),
                   label + "_p99": f(pct(s, 99)), label + "_max": f(s[-1])})
    if fin:
        kv[label + "_min"] = "%.1f" % fin[0]
    results(out, **kv)


KEYCHARS = b"QZVWFIUY"


def check_chars(ch, secs):
    """Reads for secs; returns the KEYCHARS that showed up untyped."""
    seen, end = set(), now() + secs
    while now() < end:
        d = ch.read(0.1)
        for c in KEYCHARS:
            if bytes([c]) in d:
                seen.add(chr(c))
    return "".join(sorted(seen))


def tty_writers(var):
    """Session processes other than shells whose stdout is the session's
    pty: the last command of each flood pipeline."""
    out = []
    for pid, c in fleet_procs(var, False):
        if c in ("sh", "dash", "bash"):
            continue
        try:
            if os.readlink("/proc/%d/fd/1" % pid).startswith("/dev/pts/"):
                out.append(pid)
        except OSError:
            pass
    return out


def flood_bytes(var):
    return sum(proc_io(pid, "wchar") or 0 for pid in tty_writers(var))


def cmd_keys(a):
    var = a.fleet_prefix.encode()
    ch = Child(a.argv, a.rows, a.cols, child_env(), a.pidfile)
    hz = os.sysconf("SC_CLK_TCK")
    L = a.label
    try:
        if not wait_shells(var, False, a.panes, 120):
            raise SystemExit("keys: %d of %d remote shells after 120 s" % (count_shells(var, False), a.panes))
        ch.pump(1.0)
        ch.write(b"clear\r")
        ch.pump(0.5)
        if not ready_probe(ch):
            raise SystemExit("keys: pane 1 does not answer")
        ch.write(b"clear\r")
        ch.pump(0.5)
        bad = check_chars(ch, 1.0)
        if bad:
            results(a.out, **{L + "_badchars_idle": bad})
        note("%s: %d keystrokes, nothing flooding ..." % (L, a.n))
        measure_keys(ch, a.n, L + "_idle", a.out, a.per_key, a.budget)
        if not a.flood:
            return
        # Floods in panes 2..N: prefix + o (next pane), type the command.
        ch.write(b"\x15")
        for _ in range(2, a.panes + 1):
            for k in (b"\x07", b"o", a.flood.encode() + b"\r"):
                ch.write(k)
                ch.pump(0.15)
        ch.write(b"\x07")
        ch.pump(0.1)
        ch.write(b"q")           # pane numbers, then 1: focus pane 1 again
        ch.pump(0.1)
        ch.write(b"1")
        end, nflood = now() + 30, 0
        while now() < end:
            nflood = len(tty_writers(var))
            if nflood >= a.panes - 1:
                break
            ch.pump(0.25)
        results(a.out, **{L + "_flooding": nflood})
        bad = check_chars(ch, 3.0)
        if bad:
            results(a.out, **{L + "_badchars_flood": bad})
        note("%s: %d keystrokes, %d panes flooding (%s) ..." % (L, a.n, nflood, a.flood))
        c0, b0, d0, t0 = tool_ticks(ch.pid), flood_bytes(var), ch.nbytes, now()
        measure_keys(ch, a.n, L + "_flood", a.out, a.per_key, a.budget)
        c1, b1, d1, t1 = tool_ticks(ch.pid), flood_bytes(var), ch.nbytes, now()
        results(a.out, **{L + "_flood_cpu_pct": "%.0f" % (100.0 * (c1 - c0) / hz / (t1 - t0)),
                          L + "_flood_mbps": "%.2f" % ((b1 - b0) / (t1 - t0) / 1e6),
                          L + "_flood_drawn_kbps": "%.1f" % ((d1 - d0) / (t1 - t0) / 1e3)})
    finally:
        ch.close(a.quit.encode().decode("unicode_escape").encode("latin-1"), 10.0)


def cmd_connlog(a):
    """Reads a DROVER_LOG: settles (exit 0 once n hosts reached ready or
    failed) or reports failures and connect times."""
    last, t_conn, t_ready, why = {}, {}, {}, {}

    def ts(x):
        h, m, sec = x.split(":")
        return int(h) * 3600 + int(m) * 60 + float(sec)
    try:
        lines = open(a.log, errors="replace").read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        f = line.split(" ", 3)
        if len(f) < 4:
            continue
        host = f[2].rstrip(":")
        if f[1] == "conn_set_state:" and " -> " in f[3]:
            st = f[3].split(" -> ", 1)[1]
            last[host] = st
            if st == "connecting" and host not in t_conn:
                t_conn[host] = ts(f[0])
            if st == "ready" and host not in t_ready:
                t_ready[host] = ts(f[0])
        elif f[1] == "eng__conn_fail:":
            why[host] = f[3]
    final = [h for h, st in last.items() if st in ("ready", "failed", "closed")]
    if a.settled:
        sys.exit(0 if len(final) >= a.n else 1)
    bad = sorted(h for h, st in last.items() if st != "ready")
    for h in bad:
        print("   not up: %s: %s (%s)" % (h, last[h], why.get(h, "no reason logged")))
    d = sorted(t_ready[h] - t_conn[h] for h in t_ready if h in t_conn)
    if d:
        print("   connect (TCP + key exchange + auth) per host: median %.2f s, p95 %.2f s, max %.2f s"
              % (d[len(d) // 2], pct(d, 95), d[-1]))


def main():
    def bye(signum, frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, bye)
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("drain")
    d.add_argument("--fleet-var", required=True)
    d.add_argument("--rows", type=int, required=True)
    d.add_argument("--cols", type=int, required=True)
    d.add_argument("--line", required=True)
    d.add_argument("--marker", required=True)
    d.add_argument("--timeout", type=float, required=True)
    d.add_argument("--quit", default="")
    d.add_argument("--label", required=True)
    d.add_argument("--cpu-name", default="")
    d.add_argument("--out", required=True)
    d.add_argument("--pidfile")
    d.add_argument("argv", nargs=argparse.REMAINDER)
    k = sub.add_parser("keys")
    k.add_argument("--fleet-prefix", required=True)
    k.add_argument("--panes", type=int, required=True)
    k.add_argument("--n", type=int, required=True)
    k.add_argument("--flood", default="")
    k.add_argument("--per-key", type=float, default=10.0)
    k.add_argument("--budget", type=float, default=600.0)
    k.add_argument("--quit", default="")
    k.add_argument("--label", required=True)
    k.add_argument("--rows", type=int, required=True)
    k.add_argument("--cols", type=int, required=True)
    k.add_argument("--out", required=True)
    k.add_argument("--pidfile")
    k.add_argument("argv", nargs=argparse.REMAINDER)
    s = sub.add_parser("shells")       # wait until N shells run
    s.add_argument("--fleet-var", required=True)
    s.add_argument("--exact", action="store_true")
    s.add_argument("--n", type=int, required=True)
    s.add_argument("--timeout", type=float, required=True)
    i = sub.add_parser("idle-fleet")   # wait until no session process runs
    i.add_argument("--fleet-prefix", required=True)
    i.add_argument("--timeout", type=float, required=True)
    c = sub.add_parser("connlog")
    c.add_argument("--log", required=True)
    c.add_argument("--n", type=int, default=0)
    c.add_argument("--settled", action="store_true")
    g = sub.add_parser("progress")
    g.add_argument("--fleet-var", required=True)
    g.add_argument("--comm", default="head")
    a = p.parse_args()
    if getattr(a, "pidfile", None):
        with open(a.pidfile, "a") as f:
            f.write("%d\n" % os.getpid())
    if getattr(a, "argv", None):
        if a.argv[0] == "--":
            a.argv = a.argv[1:]
    if a.cmd in ("drain", "keys") and not a.argv:
        p.error("no program to run")
    if a.cmd == "drain":
        cmd_drain(a)
    elif a.cmd == "keys":
        cmd_keys(a)
    elif a.cmd == "shells":
        sys.exit(0 if wait_shells(a.fleet_var.encode(), a.exact, a.n, a.timeout) else 1)
    elif a.cmd == "idle-fleet":
        var, end = a.fleet_prefix.encode(), now() + a.timeout
        while now() < end:
            if not fleet_procs(var, False):
                sys.exit(0)
            time.sleep(0.1)
        print(" ".join("%d:%s" % pc for pc in fleet_procs(var, False)))
        sys.exit(1)
    elif a.cmd == "connlog":
        cmd_connlog(a)
    elif a.cmd == "progress":
        w = progress(a.fleet_var.encode(), a.comm)
        print(w if w is not None else -1)


if __name__ == "__main__":
    main()
PY
drv() { "$py" "$bdir/drv.py" "$@"; }
# run_drv ARGS...: the pty driver in the background, so that Ctrl-C and TERM
# reach the traps at once (the driver cleans up its own child on TERM).
run_drv() {
	local rc=0
	"$py" "$bdir/drv.py" "$@" &
	tool_pid=$!
	wait "$tool_pid" || rc=$?
	tool_pid=""
	return "$rc"
}
val() { awk -v k="$1" '$1 == k { v = substr($0, length(k) + 2) } END { print v }' "$res"; }

fleet_started=1
FLEET_PORT=$port "$repo/tests/fleet/fleet.sh" up "$fdir" "$fleet_n" >"$bdir/fleet-up.log" 2>&1 || {
	cat "$bdir/fleet-up.log" >&2
	fleet_die "fleet.sh up failed (port $port taken? set BENCH_PORT)"
}
cfg=$fdir/ssh_config inv=$fdir/inventory.ini
hvar=DROVER_FLEET_HOST=$fdir/h1 # sessions on h1 carry exactly this
fprefix=DROVER_FLEET_HOST=$fdir/ # any session of this fleet

# Waits until no session process of the fleet is left (ended sessions take
# a moment); after 20 s the leftovers (ours: started by this fleet's sshds
# for this run) are sent TERM.
fleet_idle() {
	local left
	# A drover console whose terminal went away stays on as a detached
	# session (by design), with its remote shells, which ignore TERM.
	"$drover" kill-server >/dev/null 2>&1 || true
	left=$(drv idle-fleet --fleet-prefix "$fprefix" --timeout 20) && return 0
	fleet_note "warning: sessions still running after 20 s, stopping them: $left"
	local p
	for p in $left; do kill -TERM "${p%%:*}" 2>/dev/null || true; done
	drv idle-fleet --fleet-prefix "$fprefix" --timeout 10 >/dev/null || fleet_note "warning: sessions survive TERM"
}
# start_pane SESSION ROWS CMD: a tmux session (200 x ROWS) running CMD; sets pane_pid.
start_pane() {
	tm new-session -d -s "$1" -x "$cols" -y "$2" "exec $3"
	pane_pid=$(tm display -p -t "$1" '#{pane_pid}')
	printf '%s\n' "$pane_pid" >>"$bdir/pids"
}
# stop_pane SESSION PID: kill the session, wait until PID is gone.
stop_pane() {
	local i
	tm kill-session -t "$1" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		[[ -d /proc/$2 ]] || return 0
		((i != 50)) || kill -KILL "$2" 2>/dev/null || true
		nap 0.1
	done
	fleet_note "warning: pid $2 survives its tmux session"
}
screen_of() { tm capture-pane -p -t "$1" 2>/dev/null || true; }
# wait_screen SESSION NEEDLE SECS [POLL]: 0 once NEEDLE is on the screen.
wait_screen() {
	local end=$((${EPOCHREALTIME/[.,]/} + $3 * 1000000))
	while :; do
		[[ $(screen_of "$1") == *"$2"* ]] && return 0
		((${EPOCHREALTIME/[.,]/} < end)) || return 1
		nap "${4:-0.1}"
	done
}
# tmux_ready SESSION: the pane's remote shell runs and answers; screen cleared.
tmux_ready() {
	local k
	drv shells --fleet-var "$hvar" --exact --n 1 --timeout 60 || return 1
	nap 0.5
	tm send-keys -t "$1" clear Enter
	nap 0.5
	for ((k = 41; k < 56; k++)); do
		tm send-keys -t "$1" "echo R\$(($k+1))Y" Enter
		if wait_screen "$1" "R$((k + 1))Y" 2 0.05; then
			tm send-keys -t "$1" clear Enter
			nap 0.7
			return 0
		fi
	done
	return 1
}
ticks() { # PID -> utime + stime in clock ticks (whole process)
	local st f
	st=$(<"/proc/$1/stat") || return 1
	read -ra f <<<"${st##*) }"
	echo $((f[11] + f[12]))
}
# drover_ticks PID: ticks of a drover client and of the session servers it
# talks to (ours are the only ones in $XDG_RUNTIME_DIR), where the console
# really runs.
drover_ticks() {
	local t p
	t=$(ticks "$1") || return 1
	for p in $("$drover" sessions 2>/dev/null | sed -n 's/.*(pid \([0-9]*\)).*/\1/p'); do
		t=$((t + $(ticks "$p" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
hz=$(getconf CLK_TCK)
tick_s() { awk -v t="$1" -v h="$hz" 'BEGIN { printf "%.1f", t / h }'; }
us_to_s() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1e6 }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.2f", b / s / 1e6 }'; }

printf 'console benchmark: fleet of %d sshd on 127.0.0.2..%d port %d (user %s), outer terminal %dx%d\n' \
	"$fleet_n" $((fleet_n + 1)) "$port" "$(awk -F= '$1 == "FLEET_USER" { print $2 }' "$fdir/fleet.env")" "$cols" "$rows"
printf 'versions: %s; %s; %s; libvterm %s\n' "$("$drover" --version 2>&1 | head -n1)" "$(tmux -V)" \
	"$(ssh -V 2>&1 | cut -d, -f1)" "$(dpkg-query -W -f '${Version}' libvterm0 2>/dev/null || echo '?')"
drover_mtime=$(stat -c %Y "$drover")
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')
dirty=$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null | wc -l || echo 0)
printf 'drover binary: %s, built %s; repository at %s%s\n' "$drover" "$(date -d "@$drover_mtime" '+%F %T')" "$rev" \
	"$( ((dirty == 0)) || echo " with $dirty uncommitted changed file(s)")"
read -r load1 _ </proc/loadavg
cores=$(nproc)
printf 'machine: %d cores, load average %s; %s run\n' "$cores" "$load1" "$( ((quick)) && echo quick || echo full)"
if awk -v l="$load1" -v c="$cores" 'BEGIN { exit !(l > c / 2) }'; then
	printf 'WARNING: the machine is busy (load %s on %d cores); timings will be noisy.\n' "$load1" "$cores"
fi

declare -A got=()   # what ran and its figures, for the summary

# ---------------------------------------------------------------- 1. drain
if want drain; then
	bytes=$((mb * 1000000))
	marker=MkDrainEnd
	# The marker comes last and is not on the typed line (printf joins it).
	remote="seq 1 999999999|head -c $bytes"
	line="$remote;printf '\\n%s%s\\n' MkDr ainEnd"
	printf '\n1. drain: %s (%d MB of 2-10 byte lines, then a marker line) on h1,\n' "$remote" "$mb"
	printf '   pane 200x48; time from typing the command to the marker on screen (timeout %d s)\n' "$timeout"

	# transport ceiling: remote pty, nothing rendered
	fleet_idle
	t0=$EPOCHREALTIME
	rc=0
	ssh -tt -F "$cfg" h1 "$remote" </dev/null >/dev/null 2>&1 || rc=$?
	t1=$EPOCHREALTIME
	w=$((${t1/[.,]/} - ${t0/[.,]/}))
	printf '   %-46s %8s s %8s MB/s%s\n' "ssh -tt h1 CMD >/dev/null (transport, no screen)" "$(us_to_s $w)" \
		"$(mbps "$bytes" "$(us_to_s $w)")" "$( ((rc == 0)) || echo "  (exit $rc)")"

	# drain_row LABEL NAME: prints a result row from the driver's results.
	drain_row() {
		local label=$1 name=$2 st secs prog drawn cpu extra=""
		st=$(val "${label}_status") secs=$(val "${label}_secs")
		drawn=$(val "${label}_drawn") cpu=$(val "${label}_cpu")
		[[ -z $cpu ]] || extra="  cpu: $cpu"
		[[ -z $drawn ]] || extra="$extra, drew $(awk -v d="$drawn" 'BEGIN { printf "%.0f kB", d / 1e3 }') to its terminal"
		if [[ $st == ok ]]; then
			got[$label]=$(mbps "$bytes" "$secs")
			printf '   %-46s %8s s %8s MB/s%s\n' "$name" "$secs" "${got[$label]}" "$extra"
		elif [[ -n $st ]]; then
			prog=$(val "${label}_progress")
			printf '   %-46s %s after %s s' "$name" "${st^^}" "$secs"
			if [[ -n $prog && $prog -gt 0 ]]; then
				printf ' (the remote command had written %s MB: >= %s MB/s)' \
					"$(awk -v b="$prog" 'BEGIN { printf "%.1f", b / 1e6 }')" "$(mbps "$prog" "$secs")"
			fi
			printf '%s\n' "$extra"
		else
			printf '   %-46s FAILED (see above)\n' "$name"
		fi
	}

	# a) detached tmux, capture-pane polled every 20 ms
	printf '   a) in a detached tmux pane, screen polled with capture-pane every 20 ms:\n'
	tmux_drain() { # LABEL SESSION ROWS CMD
		local label=$1 s=$2 t0 t1 end st=timeout prog cpid what c0
		fleet_idle
		start_pane "$s" "$3" "$4"
		if [[ $label == tdrover ]]; then
			cpid=$pane_pid what=drover
		else
			cpid=$(tm display -p '#{pid}') what="tmux server"
		fi
		if ! tmux_ready "$s"; then
			fleet_note "$label: the pane's shell does not answer"
			stop_pane "$s" "$pane_pid"
			return 0
		fi
		if [[ $label == tdrover ]]; then c0=$(drover_ticks "$cpid"); else c0=$(ticks "$cpid"); fi
		t0=$EPOCHREALTIME
		tm send-keys -t "$s" -l "$line" \; send-keys -t "$s" Enter
		end=$((${t0/[.,]/} + timeout * 1000000))
		while :; do
			if [[ $(screen_of "$s") == *"$marker"* ]]; then
				t1=$EPOCHREALTIME st=ok
				break
			fi
			t1=$EPOCHREALTIME
			((${t1/[.,]/} < end)) || break
			nap 0.02
		done
		printf '%s_status %s\n%s_secs %s\n%s_cpu %s\n' "$label" "$st" "$label" "$(us_to_s $((${t1/[.,]/} - ${t0/[.,]/})))" \
			"$label" "$what $(tick_s $(($(if [[ $label == tdrover ]]; then drover_ticks "$cpid"; else ticks "$cpid"; fi) - c0))) s" >>"$res"
		if [[ $st == ok ]]; then
			nap 0.5
			screen_of "$s" >"$bdir/screen.$label"
		else
			prog=$(drv progress --fleet-var "$hvar")
			printf '%s_progress %s\n' "$label" "$prog" >>"$res"
		fi
		stop_pane "$s" "$pane_pid"
	}
	tmux_drain tssh dssh "$prows" "ssh -tt -F '$cfg' h1"
	drain_row tssh "ssh -tt h1 in a tmux pane"
	tmux_drain tdrover ddrover "$rows" "'$drover' -F '$cfg' -i '$inv' h1"
	drain_row tdrover "drover h1 in a tmux pane (tmux draws drover)"
	if [[ -s $bdir/screen.tssh && -s $bdir/screen.tdrover ]]; then
		# drover's pane rows 2..49 (title above, status bar below) vs tmux's 48 rows.
		if diff <(sed -n 2,49p "$bdir/screen.tdrover") <(sed -n 1,48p "$bdir/screen.tssh") >"$bdir/screen.diff"; then
			printf '   final screens: drover'\''s pane = tmux'\''s pane (48 rows identical)\n'
		else
			got[screen_diff]=1
			printf '   final screens DIFFER (drover pane vs tmux pane; kept with --keep in %s):\n' "$bdir"
			head -n 12 "$bdir/screen.diff" | sed 's/^/     /'
		fi
	fi

	# b) plain pty: everything the terminal program draws is read and discarded
	printf '   b) on a plain pty whose output is read and discarded (all rendering counted):\n'
	fleet_idle
	start_pane attach "$prows" "ssh -tt -F '$cfg' h1"
	pssh_pid=$pane_pid
	tpid=$(tm display -p '#{pid}')
	c0=$(ticks "$tpid")
	run_drv drain --fleet-var "$hvar" --rows "$prows" --cols "$cols" --line "$line" --marker "$marker" \
		--timeout "$timeout" --quit '\x02d' --label pssh --out "$res" --pidfile "$bdir/pids" \
		-- tmux -L "$tsock" -f "$bdir/tmux.conf" attach -t attach || fleet_note "pssh: driver failed"
	printf 'pssh_cpu tmux server %s s (whole run)\n' "$(tick_s $(($(ticks "$tpid") - c0)))" >>"$res"
	stop_pane attach "$pssh_pid"
	drain_row pssh "tmux client attached + ssh -tt h1"
	fleet_idle
	run_drv drain --fleet-var "$hvar" --rows "$rows" --cols "$cols" --line "$line" --marker "$marker" \
		--timeout "$timeout" --quit '\x07Qy\r' --label pdrover --cpu-name drover --out "$res" --pidfile "$bdir/pids" \
		-- "$drover" -F "$cfg" -i "$inv" h1 || fleet_note "pdrover: driver failed"
	drain_row pdrover "drover h1"
	printf '   (in a) tmux also parses what drover draws, and a detached tmux renders nothing itself;\n'
	printf '    in b) both draw for a real client: drover its curses frames, tmux its client'\''s screen;\n'
	printf '    the tmux server'\''s CPU in a) includes answering the capture-pane polls)\n'
fi

# ---------------------------------------------------------------- 2. keys
if want keys; then
	last=$(printf 'n%03d' "$keypanes")
	printf '\n2. keystroke to echo: drover on n001..%s (%d panes, tiled, outer %dx%d, on a pty),\n' "$last" "$keypanes" "$cols" "$rows"
	printf '   single characters typed into pane 1 (a shell, the remote tty echoes), time until the\n'
	printf '   character is in drover'\''s output; %d keys per case (at most %d s per case, a key not\n' "$keys" "$keys_budget"
	printf '   echoed within %d s is a miss and counts as infinitely late); flood: %s\n' "$key_timeout" "$flood"
	fleet_idle
	run_drv keys --fleet-prefix "$fprefix" --panes 1 --n "$keys" --rows "$prows" --cols "$cols" \
		--quit '\x15exit\r' --label kssh --budget "$keys_budget" --per-key "$key_timeout" --out "$res" --pidfile "$bdir/pids" \
		-- ssh -tt -F "$cfg" h1 || fleet_note "keys (ssh): driver failed"
	fleet_idle
	run_drv keys --fleet-prefix "$fprefix" --panes "$keypanes" --n "$keys" --rows "$rows" --cols "$cols" \
		--flood "$flood" --quit '\x07Qy\r' --label kdrover --budget "$keys_budget" --per-key "$key_timeout" --out "$res" --pidfile "$bdir/pids" \
		-- "$drover" -F "$cfg" -i "$inv" "n[001-$(printf %03d "$keypanes")]" || fleet_note "keys (drover): driver failed"
	keys_row() { # LABEL NAME
		local l=$1
		if [[ -z $(val "${l}_n") ]]; then
			printf '   %-40s FAILED (see above)\n' "$2"
			return 0
		fi
		printf '   %-40s p50 %7s  p95 %7s  p99 %7s  max %7s ms  min %5s  (%s keys, %s missed, %s s)\n' "$2" \
			"$(val "${l}_p50")" "$(val "${l}_p95")" "$(val "${l}_p99")" "$(val "${l}_max")" "$(val "${l}_min")" \
			"$(val "${l}_n")" "$(val "${l}_miss")" "$(val "${l}_secs")"
	}
	keys_row kssh_idle "ssh -tt h1 alone on the pty (reference)"
	keys_row kdrover_idle "drover, no pane flooding"
	if [[ -n $(val kdrover_flooding) ]]; then
		keys_row kdrover_flood "drover, $(val kdrover_flooding) panes flooding"
		printf '   during the flood: drover CPU %s%% of a core, flood consumed %s MB/s (all panes),\n' \
			"$(val kdrover_flood_cpu_pct)" "$(val kdrover_flood_mbps)"
		printf '   drover drew %s kB/s to its terminal%s\n' "$(val kdrover_flood_drawn_kbps)" \
			"$([[ $flood != yes ]] || echo ' (a "yes" pane looks the same at every frame)')"
	fi
	for l in kdrover_badchars_idle kdrover_badchars_flood kssh_badchars_idle; do
		[[ -z $(val $l) ]] || printf '   WARNING: test characters "%s" appeared untyped (%s): latencies unreliable\n' "$(val $l)" "$l"
	done
fi

# ---------------------------------------------------------------- 3. idle
if want idle; then
	lastn=$(printf 'n%03d' "$hosts")
	printf '\n3. idle: drover on n001..%s (%d hosts onto %d sshd), in a detached tmux pane %dx%d\n' \
		"$lastn" "$hosts" "$fleet_n" "$cols" "$rows"
	status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
	# The session server holds the hosts; the pane program is its client.
	server_pid() { "$drover" sessions 2>/dev/null | sed -n 's/.*(pid \([0-9]*\)).*/\1/p' | head -n1; }
	ctxsw() { awk '$1 ~ /ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"; }
	# one host: the base RSS
	fleet_idle
	start_pane idle1 "$rows" "'$drover' -F '$cfg' -i '$inv' h1"
	rss1=""
	if wait_screen idle1 "1/1 up" 60 0.1 && drv shells --fleet-var "$hvar" --exact --n 1 --timeout 30; then
		nap 2
		rss1=$(status_kb "$(server_pid)" VmRSS)
	fi
	stop_pane idle1 "$pane_pid"
	"$drover" kill-server >/dev/null 2>&1 || true
	fleet_idle
	clog=$bdir/idle-drover.log
	t0=$EPOCHREALTIME
	start_pane idle "$rows" "env DROVER_LOG='$clog' '$drover' -F '$cfg' -i '$inv' 'n[001-$(printf %03d "$hosts")]'"
	pid=$pane_pid
	# Until the status bar says N/N up; or, when the count has not moved for
	# 15 s and every host is ready or failed (drover's log), give up waiting.
	up=0 nup=-1 t_last=$t0
	end=$((${t0/[.,]/} + 300000000))
	while :; do
		n=0
		[[ $(screen_of idle) =~ ([0-9]+)/$hosts\ up ]] && n=${BASH_REMATCH[1]}
		now=$EPOCHREALTIME
		((n == nup)) || nup=$n t_last=$now
		if ((n == hosts)); then
			up=1
			break
		fi
		((${now/[.,]/} < end)) || break
		if ((${now/[.,]/} - ${t_last/[.,]/} > 15000000)) && drv connlog --log "$clog" --n "$hosts" --settled; then
			break
		fi
		nap 0.1
	done
	upsecs=$(us_to_s $((${t_last/[.,]/} - ${t0/[.,]/})))
	if ((up)); then
		printf '   all %d up after %s s (status bar "%d/%d up", polled every 100 ms)\n' "$hosts" "$upsecs" "$hosts" "$hosts"
	else
		printf '   NOT all up: %d/%d up, reached after %s s, no change for 15 s (or 300 s in all)\n' "$nup" "$hosts" "$upsecs"
	fi
	drv connlog --log "$clog"
	drv shells --fleet-var "$fprefix" --n "$nup" --timeout 60 ||
		printf '   WARNING: fewer than %d remote shells are running\n' "$nup"
	if [[ $(screen_of idle) == *"[ready]"* ]]; then view="tiled panes"; else view="compact one-line-per-host list"; fi
	still=$(screen_of idle | grep -o '[0-9]*/[0-9]* up' | head -n1)
	# Detached: the terminal goes away, the session server idles on.
	cpid=$pid
	pid=$(server_pid)
	stop_pane idle "$cpid"
	view="$view, then detached"
	nap 3
	c0=$(ticks "$pid") x0=$(ctxsw "$pid") i0=$EPOCHREALTIME
	nap "$idle_secs"
	c1=$(ticks "$pid") x1=$(ctxsw "$pid") i1=$EPOCHREALTIME
	isecs=$(us_to_s $((${i1/[.,]/} - ${i0/[.,]/})))
	rss=$(status_kb "$pid" VmRSS) hwm=$(status_kb "$pid" VmHWM)
	"$drover" kill-server >/dev/null 2>&1 || true
	cpu_ms=$(((c1 - c0) * 1000 / hz))
	got[idle_cpu]=$(awk -v c="$cpu_ms" -v s="$isecs" 'BEGIN { printf "%.2f", c / 10 / s }')
	printf '   view: %s; before detaching the status bar said "%s" (figures: the session server)\n' "$view" "$still"
	printf '   CPU over %s s idle: %d ms (%s%% of a core, %s ms/s; resolution %d ms), %s wakeups/s\n' \
		"$isecs" "$cpu_ms" "${got[idle_cpu]}" "$(awk -v c="$cpu_ms" -v s="$isecs" 'BEGIN { printf "%.1f", c / s }')" \
		$((1000 / hz)) "$(awk -v x=$((x1 - x0)) -v s="$isecs" 'BEGIN { printf "%.1f", x / s }')"
	got[idle_rss]=$(awk -v r="$rss" -v n="$hosts" 'BEGIN { printf "%.1f", r / n }')
	printf '   RSS %d kB (peak %d kB): %s kB per host' "$rss" "$hwm" "${got[idle_rss]}"
	if [[ -n $rss1 ]]; then
		printf '; with 1 host %d kB, so %s kB per added host' "$rss1" \
			"$(awk -v r="$rss" -v b="$rss1" -v n="$hosts" 'BEGIN { printf "%.1f", (r - b) / (n - 1) }')"
	fi
	printf '\n'
fi

# ---------------------------------------------------------------- 4. attach
if want attach; then
	apanes=50
	printf '\n4. attach: a detached session of %d panes (n001..n%03d), then drover attach on a\n' "$apanes" "$apanes"
	printf '   %dx%d pty: time until the whole screen is drawn (its status bar, the last row\n' "$cols" "$rows"
	printf '   curses writes, shows "%d/%d up"); 5 attaches, each from a new client\n' "$apanes" "$apanes"
	fleet_idle
	start_pane att "$rows" "'$drover' -F '$cfg' -i '$inv' -s att 'n[001-$(printf %03d "$apanes")]'"
	if wait_screen att "$apanes/$apanes up" 120 0.2; then
		stop_pane att "$pane_pid"
		out=$(python3 - "$drover" "$rows" "$cols" "$apanes" <<'PYEOF'
import os, pty, select, struct, fcntl, termios, time, sys
drover, rows, cols, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
want = ("%s/%s up" % (n, n)).encode()
res = []
for _ in range(5):
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(drover, [drover, "attach", "att"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    buf, t = b"", None
    while time.monotonic() - t0 < 10:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                break
            buf += d
            if want in buf:
                t = time.monotonic() - t0
                break
    os.write(fd, b"\x07d")
    time.sleep(0.3)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
    res.append(t)
ok = sorted(x for x in res if x is not None)
print("%s %s %d" % ("%.1f" % (ok[len(ok) // 2] * 1000) if ok else "-", "%.1f" % (ok[-1] * 1000) if ok else "-", len(ok)))
PYEOF
		)
		read -r amed amax an <<<"$out"
		got[attach_ms]=$amed
		printf '   attach fully drawn: median %s ms, max %s ms (%s of 5 drew the status bar)\n' "$amed" "$amax" "$an"
	else
		printf '   the %d-pane session did not come up within 120 s\n' "$apanes"
		stop_pane att "$pane_pid"
	fi
	"$drover" kill-server >/dev/null 2>&1 || true
fi

# ---------------------------------------------------------------- summary
if [[ $(stat -c %Y "$drover") != "$drover_mtime" ]]; then
	printf '\nWARNING: %s was rebuilt during the run: rows may come from different builds.\n' "$drover"
fi
printf '\nsummary (targets from issue 3; figures, not a test):\n'
if want drain; then
	for pair in "tdrover tssh a) in tmux" "pdrover pssh b) plain pty"; do
		read -r d t name <<<"$pair"
		if [[ -n ${got[$d]:-} && -n ${got[$t]:-} ]]; then
			awk -v d="${got[$d]}" -v t="${got[$t]}" -v n="$name" 'BEGIN {
				r = d / t; printf "  drain %-13s drover / tmux = %.2fx  (target >= 2: %s)\n", n, r, (r >= 2 ? "met" : "MISSED") }'
		else
			printf '  drain %-13s no ratio (a run timed out or failed)%s\n' "$name" \
				"$([[ -n ${got[$t]:-} && -z ${got[$d]:-} ]] && echo ': drover did not finish, MISSED')"
		fi
	done
fi
if want keys && [[ -n $(val kdrover_flood_p99) ]]; then
	p=$(val kdrover_flood_p99)
	printf '  keys p99 with %s panes flooding: %s ms  (target <= 50: %s); idle p99 %s ms\n' "$(val kdrover_flooding)" "$p" \
		"$(awk -v p="$p" 'BEGIN { print (p !~ />/ && p + 0 <= 50 ? "met" : "MISSED") }')" "$(val kdrover_idle_p99)"
fi
if want attach && [[ -n ${got[attach_ms]:-} && ${got[attach_ms]} != - ]]; then
	printf '  attach of a 50-pane session fully drawn: median %s ms  (target <= 100: %s)\n' "${got[attach_ms]}" \
		"$(awk -v a="${got[attach_ms]}" 'BEGIN { print (a <= 100 ? "met" : "MISSED") }')"
fi
if want idle && [[ -n ${got[idle_cpu]:-} ]]; then
	printf '  idle %d hosts: CPU %s%% of a core (target ~0, taken as <= 1%%: %s), RSS %s kB per host\n' "$hosts" \
		"${got[idle_cpu]}" "$(awk -v c="${got[idle_cpu]}" 'BEGIN { print (c <= 1 ? "met" : "MISSED") }')" "${got[idle_rss]}"
fi
