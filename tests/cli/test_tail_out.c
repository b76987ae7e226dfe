/*
 * tests/cli/test_tail_out.c - `drover tail` output as a user gets it:
 * --outdir files (exact copies, private whatever the umask, nothing
 * outside DIR), 100 hosts x 2 files with every line exactly once,
 * "host file: line" with several files, theme colours and NO_COLOR,
 * --highlight, JSON that parses, status lines on stderr, exit codes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* One suite-wide timeout: a per-test one makes Criterion 2.4 leak (ASan). */
TestSuite(tail_out, .timeout = 400);

/*
 * Runs drover tail in the background until `until` (a shell condition,
 * checked every 0.2 s) holds or `secs` pass, after `during` ran; then
 * Ctrl-C. Output: "rc=N", stdout, "==stderr==", stderr.
 */
static char *
tail_run(const char *env, const char *args, const char *during, const char *until,
    double secs)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "cd /tmp; %s %s -F %s -i %s tail %s >/tmp/drover-to.$$ "
	    "2>/tmp/drover-to-err.$$ & p=$!; %s; n=0; while [ $n -lt %d ] && ! { %s; }; do "
	    "sleep 0.2; n=$((n+1)); done; kill -INT $p; wait $p; echo rc=$?; "
	    "cat /tmp/drover-to.$$; echo ==stderr==; cat /tmp/drover-to-err.$$; "
	    "rm -f /tmp/drover-to.$$ /tmp/drover-to-err.$$", env != NULL ? env : "",
	    getenv("DROVER_BIN"), tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"),
	    args, during != NULL ? during : "true", (int)(secs * 5), until != NULL ? until : "false")
	    > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

static char *
scratch_file(const char *dir, const char *name, const char *content)
{
	char *f = NULL;

	cr_assert(asprintf(&f, "%s/%s", dir, name) > 0);
	tu_write_file(f, content);
	chmod(f, 0644);
	return f;
}

static int
mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s missing", path);
	return (int)(st.st_mode & 07777);
}

