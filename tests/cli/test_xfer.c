/*
 * tests/cli/test_xfer.c - `drover put/get/ls/cat` as a user runs them,
 * against the demo fleet (real sshd; h1 internal-sftp, h2 the sftp-server
 * binary): sizes 0, 1 and around the request size, the server's read cap
 * and the window, both ways, with --verify; a 256 MiB file both ways
 * (1 GiB runs in tests/bench/transfer.sh); a 10,000-file tree with -r -p;
 * stdin to a remote file; a connection reset mid-transfer (through
 * drover-faultproxy): target unchanged, no temporary, then --resume
 * completes and verifies; a reader polling the target during a put sees
 * only the old or the new content; disk full (a 1 MiB tmpfs), permission
 * denied, missing paths, an unreachable host among good ones; 200 host
 * aliases in one push; a hostile SFTP server; --skip-same; ls grouped and
 * cat raw or sanitised; host directories of get never escape LOCALDIR.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static const char *cfg, *inv;
static char *mounted;

static void
setup(void)
{
	cfg = tu_fleet("FLEET_SSH_CONFIG");
	inv = tu_fleet("FLEET_INVENTORY");
}

static void
hostile_clear(void)
{
	if (tu_fleet_has("FLEET_SFTP_HOSTILE_FILE"))
		unlink(tu_fleet("FLEET_SFTP_HOSTILE_FILE"));
}

static void
fini(void)
{
	hostile_clear();
	if (mounted != NULL) {
		umount2(mounted, MNT_DETACH);
		mounted = NULL;
	}
}

TestSuite(xfer, .init = setup, .fini = fini, .timeout = 180);

#define RUN(r, t, cmd, ...) do { \
	const char *const a_[] = { "-F", cfg, "-i", inv, cmd, __VA_ARGS__, NULL }; \
	tu_drover((r), (t), NULL, a_); \
} while (0)

/* Temporaries of ours anywhere under dir, one a line ("" if none). */
static char *
temporaries(const char *dir)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "find '%s' -name '.*.drover-*' | sort", dir) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

/* ---- sizes both ways, --verify, json ---- */

static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 261120, 261121,
    2097152 - 1, 2097152, 2097152 + 1 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

Test(xfer, sizes_both_ways_verified)
{
	char *src = tu_shared_dir(), *remote = tu_shared_dir(), *back = tu_shared_dir();
	char *paths[NSIZES], name[32];
	const char *argv[64];
	tu_run r;
	size_t i;
	int n = 0;

	argv[n++] = "-F";
	argv[n++] = cfg;
	argv[n++] = "put";
	argv[n++] = "--verify";
	argv[n++] = "-o";
	argv[n++] = "json";
	argv[n++] = "h1,h2";
	argv[n++] = "--";
	for (i = 0; i < NSIZES; i++) {
		snprintf(name, sizeof(name), "f%zu", sizes[i]);
		paths[i] = tu_mkfile(src, name, sizes[i], (unsigned)i + 1);
		argv[n++] = paths[i];
	}
	argv[n++] = remote;
	argv[n] = NULL;
	tu_drover(&r, 60, NULL, argv);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	/* Both hosts wrote the same directory: every copy is whole. */
	cr_assert_eq(tu_count(r.out, "\"state\":\"ok\",\"files\":10,\"failed_files\":0"), 2,
	    "%s", r.out);
	cr_assert(strstr(r.out, "\"sha256\":{") != NULL, "%s", r.out);
	tu_run_free(&r);
	for (i = 0; i < NSIZES; i++) {
		char *m;

		snprintf(name, sizeof(name), "f%zu", sizes[i]);
		m = tu_path2(remote, name);
		cr_assert(tu_same_file(paths[i], m), "put %s differs", name);
		free(m);
	}
	/* get: into back/HOST/ for each host, verified */
	n = 0;
	argv[n++] = "-F";
	argv[n++] = cfg;
	argv[n++] = "get";
	argv[n++] = "--verify";
	argv[n++] = "h1,h2";
	argv[n++] = "--";
	for (i = 0; i < NSIZES; i++)
		argv[n++] = tu_path2(remote, strrchr(paths[i], '/') + 1);
	argv[n++] = back;
	argv[n] = NULL;
	tu_drover(&r, 60, NULL, argv);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "2 hosts in") && strstr(r.err, "2 ok"), "%s", r.err);
	tu_run_free(&r);
	for (i = 0; i < NSIZES; i++) {
		char *h1 = NULL, *h2 = NULL;

		free((char *)argv[6 + i]);
		snprintf(name, sizeof(name), "f%zu", sizes[i]);
		cr_assert(asprintf(&h1, "%s/h1/%s", back, name) > 0);
		cr_assert(asprintf(&h2, "%s/h2/%s", back, name) > 0);
		cr_assert(tu_same_file(paths[i], h1) && tu_same_file(paths[i], h2), "get %s differs", name);
		free(h1);
		free(h2);
		free(paths[i]);
	}
	tu_rmrf(src);
	tu_rmrf(remote);
	tu_rmrf(back);
	free(src);
	free(remote);
	free(back);
}

