/*
 * tests/cli/test_tail.c - `drover tail` as a user runs it, against the demo
 * fleet: a merged stream from several hosts, filters, JSON, Ctrl-C, and
 * exactness across a connection killed under it (every line once, in
 * order, after the automatic reconnect).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

TestSuite(tail, .timeout = 180);

/* Runs drover tail in the background for `secs`, with `during` run meanwhile. */
static char *
tail_run(const char *args, const char *during, double secs)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "cd /tmp; %s -F %s -i %s tail %s >/tmp/drover-tail.$$ "
	    "2>/tmp/drover-tail-err.$$ & p=$!; %s; sleep %.1f; kill -INT $p; wait $p; "
	    "echo rc=$?; cat /tmp/drover-tail.$$; echo ==stderr==; cat /tmp/drover-tail-err.$$; "
	    "rm -f /tmp/drover-tail.$$ /tmp/drover-tail-err.$$", getenv("DROVER_BIN"),
	    tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"), args,
	    during != NULL ? during : "true", secs) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

Test(tail, merged_stream_filters_json_and_ctrl_c)
{
	char *dir = tu_tmpdir(), *f = NULL, *args = NULL, *out;

	cr_assert(asprintf(&f, "%s/app.log", dir) > 0);
	tu_write_file(f, "one\ntwo keep\nthree\nfour keep\nfive drop keep\n");
	chmod(dir, 0755);
	chmod(f, 0644);
	cr_assert(asprintf(&args, "-n 4 -e keep -v drop h1,h2 -- %s", f) > 0);
	out = tail_run(args, NULL, 3);
	cr_assert(strstr(out, "rc=130") != NULL, "%s", out);
	cr_assert_eq(tu_count(out, "h1: two keep\n"), 1, "%s", out);
	cr_assert_eq(tu_count(out, "h2: four keep\n"), 1, "%s", out);
	cr_assert_eq(tu_count(out, "three"), 0, "-e: %s", out);
	cr_assert_eq(tu_count(out, "drop"), 0, "-v: %s", out);
	cr_assert_eq(tu_count(out, "one"), 0, "-n 4: %s", out);
	free(out);
	free(args);
	cr_assert(asprintf(&args, "-o json -n 1 h1 -- %s", f) > 0);
	out = tail_run(args, NULL, 2);
	cr_assert(strstr(out, "{\"host\":\"h1\",\"file\":\"") != NULL, "%s", out);
	cr_assert(strstr(out, "\",\"line\":\"five drop keep\",\"offset\":29,\"time\":") != NULL,
	    "%s", out);
	free(out);
	free(args);
	free(f);
	tu_rmrf(dir);
	free(dir);
}

Test(tail, exact_across_a_killed_connection)
{
	char *dir = tu_tmpdir(), *f = NULL, *args = NULL, *during = NULL, *out, *p, want[32];
	int i, last = 0;

	cr_assert(asprintf(&f, "%s/n.log", dir) > 0);
	tu_write_file(f, "");
	chmod(dir, 0755);
	chmod(f, 0644);
	/* Numbered lines at ~50/s; the h1 sessions killed twice meanwhile. */
	/* The sshd serving the tail: the parent of its remote reader. */
	cr_assert(asprintf(&during, "killsess() { for r in $(pgrep -f drover-tail); do "
	    "pp=$(ps -o ppid= -p $r | tr -d ' '); case \"$(ps -o comm= -p $pp)\" in sshd*) "
	    "kill -KILL $pp;; esac; done; }; "
	    "sleep 2; (i=1; while [ $i -le 400 ]; do echo line-$i >> %s; "
	    "i=$((i+1)); sleep 0.02; done) & w=$!; sleep 2; killsess; sleep 3; killsess; "
	    "wait $w; sleep 3", f) > 0);
	cr_assert(asprintf(&args, "-n 0 h1 -- %s", f) > 0);
	out = tail_run(args, during, 1);
	cr_assert(strstr(out, "rc=130") != NULL, "%s", out);
	cr_assert(strstr(out, "reconnected") != NULL, "no reconnect happened:\n%s", out);
	/* Every number once, in order. */
	for (i = 1; i <= 400; i++) {
		snprintf(want, sizeof(want), "h1: line-%d\n", i);
		cr_assert_eq(tu_count(out, want), 1, "line-%d x%d:\n%s", i, tu_count(out, want), out);
		p = strstr(out, want);
		cr_assert((int)(p - out) > last, "line-%d out of order", i);
		last = (int)(p - out);
	}
	free(out);
	free(args);
	free(during);
	free(f);
	tu_rmrf(dir);
	free(dir);
}
