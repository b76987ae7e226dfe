#!/usr/bin/env bash
# Demo fleet for drover: N real OpenSSH sshd processes on loopback addresses,
# each with its own host key and a log being appended, plus client keys, an
# ssh-agent, known_hosts, ssh_config, an inventory and fleet.env.
#
#   fleet.sh up DIR [N]          start N hosts (default 4) in DIR (wiped first)
#   fleet.sh down [--clean] DIR  stop everything `up` started; --clean also
#                                removes DIR (otherwise logs are kept)
#   fleet.sh status DIR          list the fleet's live processes (exit 3: none)
#
# Environment: FLEET_PORT (default 2222). Host i is hI on 127.0.0.(i+1):PORT.
# As root the login user is `drover-demo` (created if needed, shell /bin/sh)
# and `drover-pw-PORT` (this fleet's own) gets a fresh random password;
# otherwise the sshds run
# unprivileged for the current user (public keys only).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck disable=SC2034  # used by lib.sh
FLEET_PROG=fleet.sh
FLEET_SH=$(realpath -- "${BASH_SOURCE[0]}")
# shellcheck source=lib.sh
. "${FLEET_SH%/*}/lib.sh"

usage() {
	cat >&2 <<'EOF'
usage: fleet.sh up DIR [N]
       fleet.sh down [--clean] DIR
       fleet.sh status DIR
EOF
	exit 2
}

# Internal: the per-host log writer, `fleet.sh _logger HOSTDIR NAME`.
# One bash process, no fork per line: the 0.5 s tick is a read timeout on a
# private FIFO that nobody writes to.
cmd_logger() {
	local hd=$1 name=$2 seq=0 _
	exec 9<>"$hd/tick"
	printf '%s\n' "$$" >"$hd/logger.pid.tmp"
	mv -f "$hd/logger.pid.tmp" "$hd/logger.pid"
	while :; do
		seq=$((seq + 1))
		printf '%s %d %(%Y-%m-%dT%H:%M:%S)T\n' "$name" "$seq" -1 >>"$hd/app.log"
		read -r -t 0.5 -u 9 _ || true
	done
}

start_logger() {
	local hd=$1 name=$2 i
	rm -f "$hd/logger.pid" "$hd/tick"
	mkfifo -m 600 "$hd/tick"
	: >"$hd/app.log"
	chmod 644 "$hd/app.log"
	setsid bash "$FLEET_SH" _logger "$hd" "$name" </dev/null >/dev/null 2>&1 &
	for ((i = 0; i < 50; i++)); do
		[[ -s $hd/logger.pid ]] && return 0
		sleep 0.1
	done
	fleet_die "log writer for $name did not start"
}

# Automation users (root only), one set per fleet like the password user:
# drover-sudo-PORT (sudo asks for its password), drover-nopw-PORT (sudo
# NOPASSWD) and, when FLEET_FAKEDEVICE names the built test device, a user
# whose login shell is that device (tests/support/fakedevice.c). Echoes the
# names to add to AllowUsers.
setup_auto_users() {
	local dir=$1 port=$2 su=drover-sudo-$2 nu=drover-nopw-$2 du=drover-dev-$2 pw
	command -v sudo >/dev/null || return 0
	fleet_ensure_user "$su"
	fleet_ensure_user "$nu"
	usermod -p '*' "$nu"
	pw=$(fleet_random 12)
	printf '%s:%s\n' "$su" "$pw" | chpasswd || fleet_die "chpasswd failed"
	fleet_write_secret "$dir/client/sudo-password" "$pw"
	{
		printf '# drover test fleet on port %s (tests/fleet/fleet.sh)\n' "$port"
		printf 'Defaults:%s timestamp_timeout=0, passwd_tries=3, logfile=%s/sudo.log\n' "$su" "$dir"
		printf 'Defaults:%s logfile=%s/sudo.log\n' "$nu" "$dir"
		printf '%s ALL=(ALL:ALL) ALL\n%s ALL=(ALL:ALL) NOPASSWD: ALL\n' "$su" "$nu"
	} >"$dir/sudoers.tmp"
	chmod 440 "$dir/sudoers.tmp"
	visudo -cqf "$dir/sudoers.tmp" || fleet_die "sudoers drop-in does not parse"
	mv -f "$dir/sudoers.tmp" "/etc/sudoers.d/drover-fleet-$port"
	printf '%s %s' "$su" "$nu"
	if [[ -n ${FLEET_FAKEDEVICE:-} && -x $FLEET_FAKEDEVICE ]]; then
		install -m 755 "$FLEET_FAKEDEVICE" "$dir/fakedevice"
		fleet_ensure_user "$du"
		usermod -p '*' -s "$dir/fakedevice" "$du"
		printf ' %s' "$du"
	fi
}