/* ---- 256 MiB both ways ---- */

Test(xfer, large_file_both_ways_verified, .timeout = 300)
{
	char *d = tu_shared_dir(), *src, *dst, *back = tu_path2(d, "back"), *got = NULL;
	tu_run r;

	src = tu_mkfile(d, "big", 256u << 20, 7);
	dst = tu_path2(d, "big.remote");
	RUN(&r, 240, "put", "--verify", "-o", "json", "h1", "--", src, dst);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"bytes\":268435456") && strstr(r.out, "\"sha256\":\""),
	    "%s", r.out);
	tu_run_free(&r);
	cr_assert(tu_same_file(src, dst));
	RUN(&r, 240, "get", "--verify", "h2", "--", dst, back);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	cr_assert(asprintf(&got, "%s/h2/big.remote", back) > 0);
	cr_assert(tu_same_file(src, got));
	free(got);
	free(src);
	free(dst);
	free(back);
	tu_rmrf(d);
	free(d);
}

/* ---- a 10,000-file tree, -r -p ---- */

Test(xfer, tree_of_10000_files_recursive_preserve, .timeout = 900)
{
	char *d = tu_shared_dir(), *cmd = NULL, *out, *src = tu_path2(d, "tree"),
	    *remote = tu_path2(d, "remote"), *back = tu_path2(d, "back");
	tu_run r;
	int st;

	/* 100 directories of 100 files, 4 KB each; modes 0600/0640/0755, old mtimes */
	cr_assert(asprintf(&cmd, "set -e; mkdir '%s' '%s'; chmod 777 '%s'; cd '%s'; "
	    "head -c 409600 /dev/urandom > /tmp/.pool.$$; "
	    "for i in $(seq 0 99); do mkdir d$i; for j in $(seq 0 99); do "
	    ": ; done; done; "
	    "python3 -c \"import os\nb=open('/tmp/.pool.$$','rb').read()\n"
	    "for i in range(100):\n for j in range(100):\n  p='d%%d/f%%d'%%(i,j)\n"
	    "  open(p,'wb').write(b[(i*100+j)%%100*4096:][:4096])\n"
	    "  os.chmod(p,[0o600,0o640,0o755][j%%3]); os.utime(p,(1500000000+j,1500000000+j))\n\"; "
	    "chmod 0750 d7; rm -f /tmp/.pool.$$", src, remote, remote, src) > 0);
	free(tu_sh(cmd, &st));
	free(cmd);
	cr_assert_eq(st, 0);
	RUN(&r, 240, "put", "-r", "-p", "h1", "--", src, remote);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	/* contents, modes and mtimes as in the source */
	/* (SFTP v3 times are whole seconds) */
	cr_assert(asprintf(&cmd, "cd '%s' && find . -printf '%%p %%m %%T@ %%s\\n' | "
	    "awk '{ $3 = int($3); print }' | sort > /tmp/.a.$$ && "
	    "cd '%s/tree' && find . -printf '%%p %%m %%T@ %%s\\n' | "
	    "awk '{ $3 = int($3); print }' | sort > /tmp/.b.$$ && "
	    "diff /tmp/.a.$$ /tmp/.b.$$ | head -5; wc -l < /tmp/.a.$$; rm -f /tmp/.a.$$ /tmp/.b.$$; "
	    "diff -r '%s' '%s/tree' >/dev/null && echo same",
	    src, remote, src, remote) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	cr_assert_str_eq(out, "10101\nsame\n", "tree differs: %s", out);
	free(out);
	/* and back (the copy: the fleet user's own files): -r get into back/h1/tree */
	cr_assert(asprintf(&cmd, "%s/tree", remote) > 0);
	RUN(&r, 240, "get", "-r", "-p", "h1", "--", cmd, back);
	free(cmd);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	cr_assert(asprintf(&cmd, "diff -r '%s' '%s/h1/tree' >/dev/null && echo same", src,
	    back) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	cr_assert_str_eq(out, "same\n");
	free(out);
	free(src);
	free(remote);
	free(back);
	tu_rmrf(d);
	free(d);
}

/* ---- stdin ---- */

Test(xfer, stdin_read_once_to_every_host)
{
	char *d = tu_shared_dir(), *cmd = NULL, *out, *a = tu_path2(d, "a"), *b = tu_path2(d, "b");
	int st;

	cr_assert(asprintf(&cmd, "printf 'line one\\nline two\\n' | '%s' -F '%s' put h1,h2 -- - '%s'"
	    " && '%s' -F '%s' put h3 - '%s' < /dev/null && cat '%s' && wc -c < '%s'",
	    getenv("DROVER_BIN"), cfg, a, getenv("DROVER_BIN"), cfg, b, a, b) > 0);
	out = tu_sh(cmd, &st);
	free(cmd);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert_str_eq(out, "line one\nline two\n0\n");
	free(out);
	free(a);
	free(b);
	tu_rmrf(d);
	free(d);
}

/* ---- reset mid-transfer, then --resume ---- */

typedef struct proxy {
	pid_t pid;
	int port;
} proxy;

static void
proxy_start(proxy *p, const char *const *extra)
{
	char target[128];

	snprintf(target, sizeof(target), "%s:%s", tu_fleet("FLEET_ADDR_1"),
	    tu_fleet("FLEET_PORT"));
	p->pid = tu_proxy_start(target, extra, &p->port);
}

static void
proxy_stop(proxy *p)
{
	tu_proxy_stop(p->pid);
	p->pid = 0;
}

/* An ssh config with "px" (the proxy in front of h1) and the fleet's hosts. */
static char *
proxy_config(const char *dir, const proxy *p)
{
	char *path = tu_path2(dir, "ssh_config"), *body = NULL;

	cr_assert(asprintf(&body, "Host px\n  HostName 127.0.0.1\n  Port %d\n"
	    "  UserKnownHostsFile %s/kh\n  GlobalKnownHostsFile /dev/null\n"
	    "Host *\nInclude %s\n", p->port, dir, cfg) > 0);
	tu_write_file(path, body);
	free(body);
	return path;
}

static void
reset_then_resume(const char *cmd)
{
	char *d = tu_shared_dir(), *data = tu_path2(d, "data"), *src, *target, *pcfg, *tmps, *got;
	char *back = tu_path2(d, "back"), *where;
	const char *const reset[] = { "-x", "12000000", NULL };
	int put = strcmp(cmd, "put") == 0;
	proxy p;
	tu_run r;

	cr_assert_eq(mkdir(data, 0777), 0);
	chmod(data, 0777);
	src = tu_mkfile(data, "big", 48u << 20, 3);
	/* put: the remote target is data/big.t; get: the local one is back/px/big */
	target = put ? tu_path2(data, "big.t") : NULL;
	if (!put) {
		cr_assert_eq(mkdir(back, 0755), 0);
		where = tu_path2(back, "px");
		cr_assert_eq(mkdir(where, 0755), 0);
		target = tu_path2(where, "big");
		free(where);
	}
	tu_write_file(target, "the old content");
	chmod(target, 0666);
	proxy_start(&p, reset);
	pcfg = proxy_config(d, &p);
	{
		const char *const a[] = { "-F", pcfg, cmd, "--accept-new", "px", "--", src,
		    put ? target : back, NULL };

		tu_drover(&r, 60, NULL, a);
	}
	cr_assert_eq(r.status, 255, "status %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "px"), "%s", r.err);
	tu_run_free(&r);
	got = tu_read_file(target, NULL);
	cr_assert_str_eq(got, "the old content", "target changed by a failed copy");
	free(got);
	/* the dead connection's temporary was removed over a new one */
	tmps = temporaries(d);
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	/* --resume: reset again (the part is kept), then completes through h1 */
	{
		const char *const a[] = { "-F", pcfg, cmd, "--resume", "px", "--", src,
		    put ? target : back, NULL };

		tu_drover(&r, 60, NULL, a);
		cr_assert_eq(r.status, 255, "%s", r.err);
		tu_run_free(&r);
	}
	tmps = temporaries(d);
	cr_assert(strstr(tmps, ".drover-part") != NULL, "no part kept: '%s'", tmps);
	free(tmps);
	proxy_stop(&p);
	/* The proxy gone, px is h1 again: a plain proxy without faults. */
	proxy_start(&p, NULL);
	free(pcfg);
	pcfg = proxy_config(d, &p);
	{
		const char *const a[] = { "-F", pcfg, cmd, "--resume", "--verify", "-o", "json",
		    "--accept-new", "px", "--", src, put ? target : back, NULL };

		tu_drover(&r, 60, NULL, a);
	}
	proxy_stop(&p);
	cr_assert_eq(r.status, 0, "%s %s", r.out, r.err);
	cr_assert(strstr(r.out, "\"sha256\":\""), "%s", r.out);
	tu_run_free(&r);
	cr_assert(tu_same_file(src, target), "resumed copy differs");
	tmps = temporaries(d);
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	free(pcfg);
	free(src);
	free(target);
	free(data);
	free(back);
	tu_rmrf(d);
	free(d);
}

Test(xfer, put_reset_midway_then_resume)
{
	reset_then_resume("put");
}

Test(xfer, get_reset_midway_then_resume)
{
	reset_then_resume("get");
}

/* ---- atomicity: a reader polling the target ---- */

typedef struct reader {
	const char *path;
	size_t oldlen, newlen;
	volatile int stop;
	int reads, bad, saw_new;
	char what[128];
} reader;

static void *
read_loop(void *arg)
{
	reader *rd = arg;

	while (!rd->stop) {
		size_t len = 0;
		char *b = tu_read_file(rd->path, &len);

		rd->reads++;
		if (b == NULL || (len != rd->oldlen && len != rd->newlen)) {
			rd->bad++;
			snprintf(rd->what, sizeof(rd->what), "read %zu bytes", len);
		} else if (len == rd->newlen) {
			rd->saw_new = 1;
		}
		free(b);
	}
	return NULL;
}

Test(xfer, reader_sees_old_or_new_only)
{
	char *d = tu_shared_dir(), *src = tu_mkfile(d, "new", 24u << 20, 5), *target = tu_path2(d, "t");
	pthread_t th;
	reader rd;
	tu_run r;

	tu_write_file(target, "old");
	chmod(target, 0666);
	memset(&rd, 0, sizeof(rd));
	rd.path = target;
	rd.oldlen = 3;
	rd.newlen = 24u << 20;
	cr_assert_eq(pthread_create(&th, NULL, read_loop, &rd), 0);
	RUN(&r, 60, "put", "h1", "--", src, target);
	rd.stop = 1;
	pthread_join(th, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	cr_assert_eq(rd.bad, 0, "%d of %d reads saw a half-written target: %s", rd.bad, rd.reads,
	    rd.what);
	cr_assert(rd.reads > 1);
	cr_assert(tu_same_file(src, target));
	free(src);
	free(target);
	tu_rmrf(d);
	free(d);
}

/* ---- faults, each a clear per-host error ---- */

Test(xfer, disk_full_permission_missing_and_unreachable)
{
	char *d = tu_shared_dir(), *full = tu_path2(d, "full"), *ro = tu_path2(d, "ro"),
	    *src = tu_mkfile(d, "f", 4u << 20, 9), *tmps, *cmd = NULL;
	tu_run r;

	/* a 1 MiB tmpfs: a 4 MiB file gets a real ENOSPC on the host */
	cr_assert_eq(mkdir(full, 0777), 0);
	cr_assert_eq(mount("tmpfs", full, "tmpfs", 0, "size=1m,mode=0777"), 0);
	mounted = full;
	RUN(&r, 60, "put", "h1,h2", "--", src, full);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "h1: failed: ") && strstr(r.err, "h2: failed: "), "%s", r.err);
	cr_assert_geq(tu_count(r.err, "(no space left on the host)"), 2, "%s", r.err);
	tu_run_free(&r);
	tmps = temporaries(full);
	cr_assert_str_eq(tmps, "", "temporaries on the full disk: %s", tmps);
	free(tmps);
	umount2(full, MNT_DETACH);
	mounted = NULL;

	/* permission denied: a directory the fleet user cannot write */
	cr_assert_eq(mkdir(ro, 0755), 0);
	RUN(&r, 60, "put", "h1", "--", src, ro);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "ermission denied"), "%s", r.err);
	tu_run_free(&r);

	/* missing: a local file, a remote directory, a remote file */
	RUN(&r, 60, "put", "h1", "--", "/nonexistent/local", d);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "/nonexistent/local"), "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 60, "put", "h1", "--", src, "/nonexistent/dir/");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "/nonexistent/dir"), "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 60, "get", "h1", "--", "/nonexistent/remote", d);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "/nonexistent/remote"), "%s", r.err);
	tu_run_free(&r);

	/* a dead host among good ones: they finish, it is unreachable (255) */
	{
		char *dst = tu_path2(d, "copy");

		RUN(&r, 60, "put", "--connect-timeout", "5", "h1,127.0.0.1,h2", "--", src, dst);
		cr_assert_eq(r.status, 255, "%s", r.err);
		cr_assert(strstr(r.err, "2 ok") && strstr(r.err, "1 unreachable"), "%s", r.err);
		tu_run_free(&r);
		cr_assert(tu_same_file(src, dst));
		free(dst);
	}
	cr_assert(asprintf(&cmd, "%s", d) > 0);
	free(cmd);
	free(src);
	free(ro);
	free(full);
	tu_rmrf(d);
	free(d);
}

