/*
 * tests/cli/test_xfer_modes_mem.c - what a transfer leaves and holds
 * besides its bytes, against the demo fleet: the modes of new files
 * without -p (compared with OpenSSH's own tools, run beside drover), and
 * peak memory with many hosts or stdin (getrusage of the drover child).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static const char *cfg, *inv;

static void
setup(void)
{
	cfg = tu_fleet("FLEET_SSH_CONFIG");
	inv = tu_fleet("FLEET_INVENTORY");
}

TestSuite(xfer_modes_mem, .init = setup, .timeout = 120);

#define RUN(r, t, cmd, ...) do { \
	const char *const a_[] = { "-F", cfg, "-i", inv, cmd, __VA_ARGS__, NULL }; \
	tu_drover((r), (t), NULL, a_); \
} while (0)

/*
 * cmd prints drover's "name mode" lines, "--", then OpenSSH's: they must
 * be the same, and drover's must hold the line "must".
 */
static void
same_modes(const char *cmd, const char *what, const char *peer, const char *must)
{
	char *ours = tu_sh(cmd, NULL), *theirs = strstr(ours, "--\n");

	cr_assert_not_null(theirs, "%s", ours);
	*theirs = '\0';
	theirs += 3;
	cr_assert_str_eq(ours, theirs, "%s: drover's modes\n%s%s's\n%s", what, ours, peer, theirs);
	cr_assert_not_null(strstr(ours, must), "%s: no \"%s\" in\n%s", what, must, ours);
	free(ours);
}

/*
 * Without -p a new file's or directory's mode is the source's less the
 * destination's umask, as classic scp (-O, the oracle run beside drover)
 * gives it both ways: both ways, on h1 (internal-sftp) and h2 (the
 * sftp-server binary), for modes that a umask changes (0666, 0777) and
 * that must not widen (0600, 0700). OpenSSH's sftp is not one rule: its
 * put sets a directory's exact mode, its get adds u+w to a file.
 */
Test(xfer_modes_mem, modes_without_p_as_openssh_gives_them)
{
	static const char *const modes[] = { "600", "640", "666", "755", "444", "700" };
	static const char *const hosts[] = { "h1", "h2" };
	char *d = tu_shared_dir(), *src = tu_path2(d, "src"), *cmd = NULL;
	size_t i, h;
	tu_run r;

	umask(022);
	cr_assert_eq(mkdir(src, 0755), 0);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *name = NULL, *p;

		cr_assert(asprintf(&name, "m%s", modes[i]) > 0);
		p = tu_mkfile(src, name, 1000 + i, (unsigned)i);
		chmod(p, (mode_t)strtol(modes[i], NULL, 8));
		free(name);
		free(p);
	}
	/* directories too: a private one stays private, none is left at 0700 */
	for (i = 0; i < 3; i++) {
		static const mode_t dmodes[] = { 0700, 0750, 0777 };
		char *name = NULL, *sub, *p;

		cr_assert(asprintf(&name, "md%o", (unsigned)dmodes[i]) > 0);
		sub = tu_path2(src, name);
		cr_assert_eq(mkdir(sub, 0700), 0);
		p = tu_mkfile(sub, "f", 10, 9);
		cr_assert_eq(chmod(sub, dmodes[i]), 0);
		free(p);
		free(sub);
		free(name);
	}
	for (h = 0; h < 2; h++) {
		const char *host = hosts[h];

		/* put: drover into D/HOST-d, scp -O into D/HOST-s */
		free(cmd);
		cr_assert(asprintf(&cmd, "%s/%s-d", d, host) > 0);
		RUN(&r, 60, "put", "-r", host, "--", src, cmd);
		cr_assert_eq(r.status, 0, "%s", r.err);
		tu_run_free(&r);
		free(cmd);
		cr_assert(asprintf(&cmd, "scp -O -q -r -F '%s' '%s' '%s:%s/%s-s' &&"
		    " cd '%s/%s-d' && stat -c '%%n %%a' m* && echo --"
		    " && cd '%s/%s-s' && stat -c '%%n %%a' m*", cfg, src, host, d, host,
		    d, host, d, host) > 0);
		same_modes(cmd, host, "scp -O put", "m600 600\n");   /* not widened */
		/* get (the files scp wrote, the fleet user's): drover's and scp -O's */
		free(cmd);
		cr_assert(asprintf(&cmd, "%s/%s-s", d, host) > 0);
		{
			char *back = NULL;

			cr_assert(asprintf(&back, "%s/%s-back", d, host) > 0);
			RUN(&r, 60, "get", "-r", host, "--", cmd, back);
			cr_assert_eq(r.status, 0, "%s", r.err);
			tu_run_free(&r);
			free(back);
		}
		free(cmd);
		cr_assert(asprintf(&cmd, "scp -O -q -r -F '%s' '%s:%s/%s-s' '%s/%s-sback' &&"
		    " cd '%s/%s-back/%s/%s-s' && stat -c '%%n %%a' m* && echo -- &&"
		    " cd '%s/%s-sback' && stat -c '%%n %%a' m*", cfg, host, d, host, d, host,
		    d, host, host, host, d, host) > 0);
		same_modes(cmd, host, "scp -O get", "m755 755\n");   /* still runnable */
	}
	free(cmd);
	free(src);
	tu_rmrf(d);
	free(d);
}

