# shellcheck shell=bash
# Shared helpers for the demo fleet (tests/fleet/fleet.sh, tests/fleet/demo.sh)
# and the fan-out benchmark (tests/bench/fanout.sh). Source it from a script
# that runs under `set -euo pipefail`; it defines functions and constants only.
#
# Layout of a fleet directory DIR (absolute, characters [A-Za-z0-9._/+-] only):
#   DIR/.drover-fleet        marker: DIR may be wiped by `up` / `down --clean`
#   DIR/<host>/sshd_config   one sshd per host directory, plus in that dir:
#   DIR/<host>/sshd.pid      listener pid (written by sshd)
#   DIR/<host>/sshd.log      sshd log (-E, absolute path)
#   DIR/<host>/logger.pid    optional background log writer (fleet.sh only)
#   DIR/client/agent.pid     optional ssh-agent
#
# How `fleet_stop` finds every process a fleet started, without touching
# another fleet or a system sshd (all checks are exact, per host directory):
#   - listeners: pid file + cmdline contains "-f DIR/<host>/sshd_config ";
#   - per-connection sshd processes ("sshd: user [priv]", "sshd: user@notty",
#     pre-auth children): they keep DIR/<host>/sshd.log open (-E), and they
#     survive the listener, so they are found by that open file descriptor;
#   - everything the remote user runs: sshd_config has
#     `SetEnv DROVER_FLEET_HOST=DIR/<host>`, so each session process (and what
#     it spawns, even when orphaned, e.g. a remote `tail -F | grep`) carries
#     that exact variable in /proc/PID/environ;
#   - loggers and the agent: pid file + exact cmdline check;
#   - plus every descendant of all of the above.

FLEET_SSHD=${FLEET_SSHD:-/usr/sbin/sshd}
FLEET_DEMO_USER=drover-demo
# The password user is FLEET_PW_USER_NAME-PORT: one per fleet.
FLEET_PW_USER_NAME=drover-pw
# Markers of processes started by a fleet sshd (see above); never pass them on
# to our own helpers, even when run from inside a fleet session.
unset DROVER_FLEET_HOST DROVER_FLEET_NAME
# Set by fleet_setup_login_user, read by the sourcing script.
# shellcheck disable=SC2034
FLEET_ROOT=0 FLEET_USER=

fleet_die() {
	printf '%s: error: %s\n' "${FLEET_PROG:-fleet}" "$*" >&2
	exit 1
}

fleet_note() {
	printf '%s: %s\n' "${FLEET_PROG:-fleet}" "$*" >&2
}

# fleet_abs_dir DIR -> absolute path (need not exist); rejects unsafe names.
fleet_abs_dir() {
	local d
	d=$(realpath -m -- "$1")
	[[ $d =~ ^/[A-Za-z0-9._/+-]+$ ]] ||
		fleet_die "directory '$1' -> '$d': only [A-Za-z0-9._/+-] allowed in its path (it goes into configs unquoted)"
	[[ $d != / ]] || fleet_die "refusing to use / as a fleet directory"
	printf '%s\n' "$d"
}

# fleet_random N -> N*2 hex characters from /dev/urandom.
fleet_random() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# fleet_now_ms -> monotonic-enough wall clock in milliseconds.
fleet_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	printf '%s\n' $((t / 1000))
}

# fleet_setup_login_user: sets FLEET_ROOT (1/0) and FLEET_USER.
# As root: create/repair the dedicated user drover-demo (shell /bin/sh, home
# dir, password field '*' so a key login is not refused as "locked").
# Otherwise: the current user (sshd then runs unprivileged, pubkey only).
fleet_setup_login_user() {
	if ((EUID == 0)); then
		FLEET_ROOT=1
		FLEET_USER=$FLEET_DEMO_USER
		fleet_ensure_user "$FLEET_USER"
		usermod -p '*' "$FLEET_USER"
	else
		# shellcheck disable=SC2034
		FLEET_ROOT=0
		FLEET_USER=$(id -un)
	fi
}