/* ---- 200 aliases ---- */

Test(xfer, push_to_200_aliases, .timeout = 240)
{
	char *d = tu_shared_dir(), *src = tu_mkfile(d, "cfg", 100000, 11), *dst = tu_path2(d, "pushed");
	tu_run r;

	RUN(&r, 200, "put", "-f", "200", "n[001-200]", "--", src, dst);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "200 hosts in") && strstr(r.err, "200 ok"), "%s", r.err);
	tu_run_free(&r);
	cr_assert(tu_same_file(src, dst));
	free(src);
	free(dst);
	tu_rmrf(d);
	free(d);
}

/* ---- a hostile server: nothing outside the destination ---- */

Test(xfer, hostile_server_through_the_cli)
{
	char *d = tu_shared_dir(), *line = NULL, *cmd = NULL, *found;
	static const char *const modes[] = { "names", "badlen", "hugecount", "dupid", "bigpacket" };
	size_t m;
	tu_run r;

	cr_assert(tu_fleet_has("FLEET_SFTP_HOSTILE_FILE"));
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		char *back = NULL;

		cr_assert(asprintf(&back, "%s/back-%s", d, modes[m]) > 0);
		cr_assert(asprintf(&line, "python3 %s/tests/support/hostile_sftp.py %s\n",
		    getenv("DROVER_SRC"), modes[m]) > 0);
		tu_write_file(tu_fleet("FLEET_SFTP_HOSTILE_FILE"), line);
		free(line);
		RUN(&r, 60, "get", "-r", tu_fleet("FLEET_SFTP_SERVER_HOST"), "--", "/hostile", back);
		hostile_clear();
		cr_assert(r.status == 1 || r.status == 255, "%s: status %d: %s", modes[m],
		    r.status, r.err);
		cr_assert(strstr(r.err, "drover: h2: "), "%s: no clear error: %s", modes[m], r.err);
		tu_run_free(&r);
		free(back);
	}
	/* Only the good file, only inside the destinations. */
	cr_assert(asprintf(&cmd, "cd '%s' && find . -type f | sort; ls /etc/evil 2>/dev/null; "
	    "find /tmp -maxdepth 3 -name evil 2>/dev/null | head", d) > 0);
	found = tu_sh(cmd, NULL);
	free(cmd);
	cr_assert_str_eq(found, "./back-names/h2/hostile/ok.txt\n", "created: %s", found);
	free(found);
	tu_rmrf(d);
	free(d);
}

