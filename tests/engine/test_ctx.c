/*
 * tests/engine/test_ctx.c - engine/ctx.c and the files the engine creates:
 * the log and a known_hosts file recorded by accept-new are private (0600)
 * whatever the umask, and the log is never written through a symlink.
 */
#include <sys/stat.h>

#include "engtest.h"

TestSuite(ctx, .fini = et_cleanup, .timeout = 60);

static mode_t
mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

Test(ctx, log_file_is_private_and_not_followed)
{
	uv_loop_t loop;
	eng_ctx *ctx;
	eng_ctx_opts o;
	char *dir = tu_tmpdir(), *log = NULL, *target = NULL, *link = NULL;

	umask(022);
	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_assert(asprintf(&log, "%s/engine.log", dir) > 0);
	memset(&o, 0, sizeof(o));
	o.log_path = log;
	cr_assert_eq(eng_ctx_new(&loop, &o, &ctx), 0);
	eng_ctx_free(ctx);
	cr_assert_eq(mode_of(log), 0600, "log mode %o", mode_of(log));

	/* A planted symlink: the engine must not write through it. */
	cr_assert(asprintf(&target, "%s/victim", dir) > 0);
	cr_assert(asprintf(&link, "%s/link.log", dir) > 0);
	tu_write_file(target, "untouched\n");
	cr_assert_eq(symlink(target, link), 0);
	o.log_path = link;
	o.log_verbose = 1;
	cr_assert_eq(eng_ctx_new(&loop, &o, &ctx), 0);
	eng_ctx_free(ctx);
	{
		char *s = tu_read_file(target, NULL);

		cr_assert_str_eq(s, "untouched\n");
		free(s);
	}
	uv_loop_close(&loop);
	tu_rmrf(dir);
	free(dir);
	free(log);
	free(target);
	free(link);
}

Test(ctx, known_hosts_created_by_accept_new_is_private)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	char *kh = NULL;

	umask(022);
	et_init(&e, 0);
	cr_assert(asprintf(&kh, "%s/known_hosts", et_tmp(&e)) > 0);
	et_conn_opts_init(&o, "h1");
	o.known_hosts = kh;
	o.accept_new = 1;
	et_open(&e, &c, &o);
	c.close_on_ready = 1;
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	cr_assert_eq(mode_of(kh), 0600, "known_hosts mode %o", mode_of(kh));
	free(kh);
	et_fini(&e);
}