# fleet_ensure_user NAME: idempotent useradd with /bin/sh and a home dir.
fleet_ensure_user() {
	local u=$1 shell home
	if ! getent passwd "$u" >/dev/null; then
		useradd -m -s /bin/sh -c 'drover demo fleet' "$u" ||
			getent passwd "$u" >/dev/null || fleet_die "useradd $u failed"
	fi
	shell=$(getent passwd "$u" | cut -d: -f7)
	[[ $shell == /bin/sh ]] || usermod -s /bin/sh "$u"
	home=$(getent passwd "$u" | cut -d: -f6)
	if [[ ! -d $home ]]; then
		mkdir -p "$home"
		chown "$u:" "$home"
		chmod 755 "$home"
	fi
}

# fleet_can_read USER FILE: can USER read FILE (parents traversable)?
fleet_can_read() {
	local u=$1 f=$2
	if ((EUID == 0)) && [[ $u != root ]]; then
		runuser -u "$u" -- test -r "$f"
	else
		test -r "$f"
	fi
}

# fleet_keygen PATH COMMENT [PASSPHRASE]: fresh ed25519 key pair, private 0600.
fleet_keygen() {
	local path=$1 comment=$2 pass=${3:-}
	rm -f -- "$path" "$path.pub"
	ssh-keygen -q -t ed25519 -N "$pass" -C "$comment" -f "$path" </dev/null >/dev/null ||
		fleet_die "ssh-keygen failed for $path"
	chmod 600 "$path"
	chmod 644 "$path.pub"
}

# fleet_write_secret PATH VALUE: 0600 file, no trailing newline, atomic.
fleet_write_secret() {
	local path=$1 value=$2 tmp
	tmp=$(mktemp "$path.XXXXXX")
	chmod 600 "$tmp"
	printf '%s' "$value" >"$tmp"
	mv -f "$tmp" "$path"
}

# fleet_known_hosts_line ADDR PORT PUBFILE -> "[addr]:port type key" (the
# comment of the .pub file is dropped).
fleet_known_hosts_line() {
	local addr=$1 port=$2 pub=$3 type key _rest
	read -r type key _rest <"$pub" || true
	[[ -n ${type:-} && -n ${key:-} ]] || fleet_die "bad public key file $pub"
	if [[ $port == 22 ]]; then
		printf '%s %s %s\n' "$addr" "$type" "$key"
	else
		printf '[%s]:%s %s %s\n' "$addr" "$port" "$type" "$key"
	fi
}