/*
 * Runs "INPUT drover put ARGS -- LOCAL DST" through sh, which must say
 * "N ok", leave DST equal to SRC; the peak RSS of drover (KiB) back.
 * ASan's quarantine would hold on to freed requests: kept small.
 */
static long
put_peak_kib(const char *input, const char *args, const char *local, const char *src,
    const char *dst, const char *ok)
{
	char *cmd = NULL, *out;
	struct rusage ru;
	int st;

	cr_assert(asprintf(&cmd, "%s ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
	    " '%s' -F '%s' -i '%s' put %s -- '%s' '%s' 2>&1", input, getenv("DROVER_BIN"), cfg, inv,
	    args, local, dst) > 0);
	out = tu_sh(cmd, &st);
	free(cmd);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, ok), "%s", out);
	free(out);
	cr_assert(tu_same_file(src, dst));
	cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
	return ru.ru_maxrss;
}

/*
 * stdin is held once for every host: 64 MiB to 8 hosts peaked at 99 MB
 * (64 MiB, the transfers' shared 32 MiB budget, the rest). A copy per
 * host, as before, peaked at 622 MB.
 */
Test(xfer_modes_mem, stdin_held_once_for_every_host)
{
	char *d = tu_shared_dir(), *src = tu_path2(d, "src"), *dst = tu_path2(d, "dst"), *in = NULL;
	long kib;

	cr_assert(asprintf(&in, "head -c 67108864 /dev/urandom | tee '%s' |", src) > 0);
	kib = put_peak_kib(in, "'n[001-008]'", "-", src, dst, "8 ok");
	cr_assert_lt(kib, 256 * 1024, "peak RSS %ld KiB", kib);
	free(in);
	free(src);
	free(dst);
	tu_rmrf(d);
	free(d);
}

/*
 * Many hosts share one in-flight budget: 12 MiB (striped) to 48 aliases
 * peaked at 85-91 MB; with a full 2 MiB window per stream and host it
 * peaked at 196-204 MB.
 */
Test(xfer_modes_mem, many_hosts_share_one_budget)
{
	char *d = tu_shared_dir(), *src = tu_mkfile(d, "big", 12u << 20, 12);
	char *dst = tu_path2(d, "pushed");
	long kib;

	kib = put_peak_kib("", "-f 48 'n[001-048]'", src, src, dst, "48 ok");
	cr_assert_lt(kib, 140 * 1024, "peak RSS %ld KiB", kib);
	free(src);
	free(dst);
	tu_rmrf(d);
	free(d);
}
