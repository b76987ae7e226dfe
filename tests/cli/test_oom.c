/*
 * tests/cli/test_oom.c - `drover exec` under an address-space limit
 * (prlimit --as), against the demo fleet: 256 MB of output per host with
 * -o json stays within a 300 MB limit (what is held is bounded), and when
 * memory does run out mid-run (four hosts held near a 100 MB limit, their
 * commands never ending) the run is aborted in order: the message, exit
 * 130, and no remote command left running (tui/cli/oom.c, util's hook).
 * Not under AddressSanitizer, whose shadow memory needs terabytes of
 * address space.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static const char *cfg, *inv;

static void
setup(void)
{
	cfg = tu_fleet("FLEET_SSH_CONFIG");
	inv = tu_fleet("FLEET_INVENTORY");
}

TestSuite(oom, .init = setup, .timeout = 180);

Test(oom, json_256MB_per_host_within_a_300MB_limit)
{
	char *cmd = NULL, *out;

	if (SANITIZED)
		cr_skip_test("address-space limits and AddressSanitizer do not mix");
	cr_assert(asprintf(&cmd, "prlimit --as=%d %s -F %s -i %s exec -n -o json h1,h2 -- "
	    "'head -c 268435456 /dev/zero' 2>&1; echo rc=$?", 300 << 20,
	    getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, NULL);
	cr_assert(strstr(out, "rc=0") != NULL, "%.2000s", out);
	cr_assert_eq(tu_count(out, "\"stdout_bytes\":268435456"), 2, "%.2000s", out);
	free(out);
	free(cmd);
}

Test(oom, out_of_memory_mid_run_kills_the_remote_commands)
{
	char *cmd = NULL, *out;

	if (SANITIZED)
		cr_skip_test("address-space limits and AddressSanitizer do not mix");
	/* The commands never end by themselves: only our kill ends them. */
	cr_assert(asprintf(&cmd, "timeout -s KILL 60 prlimit --as=%d %s -F %s -i %s exec -n -o json "
	    "h1,h2,h3,h4 -- 'head -c 268435456 /dev/zero; exec sleep $((43430+1))' "
	    "2>&1 >/dev/null; echo rc=$?; sleep 1; pgrep -f 'sleep 4343[1]' && echo LEFTOVER; true",
	    100 << 20, getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, NULL);
	cr_assert(strstr(out, "out of memory: killing remote commands") != NULL, "%s", out);
	cr_assert(strstr(out, "rc=130") != NULL, "%s", out);
	cr_assert_null(strstr(out, "LEFTOVER"), "remote commands left running:\n%s", out);
	free(out);
	free(cmd);
}