# fleet_tcp_open ADDR PORT: does something accept TCP connections there?
fleet_tcp_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# fleet_write_sshd_config HOSTDIR ADDR PORT AUTHKEYS MAXSTARTUPS ALLOWUSERS [EXTRA_LINE...]
# Writes HOSTDIR/sshd_config (host key HOSTDIR/ssh_host_ed25519_key must exist).
# The sftp subsystem is FLEET_SFTP_SUBSYSTEM if set (a command), else internal-sftp.
# As root: UsePAM yes with password and keyboard-interactive auth enabled,
# unless an EXTRA_LINE overrides it (first value wins in sshd_config, extra
# lines go first).
fleet_write_sshd_config() {
	local hd=$1 addr=$2 port=$3 authkeys=$4 maxstartups=$5 allow=$6
	shift 6
	local pam=no pw=no line
	if ((EUID == 0)); then
		pam=yes
		pw=yes
	fi
	{
		printf '# generated by tests/fleet/lib.sh\n'
		for line in "$@"; do
			printf '%s\n' "$line"
		done
		cat <<EOF
ListenAddress $addr:$port
HostKey $hd/ssh_host_ed25519_key
PidFile $hd/sshd.pid
AuthorizedKeysFile $authkeys
StrictModes no
LogLevel VERBOSE
MaxStartups $maxstartups
MaxSessions 100
PrintMotd no
PrintLastLog no
PermitRootLogin no
AllowUsers $allow
PubkeyAuthentication yes
UsePAM $pam
PasswordAuthentication $pw
KbdInteractiveAuthentication $pw
PermitEmptyPasswords no
X11Forwarding no
UseDNS no
ClientAliveInterval 0
Subsystem sftp ${FLEET_SFTP_SUBSYSTEM:-internal-sftp}
SetEnv DROVER_FLEET_HOST=$hd DROVER_FLEET_NAME=${hd##*/}
EOF
	} >"$hd/sshd_config"
	chmod 644 "$hd/sshd_config"
}

# fleet_start_sshd HOSTDIR ADDR PORT [SSHD_FLAGS...]: start sshd on
# HOSTDIR/sshd_config, wait (up to ~10 s) until it accepts connections.
fleet_start_sshd() {
	local hd=$1 addr=$2 port=$3
	shift 3
	local name=${hd##*/} i pid=""
	if fleet_tcp_open "$addr" "$port"; then
		fleet_die "$addr:$port already accepts connections (another fleet on the same port? set FLEET_PORT/BENCH_PORT)"
	fi
	# Privilege separation directory (only a root sshd needs it).
	((EUID != 0)) || mkdir -p /run/sshd
	"$FLEET_SSHD" -t -f "$hd/sshd_config" >"$hd/sshd-t.out" 2>&1 ||
		fleet_die "sshd config test failed for $name: $(tr '\n' ' ' <"$hd/sshd-t.out")"
	rm -f "$hd/sshd-t.out" "$hd/sshd.pid"
	# Daemonises only after binding; stdio detached so callers (CTest) never
	# wait on a pipe held by it.
	if ! "$FLEET_SSHD" "$@" -f "$hd/sshd_config" -E "$hd/sshd.log" </dev/null >/dev/null 2>&1; then
		fleet_die "sshd for $name on $addr:$port failed to start; last log lines: $(tail -n 5 "$hd/sshd.log" 2>/dev/null | tr '\n' ' ')"
	fi
	for ((i = 0; i < 100; i++)); do
		if [[ -z $pid ]] && [[ -s $hd/sshd.pid ]]; then
			pid=$(<"$hd/sshd.pid")
		fi
		if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
			fleet_die "sshd for $name (pid $pid) exited; last log lines: $(tail -n 5 "$hd/sshd.log" 2>/dev/null | tr '\n' ' ')"
		fi
		if [[ -n $pid ]] && fleet_tcp_open "$addr" "$port"; then
			return 0
		fi
		sleep 0.1
	done
	fleet_die "sshd for $name does not accept connections on $addr:$port after 10 s (log: $hd/sshd.log)"
}

# fleet_read_pid FILE -> pid if FILE holds the pid of a live process.
fleet_read_pid() {
	local p
	[[ -r $1 ]] || return 1
	read -r p <"$1" 2>/dev/null || [[ -n ${p:-} ]] || return 1
	[[ $p =~ ^[0-9]+$ ]] && [[ -d /proc/$p ]] || return 1
	printf '%s\n' "$p"
}

# fleet_cmdline_has PID NEEDLE: NEEDLE occurs in the space-joined argv of PID
# (argv is terminated by a space, so NEEDLE may end with one).
fleet_cmdline_has() {
	local c
	c=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $c == *"$2"* ]]
}

