/*
 * tests/engine/test_cert.c - engine/keys_cert.c reads OpenSSH certificates
 * made by ssh-keygen: validity, principals and the certified key come out
 * as ssh-keygen -L shows them, and a blob cut short, grown by a byte or
 * otherwise malformed is refused (never read past its end).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine_int.h"
#include "testutil.h"

static char *dir;
static uv_loop_t loop;
static eng_ctx *ctx;

static void
setup(void)
{
	cr_assert(uv_loop_init(&loop) == 0);
	cr_assert(eng_ctx_new(&loop, NULL, &ctx) == 0);
	dir = tu_tmpdir();
	setenv("TZ", "UTC", 1);   /* ssh-keygen -V reads local time */
}

static void
teardown(void)
{
	eng_ctx_free(ctx);
	uv_loop_close(&loop);
	tu_rmrf(dir);
	free(dir);
}

TestSuite(cert, .init = setup, .fini = teardown, .timeout = 60);

/* dir/k (+ .pub) signed by dir/ca into dir/k-cert.pub; returns that path. */
static char *
make_cert(const char *type, const char *principals, const char *validity)
{
	char *cmd = NULL, *out, *cert = NULL;
	int st;

	cr_assert(asprintf(&cmd, "cd '%s' && rm -f ca ca.pub k k.pub k-cert.pub && "
	    "ssh-keygen -q -t ed25519 -N '' -f ca && ssh-keygen -q -t %s -N '' -f k && "
	    "ssh-keygen -q -s ca -I test-id -n '%s' -V '%s' k.pub 2>&1", dir, type, principals,
	    validity) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s: %s", cmd, out);
	free(out);
	free(cmd);
	cr_assert(asprintf(&cert, "%s/k-cert.pub", dir) > 0);
	return cert;
}

Test(cert, fields_as_ssh_keygen_made_them)
{
	static const char *const types[] = { "ed25519", "ecdsa", "rsa" };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char *path = make_cert(types[i], "alice,bob", "20300101:20300202");
		char *pub = NULL, *why;
		eng_cert *ce = eng__cert_get(ctx, path);
		ssh_key k = NULL;

		cr_assert_null(ce->error, "%s: %s", types[i], ce->error);
		cr_expect(ce->user_cert);
		cr_expect_str_eq(ce->key_id, "test-id");
		cr_assert_eq(ce->nprincipals, 2);
		cr_expect_str_eq(ce->principals[0], "alice");
		cr_expect_str_eq(ce->principals[1], "bob");
		cr_expect_eq(ce->valid_after, 1893456000u, "%s", types[i]);   /* 2030-01-01 UTC */
		/* The certified key is the one beside it. */
		cr_assert(asprintf(&pub, "%s/k.pub", dir) > 0);
		cr_assert(ssh_pki_import_pubkey_file(pub, &k) == SSH_OK);
		cr_expect(eng__cert_matches(ce, k), "%s", types[i]);
		ssh_key_free(k);
		why = eng__cert_problem(ce, "alice", time(NULL));
		cr_expect(why != NULL && strstr(why, "not valid yet") != NULL, "%s", why);
		free(why);
		why = eng__cert_problem(ce, "carol", (time_t)ce->valid_after + 10);
		cr_expect(why != NULL && strstr(why, "is for alice,bob, not for user carol") != NULL,
		    "%s", why);
		free(why);
		why = eng__cert_problem(ce, "bob", (time_t)ce->valid_before);
		cr_expect(why != NULL && strstr(why, "expired (2030-02-02") != NULL, "%s", why);
		free(why);
		cr_expect_null(eng__cert_problem(ce, "bob", (time_t)ce->valid_after + 10));
		/* Next round: a fresh context cache for the same path. */
		eng__certs_free(ctx);
		free(pub);
		free(path);
	}
}

/* Rewrites path's base64 blob: cut to len bytes, or one byte added. */
static void
mangle(const char *path, int cut, int add)
{
	char *cmd = NULL, *out;
	int st;

	cr_assert(asprintf(&cmd, "cd '%s' && read -r t b c < '%s' && "
	    "printf '%%s' \"$b\" | base64 -d > blob && "
	    "{ if [ %d -gt 0 ]; then head -c %d blob; else cat blob; fi; "
	    "if [ %d -gt 0 ]; then printf 'X'; fi; } > blob2 && "
	    "printf '%%s %%s x\\n' \"$t\" \"$(base64 -w0 blob2)\" > '%s'", dir, path, cut, cut,
	    add, path) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s: %s", cmd, out);
	free(out);
	free(cmd);
}

Test(cert, malformed_blobs_refused)
{
	static const int cuts[] = { 3, 20, 60, 100, 150 };
	size_t i;
	char *path;
	eng_cert *ce;

	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		path = make_cert("ed25519", "alice", "-1h:+1h");
		mangle(path, cuts[i], 0);
		ce = eng__cert_get(ctx, path);
		cr_expect_not_null(ce->error, "cut to %d bytes accepted", cuts[i]);
		eng__certs_free(ctx);
		free(path);
	}
	path = make_cert("ed25519", "alice", "-1h:+1h");
	mangle(path, 0, 1);
	ce = eng__cert_get(ctx, path);
	cr_expect(ce->error != NULL && strstr(ce->error, "trailing") != NULL,
	    "a byte added: %s", ce->error);
	eng__certs_free(ctx);
	/* A plain public key is no certificate. */
	tu_write_file(path, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEjv9Cv0ydJXN6w4SUk6Q2oJ4p9Qn2n3uQ4nA8bq8HzN x\n");
	ce = eng__cert_get(ctx, path);
	cr_expect_not_null(ce->error);
	free(path);
}
