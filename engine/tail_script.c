/*
 * engine/tail_script.c - the remote half of a file tail: a POSIX sh script
 * (sh, stat, dd, head, tail, wc, find, sleep, timeout) that follows the
 * files and prints framed records (tail_int.h) for tail.c to check. Kept
 * in its own file so that the shell reads as shell. Why a script with
 * framing rather than `tail -F`: see tail.c.
 *
 * tail.c puts the settings first: T (poll interval, s), C (chunk), NL
 * (initial lines), G (1: P is a glob), FIRST (1: files present now get the
 * last NL lines), M (files known) and per known file k: n_k (name), d_k,
 * i_k, b_k (dev, inode, birth time in ns or 0; empty if not known yet), o_k
 * (offset; -1: initial lines), w_k (what was last announced: W, E, F or
 * empty), and RET: files read to their end after a rotation, as
 * " dev:ino:birth:off " each.
 *
 * LC_ALL=C so that ${#name} counts bytes. st() is the one stat call per
 * file and tick. A file is (dev, inode, birth): an inode number freed by a
 * deleted log is given to the next new file at once on ext4, and without
 * the birth time that new file would look like the old one truncated.
 *
 * rd() sends [o, size) in chunks: one dd block with conv=sync, so a file
 * that shrinks under the read still gives exactly the announced length
 * (zeros); when dd wrote no block at all (a read at or past the end, or
 * the name gone between stat and open during a rotation) head pads
 * instead. A second stat then confirms the chunk (K) or withdraws it (X).
 * A tick reads what its stat saw: chasing a growing file would read it in
 * tiny pieces back to back (51% of a core at 500 lines/s here, against
 * 9-10%); only the old file after a rotation is read until it stops
 * growing.
 *
 * gone() handles a name that no longer points at the followed file: the
 * inode is looked for in the same directory (rotation by rename) and read
 * to its end (R), looked for again if it moves under the read (the next
 * rotation), else reported lost (L); either way it is retired at where we
 * stopped. A name
 * that comes to point at a file another name follows waits until that one
 * is done with it; at a retired file it continues at that file's end, so
 * with a glob like app.log* the renamed app.log.1 is neither read twice
 * nor missed.
 *
 * Between ticks: after a tick that read data, sleep T (a busy log is read
 * in batches). After an idle tick, wake() blocks until a file changes:
 * one `tail -c +OFF -F` per file (inotify in GNU tail; it starts at our
 * offset, so bytes written since the last read wake it at once) into
 * `head -c 1`, at most 5 s (timeout --foreground, which unlike plain
 * timeout stays in our process group), never less than T (a tail that
 * exits at once cannot spin the loop). Without timeout, or with more than
 * 8 files, it just sleeps T. The waker only says "look now": every byte
 * still goes through the framed path above, so a late wake-up costs
 * latency, never data. Idle, on this machine: about 1% of one core per
 * file (stat + sleep every 250 ms instead: 4.8%; fork+exec is slow here).
 *
 * The script sees the path once per tick. When two rotations fall between
 * two looks (a slow tick, or while detached: app.log -> .1, then the next
 * app.log -> .1 -> .2), the file in between was never at the path when we
 * looked. between() finds such files by birth time - named like the path
 * (app.log*), born after the file we left and before the one now at the
 * path - and reads each whole, oldest first, before the new file. Without
 * birth times (a filesystem that has none) they are missed, unmarked.
 *
 * stream() (SS=1, one file, not a glob, GNU tail): once a file is followed
 * and read to its end, it is opened on fd 5, checked to be the followed
 * (dev, inode, birth) through /dev/fd/5, announced with S, and handed to
 * `tail -c +OFF -s S -f` on that descriptor (stderr into stdout: its
 * truncation notice arrives in order with the bytes; tail.c handles it).
 * A `tail -F` on the name, into `head -c 1`, wakes us when the path is
 * rotated, truncated or removed (its notices go to stderr); then we say
 * so on stderr and end, and tail.c starts this script again at its
 * offset. A second look after 1 s catches a rotation before the watcher
 * was set up. `command exec` because a failed redirection of a special
 * builtin would end the shell.
 *
 * The loop runs in the background with stdin from /dev/null; the
 * foreground shell waits for EOF on the channel and then kills the process
 * group, so nothing outlives the channel.
 */
#include "engine/tail_int.h"

