/*
 * tests/cli/test_device.c - `drover exec --cli` against the fleet's fake
 * network device (tests/support/fakedevice.c is the login shell of the
 * fleet's device user): commands per host and per command in each output
 * mode, echo and prompt removed, paging turned off or answered, enable
 * with a secret asked once, a slow command, a command whose prompt never
 * returns, a prompt that never matches, inventory errors; through a
 * delaying proxy, the round trips a run costs next to a plain exec.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "testutil.h"

static const char *cfg;
static char *dir, *inv, *askpass, *askbad;

static void
setup(void)
{
	char *s;

	if (!tu_fleet_has("FLEET_DEV_USER"))
		cr_skip_test("the fleet has no device user (not root, or no fake device)");
	cfg = tu_fleet("FLEET_SSH_CONFIG");
	dir = tu_tmpdir();
	cr_assert(asprintf(&inv, "%s/inventory.ini", dir) > 0);
	/* h1, h2: ios preset via their group; h3: pages (no pager_off); h4: wrong prompt. */
	cr_assert(asprintf(&s, "[defaults]\nuser = %s\n\n"
	    "[host h1]\n[host h2]\n[host h3]\npager_off = none\n"
	    "[host h4]\nprompt = ^router-[0-9]+>$\n\n"
	    "[group switches]\nhosts = h1, h2\ncli = ios\n",
	    tu_fleet("FLEET_DEV_USER")) > 0);
	tu_write_file(inv, s);
	free(s);
	cr_assert(asprintf(&askpass, "%s/askpass", dir) > 0);
	tu_write_file(askpass, "#!/bin/sh\necho enable-s3cret\n");
	chmod(askpass, 0700);
	cr_assert(asprintf(&askbad, "%s/askbad", dir) > 0);
	tu_write_file(askbad, "#!/bin/sh\necho wrong\n");
	chmod(askbad, 0700);
}

static void
teardown(void)
{
	if (dir != NULL)
		tu_rmrf(dir);
}

TestSuite(device, .init = setup, .fini = teardown, .timeout = 120);

#define RUN(r, t, ...) do { \
	const char *const a_[] = { "-F", cfg, "-i", inv, "exec", "--cli", "--color=never", \
	    __VA_ARGS__, NULL }; \
	tu_drover((r), (t), NULL, a_); \
} while (0)

static void
run_ask(tu_run *r, const char *prog, const char *const *args)
{
	char *e1;

	cr_assert(asprintf(&e1, "SSH_ASKPASS=%s", prog) > 0);
	{
		const char *const env[] = { e1, "SSH_ASKPASS_REQUIRE=force", NULL };

		tu_drover(r, 60, env, args);
	}
	free(e1);
}

Test(device, stream_per_host_and_command)
{
	tu_run r;

	RUN(&r, 60, "h1,h2", "--", "show version", "show interfaces");
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_assert_eq(tu_count(r.out, "h1 [show version]: Fake Device Software, h1,"), 1, "%s",
	    r.out);
	cr_assert_eq(tu_count(r.out, "h2 [show version]: uptime is 42 days"), 1, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "h1 [show interfaces]:   Ethernet0/"), 50, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "h2 [show interfaces]:   Ethernet0/49 is up"), 1);
	/* Neither the echo nor the prompt, nor a pager prompt. */
	cr_assert_null(strstr(r.out, "h1>"), "%s", r.out);
	cr_assert_null(strstr(r.out, ": show version"), "%s", r.out);
	cr_assert_null(strstr(r.out, "More"), "%s", r.out);
	cr_assert_null(strstr(r.out, "terminal length"), "%s", r.out);
	tu_run_free(&r);
}

Test(device, json_has_host_command_output)
{
	tu_run r;

	RUN(&r, 60, "-o", "json", "h1", "--", "show version", "bogus");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "{\"host\":\"h1\",\"command\":\"show version\",\"output\":"
	    "\"Fake Device Software, h1, Version 1.0\\nuptime is 42 days\\nprivileged: no\\n\"}")
	    != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "{\"host\":\"h1\",\"command\":\"bogus\",\"output\":"
	    "\"% Invalid input detected at '^' marker.\\n\"}") != NULL, "%s", r.out);
	tu_run_free(&r);
}