/* ---- --skip-same ---- */

Test(xfer, skip_same_by_mtime_and_by_sum)
{
	char *d = tu_shared_dir(), *src = tu_mkfile(d, "s", 300000, 13), *dst = tu_path2(d, "t");
	tu_run r;

	RUN(&r, 60, "put", "-p", "-o", "json", "h1", "--", src, dst);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"files\":1,"), "%s", r.out);
	tu_run_free(&r);
	RUN(&r, 60, "put", "--skip-same", "-o", "json", "h1", "--", src, dst);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"files\":0,\"failed_files\":0,\"skipped_files\":1"), "%s", r.out);
	tu_run_free(&r);
	/* same content, other mtime: by mtime it is copied, by sum it is not */
	free(tu_sh("true", NULL));
	{
		char *cmd = NULL;

		cr_assert(asprintf(&cmd, "touch -d @1600000000 '%s'", dst) > 0);
		free(tu_sh(cmd, NULL));
		free(cmd);
	}
	RUN(&r, 60, "put", "--skip-same=sum", "-o", "json", "h1", "--", src, dst);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"skipped_files\":1"), "%s", r.out);
	tu_run_free(&r);
	RUN(&r, 60, "put", "--skip-same", "-o", "json", "h1", "--", src, dst);
	cr_assert(strstr(r.out, "\"files\":1,"), "%s", r.out);
	tu_run_free(&r);
	/* changed content: copied by sum too */
	tu_write_file(dst, "changed");
	RUN(&r, 60, "put", "--skip-same=sum", "-o", "json", "h1", "--", src, dst);
	cr_assert(strstr(r.out, "\"files\":1,"), "%s", r.out);
	tu_run_free(&r);
	cr_assert(tu_same_file(src, dst));
	free(src);
	free(dst);
	tu_rmrf(d);
	free(d);
}