UP_DIR=
up_cleanup() {
	local rc=$?
	if ((rc != 0)) && [[ -n $UP_DIR ]]; then
		fleet_note "up failed (exit $rc); stopping what was started in $UP_DIR"
		fleet_stop "$UP_DIR" || true
	fi
}

# ssh_check DESC SSH_ARGS...: one non-interactive OpenSSH login, or die.
ssh_check() {
	local desc=$1 out
	shift
	if ! out=$(ssh -o ConnectTimeout=5 "$@" true 2>&1 </dev/null); then
		fleet_die "check failed: $desc: ssh $* true: $(printf '%s' "$out" | tr '\n' ' ')"
	fi
}

cmd_up() {
	(($# >= 1 && $# <= 2)) || usage
	local dir n port i name addr hd allow out agent_pid pw_user="" auto_users=""
	dir=$(fleet_abs_dir "$1")
	n=${2:-4}
	port=${FLEET_PORT:-2222}
	if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 253)); then
		fleet_die "N must be 1..253 (got '$n')"
	fi
	if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
		fleet_die "bad FLEET_PORT '$port'"
	fi
	((EUID == 0 || port > 1024)) || fleet_die "not root: FLEET_PORT must be > 1024 (got $port)"

	if [[ -e $dir ]]; then
		[[ -d $dir ]] || fleet_die "$dir exists and is not a directory"
		if [[ -e $dir/.drover-fleet ]]; then
			fleet_stop "$dir" || fleet_die "could not stop the previous fleet in $dir"
		elif [[ -n $(ls -A -- "$dir") ]]; then
			fleet_die "$dir is not empty and is not a fleet directory; refusing to wipe it"
		fi
		rm -rf -- "$dir"
	fi
	mkdir -p -- "$dir"
	chmod 755 "$dir"
	: >"$dir/.drover-fleet"
	UP_DIR=$dir
	trap up_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	fleet_setup_login_user
	allow=$FLEET_USER
	mkdir -m 700 "$dir/client"
	if ((FLEET_ROOT)); then
		pw_user=$FLEET_PW_USER_NAME-$port
		allow="$allow $pw_user"
		fleet_pw_rotate "$dir" "$pw_user"
		auto_users=$(setup_auto_users "$dir" "$port")
		allow="$allow $auto_users"
	fi

	# Client keys: plain, passphrase-protected, agent-only.
	local c=$dir/client pass
	fleet_keygen "$c/id_ed25519" "drover-fleet plain"
	pass=$(fleet_random 12)
	fleet_keygen "$c/id_enc" "drover-fleet encrypted" "$pass"
	fleet_write_secret "$c/id_enc.passphrase" "$pass"
	fleet_keygen "$c/id_agent" "drover-fleet agent"
	out=$(ssh-agent -a "$c/agent.sock" -s </dev/null) || fleet_die "ssh-agent failed to start"
	[[ $out =~ SSH_AGENT_PID=([0-9]+) ]] || fleet_die "cannot parse ssh-agent output: $out"
	agent_pid=${BASH_REMATCH[1]}
	printf '%s\n' "$agent_pid" >"$c/agent.pid"
	SSH_AUTH_SOCK=$c/agent.sock ssh-add -q "$c/id_agent" </dev/null 2>/dev/null ||
		fleet_die "ssh-add of id_agent failed"
	cat "$c/id_ed25519.pub" "$c/id_enc.pub" "$c/id_agent.pub" >"$dir/authorized_keys"
	# A user CA every sshd trusts: tests sign their own (unauthorized) keys.
	fleet_keygen "$c/user_ca" "drover-fleet user CA"
	cp "$c/user_ca.pub" "$dir/user_ca.pub"
	chmod 644 "$dir/user_ca.pub"
	chmod 644 "$dir/authorized_keys"
	fleet_can_read "$FLEET_USER" "$dir/authorized_keys" ||
		fleet_die "user $FLEET_USER cannot read $dir/authorized_keys: every parent directory of $dir must be searchable by others (chmod o+x)"

	# Hosts.
	: >"$dir/known_hosts"
	for ((i = 1; i <= n; i++)); do
		name=h$i
		addr=127.0.0.$((i + 1))
		hd=$dir/$name
		mkdir -m 755 "$hd"
		fleet_keygen "$hd/ssh_host_ed25519_key" "$name"
		# h2 runs OpenSSH's sftp-server binary (the others internal-sftp),
		# through a wrapper that runs a test's hostile server instead while
		# $hd/sftp-hostile names one (tests/engine/test_xfer.c).
		if ((i == 2)); then
			printf '#!/bin/sh\n[ -s %s/sftp-hostile ] && exec $(cat %s/sftp-hostile)\nexec %s\n' \
				"$hd" "$hd" /usr/lib/openssh/sftp-server >"$hd/sftp-subsystem"
			chmod 755 "$hd/sftp-subsystem"
			FLEET_SFTP_SUBSYSTEM=$hd/sftp-subsystem \
				fleet_write_sshd_config "$hd" "$addr" "$port" "$dir/authorized_keys" 200:30:400 "$allow" \
				"TrustedUserCAKeys $dir/user_ca.pub"
		else
			fleet_write_sshd_config "$hd" "$addr" "$port" "$dir/authorized_keys" 200:30:400 "$allow" \
				"TrustedUserCAKeys $dir/user_ca.pub"
		fi
		fleet_start_sshd "$hd" "$addr" "$port"
		fleet_known_hosts_line "$addr" "$port" "$hd/ssh_host_ed25519_key.pub" >>"$dir/known_hosts"
		start_logger "$hd" "$name"
	done
	chmod 644 "$dir/known_hosts"

	# Client ssh_config (OpenSSH syntax, keywords libssh 0.10 also reads).
	local k
	{
		printf '# drover demo fleet: %d hosts, generated by tests/fleet/fleet.sh\n' "$n"
		for ((i = 1; i <= n; i++)); do
			printf 'Host h%d\n  HostName 127.0.0.%d\n  Port %d\n\n' "$i" $((i + 1)) "$port"
		done
		printf '# 200 aliases mapped round-robin onto the %d hosts\n' "$n"
		for ((k = 1; k <= 200; k++)); do
			printf 'Host n%03d\n  HostName 127.0.0.%d\n  Port %d\n' "$k" $(((k - 1) % n + 2)) "$port"
		done
		cat <<EOF

Host *
  User $FLEET_USER
  IdentityFile $c/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
EOF
	} >"$dir/ssh_config"
	chmod 644 "$dir/ssh_config"

	{
		printf '# drover inventory for the demo fleet (addresses and user come from ssh_config)\n'
		printf '[defaults]\nfanout = 64\n\n'
		for ((i = 1; i <= n; i++)); do
			local parity=even
			((i % 2 == 0)) || parity=odd
			printf '[host h%d]\ntags = demo, %s\n\n' "$i" "$parity"
		done
		printf '[group demo]\nhosts = h[1-%d]\n\n' "$n"
		printf '[group many]\nhosts = n[001-200]\n'
	} >"$dir/inventory.ini"
	chmod 644 "$dir/inventory.ini"

	# Checks with real OpenSSH: every host, one alias, each credential kind.
	local cfg=$dir/ssh_config
	for ((i = 1; i <= n; i++)); do
		ssh_check "host h$i" -F "$cfg" -o BatchMode=yes "h$i"
	done
	ssh_check "alias n200" -F "$cfg" -o BatchMode=yes n200
	local base=(-F none -p "$port" -l "$FLEET_USER" -o "UserKnownHostsFile=$dir/known_hosts"
		-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes)
	SSH_AUTH_SOCK=$c/agent.sock ssh_check "agent key" "${base[@]}" -o BatchMode=yes \
		-o "IdentityAgent=$c/agent.sock" -o "IdentityFile=$c/no-such-key" 127.0.0.2
	[[ $(SSH_AUTH_SOCK=$c/agent.sock ssh-add -l | wc -l) == 1 ]] || fleet_die "agent does not hold exactly one key"
	printf '#!/bin/sh\nexec cat %s\n' "$c/id_enc.passphrase" >"$c/askpass-passphrase"
	chmod 700 "$c/askpass-passphrase"
	SSH_ASKPASS=$c/askpass-passphrase SSH_ASKPASS_REQUIRE=force ssh_check "encrypted key" "${base[@]}" \
		-o IdentityAgent=none -o "IdentityFile=$c/id_enc" -o IdentitiesOnly=yes 127.0.0.2
	if ((FLEET_ROOT)); then
		printf '#!/bin/sh\nexec cat %s\n' "$c/password" >"$c/askpass-password"
		chmod 700 "$c/askpass-password"
		local m
		for m in password keyboard-interactive; do
			SSH_ASKPASS=$c/askpass-password SSH_ASKPASS_REQUIRE=force ssh_check "$m auth as $pw_user" \
				-F "$cfg" -l "$pw_user" -o PubkeyAuthentication=no -o "PreferredAuthentications=$m" \
				-o NumberOfPasswordPrompts=1 h1
		done
	fi

	{
		printf 'FLEET_DIR=%s\nFLEET_N=%d\nFLEET_PORT=%d\nFLEET_USER=%s\nFLEET_PW_USER=%s\nFLEET_ROOT=%d\n' \
			"$dir" "$n" "$port" "$FLEET_USER" "$pw_user" "$FLEET_ROOT"
		printf 'FLEET_SSH_CONFIG=%s\nFLEET_KNOWN_HOSTS=%s\nFLEET_INVENTORY=%s\nFLEET_AGENT_SOCK=%s\n' \
			"$cfg" "$dir/known_hosts" "$dir/inventory.ini" "$c/agent.sock"
		printf 'FLEET_KEY=%s\nFLEET_KEY_ENC=%s\nFLEET_KEY_ENC_PASSPHRASE_FILE=%s\nFLEET_KEY_AGENT=%s\n' \
			"$c/id_ed25519" "$c/id_enc" "$c/id_enc.passphrase" "$c/id_agent"
		printf 'FLEET_PASSWORD_FILE=%s\n' "${pw_user:+$c/password}"
		if [[ $auto_users == *drover-sudo-* ]]; then
			printf 'FLEET_SUDO_USER=drover-sudo-%d\nFLEET_NOPW_USER=drover-nopw-%d\n' "$port" "$port"
			printf 'FLEET_SUDO_PASSWORD_FILE=%s\nFLEET_SUDO_LOG=%s\n' "$c/sudo-password" "$dir/sudo.log"
		fi
		if [[ $auto_users == *drover-dev-* ]]; then
			printf 'FLEET_DEV_USER=drover-dev-%d\n' "$port"
		fi
		printf 'FLEET_USER_CA=%s\n' "$c/user_ca"
		if ((n >= 2)); then
			printf 'FLEET_SFTP_SERVER_HOST=h2\nFLEET_SFTP_HOSTILE_FILE=%s\n' "$dir/h2/sftp-hostile"
		fi
		for ((i = 1; i <= n; i++)); do
			printf 'FLEET_ADDR_%d=127.0.0.%d\n' "$i" $((i + 1))
		done
		for ((i = 1; i <= n; i++)); do
			printf 'FLEET_LOG_%d=%s\n' "$i" "$dir/h$i/app.log"
		done
	} >"$dir/fleet.env.tmp"
	chmod 644 "$dir/fleet.env.tmp"
	mv -f "$dir/fleet.env.tmp" "$dir/fleet.env"

	trap - EXIT INT TERM
	printf 'fleet up: %d hosts h1..h%d on 127.0.0.2..127.0.0.%d port %d, user %s%s\n' \
		"$n" "$n" $((n + 1)) "$port" "$FLEET_USER" "${pw_user:+ (password user $pw_user)}"
	printf 'fleet up: ssh -F %s h1   |   source %s   |   %s down %s\n' "$cfg" "$dir/fleet.env" "$FLEET_SH" "$dir"
}