/* h3 keeps paging on: every --More-- is answered and removed, lines intact. */
Test(device, paging_answered)
{
	tu_run r;
	char want[128];
	int i;

	RUN(&r, 60, "-o", "group", "h3", "--", "show interfaces");
	cr_assert_eq(r.status, 0, "%s", r.err);
	for (i = 0; i < 50; i++) {
		snprintf(want, sizeof(want), "\n  Ethernet0/%d is up, line protocol is up\n", i);
		cr_assert(strstr(r.out, want) != NULL, "missing line %d:\n%s", i, r.out);
	}
	cr_assert_null(strstr(r.out, "More"), "%s", r.out);
	cr_assert(strstr(r.out, "[show interfaces]\n") != NULL, "%s", r.out);
	tu_run_free(&r);
}

/* Privileged mode: the secret asked once for both hosts, then "#" commands. */
Test(device, enable_with_secret)
{
	tu_run r;
	const char *const args[] = { "-F", cfg, "-i", inv, "exec", "--cli", "--enable",
	    "--color=never", "h1,h2", "--", "show running-config", "show version", NULL };

	run_ask(&r, askpass, args);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_assert(strstr(r.out, "h1 [show running-config]: hostname h1") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "h2 [show running-config]: hostname h2") != NULL, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "privileged: yes"), 2, "%s", r.out);
	cr_assert_null(strstr(r.out, "enable-s3cret"), "%s", r.out);
	cr_assert_null(strstr(r.err, "enable-s3cret"), "%s", r.err);
	tu_run_free(&r);
	run_ask(&r, askbad, args);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_eq(tu_count(r.err, "enable: authentication failed"), 2, "%s", r.err);
	cr_assert_null(strstr(r.out, "hostname"), "%s", r.out);
	tu_run_free(&r);
}

/* 150 commands: more than is typed ahead at once (1 KB), each one exact. */
Test(device, many_commands_in_windows)
{
	const char *a[11 + 150 + 1] = { "-F", cfg, "-i", inv, "exec", "--cli", "--color=never",
	    "-o", "json", "h2", "--" };
	tu_run r;
	int i;

	for (i = 0; i < 150; i++)
		a[11 + i] = i % 3 == 2 ? "bogus" : i % 3 == 1 ? "show running-config" : "show version";
	a[11 + 150] = NULL;
	tu_drover(&r, 60, NULL, a);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(tu_count(r.out, "{\"host\":\"h2\",\"command\":\"show version\",\"output\":"
	    "\"Fake Device Software, h2, Version 1.0\\nuptime is 42 days\\nprivileged: no\\n\"}"),
	    50, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "\"output\":\"% Invalid input detected at '^' marker.\\n\"}"),
	    100, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "\"command\":"), 150, "%s", r.out);
	tu_run_free(&r);
}

/* A slow command is waited for; one that never ends meets -t, cleanly. */
Test(device, slow_and_hung_commands)
{
	tu_run r;

	RUN(&r, 60, "-t", "4", "h1,h2", "--", "show slow", "show version");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(tu_count(r.out, "[show slow]: slow done"), 2, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "[show version]: uptime"), 2, "%s", r.out);
	tu_run_free(&r);

	RUN(&r, 60, "-t", "2", "-o", "json", "h1", "--", "show version", "show hang",
	    "show interfaces");
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.out, "\"command\":\"show version\"") != NULL, "%s", r.out);
	cr_assert_null(strstr(r.out, "\"command\":\"show interfaces\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"state\":\"timeout\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "'show hang': prompt did not return within 2s") != NULL, "%s",
	    r.out);
	cr_assert_lt(r.secs, 15.0);
	tu_run_free(&r);
}

/* h4's prompt regex never matches: a timeout with a reason, the others run. */
Test(device, prompt_never_matches)
{
	tu_run r;

	RUN(&r, 60, "-t", "2", "h1,h4", "--", "show version");
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.out, "h1 [show version]: uptime") != NULL, "%s", r.out);
	cr_assert(strstr(r.err, "h4: timeout: no prompt within 2s of login") != NULL, "%s",
	    r.err);
	cr_assert(strstr(r.err, "1 ok, 0 failed, 1 timeout") != NULL, "%s", r.err);
	tu_run_free(&r);
}

Test(device, inventory_errors)
{
	tu_run r;
	char *bad;
	const char *const args[] = { "-F", cfg, "-i", NULL, "exec", "--cli", "h1", "--",
	    "show version", NULL };
	const char **a = (const char **)args;

	cr_assert(asprintf(&bad, "%s/bad.ini", dir) > 0);
	tu_write_file(bad, "[host h1]\n\nprompt = ^(unclosed$\n");
	a[3] = bad;
	tu_drover(&r, 30, NULL, args);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "bad.ini:3") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "invalid prompt") != NULL, "%s", r.err);
	tu_run_free(&r);
	tu_write_file(bad, "[group g]\nhosts = h1\ncli = nxos-ish\n");
	tu_drover(&r, 30, NULL, args);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "bad.ini:3") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "invalid cli 'nxos-ish'") != NULL, "%s", r.err);
	tu_run_free(&r);
	free(bad);
}