/* Runs `set -e; cd DIR; SCRIPT` and returns its stdout; fails the test if it fails. */
static char *
sh_in(const char *dir, const char *script)
{
	char *cmd = NULL, *out;
	int st;

	cr_assert(asprintf(&cmd, "set -e; cd '%s'; %s", dir, script) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s: %s", script, out);
	free(cmd);
	return out;
}

/* A put or get with --skip-same=sum: each host's JSON says files copied, skipped. */
static void
sum_run(const char *cmd, const char *hosts, const char *src, const char *dst, int copied,
    int skipped, int nhosts)
{
	char want[96];
	tu_run r;

	snprintf(want, sizeof(want), "\"files\":%d,\"failed_files\":0,\"skipped_files\":%d",
	    copied, skipped);
	RUN(&r, 60, cmd, "-r", "--skip-same=sum", "-o", "json", hosts, "--", src, dst);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(tu_count(r.out, want), nhosts, "want %s x%d:\n%s\n%s", want, nhosts, r.out,
	    r.err);
	tu_run_free(&r);
}

/* A plain -r -p copy, expected to succeed. */
static void
copy_tree(const char *cmd, const char *src, const char *dst)
{
	tu_run r;

	RUN(&r, 60, cmd, "-r", "-p", "h1", "--", src, dst);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
}

/* The file (under dir) still has the mtime it was touched to: nothing rewrote it. */
static void
assert_left_alone(const char *dir, const char *file)
{
	char *script = NULL, *out;

	cr_assert(asprintf(&script, "stat -c %%Y %s", file) > 0);
	out = sh_in(dir, script);
	cr_assert_str_eq(out, "1600000000\n", "%s was copied", file);
	free(out);
	free(script);
}

/*
 * Trees by checksum: a file changed in place with its size and mtime kept
 * (which the size+mtime check cannot see) is copied; a file only touched
 * is left; a file new on one side is copied - put and get; two hosts.
 */
Test(xfer, skip_same_sum_in_trees)
{
	char *d = tu_shared_dir(), *src = tu_path2(d, "src"), *dst = tu_path2(d, "dst");
	char *back = tu_path2(d, "back"), *rsrc = tu_path2(d, "dst/src");

	free(sh_in(d, "mkdir -p src/sub dst back; chmod 777 dst back; "
	    "for f in a b c sub/e; do head -c 5000 /dev/urandom > src/$f; done"));
	copy_tree("put", src, dst);
	/* dst/src/b: other bytes, same size and mtime; dst/src/c: only touched; src/f: new */
	free(sh_in(d, "head -c 5000 /dev/zero > dst/src/b.new; touch -r dst/src/b dst/src/b.new; "
	    "mv dst/src/b.new dst/src/b; touch -d @1600000000 dst/src/c; echo new > src/f"));
	sum_run("put", "h1", src, dst, 2, 3, 1);
	free(sh_in(d, "cmp src/b dst/src/b; cmp src/f dst/src/f"));
	assert_left_alone(d, "dst/src/c");
	/* Two hosts (one disk): the sources are hashed once, both find all 5 the same. */
	sum_run("put", "h1,h2", src, dst, 0, 5, 2);
	/* get: back/h1/src, then the same three cases on the local side */
	copy_tree("get", rsrc, back);
	free(sh_in(d, "cd back/h1/src; head -c 5000 /dev/zero > a.new; touch -r a a.new; "
	    "mv a.new a; touch -d @1600000000 sub/e; rm f"));
	sum_run("get", "h1", rsrc, back, 2, 3, 1);
	free(sh_in(d, "diff -r dst/src back/h1/src"));
	assert_left_alone(d, "back/h1/src/sub/e");
	free(src);
	free(dst);
	free(back);
	free(rsrc);
	tu_rmrf(d);
	free(d);
}

/* ---- ls, cat ---- */

Test(xfer, ls_grouped_and_cat_raw_or_sanitised)
{
	char *d = tu_shared_dir(), *f = tu_path2(d, "esc");
	tu_run r;

	tu_write_file(f, "a\033]0;pwned\007b\nsecond\n");
	chmod(f, 0644);
	RUN(&r, 30, "ls", "-l", "h1,h2,h3", "--", d);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "h[1-3] (3)\n---------------\n-rw-r--r--"), "%s", r.out);
	cr_assert(strstr(r.out, " esc\n"), "%s", r.out);
	tu_run_free(&r);
	/* one host: the raw bytes */
	RUN(&r, 30, "cat", "h1", "--", f);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(r.outlen, 20);
	cr_assert(memcmp(r.out, "a\033]0;pwned\007b\nsecond\n", 20) == 0);
	tu_run_free(&r);
	/* several: host: line, no escape reaches the terminal */
	RUN(&r, 30, "cat", "h1,h2", "--", f);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strchr(r.out, '\033'), "%s", r.out);
	cr_assert_eq(tu_count(r.out, ": second\n"), 2, "%s", r.out);
	tu_run_free(&r);
	RUN(&r, 30, "cat", "h1", "--", "/nonexistent");
	cr_assert_eq(r.status, 1);
	tu_run_free(&r);
	free(f);
	tu_rmrf(d);
	free(d);
}