const char eng__tail_script[] =
	"LC_ALL=C; export LC_ALL\n"
	"st() {\n"
	"\tIFS=' '\n"
	"\tset -- $(stat -L -c \"$SF\" -- \"$1\" 2>/dev/null)\n"
	"\tIFS=\n"
	"\t[ $# -eq 4 ] || return 1\n"
	"\tsd=$1 si=$2 ss=$3 sb=$4\n"
	"\tcase $sb in *[!0-9.]* | '' | *.*.*) sb=0 ;; *.*) sb=${sb%.*}${sb#*.} ;; esac\n"
	"\twhile :; do case $sb in 0?*) sb=${sb#0} ;; *) break ;; esac; done\n"
	"}\n"
	"same() { [ \"$sd\" = \"$d\" ] && [ \"$si\" = \"$i\" ] && [ \"$sb\" = \"$b\" ]; }\n"
	"ld() { eval \"n=\\$n_$1 d=\\$d_$1 i=\\$i_$1 b=\\$b_$1 o=\\$o_$1 w=\\$w_$1\"; }\n"
	"sv() { eval \"n_$1=\\$n d_$1=\\$d i_$1=\\$i b_$1=\\$b o_$1=\\$o w_$1=\\$w\"; }\n"
	"rd() {\n"
	"\te=$ss\n"
	"\twhile [ \"$e\" -gt \"$o\" ]; do\n"
	"\t\tl=$((e - o))\n"
	"\t\t[ \"$l\" -le \"$C\" ] || l=$C\n"
	"\t\tprintf 'D %s %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$o\" \"$l\"\n"
	"\t\tr=$(dd if=\"$1\" bs=\"$l\" skip=\"$o\" count=1 iflag=skip_bytes conv=sync 2>&1 >&4)\n"
	"\t\tcase $r in *\"1+0 records out\"*) ;; *) head -c \"$l\" /dev/zero ;; esac\n"
	"\t\tif st \"$1\" && same && [ \"$ss\" -ge $((o + l)) ]; then\n"
	"\t\t\tprintf 'K\\n'\n"
	"\t\t\to=$((o + l)) got=1\n"
	"\t\telse\n"
	"\t\t\tprintf 'X\\n'\n"
	"\t\t\treturn 1\n"
	"\t\tfi\n"
	"\tdone\n"
	"}\n"
	"gone() {\n"
	"\tcase $n in */*) dir=${n%/*} ;; *) dir=. ;; esac\n"
	"\t[ -n \"$dir\" ] || dir=/\n"
	"\tx=0 y=0\n"
	"\twhile [ \"$y\" -lt 5 ]; do\n"
	"\t\ty=$((y + 1))\n"
	"\t\tp=$(find \"$dir\" -maxdepth 1 -inum \"$i\" 2>/dev/null | head -n 1)\n"
	"\t\t[ -n \"$p\" ] && st \"$p\" && same || break\n"
	"\t\tif [ \"$ss\" -lt \"$o\" ]; then\n"
	"\t\t\tprintf 'T %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$ss\"\n"
	"\t\t\to=0\n"
	"\t\tfi\n"
	"\t\twhile rd \"$p\"; do\n"
	"\t\t\tst \"$p\" && same && [ \"$ss\" -gt \"$o\" ] || { x=1; break; }\n"
	"\t\tdone\n"
	"\t\t[ \"$x\" = 0 ] || break\n"
	"\tdone\n"
	"\tif [ \"$x\" = 1 ]; then\n"
	"\t\tprintf 'R %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$o\"\n"
	"\telse\n"
	"\t\tprintf 'L %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$o\"\n"
	"\tfi\n"
	"\tRET=\"$RET$d:$i:$b:$o \"\n"
	"\t[ \"$b\" = 0 ] || between\n"
	"\td= i= b= o=0 w=\n"
	"\tbusy=1\n"
	"}\n"
	"# Files born after the one we left (b) and before the one now at the path\n"
	"# (nb): they were at the path in between (two rotations between looks).\n"
	"# Each is read whole, oldest first, as if we had seen it there. Birth times\n"
	"# tick in jiffies: files made within a few ms share one, hence -ge/-le\n"
	"# (the file we left is in RET, the one at the path is excluded by name).\n"
	"between() {\n"
	"\tcase $n in */*) base=${n##*/} ;; *) base=$n ;; esac\n"
	"\twhile :; do\n"
	"\t\tq= qb=\n"
	"\t\tfor f in \"$dir\"/\"$base\"*; do\n"
	"\t\t\t[ \"$f\" != \"$n\" ] && [ -f \"$f\" ] && [ -r \"$f\" ] && st \"$f\" || continue\n"
	"\t\t\t[ \"$sb\" -ge \"$b\" ] || continue\n"
	"\t\t\t[ -z \"$nb\" ] || [ \"$sb\" -le \"$nb\" ] || continue\n"
	"\t\t\tcase $RET in *\" $sd:$si:$sb:\"*) continue ;; esac\n"
	"\t\t\towned && continue\n"
	"\t\t\t[ -n \"$qb\" ] && [ \"$sb\" -ge \"$qb\" ] && continue\n"
	"\t\t\tq=$f qb=$sb\n"
	"\t\tdone\n"
	"\t\t[ -n \"$q\" ] || return 0\n"
	"\t\tst \"$q\" || return 0\n"
	"\t\td=$sd i=$si b=$sb o=0\n"
	"\t\tprintf 'A %s %s %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$o\" \"$ss\" \"$b\"\n"
	"\t\tx=0\n"
	"\t\twhile rd \"$q\"; do\n"
	"\t\t\tst \"$q\" && same && [ \"$ss\" -gt \"$o\" ] || { x=1; break; }\n"
	"\t\tdone\n"
	"\t\tif [ \"$x\" = 1 ]; then\n"
	"\t\t\tprintf 'R %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$o\"\n"
	"\t\telse\n"
	"\t\t\tprintf 'L %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$o\"\n"
	"\t\tfi\n"
	"\t\tRET=\"$RET$d:$i:$b:$o \"\n"
	"\tdone\n"
	"}\n"
	"# 0 if the file just stat'ed is followed under another name.\n"
	"owned() {\n"
	"\tj=1\n"
	"\twhile [ \"$j\" -le \"$M\" ]; do\n"
	"\t\tif [ \"$j\" != \"$k\" ] && eval \"[ \\\"\\$d_$j:\\$i_$j:\\$b_$j\\\" = \\\"\\$sd:\\$si:\\$sb\\\" ]\"; then\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\t\tj=$((j + 1))\n"
	"\tdone\n"
	"\treturn 1\n"
	"}\n"
	"step() {\n"
	"\tif ! st \"$n\"; then\n"
	"\t\tif [ -n \"$i\" ]; then nb=; gone; return; fi\n"
	"\t\t[ \"$o\" -ge 0 ] || o=0\n"
	"\t\t[ \"$w\" = W ] || { printf 'W %s\\n' \"$k\"; w=W; }\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tif [ -n \"$i\" ] && ! same; then\n"
	"\t\tnb=$sb\n"
	"\t\tgone\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tif [ ! -f \"$n\" ]; then\n"
	"\t\t[ \"$w\" = E ] || { printf 'E %s notreg\\n' \"$k\"; w=E; }\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tif [ ! -r \"$n\" ]; then\n"
	"\t\t[ \"$w\" = E ] || { printf 'E %s perm\\n' \"$k\"; w=E; }\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tif [ -z \"$i\" ]; then\n"
	"\t\tid=$sd:$si:$sb\n"
	"\t\tj=1\n"
	"\t\twhile [ \"$j\" -le \"$M\" ]; do\n"
	"\t\t\tif [ \"$j\" != \"$k\" ] && eval \"[ \\\"\\$d_$j:\\$i_$j:\\$b_$j\\\" = \\\"\\$id\\\" ]\"; then\n"
	"\t\t\t\treturn\n"
	"\t\t\tfi\n"
	"\t\t\tj=$((j + 1))\n"
	"\t\tdone\n"
	"\t\td=$sd i=$si b=$sb\n"
	"\t\tcase $RET in *\" $id:\"*)\n"
	"\t\t\tx=${RET#*\" $id:\"}\n"
	"\t\t\to=${x%% *}\n"
	"\t\t\tRET=\"${RET%%\" $id:\"*} ${x#* }\"\n"
	"\t\t\t;;\n"
	"\t\tesac\n"
	"\t\tif [ \"$o\" -lt 0 ]; then\n"
	"\t\t\tx=$((ss > 1048576 ? ss - 1048576 : 0))\n"
	"\t\t\tx=$(dd if=\"$n\" bs=65536 skip=\"$x\" count=$((ss - x)) iflag=skip_bytes,count_bytes 2>/dev/null | tail -n \"$NL\" | wc -c)\n"
	"\t\t\to=$((ss - x))\n"
	"\t\tfi\n"
	"\t\tw=\n"
	"\tfi\n"
	"\tif [ \"$w\" != F ]; then\n"
	"\t\tprintf 'A %s %s %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$o\" \"$ss\" \"$b\"\n"
	"\t\tw=F\n"
	"\tfi\n"
	"\tif [ \"$ss\" -lt \"$o\" ]; then\n"
	"\t\tprintf 'T %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$ss\"\n"
	"\t\to=0\n"
	"\tfi\n"
	"\trd \"$n\" || busy=1\n"
	"}\n"
	"known() {\n"
	"\tj=1\n"
	"\twhile [ \"$j\" -le \"$M\" ]; do\n"
	"\t\teval \"[ \\\"\\$n_$j\\\" = \\\"\\$1\\\" ]\" && return 0\n"
	"\t\tj=$((j + 1))\n"
	"\tdone\n"
	"\treturn 1\n"
	"}\n"
	"expand() {\n"
	"\tfor f in $P; do\n"
	"\t\t[ -e \"$f\" ] || continue\n"
	"\t\tknown \"$f\" && continue\n"
	"\t\tM=$((M + 1))\n"
	"\t\teval \"n_$M=\\$f d_$M= i_$M= b_$M= w_$M= o_$M=$((FIRST ? -1 : 0))\"\n"
	"\t\tprintf 'F %s %s\\n%s\\n' \"$M\" \"${#f}\" \"$f\"\n"
	"\tdone\n"
	"\tif [ \"$M\" -eq 0 ] && [ -z \"$gw\" ]; then printf 'G\\n'; gw=1; fi\n"
	"}\n"
	"wake() {\n"
	"\tif [ -z \"$TO\" ] || [ \"$M\" -eq 0 ] || [ \"$M\" -gt 8 ]; then\n"
	"\t\tsleep \"$T\"\n"
	"\t\treturn\n"
	"\tfi\n"
	"\t{\n"
	"\t\tk=1\n"
	"\t\twhile [ \"$k\" -le \"$M\" ]; do\n"
	"\t\t\tld \"$k\"\n"
	"\t\t\t[ \"$o\" -ge 0 ] || o=0\n"
	"\t\t\t[ -n \"$i\" ] || o=0\n"
	"\t\t\t[ \"$w\" = E ] || timeout --foreground 5 tail -c +$((o + 1)) -F -- \"$n\" 2>/dev/null &\n"
	"\t\t\tk=$((k + 1))\n"
	"\t\tdone\n"
	"\t\tsleep \"$T\" &\n"
	"\t\twait\n"
	"\t} | head -c 1 >/dev/null\n"
	"}\n"
	"# Streams the one file: S, then its raw bytes from o, until a name watcher\n"
	"# (tail -F, inotify) says the path changed; then tell the client and end.\n"
	"stream() {\n"
	"\t{ command exec 5<\"$n\"; } 2>/dev/null || return 1\n"
	"\tif ! { st /dev/fd/5 && same && [ \"$ss\" -ge \"$o\" ]; }; then exec 5<&-; return 1; fi\n"
	"\tprintf 'S %s %s %s %s\\n' \"$k\" \"$d\" \"$i\" \"$o\"\n"
	"\ttail -c +$((o + 1)) -s \"$S\" -f <&5 2>&1 &\n"
	"\texec 5<&-\n"
	"\t{ tail -n 0 -F -- \"$n\" 2>&1 >/dev/null | head -c 1 >/dev/null; } &\n"
	"\twp=$!\n"
	"\tsleep 1\n"
	"\tst \"$n\" && same && wait \"$wp\"\n"
	"\tprintf '\\036drover-tail-restream\\n' >&2\n"
	"\tkill 0\n"
	"}\n"
	"main() {\n"
	"\tIFS=\n"
	"\tTO=\n"
	"\tSM=0\n"
	"\tif [ \"$SS\" = 1 ] && [ \"$G\" = 0 ] && [ -e /dev/fd/0 ]; then\n"
	"\t\tcase $(tail --version 2>/dev/null) in *GNU*) SM=1 ;; esac\n"
	"\tfi\n"
	"\tSF='%d %i %s %.9W'\n"
	"\tstat -L -c \"$SF\" / >/dev/null 2>&1 || SF='%d %i %s 0'\n"
	"\ttimeout --foreground 1 true 2>/dev/null && TO=1\n"
	"\twhile :; do\n"
	"\t\tbusy=0 got=0\n"
	"\t\t[ \"$G\" = 0 ] || expand\n"
	"\t\tk=1\n"
	"\t\twhile [ \"$k\" -le \"$M\" ]; do\n"
	"\t\t\tld \"$k\"; step; sv \"$k\"\n"
	"\t\t\tk=$((k + 1))\n"
	"\t\tdone\n"
	"\t\tFIRST=0\n"
	"\t\t[ \"$busy\" = 1 ] && continue\n"
	"\t\tif [ \"$SM\" = 1 ]; then ld 1; [ \"$w\" = F ] && k=1 && stream; fi\n"
	"\t\tif [ \"$got\" = 1 ]; then sleep \"$T\"; else wake; fi\n"
	"\tdone\n"
	"}\n"
	"main </dev/null 4>&1 &\n"
	"while read -r _; do :; done\n"
	"kill 0\n";
