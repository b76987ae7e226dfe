#!/usr/bin/env bash
# tests/pkg/drift.sh SRC_DIR DROVER: the manual pages and the completion
# query cannot fall behind the program. Every option of `drover --help`,
# `drover exec --help` and the console's --help must appear in drover(1)
# and be offered by `drover complete`, and so must the values exec.c
# accepts for -o and --color and the console's layouts; every key of the
# config readers' tables (config/inventory_ini.c, config/console_ini.c),
# every console command (tui/console/commands.c) and every theme element
# (config/theme.c) in its page. Names are read from the help texts and the source tables,
# so a new option or key fails this test until it is documented.
set -euo pipefail
PKG_PROG=drift.sh
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
src=$(cd "${1:?usage: drift.sh SRC_DIR DROVER}" && pwd)
bin=${2:?usage: drift.sh SRC_DIR DROVER}

if ! command -v man >/dev/null; then
	echo "drift.sh: SKIPPED: man is not installed (.ci/setup installs man-db)"
	exit 77
fi
# The pages as a reader sees them (roff escapes gone, no hyphenation).
render() { LC_ALL=C MANWIDTH=200 man -l "$src/doc/$1" 2>/dev/null | col -b; }
page1=$(render drover.1)

# has TEXT WORD: WORD appears in TEXT as a whole word (- . _ count as letters).
has() { grep -qE -- "(^|[^[:alnum:]_.-])$(sed 's/[.[\*^$]/\\&/g' <<<"$2")([^[:alnum:]_-]|$)" <<<"$1"; }

# has_term TEXT WORD: WORD is the term of a paragraph (the start of an
# indented line, maybe after other terms: "focus-left, focus-right"), not
# just a word in the prose.
has_term() {
	grep -qE -- "^[[:space:]]+([a-z0-9._-]+, )*$(sed 's/[.[\*^$]/\\&/g' <<<"$2")([ ,]|$)" <<<"$1"
}

# check [-t] WHAT TEXT NAME...: every NAME in TEXT (-t: as a term); also
# fails on an empty list (the extraction below broke).
check() {
	local how=has what text n=0 missing=()
	[[ $1 == -t ]] && { how=has_term; shift; }
	what=$1 text=$2
	shift 2
	for name in "$@"; do
		n=$((n + 1))
		"$how" "$text" "$name" || missing+=("$name")
	done
	if ((n == 0)); then
		pkg_fail "$what: nothing extracted (did the source format change?)"
	elif ((${#missing[@]})); then
		pkg_fail "$what: missing ${missing[*]}"
	else
		pkg_ok "$what: all $n present"
	fi
}

# Options: words starting with - or -- in a help text, "-h," included.
opts_of() { grep -oE -- '(^|[[:space:][])--?[a-zA-Z][a-zA-Z-]*' | sed 's/^[[:space:][]*//' | sort -u; }
mapfile -t global < <("$bin" --help | opts_of)
mapfile -t execo < <("$bin" exec --help | opts_of)
mapfile -t console < <("$bin" -c /dev/null --help | opts_of)
for must in --version:global -o:execo --outdir:execo --layout:console; do
	o=${must%%:*} arr=${must#*:}
	declare -n a=$arr
	[[ " ${a[*]} " == *" $o "* ]] || pkg_fail "options of $arr: $o not extracted from --help"
done
check "drover(1): drover --help options" "$page1" "${global[@]}"
check "drover(1): drover exec --help options" "$page1" "${execo[@]}"
check "drover(1): console --help options" "$page1" "${console[@]}"

comp_global=$("$bin" complete -- - | tr '\n' ' ')
comp_exec=$("$bin" complete -- exec - | tr '\n' ' ')
check "drover complete: global and console options" " $comp_global" "${global[@]}" "${console[@]}"
check "drover complete: exec options" " $comp_exec" "${execo[@]}"
for sub in tail put get ls cat; do
	mapfile -t subo < <("$bin" "$sub" --help | opts_of)
	check "drover complete: $sub options" " $("$bin" complete -- "$sub" - | tr '\n' ' ')" "${subo[@]}"
done

# Option values: every word exec.c compares an option value with (-o,
# --color) is offered by the completion and named in drover(1); the layouts
# the completion offers (the console's own table) are in both helps and the
# page.
# (exec's shared options are parsed in cliopts.c: -o from its names table)
mapfile -t values < <({ grep -oh 'strcmp(v, "[a-z-]*")' "$src/tui/cli/exec.c" \
	"$src/tui/cli/cliopts.c"; grep -oh '\[TUI_OUT_[A-Z]*\] = "[a-z]*"' "$src/tui/cli/cliopts.c"; } |
	sed 's/.*"\(.*\)".*/\1/' | sort -u)
comp_values=" $("$bin" complete -- exec -o '' | tr '\n' ' ') $("$bin" complete -- exec --color '' | tr '\n' ' ')"
check "drover complete: exec option values" "$comp_values" "${values[@]}"
check "drover(1): exec option values" "$page1" "${values[@]}"
mapfile -t layouts < <("$bin" complete -- --layout '')
check "drover(1): layouts" "$page1" "${layouts[@]}"
check "console --help: layouts" "$("$bin" -c /dev/null --help)" "${layouts[@]}"
[[ " ${layouts[*]} " == *" main-stack "* ]] || pkg_fail "layouts: main-stack not offered"

# Config keys from the readers' tables.
mapfile -t inv_keys < <(sed -n 's/^[[:space:]]*\[K_[A-Z_]*\] = { "\([a-z_]*\)".*/\1/p' "$src/config/inventory_ini.c")
mapfile -t con_keys < <(sed -n 's/^[[:space:]]*\[K_[A-Z_]*\] = "\([a-z_]*\)".*/\1/p' "$src/config/console_ini.c")
mapfile -t elements < <(sed -n 's/^[[:space:]]*\[CFG_EL_[A-Z0-9_]*\] = { "\([a-z0-9.]*\)".*/\1/p' "$src/config/theme.c")
mapfile -t commands < <(sed -n 's/^[[:space:]]*{ { "\([a-z0-9-]*\)", .*/\1/p' "$src/tui/console/commands.c")
[[ " ${inv_keys[*]} " == *" accept_new "* ]] || pkg_fail "inventory keys: accept_new not extracted"
[[ " ${con_keys[*]} " == *" reconnect_max "* ]] || pkg_fail "console keys: reconnect_max not extracted"
[[ " ${elements[*]} " == *" host.8 "* ]] || pkg_fail "theme elements: host.8 not extracted"
[[ " ${commands[*]} " == *" zoom "* ]] || pkg_fail "console commands: zoom not extracted"
check -t "drover-inventory(5): inventory keys" "$(render drover-inventory.5)" "${inv_keys[@]}"
check -t "drover-console(5): console.ini keys" "$(render drover-console.5)" "${con_keys[@]}"
check -t "drover-console(5): console commands" "$(render drover-console.5)" "${commands[@]}"
check -t "drover-themes(5): theme elements" "$(render drover-themes.5)" "${elements[@]}"

((pkg_fails == 0)) || { echo "drift.sh: $pkg_fails failure(s)" >&2; exit 1; }
echo "drift.sh: all ok"
