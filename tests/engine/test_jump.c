/*
 * tests/engine/test_jump.c - engine/jump.c against the demo fleet: a
 * ProxyJump chain through real sshds works, and a chain that loops back on
 * itself (directly or through other hosts) or is deeper than the limit is a
 * configuration error named by its chain, found before anything connects
 * in a circle (it once built connections until memory ran out).
 */
#include "engtest.h"

TestSuite(jump, .fini = et_cleanup, .timeout = 60);

/* The fleet's ssh_config with extra Host blocks in front of it, in dir. */
static char *
config_with(const char *dir, const char *extra)
{
	char *cfg = tu_read_file(et_fleet("FLEET_SSH_CONFIG"), NULL), *all = NULL, *path;

	cr_assert_not_null(cfg);
	cr_assert(asprintf(&all, "%s\n%s", extra, cfg) > 0);
	path = et_write(dir, "ssh_config", all);
	free(cfg);
	free(all);
	return path;
}

/* "Host NAME / HostName fleet host 1 / Port / ProxyJump NEXT" */
static char *
hop_block(const char *name, const char *next)
{
	char *s = NULL;

	cr_assert(asprintf(&s, "Host %s\n  HostName %s\n  Port %s\n%s%s%s\n", name,
	    et_fleet("FLEET_ADDR_1"), et_fleet("FLEET_PORT"),
	    next != NULL ? "  ProxyJump " : "", next != NULL ? next : "",
	    next != NULL ? "\n" : "") > 0);
	return s;
}

/* Opens name with cfg, runs the loop; the conn must end within limit_s. */
static void
run_one(et_env *e, et_conn *c, const char *cfg, const char *name, const char *jump,
    double limit_s)
{
	eng_conn_opts o;

	et_conn_opts_init(&o, name);
	o.ssh_config = cfg;
	o.jump = jump;
	/* Before the fix the loop grew until this deadline: keep it short. */
	o.connect_timeout_ms = 3000;
	et_open(e, c, &o);
	c->close_on_ready = 1;
	et_run(e, limit_s);
}

Test(jump, chain_of_two_hops_works)
{
	et_env e;
	et_conn c;
	char *a = hop_block("hopa", NULL), *b = hop_block("hopb", "hopa"), *t = NULL, *all = NULL;
	char *cfg;

	et_init(&e, 0);
	t = hop_block("viatwo", "hopb");
	cr_assert(asprintf(&all, "%s%s%s", a, b, t) > 0);
	cfg = config_with(et_tmp(&e), all);
	run_one(&e, &c, cfg, "viatwo", NULL, 30);
	et_assert_ready_closed(&c);
	free(a);
	free(b);
	free(t);
	free(all);
	free(cfg);
	et_fini(&e);
}

Test(jump, self_loop_is_a_config_error)
{
	et_env e;
	et_conn c;
	char *blk = hop_block("jself", "jself"), *cfg;

	et_init(&e, 0);
	cfg = config_with(et_tmp(&e), blk);
	run_one(&e, &c, cfg, "jself", NULL, 15);
	et_assert_failed(&c, ENG_FAIL_CONFIG);
	cr_assert(strstr(c.error, "ProxyJump loop: jself -> jself") != NULL, "error: %s",
	    c.error);
	cr_assert(!et_saw(&c, ENG_CONN_KEX), "connected somewhere: %s", et_states_str(&c));
	free(blk);
	free(cfg);
	et_fini(&e);
}

Test(jump, loop_through_two_hosts_names_the_chain)
{
	et_env e;
	et_conn c;
	char *b1 = hop_block("j1", "j2"), *b2 = hop_block("j2", "j1"),
	    *b3 = hop_block("tgt", "j1"), *all = NULL, *cfg;

	et_init(&e, 0);
	cr_assert(asprintf(&all, "%s%s%s", b1, b2, b3) > 0);
	cfg = config_with(et_tmp(&e), all);
	run_one(&e, &c, cfg, "tgt", NULL, 15);
	et_assert_failed(&c, ENG_FAIL_CONFIG);
	cr_assert(strstr(c.error, "ProxyJump loop: tgt -> j1 -> j2 -> j1") != NULL,
	    "error: %s", c.error);
	/* Said once, not once per hop on the way back. */
	cr_assert_eq(tu_count(c.error, "ProxyJump loop"), 1, "error: %s", c.error);
	free(b1);
	free(b2);
	free(b3);
	free(all);
	free(cfg);
	et_fini(&e);
}

Test(jump, explicit_spec_looping_through_config_is_caught)
{
	et_env e;
	et_conn c;
	char *b1 = hop_block("k1", "k2"), *b2 = hop_block("k2", "k1"), *all = NULL, *cfg;

	et_init(&e, 0);
	cr_assert(asprintf(&all, "%s%s", b1, b2) > 0);
	cfg = config_with(et_tmp(&e), all);
	/* h1 itself has no ProxyJump: the explicit spec starts the circle. */
	run_one(&e, &c, cfg, "h1", "k1", 15);
	et_assert_failed(&c, ENG_FAIL_CONFIG);
	cr_assert(strstr(c.error, "ProxyJump loop: h1 -> k1 -> k2 -> k1") != NULL,
	    "error: %s", c.error);
	free(b1);
	free(b2);
	free(all);
	free(cfg);
	et_fini(&e);
}

Test(jump, chain_deeper_than_the_limit_is_refused)
{
	et_env e;
	et_conn c;
	char *all = calloc(1, 1), *blk, *next, *cfg;
	char name[16], nname[16];
	int i, n = 40;   /* well past any sane limit */

	et_init(&e, 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(nname, sizeof(nname), "d%d", i + 1);
		blk = hop_block(name, i + 1 < n ? nname : NULL);
		next = NULL;
		cr_assert(asprintf(&next, "%s%s", all, blk) > 0);
		free(all);
		free(blk);
		all = next;
	}
	cfg = config_with(et_tmp(&e), all);
	run_one(&e, &c, cfg, "d0", NULL, 15);
	et_assert_failed(&c, ENG_FAIL_CONFIG);
	cr_assert(strstr(c.error, "ProxyJump chain too long") != NULL, "error: %s", c.error);
	cr_assert(strstr(c.error, "d0 -> d1 -> ") != NULL, "error: %s", c.error);
	free(all);
	free(cfg);
	et_fini(&e);
}

/* The form config/ gives a jump naming an inventory host: user@address:port. */
Test(jump, explicit_spec_with_user_address_and_port)
{
	et_env e;
	et_conn c;
	char *spec = NULL;

	et_init(&e, 0);
	cr_assert(asprintf(&spec, "%s@%s:%s", et_fleet("FLEET_USER"), et_fleet("FLEET_ADDR_1"),
	    et_fleet("FLEET_PORT")) > 0);
	run_one(&e, &c, et_fleet("FLEET_SSH_CONFIG"), "h2", spec, 20);
	et_assert_ready_closed(&c);
	free(spec);
	et_fini(&e);
}

/* A jump host's name is a label too: "my_jump" never reaches libssh. */
Test(jump, explicit_jump_to_an_alias_with_underscore)
{
	et_env e;
	et_conn c;
	char *a = hop_block("my_jump", NULL), *cfg;

	et_init(&e, 0);
	cfg = config_with(et_tmp(&e), a);
	run_one(&e, &c, cfg, "h2", "my_jump", 20);
	et_assert_ready_closed(&c);
	free(a);
	free(cfg);
	et_fini(&e);
}