Test(tail_out, outdir_exact_private_and_contained)
{
	char *dir = tu_tmpdir(), *od = NULL, *a, *b, *args = NULL, *out, *p = NULL, *got;
	char *outside = NULL, *cmd = NULL;
	size_t len;

	chmod(dir, 0755);
	a = scratch_file(dir, "a.log", "a1\na2 with \033[31mescape\n");
	b = scratch_file(dir, "b.log", "b1\n");
	cr_assert(asprintf(&od, "%s/out", dir) > 0);
	/* h2's directory is planted as a link to somewhere else: refused. */
	cr_assert(asprintf(&outside, "%s/elsewhere", dir) > 0);
	cr_assert_eq(mkdir(outside, 0755), 0);
	cr_assert_eq(mkdir(od, 0755), 0);
	cr_assert(asprintf(&cmd, "ln -s %s %s/h2", outside, od) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
	/* The second path climbs with "..": it must still land inside DIR/h1. */
	cr_assert(asprintf(&args, "--outdir %s -n 100 h1,h2 -- %s %s/../%s/b.log", od, a, dir,
	    strrchr(dir, '/') + 1) > 0);
	cr_assert(asprintf(&cmd, "sleep 1; printf 'a3 partial' >> %s", a) > 0);
	out = tail_run("umask 0;", args, cmd, NULL, 6);
	free(cmd);
	/* A file that cannot be written: said on stderr, exit 74 at the end. */
	cr_assert(strstr(out, "rc=74") != NULL, "%s", out);
	cr_assert(strstr(out, "--outdir") != NULL && strstr(out, "/h2") != NULL, "%s", out);
	/* The merged stream names the file when there are several. */
	cr_assert(strstr(out, "h1 ") != NULL && strstr(out, "a.log: a1\n") != NULL, "%s", out);
	/* DIR/h1/<remote path>: a byte-exact copy, escape bytes included. */
	cr_assert(asprintf(&p, "%s/h1%s", od, a) > 0);
	got = tu_read_file(p, &len);
	cr_assert_not_null(got, "%s missing\n%s", p, out);
	free(p);
	free(got);
	free(out);
	free(args);
	/* Redo with the partial line completed: the copy equals the file. */
	cr_assert(asprintf(&args, "--outdir %s -n 0 h1 -- %s", od, a) > 0);
	cr_assert(asprintf(&cmd, "sleep 2; printf ' done\\na4\\n' >> %s", a) > 0);
	out = tail_run("umask 0;", args, cmd, NULL, 5);
	free(cmd);
	cr_assert(strstr(out, "rc=130") != NULL, "%s", out);
	cr_assert(asprintf(&p, "%s/h1%s", od, a) > 0);
	got = tu_read_file(p, &len);
	cr_assert_str_eq(got, "a1\na2 with \033[31mescape\na3 partial done\na4\n", "%s", out);
	cr_assert_eq(mode_of(p), 0600);
	free(got);
	free(p);
	cr_assert(asprintf(&p, "%s/h1", od) > 0);
	cr_assert_eq(mode_of(p), 0700);
	free(p);
	/* ".." became a name of its own under h1. */
	cr_assert(asprintf(&p, "%s/h1%s/_../%s/b.log", od, dir, strrchr(dir, '/') + 1) > 0);
	got = tu_read_file(p, &len);
	cr_assert_str_eq(got, "b1\n");
	free(got);
	free(p);
	/* Nothing was written through the planted link. */
	cr_assert(asprintf(&cmd, "find %s -type f | wc -l", outside) > 0);
	got = tu_sh(cmd, NULL);
	cr_assert_eq(atoi(got), 0, "written outside DIR: %s", got);
	free(got);
	free(out);
	free(args);
	free(cmd);
	free(outside);
	free(a);
	free(b);
	free(od);
	tu_rmrf(dir);
	free(dir);
}

Test(tail_out, hundred_hosts_two_files_every_line_once)
{
	char *dir = tu_tmpdir(), *od = NULL, *a, *b, *args = NULL, *out, *until = NULL;
	char *during = NULL, *p = NULL, *got, want[64], *content;
	int h, i, f;
	size_t len;

	chmod(dir, 0755);
	a = scratch_file(dir, "x.log", "");
	b = scratch_file(dir, "y.log", "");
	cr_assert(asprintf(&od, "%s/out", dir) > 0);
	/* 50 lines each before (initial lines), 50 more while following. */
	cr_assert(asprintf(&during, "cd %s; i=1; while [ $i -le 50 ]; do echo x-$i >> x.log; "
	    "echo y-$i >> y.log; i=$((i+1)); done; "
	    "(sleep 2; i=51; while [ $i -le 100 ]; do echo x-$i >> x.log; echo y-$i >> y.log; "
	    "i=$((i+1)); sleep 0.05; done) & :", dir) > 0);
	/* Done when every copy has its 100 lines (or the time runs out). */
	cr_assert(asprintf(&until, "[ $(cat %s/n*%s %s/n*%s 2>/dev/null | wc -l) -ge 20000 ] "
	    "&& sleep 1", od, a, od, b) > 0);
	cr_assert(asprintf(&args, "--outdir %s -n 1000 n[001-100] -- %s %s", od, a, b) > 0);
	out = tail_run(NULL, args, during, until, 240);
	cr_assert(strstr(out, "rc=130") != NULL, "%.2000s", out);
	for (h = 1; h <= 100; h++) {
		for (f = 0; f < 2; f++) {
			size_t n = 0;

			content = calloc(1, 100 * 16);
			for (i = 1; i <= 100; i++)
				n += (size_t)sprintf(content + n, "%c-%d\n", f ? 'y' : 'x', i);
			cr_assert(asprintf(&p, "%s/n%03d%s", od, h, f ? b : a) > 0);
			got = tu_read_file(p, &len);
			cr_assert_not_null(got, "%s missing", p);
			cr_assert_str_eq(got, content, "%s", p);
			/* And on stdout: each line once. */
			snprintf(want, sizeof(want), "n%03d %s: %c-77\n", h, f ? b : a, f ? 'y' : 'x');
			cr_assert_eq(tu_count(out, want), 1, "%s x%d", want, tu_count(out, want));
			free(got);
			free(p);
			free(content);
		}
	}
	cr_assert_eq(tu_count(out, ".log: x-") + tu_count(out, ".log: y-"), 100 * 2 * 100,
	    "line count");
	free(out);
	free(args);
	free(until);
	free(during);
	free(a);
	free(b);
	free(od);
	tu_rmrf(dir);
	free(dir);
}

Test(tail_out, colours_highlight_json_and_status)
{
	char *dir = tu_tmpdir(), *a, *args = NULL, *out, *cmd = NULL, *v;
	int st;

	chmod(dir, 0755);
	a = scratch_file(dir, "c.log", "alpha ERROR beta\nplain\n");
	/* Theme colours: the default theme's host.1 and host.2, 256-colour SGR. */
	cr_assert(asprintf(&args, "--color always --highlight ERROR -n 2 h1,h2 -- %s", a) > 0);
	out = tail_run(NULL, args, NULL, NULL, 3);
	cr_assert(strstr(out, "\033[0;38;5;") != NULL, "%s", out);
	cr_assert(strstr(out, "\033[7mERROR\033[27m") != NULL, "%s", out);
	{
		/* Two hosts, two colours. */
		char *p1 = strstr(out, "h1\033[0m: plain"), *p2 = strstr(out, "h2\033[0m: plain");
		char c1[32] = "", c2[32] = "";

		cr_assert(p1 != NULL && p2 != NULL, "%s", out);
		while (p1 > out && *p1 != '\033')
			p1--;
		while (p2 > out && *p2 != '\033')
			p2--;
		snprintf(c1, sizeof(c1), "%.*s", (int)strcspn(p1, "m") + 1, p1);
		snprintf(c2, sizeof(c2), "%.*s", (int)strcspn(p2, "m") + 1, p2);
		cr_assert_str_neq(c1, c2, "same colour for h1 and h2");
	}
	free(out);
	free(args);
	/* NO_COLOR, on a terminal (script(1) gives it one): no escapes at all. */
	cr_assert(asprintf(&cmd, "cd /tmp; NO_COLOR=1 timeout -s INT 4 script -qec '%s -F %s -i %s "
	    "tail --highlight ERROR -n 2 h1 -- %s' /dev/null | od -c | grep -c 033",
	    getenv("DROVER_BIN"), tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"), a)
	    > 0);
	v = tu_sh(cmd, &st);
	cr_assert_eq(atoi(v), 0, "escapes with NO_COLOR: %s", v);
	free(v);
	free(cmd);
	/* JSON: every line an object with host, file, line, offset, time. */
	cr_assert(asprintf(&args, "-o json -n 2 h1,h2 -- %s", a) > 0);
	out = tail_run(NULL, args, NULL, NULL, 3);
	cr_assert(asprintf(&cmd, "cat <<'EOF' | sed -n '/^{/p' | python3 -c '\n"
	    "import json, sys\nn = 0\nfor l in sys.stdin:\n"
	    "    o = json.loads(l)\n"
	    "    assert set(o) >= {\"host\", \"file\", \"line\", \"offset\", \"time\"}, o\n"
	    "    assert isinstance(o[\"offset\"], int) and isinstance(o[\"time\"], float)\n"
	    "    n += 1\nprint(n)'\n%s\nEOF", out) > 0);
	v = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s\n%s", v, out);
	cr_assert_eq(atoi(v), 4, "%s", out);
	free(v);
	free(cmd);
	free(out);
	free(args);
	/* Status on stderr, not in the stream; a missing file is waited for. */
	cr_assert(asprintf(&args, "h1 -- %s/none.log", dir) > 0);
	out = tail_run(NULL, args, NULL, NULL, 2);
	v = strstr(out, "==stderr==");
	cr_assert(v != NULL && strstr(v, "none.log: waiting") != NULL, "%s", out);
	cr_assert(strstr(out, "rc=130\n==stderr==") != NULL, "stdout not empty: %s", out);
	free(out);
	free(args);
	free(a);
	tu_rmrf(dir);
	free(dir);
}

Test(tail_out, no_host_reachable_exits_255)
{
	tu_run r;
	const char *args[] = { "-F", tu_fleet("FLEET_SSH_CONFIG"), "-i",
		tu_fleet("FLEET_INVENTORY"), "tail", "-l", "no-such-user", "h1", "--", "/tmp/x", NULL };

	tu_drover(&r, 60, NULL, args);
	cr_assert_eq(r.status, 255, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "given up") != NULL, "%s", r.err);
	tu_run_free(&r);
}