/* ---- get: host directories never leave LOCALDIR ---- */

Test(xfer, get_host_dirs_stay_inside_localdir)
{
	char *d = tu_shared_dir(), *f = tu_mkfile(d, "x", 10, 1), *invp = tu_path2(d, "inv.ini");
	char *back = tu_path2(d, "back"), *cmd = NULL, *found;
	tu_run r;

	/* a host named ".." (an inventory name, reaching h1) */
	cr_assert(asprintf(&cmd, "[host ..]\naddress = %s\nport = %s\n",
	    tu_fleet("FLEET_ADDR_1"), tu_fleet("FLEET_PORT")) > 0);
	tu_write_file(invp, cmd);
	free(cmd);
	{
		const char *const a[] = { "-F", cfg, "-i", invp, "get", "..", "--", f, back, NULL };

		tu_drover(&r, 60, NULL, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	/* a name with a '/' is refused before anything is written */
	{
		const char *const a[] = { "-F", cfg, "-i", invp, "get", "a/../../b", "--", f, back,
		    NULL };

		tu_drover(&r, 60, NULL, a);
	}
	cr_assert_eq(r.status, 2, "%s", r.err);
	tu_run_free(&r);
	cr_assert(asprintf(&cmd, "cd '%s' && find . -name x | sort", d) > 0);
	found = tu_sh(cmd, NULL);
	free(cmd);
	cr_assert_str_eq(found, "./back/_../x\n./x\n", "%s", found);
	free(found);
	free(f);
	free(invp);
	free(back);
	tu_rmrf(d);
	free(d);
}

Test(xfer, usage_errors_exit_2)
{
	tu_run r;

	RUN(&r, 10, "put", "h1", "--", "only-one");
	cr_assert_eq(r.status, 2);
	tu_run_free(&r);
	RUN(&r, 10, "put", "--skip-same=size", "h1", "--", "a", "b");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--skip-same"), "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 10, "get", "h1", "--", "-", "d");
	cr_assert_eq(r.status, 2);
	tu_run_free(&r);
	RUN(&r, 10, "cat", "h1", "--", "a", "b");
	cr_assert_eq(r.status, 2);
	tu_run_free(&r);
	RUN(&r, 10, "put", "-o", "group", "h1", "--", "a", "b");
	cr_assert_eq(r.status, 2);
	tu_run_free(&r);
}

/* ---- progress on a terminal; Ctrl-C ---- */

/* A proxy in front of h1 at 1 MB/s each way: copies that take seconds. */
static char *
slow_px(const char *d, proxy *p)
{
	const char *const slow[] = { "-r", "1000000", NULL };

	proxy_start(p, slow);
	return proxy_config(d, p);
}

Test(xfer, progress_lines_on_a_terminal_only)
{
	char *d = tu_shared_dir(), *src = tu_mkfile(d, "p", 3u << 20, 21), *dst = tu_path2(d, "q");
	char *pcfg;
	proxy p;
	tu_run r;
	int clears;

	pcfg = slow_px(d, &p);
	{
		const char *const a[] = { "-F", pcfg, "put", "--accept-new", "px,h2", "--", src, dst,
		    NULL };

		tu_drover_pty(&r, 60, "\001never", "", NULL, a);
	}
	proxy_stop(&p);
	cr_assert_eq(r.status, 0, "%s", r.out);
	/* a line per active host and a total, with rate and ETA */
	cr_assert(strstr(r.out, "px ") && strstr(r.out, "total 1/2") && strstr(r.out, "ETA"),
	    "%s", r.out);
	cr_assert(strstr(r.out, "/s ETA"), "%s", r.out);
	/* at most 10 redraws a second */
	clears = tu_count(r.out, "\033[J");
	cr_assert_leq(clears, (int)(r.secs * 10) + 2, "%d redraws in %.1fs", clears, r.secs);
	cr_assert_geq(clears, 5, "%d redraws in %.1fs", clears, r.secs);
	/* the summary is the last thing: the bars are gone */
	cr_assert(strstr(r.out, "2 hosts in"), "%s", r.out);
	tu_run_free(&r);
	/* no terminal: no bars */
	RUN(&r, 60, "put", "h1", "--", src, dst);
	cr_assert_eq(r.status, 0);
	cr_assert_null(strstr(r.err, "ETA"), "%s", r.err);
	cr_assert_null(strchr(r.err, '\033'), "%s", r.err);
	tu_run_free(&r);
	free(pcfg);
	free(src);
	free(dst);
	tu_rmrf(d);
	free(d);
}

Test(xfer, ctrl_c_once_stops_new_hosts_twice_cancels)
{
	char *d = tu_shared_dir(), *src = tu_mkfile(d, "c", 3u << 20, 23), *dst = tu_path2(d, "t");
	char *pcfg, *cmd = NULL, *out, *tmps, *old;
	proxy p;
	int st;

	tu_write_file(dst, "old");
	chmod(dst, 0666);
	pcfg = slow_px(d, &p);
	/* -f 1: px copies (3 s), h2 and h3 wait; one SIGINT cancels them */
	cr_assert(asprintf(&cmd, "cd /tmp; setsid %s -F %s put --accept-new -f 1 px,h2,h3 -- %s %s "
	    ">%s/out 2>&1 & p=$!; sleep 1; kill -INT $p; wait $p; echo rc=$?; cat %s/out",
	    getenv("DROVER_BIN"), pcfg, src, dst, d, d) > 0);
	out = tu_sh(cmd, &st);
	free(cmd);
	cr_assert(strstr(out, "rc=130"), "%s", out);
	cr_assert(strstr(out, "still running: px"), "%s", out);
	cr_assert(strstr(out, "1 ok") && strstr(out, "cancelled: h[2-3]"), "%s", out);
	free(out);
	cr_assert(tu_same_file(src, dst), "px did not finish its copy");
	tu_write_file(dst, "old");
	/* twice: the copy in progress is cancelled, its temporary removed */
	cr_assert(asprintf(&cmd, "cd /tmp; setsid %s -F %s put px -- %s %s "
	    ">%s/out 2>&1 & p=$!; sleep 1.5; kill -INT $p; sleep 0.2; kill -INT $p; wait $p; "
	    "echo rc=$?; cat %s/out", getenv("DROVER_BIN"), pcfg, src, dst, d, d) > 0);
	out = tu_sh(cmd, &st);
	free(cmd);
	proxy_stop(&p);
	cr_assert(strstr(out, "rc=130") && strstr(out, "cancelling"), "%s", out);
	cr_assert(strstr(out, "cancelled"), "%s", out);
	free(out);
	old = tu_read_file(dst, NULL);
	cr_assert_str_eq(old, "old", "target changed by a cancelled copy");
	free(old);
	tmps = temporaries(d);
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	free(pcfg);
	free(src);
	free(dst);
	tu_rmrf(d);
	free(d);
}
