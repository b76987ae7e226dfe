#!/usr/bin/env bash
# tests/pkg/deb.sh BUILD_DIR: the Debian package. `cpack -G DEB` from the
# build directory (output in a temporary directory), then the .deb is
# unpacked with dpkg -x into a scratch root and used from there, away from
# the build and source trees: --help, --version (its themes found inside
# the scratch root), man -l on its pages, a completion query, the
# completion scripts. Its Depends must name the packages of the libraries
# the binary links (libssh-4, libuv1, libvterm0, libncursesw6, libinih1 ...)
# and equal what dpkg-shlibdeps says about the unpacked binary.
set -euo pipefail
PKG_PROG=deb.sh
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
build=$(cd "${1:?usage: deb.sh BUILD_DIR}" && pwd)

for tool in dpkg-deb dpkg-shlibdeps cpack; do
	if ! command -v "$tool" >/dev/null; then
		echo "deb.sh: SKIPPED: $tool is not installed (dpkg-dev, cmake)"
		exit 77
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drover-deb.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
if ! (cd "$build" && cpack -G DEB -B "$tmp/out" --config CPackConfig.cmake >"$tmp/cpack.log" 2>&1); then
	cat "$tmp/cpack.log" >&2
	echo "deb.sh: cpack failed" >&2
	exit 1
fi
debs=("$tmp"/out/drover_*.deb)
deb=${debs[0]}
[[ -f $deb ]] || { echo "deb.sh: no .deb in $tmp/out" >&2; exit 1; }
pkg_ok "cpack built ${deb##*/}"

root=$tmp/root
dpkg -x "$deb" "$root"
d=$root/usr/bin/drover
cd /
unset DROVER_THEME_DIR XDG_CONFIG_HOME
export HOME=$tmp/home
mkdir -p "$HOME"

if "$d" --help | grep -q '^usage: drover'; then pkg_ok "--help"; else pkg_fail "--help"; fi
ver=$("$d" --version)
if [[ $ver == *$'\nthemes '"$root/usr/share/drover/themes" ]]; then
	pkg_ok "--version finds the unpacked themes"
else
	pkg_fail "--version: $ver"
fi
pkg_check_man "$root/usr/share/man/man1/drover.1" "$root"/usr/share/man/man5/drover-*.5
pkg_fixtures "$tmp"
out=$("$d" complete -- -i "$tmp/inv.ini" -F "$tmp/ssh_config" exec '@prod,w' | tr '\n' ' ')
if [[ $out == '@prod,web1 @prod,web2 ' ]]; then pkg_ok "completion query"; else pkg_fail "completion query: '$out'"; fi
pkg_check_completion "$d" "$root/usr/share/bash-completion/completions/drover" \
	"$root/usr/share/zsh/vendor-completions/_drover" \
	"$root/usr/share/fish/vendor_completions.d/drover.fish" "$tmp"

# Depends: the libraries' packages, and exactly what dpkg-shlibdeps derives.
depends=$(dpkg-deb -f "$deb" Depends)
for p in libssh-4 libuv1 libvterm0 libncursesw6 libinih1 libc6; do
	[[ ", $depends," == *", $p "* ]] || pkg_fail "Depends lacks $p: $depends"
done
mkdir -p "$tmp/shlibs/debian"
printf 'Source: drover\n\nPackage: drover\nArchitecture: any\n' >"$tmp/shlibs/debian/control"
shlibs=$(cd "$tmp/shlibs" && dpkg-shlibdeps -O "$d" 2>"$tmp/shlibdeps.err") ||
	{ cat "$tmp/shlibdeps.err" >&2; pkg_fail "dpkg-shlibdeps failed"; }
shlibs=${shlibs#shlibs:Depends=}
norm() { tr ',' '\n' <<<"$1" | sed 's/^ *//; s/ *$//' | sort; }
if [[ $(norm "$depends") == "$(norm "$shlibs")" ]]; then
	pkg_ok "Depends = dpkg-shlibdeps: $depends"
else
	pkg_fail "Depends '$depends' differs from dpkg-shlibdeps '$shlibs'"
fi

((pkg_fails == 0)) || { echo "deb.sh: $pkg_fails failure(s)" >&2; exit 1; }
echo "deb.sh: all ok"
