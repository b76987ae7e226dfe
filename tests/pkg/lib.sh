# shellcheck shell=bash
# Shared by the packaging tests (tests/pkg/*.sh): failure reporting, a test
# inventory and ssh_config, and checks run on an installed drover wherever
# it is (an install prefix, a .deb unpacked into a scratch root).

pkg_fails=0
pkg_fail() {
	printf '%s: FAIL: %s\n' "${PKG_PROG:-pkg}" "$*" >&2
	pkg_fails=$((pkg_fails + 1))
}
pkg_ok() {
	printf '%s: ok: %s\n' "${PKG_PROG:-pkg}" "$*"
}
pkg_skip() {
	printf '%s: SKIPPED: %s\n' "${PKG_PROG:-pkg}" "$*"
}

# pkg_fixtures DIR: DIR/inv.ini and DIR/ssh_config for completion checks.
pkg_fixtures() {
	cat >"$1/inv.ini" <<'INI'
[host web1]
tags = web, eu
[host web2]
tags = web
[host db1]
tags = db
[group prod]
hosts = web1, db1
INI
	printf 'Host jumpbox\n  HostName 192.0.2.1\nHost *.example\n' >"$1/ssh_config"
}

# pkg_check_man PAGE...: each renders with man -l under MANWIDTH=80 without
# a groff warning (unknown macro, a line that cannot be broken ...).
pkg_check_man() {
	local page err
	if ! command -v man >/dev/null; then
		pkg_skip "man pages: man is not installed (.ci/setup installs man-db)"
		return 0
	fi
	for page in "$@"; do
		if [[ ! -s $page ]]; then
			pkg_fail "man page $page missing or empty"
			continue
		fi
		err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
		if [[ -n $err ]]; then
			pkg_fail "man -l $page: $err"
		elif ! LC_ALL=C MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q '^NAME'; then
			pkg_fail "man -l $page shows no NAME section"
		else
			pkg_ok "man -l ${page##*/} renders without warnings"
		fi
	done
}

# pkg_check_completion BIN BASHFILE ZSHFILE FISHFILE DIR: the scripts load,
# and each shell completes a host, a tag and an option value through
# `drover complete` from the test inventory in DIR (pkg_fixtures).
pkg_check_completion() {
	local bin=$1 bashf=$2 zshf=$3 fishf=$4 dir=$5 out bindir
	bindir=${bin%/*}

	if ! bash -n "$bashf"; then
		pkg_fail "bash -n $bashf"
	else
		# shellcheck disable=SC2016  # expanded by the inner bash
		out=$(cd "$dir" && PATH=$bindir:$PATH bash -c '
			. "$1"
			t() { COMP_LINE=$1; COMP_POINT=${#COMP_LINE}
			      read -ra COMP_WORDS <<<"$1"; COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			      COMPREPLY=(); _drover drover; echo "${COMPREPLY[*]}"; }
			t "drover -i inv.ini exec w"
			t "drover -i inv.ini -F ssh_config jum"
			t "drover -i inv.ini exec db1,@e"
			t "drover exec -o g"
			t "drover -i inv.ini exec '\''@web&@e"' _ "$bashf" 2>&1)
		if [[ $out == $'web1 web2\njumpbox\neu\ngroup\n@web&@eu' ]]; then
			pkg_ok "bash completes hosts, aliases, tags and values"
		else
			pkg_fail "bash completion gave: $out"
		fi
	fi

	if ! command -v zsh >/dev/null; then
		pkg_skip "zsh completion: zsh is not installed (.ci/setup installs it)"
	elif ! zsh -n "$zshf"; then
		pkg_fail "zsh -n $zshf"
	else
		# The completion function autoloaded as compinit would, with
		# compadd and _files standing in for the completion system.
		# shellcheck disable=SC2016
		out=$(cd "$dir" && PATH=$bindir:$PATH zsh -f -c '
			fpath=("$1" $fpath)
			compadd() { while [[ $1 == -* ]]; do [[ $1 == -- ]] && { shift; break }; shift; done
			            print -r -- "$*"; }
			_files() { print -r -- "(files $*)"; }
			autoload -Uz _drover
			words=(drover -i inv.ini exec w); CURRENT=5; _drover
			words=(drover -i "'\''inv.ini'\''" exec @); CURRENT=5; _drover
			words=(drover -i ""); CURRENT=3; _drover' _ "${zshf%/*}" 2>&1)
		if [[ $out == $'web1 web2\n@db @eu @prod @web\n(files )' ]]; then
			pkg_ok "zsh completes hosts, tags and files"
		else
			pkg_fail "zsh completion gave: $out"
		fi
	fi

	if ! command -v fish >/dev/null; then
		pkg_skip "fish completion: fish is not installed (optional)"
	elif ! fish -n "$fishf"; then
		pkg_fail "fish -n $fishf"
	else
		out=$(cd "$dir" && PATH=$bindir:$PATH fish -c 'source $argv[1]; complete -C "drover -i inv.ini exec w"' "$fishf" 2>&1 | tr '\n' ' ')
		if [[ $out == 'web1 web2 ' ]]; then
			pkg_ok "fish completes hosts"
		else
			pkg_fail "fish completion gave: $out"
		fi
	fi
}