cmd_down() {
	local clean=0 dir="" a
	for a in "$@"; do
		case $a in
		--clean) clean=1 ;;
		-*) usage ;;
		*)
			[[ -z $dir ]] || usage
			dir=$a
			;;
		esac
	done
	[[ -n $dir ]] || usage
	dir=$(fleet_abs_dir "$dir")
	[[ -d $dir ]] || return 0
	if [[ ! -e $dir/.drover-fleet ]]; then
		fleet_note "$dir is not a fleet directory; nothing to do"
		return 0
	fi
	fleet_stop "$dir" || fleet_die "could not stop everything in $dir"
	if ((clean)); then
		rm -rf -- "$dir"
	fi
}

cmd_status() {
	(($# == 1)) || usage
	local dir
	local -a pids
	dir=$(fleet_abs_dir "$1")
	mapfile -t pids < <(fleet_pids "$dir")
	if ((${#pids[@]} == 0)); then
		printf 'no processes for %s\n' "$dir"
		return 3
	fi
	ps -o pid=,user=,args= -p "$(
		IFS=,
		printf '%s' "${pids[*]}"
	)"
}

(($# >= 1)) || usage
sub=$1
shift
case $sub in
up) cmd_up "$@" ;;
down) cmd_down "$@" ;;
status) cmd_status "$@" ;;
_logger)
	(($# == 2)) || usage
	cmd_logger "$@"
	;;
-h | --help | help) usage ;;
*) usage ;;
esac