/* ---- round trips: the commands are typed ahead after the first prompt ---- */

#define RT_DELAY_MS 150   /* each way: RTT 300 ms */

/* The fastest of two runs (the machine is shared; the proxy's delay is not). */
static double
timed(const char *const *args, tu_run *keep)
{
	double best = 1e9;
	tu_run r;
	int i;

	for (i = 0; i < 2; i++) {
		tu_drover(&r, 60, NULL, args);
		cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
		if (r.secs < best)
			best = r.secs;
		if (i == 1 && keep != NULL)
			*keep = r;
		else
			tu_run_free(&r);
	}
	return best;
}

/*
 * Six commands cost what one costs: pager-off and the commands go in one
 * write once the first prompt is there, and the result does not wait for
 * the device to log out. Against a plain exec on the same device: the
 * pty request (libssh 0.10 waits for each channel request's reply) and
 * the typed lines' round trip: 2 in all (one line per prompt took 9).
 */
Test(device, commands_typed_ahead)
{
	char *kh, *pcfg, *pub, *body, target[64], type[64], key[512];
	const char *const delay[] = { "-d", "150", NULL };
	const char *user = tu_fleet("FLEET_DEV_USER");
	double plain, cli, extra;
	pid_t px;
	int port;
	tu_run r;

	snprintf(target, sizeof(target), "%s:%s", tu_fleet("FLEET_ADDR_1"), tu_fleet("FLEET_PORT"));
	px = tu_proxy_start(target, delay, &port);
	cr_assert(asprintf(&pub, "%s/h1/ssh_host_ed25519_key.pub", tu_fleet("FLEET_DIR")) > 0);
	body = tu_read_file(pub, NULL);
	cr_assert(sscanf(body, "%63s %511s", type, key) == 2, "%s", body);
	free(body);
	free(pub);
	cr_assert(asprintf(&kh, "%s/kh", dir) > 0);
	cr_assert(asprintf(&body, "[127.0.0.1]:%d %s %s\n", port, type, key) > 0);
	tu_write_file(kh, body);
	free(body);
	cr_assert(asprintf(&pcfg, "%s/ssh_config.px", dir) > 0);
	cr_assert(asprintf(&body, "Host px\n  HostName 127.0.0.1\n  Port %d\n"
	    "  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\nHost *\nInclude %s\n",
	    port, kh, cfg) > 0);
	tu_write_file(pcfg, body);
	free(body);
	{
		const char *const a_plain[] = { "-F", pcfg, "-i", inv, "exec", "-l", user,
		    "-o", "none", "px", "--", "show version", NULL };
		const char *const a_cli[] = { "-F", pcfg, "-i", inv, "exec", "--cli", "-l", user,
		    "-o", "json", "px", "--", "show version", "bogus", "show interfaces",
		    "show running-config", "show version", "show slow", NULL };

		plain = timed(a_plain, NULL);
		cli = timed(a_cli, &r);
	}
	tu_proxy_stop(px);
	/* Per command and exact, though all were typed at once. */
	cr_assert_eq(tu_count(r.out, "{\"host\":\"px\",\"command\":\"show version\",\"output\":"
	    "\"Fake Device Software, h1, Version 1.0\\nuptime is 42 days\\nprivileged: no\\n\"}"),
	    2, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "\"output\":\"% Invalid input detected at '^' marker.\\n\"}"),
	    2, "%s", r.out);
	cr_assert(strstr(r.out, "{\"host\":\"px\",\"command\":\"show slow\",\"output\":"
	    "\"slow done\\n\"}") != NULL, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "Ethernet0/"), 50, "%s", r.out);
	cr_assert_null(strstr(r.out, "h1>"), "%s", r.out);
	tu_run_free(&r);
	/* show slow's 2 s are the device's; the rest is round trips of 0.3 s. */
	extra = (cli - 2.0 - plain) / (2 * RT_DELAY_MS / 1000.0);
	cr_log_info("--cli %.2fs, plain exec %.2fs: %.1f round trips more", cli, plain, extra);
	cr_assert_lt(extra, 4.0, "--cli took %.2fs, plain exec %.2fs: %.1f round trips more",
	    cli, plain, extra);
	free(kh);
	free(pcfg);
}