# fleet_host_dirs DIR -> every DIR/<host> that has an sshd_config.
fleet_host_dirs() {
	local hd
	for hd in "$1"/*/; do
		hd=${hd%/}
		[[ -f $hd/sshd_config ]] && printf '%s\n' "$hd"
	done
	return 0
}

# fleet_listener_pids DIR -> pids of the live sshd listeners of DIR.
fleet_listener_pids() {
	local hd pid
	while IFS= read -r hd; do
		if pid=$(fleet_read_pid "$hd/sshd.pid") && fleet_cmdline_has "$pid" "-f $hd/sshd_config "; then
			printf '%s\n' "$pid"
		fi
	done < <(fleet_host_dirs "$1")
}

# fleet_pids DIR -> every live (non-zombie) process belonging to the fleet in
# DIR, one pid per line (see the header comment for how they are found).
fleet_pids() {
	local dir=$1 hd pid f
	local -a seeds=() hds=() fdexpr=() envpat=()
	mapfile -t hds < <(fleet_host_dirs "$dir")
	mapfile -t seeds < <(fleet_listener_pids "$dir")
	for hd in "${hds[@]}"; do
		if pid=$(fleet_read_pid "$hd/logger.pid") && fleet_cmdline_has "$pid" "_logger $hd "; then
			seeds+=("$pid")
		fi
		((${#fdexpr[@]} == 0)) || fdexpr+=(-o)
		fdexpr+=(-lname "$hd/sshd.log")
		envpat+=(-e "DROVER_FLEET_HOST=$hd")
	done
	if pid=$(fleet_read_pid "$dir/client/agent.pid") && fleet_cmdline_has "$pid" " -a $dir/client/agent.sock "; then
		seeds+=("$pid")
	fi
	if ((${#hds[@]})); then
		# Processes holding a host's sshd.log open (per-connection sshds).
		while IFS= read -r f; do
			f=${f#/proc/}
			seeds+=("${f%%/*}")
		done < <(find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 \( "${fdexpr[@]}" \) -printf '%h\n' 2>/dev/null | sort -u || true)
		# Session processes (exact environment variable set by SetEnv).
		while IFS= read -r f; do
			f=${f#/proc/}
			seeds+=("${f%%/*}")
		done < <(grep -lzxF "${envpat[@]}" /proc/[0-9]*/environ 2>/dev/null || true)
	fi
	((${#seeds[@]})) || return 0
	# Seeds plus their descendants, minus zombies. Never this script, its
	# ancestors or what it runs (relevant when run inside a fleet session).
	ps -e -o pid= -o ppid= -o stat= |
		awk -v seeds="${seeds[*]}" -v self="$$" '
			{ ppid[$1] = $2; st[$1] = $3; kids[$2] = kids[$2] " " $1 }
			END {
				for (p = self; p in ppid && p > 1; p = ppid[p]) skip[p] = 1
				n = split(seeds, s, " ")
				for (i = 1; i <= n; i++) if ((s[i] in ppid) && s[i] != self) { want[s[i]] = 1; q[++qt] = s[i] }
				for (h = 1; h <= qt; h++) {
					m = split(kids[q[h]], k, " ")
					for (j = 1; j <= m; j++) if (!(k[j] in want) && k[j] != self) { want[k[j]] = 1; q[++qt] = k[j] }
				}
				for (p in want) if (!(p in skip) && st[p] !~ /^Z/) print p
			}' | sort -n
}

# fleet_stop DIR: stop everything the fleet in DIR runs; TERM, then KILL after
# ~3 s; fails if anything survives ~6 s. Idempotent; returns 0 when nothing runs.
fleet_stop() {
	local dir=$1 start sig=TERM elapsed kills=0
	local -a pids=()
	[[ -d $dir ]] || return 0
	# Freeze the listeners first so they cannot fork new connections while we
	# collect their children (connections wait in the kernel backlog).
	mapfile -t pids < <(fleet_listener_pids "$dir")
	((${#pids[@]} == 0)) || kill -STOP "${pids[@]}" 2>/dev/null || true
	start=$(fleet_now_ms)
	while :; do
		mapfile -t pids < <(fleet_pids "$dir")
		((${#pids[@]})) || break
		elapsed=$(($(fleet_now_ms) - start))
		# Given up only after a few KILL rounds: on a loaded machine one
		# round (the /proc scan above) can take seconds by itself.
		if ((elapsed > 6000 && kills >= 3)); then
			fleet_note "still running after KILL: $(ps -o pid=,user=,args= -p "$(
				IFS=,
				printf '%s' "${pids[*]}"
			)" 2>/dev/null | tr '\n' ';')"
			return 1
		fi
		((elapsed < 3000)) || sig=KILL
		[[ $sig != KILL ]] || kills=$((kills + 1))
		kill -s "$sig" "${pids[@]}" 2>/dev/null || true
		[[ $sig == KILL ]] || kill -s CONT "${pids[@]}" 2>/dev/null || true
		sleep 0.1
	done
	local hd
	while IFS= read -r hd; do
		rm -f "$hd/sshd.pid" "$hd/logger.pid"
	done < <(fleet_host_dirs "$dir")
	rm -f "$dir/client/agent.pid" "$dir/client/agent.sock"
	return 0
}

# fleet_pw_rotate DIR USER: (root) give USER, this fleet's own password user
# (drover-pw-PORT), a fresh random password and write it to
# DIR/client/password. One user per fleet: a second fleet starting (another
# checkout's tests, a demo) never changes the password this one handed out.
fleet_pw_rotate() {
	local dir=$1 user=$2 pw
	fleet_ensure_user "$user"
	pw=$(fleet_random 12)
	printf '%s:%s\n' "$user" "$pw" | chpasswd || fleet_die "chpasswd failed"
	fleet_write_secret "$dir/client/password" "$pw"
}
