#!/usr/bin/env bash
# The layer rules of DESIGN.md, checked on the product sources: each
# library includes only what its layer may see. Exit 1 with every
# violation listed as file:line.
#   util/    libc only: none of engine/, config/, tui/, libssh, uv, curses, vterm, inih
#   engine/  libssh and libuv; nothing from config/ or tui/, no curses/vterm/inih
#   config/  inih; nothing from tui/; no libssh, curses, vterm
#   tui/     curses only in tui/console/, vterm only in tui/term/; no libssh, inih
set -uo pipefail
src=${1:-$(dirname -- "${BASH_SOURCE[0]}")/..}
cd "$src" || exit 2
bad=0

# check DIR REGEX WHY [EXCEPT_DIR]: no #include matching REGEX under DIR.
check() {
	local dir=$1 re=$2 why=$3 except=${4:-} hits
	hits=$(grep -rnE --include='*.c' --include='*.h' "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($re)" "$dir" |
		{ if [[ -n $except ]]; then grep -v "^$except/"; else cat; fi; })
	if [[ -n $hits ]]; then
		printf '%s\n' "$hits" | sed "s|\$|   <- $why|"
		bad=1
	fi
}

for d in util engine config tui; do
	[[ -d $d ]] || { echo "layers: no $d/ in $src" >&2; exit 2; }
done
check util 'engine/|config/|tui/|libssh/|uv\.h|ncurses|curses\.h|vterm\.h|ini\.h' 'util/ is libc only'
check engine 'config/|tui/|ncurses|curses\.h|vterm\.h|ini\.h' 'the engine knows no config files or screens'
check config 'tui/|libssh/|ncurses|curses\.h|vterm\.h' 'config/ knows no libssh or screens'
check tui 'libssh/|ini\.h' 'tui/ reaches ssh and ini files only through engine/ and config/'
check tui 'ncurses|curses\.h|tui/console/provide_curses\.h' 'curses only in tui/console/' tui/console
check tui 'vterm\.h' 'vterm only in tui/term/' tui/term
check tui 'tui/console/' 'console internals stay in tui/console/ (main.c goes through tui.h)' tui/console
check tui 'tui/term/term_int\.h' 'emulator internals stay in tui/term/' tui/term
check tui 'tui/cli/' 'headless internals stay in tui/cli/' tui/cli
if ((bad)); then
	echo "layers: violations above" >&2
	exit 1
fi
echo "layers: ok"
