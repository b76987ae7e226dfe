/*
 * tests/cli/test_stdin.c - drover's stdin for every host: a 10 MB script
 * streamed to 50 hosts (the fleet's aliases) arrives byte-identical on
 * each, drover's memory stays far below 50 copies, -n keeps stdin closed,
 * a terminal is never read, --pty merges the streams.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "testutil.h"

static const char *cfg, *inv, *bin;
static char *dir;

static void
setup(void)
{
	cfg = tu_fleet("FLEET_SSH_CONFIG");
	inv = tu_fleet("FLEET_INVENTORY");
	bin = getenv("DROVER_BIN");
	dir = tu_tmpdir();
}

static void
teardown(void)
{
	if (dir != NULL)
		tu_rmrf(dir);
}

TestSuite(stdin, .init = setup, .fini = teardown, .timeout = 300);

/*
 * 10 MB through a pipe (so drover spools it), to 50 hosts at once: each
 * host's checksum and size match the local ones. Peak RSS of drover is
 * bounded (one copy, mapped, not 50).
 */
Test(stdin, ten_mb_to_fifty_hosts_identical)
{
	char *cmd, *out, *sum, *expect, *asan;
	struct rusage ru;
	int st;

	cr_assert(asprintf(&cmd, "head -c 7500000 /dev/urandom | base64 > %s/big; "
	    "wc -c < %s/big", dir, dir) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_geq(atol(out), 10000000L, "%s", out);
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "md5sum < %s/big | cut -d' ' -f1", dir) > 0);
	sum = tu_sh(cmd, NULL);
	sum[strcspn(sum, "\n")] = '\0';
	free(cmd);
	cr_assert(asprintf(&cmd, "cat %s/big | "
	    "%s -F %s -i %s exec -f 50 --connect-timeout 60 -o group 'n[001-050]' -- "
	    "'md5sum | cut -d\" \" -f1' 2>&1", dir, bin, cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(asprintf(&expect, "n[001-050] (50)\n---------------\n%s\n", sum) > 0);
	cr_assert(strstr(out, expect) != NULL, "want every host to print %s:\n%s", sum, out);
	/*
	 * 50 copies would be 500 MB; one copy plus the engine is far less.
	 * The largest process this test waited for (here: drover).
	 */
	cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
	free(cmd);
	/* Not under ASan: its quarantine and shadow memory are not drover's. */
	cr_assert(asprintf(&cmd, "ldd %s | grep -c libasan", bin) > 0);
	asan = tu_sh(cmd, NULL);
	if (atoi(asan) == 0)
		cr_assert_lt(ru.ru_maxrss, 120000L, "drover's peak RSS %ld KB", ru.ru_maxrss);
	free(asan);
	free(expect);
	free(out);
	free(cmd);
	free(sum);
}

/* A regular file is read too (mapped, from where the shell left it). */
Test(stdin, script_file_to_sh_s)
{
	char *cmd, *out;
	int st;

	cr_assert(asprintf(&cmd, "printf 'echo line1\\nexit 4\\n' > %s/s.sh; "
	    "%s -F %s -i %s exec h1,h2 -- sh -s < %s/s.sh 2>&1", dir, bin, cfg, inv, dir) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 1, "%s", out);
	cr_assert_eq(tu_count(out, ": line1"), 2, "%s", out);
	cr_assert_eq(tu_count(out, "exit status 4"), 2, "%s", out);
	free(out);
	free(cmd);
}

Test(stdin, dash_n_keeps_stdin_closed)
{
	char *cmd, *out;
	int st;

	cr_assert(asprintf(&cmd, "echo secret-input | %s -F %s -i %s exec -n h1 -- "
	    "'cat; echo end' 2>&1", bin, cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert_null(strstr(out, "secret-input"), "%s", out);
	cr_assert(strstr(out, "h1: end") != NULL, "%s", out);
	free(out);
	free(cmd);
	/* Without -n the same pipe reaches the host. */
	cr_assert(asprintf(&cmd, "echo piped-input | %s -F %s -i %s exec h1 -- "
	    "'cat; echo end' 2>&1", bin, cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert(strstr(out, "h1: piped-input") != NULL, "%s", out);
	free(out);
	free(cmd);
}

/* On a terminal, drover does not read it: `cat` sees EOF, no hang. */
Test(stdin, terminal_is_not_read)
{
	tu_run r;
	const char *const args[] = { "-F", cfg, "-i", inv, "exec", "--color=never", "-t", "20", "h1", "--",
	    "cat; echo cat-ended", NULL };

	tu_drover_pty(&r, 30, "never-asked: ", "x", NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "h1: cat-ended") != NULL, "%s", r.out);
	cr_assert_lt(r.secs, 15.0);
	tu_run_free(&r);
}

/* --pty: a terminal on the host; JSON has stdout and stderr together. */
Test(stdin, pty_merges_streams_in_json)
{
	tu_run r;
	const char *const args[] = { "-F", cfg, "-i", inv, "exec", "--pty", "-o", "json", "h1",
	    "--", "test -t 0 && echo is-a-tty; echo to-stderr >&2", NULL };
	const char *const plain[] = { "-F", cfg, "-i", inv, "exec", "-o", "json", "h1",
	    "--", "test -t 0 && echo is-a-tty; echo to-stderr >&2", NULL };

	tu_drover(&r, 30, NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"stdout\":\"is-a-tty\\r\\nto-stderr\\r\\n\"") != NULL, "%s",
	    r.out);
	cr_assert(strstr(r.out, "\"stderr\":\"\"") != NULL, "%s", r.out);
	tu_run_free(&r);
	tu_drover(&r, 30, NULL, plain);
	cr_assert_null(strstr(r.out, "is-a-tty"), "%s", r.out);
	cr_assert(strstr(r.out, "\"stderr\":\"to-stderr\\n\"") != NULL, "%s", r.out);
	tu_run_free(&r);
}
