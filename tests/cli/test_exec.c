/*
 * tests/cli/test_exec.c - `drover exec` as a user runs it, against the demo
 * fleet (real sshd per host): exit codes, output modes, stderr apart,
 * sanitising, large output, timeouts that kill the remote process, host key
 * policy, prompts on a terminal, Ctrl-C, dead listeners, 200 hosts.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
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

TestSuite(exec, .init = setup, .timeout = 120);

#define RUN(r, t, ...) do { \
	const char *const a_[] = { "-F", cfg, "-i", inv, "exec", __VA_ARGS__, NULL }; \
	tu_drover((r), (t), NULL, a_); \
} while (0)

Test(exec, all_ok_exit_0_stream_prefix)
{
	tu_run r;

	/* Long options as --opt=value too. */
	RUN(&r, 30, "--connect-timeout=9", "--color=never", "@demo", "--",
	    "echo hello from $(hostname)");
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(tu_count(r.out, "h1: hello from"), 1, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "h2: hello from"), 1, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "hello from"), atoi(tu_fleet("FLEET_N")));
	cr_assert(strstr(r.err, " ok, 0 failed, 0 timeout, 0 unreachable") != NULL, "%s", r.err);
	tu_run_free(&r);
}

/* No stdin is forwarded: a command that reads it gets EOF, as with ssh -n. */
Test(exec, command_reading_stdin_sees_eof)
{
	tu_run r;

	RUN(&r, 30, "-t", "20", "h1,h2", "--", "cat; read x || echo stdin-ended");
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(tu_count(r.out, "stdin-ended"), 2, "%s", r.out);
	tu_run_free(&r);
}

Test(exec, failed_command_exit_1_and_stderr_apart)
{
	tu_run r;

	RUN(&r, 30, "h1,h2", "--", "echo out; echo oops >&2; exit 3");
	cr_assert_eq(r.status, 1);
	cr_assert_eq(tu_count(r.out, "out"), 2, "%s", r.out);
	cr_assert_null(strstr(r.out, "oops"), "stderr leaked into stdout: %s", r.out);
	cr_assert_eq(tu_count(r.err, "h1 [stderr]: oops"), 1, "%s", r.err);
	cr_assert_eq(tu_count(r.err, "exit status 3"), 2, "%s", r.err);
	cr_assert(strstr(r.err, "failed: h[1-2]") != NULL, "%s", r.err);
	tu_run_free(&r);
}

Test(exec, signal_reported_in_json)
{
	tu_run r;

	RUN(&r, 30, "-o", "json", "h1", "--", "echo x; kill -KILL $$");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.out, "\"host\":\"h1\",\"state\":\"failed\",\"exit\":null,"
	    "\"signal\":\"KILL\",\"stdout\":\"x\\n\",\"stderr\":\"\",\"duration\":") != NULL,
	    "%s", r.out);
	tu_run_free(&r);
}

Test(exec, json_one_object_per_host)
{
	tu_run r;
	int n = atoi(tu_fleet("FLEET_N"));

	RUN(&r, 30, "-o", "json", "@demo", "--", "printf 'a\"b\\\\c\\n'; echo e >&2");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(tu_count(r.out, "\n"), n, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "\"stdout\":\"a\\\"b\\\\c\\n\",\"stderr\":\"e\\n\""), n,
	    "%s", r.out);
	cr_assert_eq(tu_count(r.out, "\"state\":\"ok\",\"exit\":0"), n);
	tu_run_free(&r);
}

Test(exec, group_collapses_identical_results)
{
	tu_run r;

	/* h1 and h3 print the same, h2 differs. */
	RUN(&r, 30, "-o", "group", "h1,h2,h3", "--",
	    "case \"$SSH_CONNECTION\" in *' 127.0.0.3 '*) echo two;; *) echo same;; esac");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "h[1,3] (2)\n---------------\nsame\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "h2 (1)\n---------------\ntwo\n") != NULL, "%s", r.out);
	tu_run_free(&r);
}

Test(exec, remote_escape_sequences_are_sanitised)
{
	tu_run r;

	RUN(&r, 30, "h1", "--", "printf 'a\\033]0;pwned\\007b\\233c\\342\\200\\256d\\n'; "
	    "printf '\\033[31mred\\n' >&2");
	cr_assert_eq(r.status, 0);
	cr_assert_null(strchr(r.out, '\033'), "raw ESC reached the terminal: %s", r.out);
	cr_assert_null(strchr(r.err, '\033'), "raw ESC reached the terminal: %s", r.err);
	cr_assert(strstr(r.out, "h1: a\\e]0;pwned\\x07b\\x9bc\\u202ed") != NULL, "%s", r.out);
	cr_assert(strstr(r.err, "h1 [stderr]: \\e[31mred") != NULL, "%s", r.err);
	tu_run_free(&r);
}

Test(exec, output_100MB_byte_identical, .timeout = 300)
{
	char *dir = tu_tmpdir(), *src = NULL, *od = NULL, *cmd = NULL;
	char *sums;
	tu_run r;

	cr_assert(asprintf(&src, "%s/src.bin", dir) > 0);
	cr_assert(asprintf(&od, "%s/out", dir) > 0);
	cr_assert(asprintf(&cmd, "head -c 104857600 /dev/urandom | tee %s", src) > 0);
	chmod(dir, 0777);
	RUN(&r, 240, "-o", "none", "--outdir", od, "h1", "--", cmd);
	cr_assert_eq(r.status, 0, "%s", r.err);
	free(cmd);
	cr_assert(asprintf(&cmd, "cmp %s %s/h1.out && echo SAME; stat -c '%%s %%a' %s/h1.out; "
	    "ls -A %s", src, od, od, od) > 0);
	sums = tu_sh(cmd, NULL);
	cr_assert(strstr(sums, "SAME\n104857600 600\n") != NULL, "%s", sums);
	/* Nothing half-written: only the final files. */
	cr_assert_null(strstr(sums, ".h1"), "%s", sums);
	free(sums);
	free(cmd);
	free(src);
	free(od);
	tu_rmrf(dir);
	free(dir);
	tu_run_free(&r);
}

Test(exec, timeout_kills_remote_process_group)
{
	tu_run r;
	char *left;
	int i;

	RUN(&r, 30, "-t", "1", "h1,h2", "--", "sleep 31337 | cat; echo never");
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_eq(tu_count(r.err, "timeout: command timed out"), 2, "%s", r.err);
	cr_assert_null(strstr(r.out, "never"));
	cr_assert(r.secs < 8, "took %.1fs", r.secs);
	/* Verify on the host (same machine): no sleep survives. */
	for (i = 0; i < 30; i++) {
		left = tu_sh("pgrep -f 'sleep 3133[7]' || true", NULL);
		if (*left == '\0')
			break;
		free(left);
		left = NULL;
		usleep(100000);
	}
	cr_assert_not_null(left, "remote process still running after timeout");
	cr_assert_str_empty(left);
	free(left);
	tu_run_free(&r);
}

Test(exec, unreachable_exit_255_fast_while_others_finish)
{
	tu_run r;
	int lfd, one = 1;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char target[256], port[16];

	/* A listener that accepts TCP (kernel backlog) and never speaks. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0x7f000063);   /* 127.0.0.99 */
	cr_assert(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(listen(lfd, 16) == 0);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
	snprintf(target, sizeof(target), "h1,h2,127.0.0.99");
	{
		char *cfg2 = NULL, *dir = tu_tmpdir(), *body = NULL;

		/* The silent listener's port, for that host only. */
		cr_assert(asprintf(&cfg2, "%s/cfg", dir) > 0);
		cr_assert(asprintf(&body, "Host 127.0.0.99\n  Port %s\nHost *\nInclude %s\n", port, cfg) > 0);
		tu_write_file(cfg2, body);
		{
			const char *const a[] = { "-F", cfg2, "-i", inv, "exec", "--connect-timeout",
			    "2", "-o", "json", target, "--", "sleep 1; echo done", NULL };

			tu_drover(&r, 30, NULL, a);
		}
		free(body);
		free(cfg2);
		tu_rmrf(dir);
		free(dir);
	}
	close(lfd);
	cr_assert_eq(r.status, 255, "%s", r.err);
	cr_assert_eq(tu_count(r.out, "done"), 2, "%s", r.out);
	cr_assert(strstr(r.err, "127.0.0.99: unreachable: timed out after 2.0s") != NULL, "%s", r.err);
	cr_assert(r.secs < 4.5, "a dead host stalled the run: %.1fs", r.secs);
	tu_run_free(&r);

	/* Refused port: immediate. */
	{
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "-p", "1",
		    "127.0.0.1", "--", "true", NULL };

		tu_drover(&r, 30, NULL, a);
		cr_assert_eq(r.status, 255);
		cr_assert(strstr(r.err, "Connection refused") != NULL, "%s", r.err);
		cr_assert(r.secs < 2);
		tu_run_free(&r);
	}
}

static char *
private_config(const char *dir, const char *known_hosts)
{
	char *path = NULL, *body = NULL;

	cr_assert(asprintf(&path, "%s/ssh_config", dir) > 0);
	/* First value wins in ssh config: ours precedes the fleet's. */
	cr_assert(asprintf(&body, "Host *\n  UserKnownHostsFile %s\nInclude %s\n",
	    known_hosts, cfg) > 0);
	tu_write_file(path, body);
	free(body);
	return path;
}

Test(exec, unknown_host_key_refused_then_accept_new_records)
{
	char *dir = tu_tmpdir(), *kh = NULL, *c2, *khtext;
	tu_run r;

	cr_assert(asprintf(&kh, "%s/known_hosts", dir) > 0);
	tu_write_file(kh, "");
	c2 = private_config(dir, kh);
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "h1", "--", "echo in", NULL };

		tu_drover(&r, 30, NULL, a);
	}
	cr_assert_eq(r.status, 255, "%s", r.err);
	cr_assert_null(strstr(r.out, "in"));
	cr_assert(strstr(r.err, "unknown host key") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "SHA256:") != NULL, "%s", r.err);
	/* the summary says what happened, not "unreachable" */
	cr_assert(strstr(r.err, "0 unreachable, 1 host key\n  host key: h1\n") != NULL, "%s",
	    r.err);
	khtext = tu_read_file(kh, NULL);
	cr_assert_str_empty(khtext, "refused key was recorded");
	free(khtext);
	tu_run_free(&r);
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "--accept-new", "h1", "--",
		    "echo in", NULL };

		tu_drover(&r, 30, NULL, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.err);
	khtext = tu_read_file(kh, NULL);
	cr_assert(strstr(khtext, tu_fleet("FLEET_ADDR_1")) != NULL, "%s", khtext);
	cr_assert(strstr(khtext, "ssh-ed25519") != NULL, "%s", khtext);
	free(khtext);
	tu_run_free(&r);
	/* Now known: works without --accept-new. */
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "h1", "--", "echo in", NULL };

		tu_drover(&r, 30, NULL, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	tu_rmrf(dir);
	free(dir);
	free(kh);
	free(c2);
}

Test(exec, changed_host_key_fails_without_sending_credentials)
{
	char *dir = tu_tmpdir(), *kh = NULL, *c2, *cmd = NULL, *line, *logpath = NULL;
	char *before, *after, user[64];
	size_t blen = 0, alen = 0;
	tu_run r;

	/* h2's key written down as h1's. */
	cr_assert(asprintf(&kh, "%s/known_hosts", dir) > 0);
	cr_assert(asprintf(&cmd, "awk '{print \"[%s]:%s\", $1, $2}' %s/h2/ssh_host_ed25519_key.pub > %s",
	    tu_fleet("FLEET_ADDR_1"), tu_fleet("FLEET_PORT"), tu_fleet("FLEET_DIR"), kh) > 0);
	line = tu_sh(cmd, NULL);
	free(line);
	c2 = private_config(dir, kh);
	cr_assert(asprintf(&logpath, "%s/h1/sshd.log", tu_fleet("FLEET_DIR")) > 0);
	before = tu_read_file(logpath, &blen);
	/*
	 * A login name of this run alone: sshd logs it at any authentication
	 * request (even "none"), and other tests log into h1 meanwhile.
	 */
	snprintf(user, sizeof(user), "drover-kh-%d", (int)getpid());
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "--accept-new", "-l", user,
		    "h1", "--", "echo in", NULL };

		tu_drover(&r, 30, NULL, a);
	}
	cr_assert_eq(r.status, 255, "%s", r.err);
	cr_assert(strstr(r.err, "HOST KEY CHANGED") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "no credentials sent") != NULL, "%s", r.err);
	usleep(300000);
	after = tu_read_file(logpath, &alen);
	cr_assert(alen >= blen);
	cr_assert_null(strstr(after + blen, user), "%s", after + blen);
	free(before);
	free(after);
	free(cmd);
	free(logpath);
	free(kh);
	free(c2);
	tu_run_free(&r);
	tu_rmrf(dir);
	free(dir);
}

Test(exec, encrypted_key_passphrase_asked_once_on_tty)
{
	char *pp = tu_read_file(tu_fleet("FLEET_KEY_ENC_PASSPHRASE_FILE"), NULL);
	char *dir = tu_tmpdir(), *c2 = NULL, *body = NULL;
	tu_run r;

	/* A config whose only identity is the encrypted key. */
	cr_assert(asprintf(&c2, "%s/cfg", dir) > 0);
	cr_assert(asprintf(&body, "sed 's|IdentityFile .*|IdentityFile %s|' %s > %s",
	    tu_fleet("FLEET_KEY_ENC"), cfg, c2) > 0);
	free(tu_sh(body, NULL));
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "--auth", "key",
		    "--color", "never", "h1,h2,h3", "--", "echo authed", NULL };

		tu_drover_pty(&r, 60, "Passphrase for key", pp, NULL, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert_eq(r.prompts, 1, "asked %d times: %s", r.prompts, r.out);
	cr_assert_eq(tu_count(r.out, "authed"), 3, "%s", r.out);
	cr_assert_null(strstr(r.out, pp), "passphrase echoed: %s", r.out);
	tu_run_free(&r);
	/* Without a terminal the host fails clearly instead of hanging. */
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "--auth", "key",
		    "h1", "--", "echo authed", NULL };

		tu_drover(&r, 30, NULL, a);
	}
	cr_assert_eq(r.status, 255, "%s", r.err);
	cr_assert(strstr(r.err, "authentication failed") != NULL, "%s", r.err);
	tu_run_free(&r);
	free(body);
	free(c2);
	free(pp);
	tu_rmrf(dir);
	free(dir);
}

Test(exec, password_auth_on_tty)
{
	char *pw;
	tu_run r;

	if (!tu_fleet_has("FLEET_PW_USER"))
		cr_skip_test("password user exists only when the fleet runs as root");
	pw = tu_read_file(tu_fleet("FLEET_PASSWORD_FILE"), NULL);
	{
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "--color", "never", "--auth", "password",
		    "-l", tu_fleet("FLEET_PW_USER"), "h1", "--", "id -un", NULL };

		tu_drover_pty(&r, 60, "password: ", pw, NULL, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert_eq(r.prompts, 1, "%s", r.out);
	cr_assert(strstr(r.out, "h1: drover-pw") != NULL, "%s", r.out);
	cr_assert_null(strstr(r.out, pw), "password echoed");
	tu_run_free(&r);
	{
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "--color", "never", "--auth",
		    "keyboard-interactive", "-l", tu_fleet("FLEET_PW_USER"), "h1", "--", "id -un", NULL };

		tu_drover_pty(&r, 60, "Password: ", pw, NULL, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "h1: drover-pw") != NULL, "%s", r.out);
	tu_run_free(&r);
	free(pw);
}

Test(exec, agent_auth)
{
	char *env = NULL;
	tu_run r;

	cr_assert(asprintf(&env, "SSH_AUTH_SOCK=%s", tu_fleet("FLEET_AGENT_SOCK")) > 0);
	{
		const char *const e[] = { env, NULL };
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "--auth", "agent",
		    "h1", "--", "echo via-agent", NULL };

		tu_drover(&r, 30, e, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "h1: via-agent") != NULL);
	tu_run_free(&r);
	{
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "--auth", "agent",
		    "h1", "--", "echo via-agent", NULL };

		tu_drover(&r, 30, NULL, a);   /* no agent */
	}
	cr_assert_eq(r.status, 255, "%s", r.err);
	tu_run_free(&r);
	free(env);
}

Test(exec, two_hundred_hosts, .timeout = 240)
{
	tu_run r;

	RUN(&r, 200, "-o", "json", "@many", "--", "echo ok");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(tu_count(r.out, "\"state\":\"ok\",\"exit\":0"), 200, "%s", r.err);
	cr_assert(strstr(r.err, "200 hosts in") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "200 ok, 0 failed") != NULL, "%s", r.err);
	tu_run_free(&r);
}

Test(exec, usage_and_config_errors_exit_2)
{
	tu_run r;
	char *dir = tu_tmpdir(), *bad = NULL;

	RUN(&r, 10, "-f", "zero", "h1", "--", "true");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "-f: 'zero'") != NULL, "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 10, "--bogus", "h1", "--", "true");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "unknown option '--bogus'") != NULL, "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 10, "@nosuchgroup", "--", "true");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "nosuchgroup") != NULL, "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 10, "h1");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "no COMMAND") != NULL, "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 10, "--color=bogus", "h1", "--", "true");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--color: 'bogus'") != NULL, "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 10, "--accept-new=yes", "h1", "--", "true");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--accept-new takes no value") != NULL, "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 10, "-l", "", "h1", "--", "true");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "-l: empty user name") != NULL, "%s", r.err);
	tu_run_free(&r);
	RUN(&r, 10, "-k", "/nonexistent/key", "h1", "--", "true");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "-k /nonexistent/key: No such file") != NULL, "%s", r.err);
	tu_run_free(&r);

	cr_assert(asprintf(&bad, "%s/inv.ini", dir) > 0);
	tu_write_file(bad, "[defaults]\nfanout = 4\n\n[host web1]\nadress = 10.0.0.1\n");
	{
		const char *const a[] = { "-F", cfg, "-i", bad, "exec", "web1", "--", "true", NULL };

		tu_drover(&r, 10, NULL, a);
	}
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "inv.ini:5:") != NULL, "%s", r.err);
	tu_run_free(&r);
	free(bad);
	tu_rmrf(dir);
	free(dir);
}

Test(exec, ctrl_c_once_stops_new_hosts_twice_aborts)
{
	char *cmd = NULL, *out;
	int st;

	/* -f 1: h1 runs, the rest wait; one SIGINT cancels the rest. */
	cr_assert(asprintf(&cmd, "cd /tmp; setsid %s -F %s -i %s exec -n -f 1 h1,h2,h3 -- 'sleep 2; echo fin' "
	    ">/tmp/drover-ctrlc.out 2>&1 & p=$!; sleep 1; kill -INT $p; wait $p; echo rc=$?; "
	    "cat /tmp/drover-ctrlc.out; rm -f /tmp/drover-ctrlc.out",
	    getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert(strstr(out, "rc=130") != NULL, "Ctrl-C once is an interruption: %s", out);
	cr_assert(strstr(out, "still running: h1") != NULL, "%s", out);
	cr_assert(strstr(out, "h1: fin") != NULL, "%s", out);
	cr_assert(strstr(out, "cancelled: h[2-3]") != NULL, "%s", out);
	free(out);
	free(cmd);

	cr_assert(asprintf(&cmd, "cd /tmp; setsid %s -F %s -i %s exec -n h1,h2 -- 'sleep $((31338+1)) | cat' "
	    ">/tmp/drover-ctrlc2.out 2>&1 & p=$!; sleep 1.5; kill -INT $p; sleep 0.2; kill -INT $p; "
	    "wait $p; echo rc=$?; cat /tmp/drover-ctrlc2.out; rm -f /tmp/drover-ctrlc2.out; sleep 0.5; "
	    "pgrep -f 'sleep 3133[9]' && echo LEFTOVER; true",
	    getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert(strstr(out, "rc=130") != NULL, "%s", out);
	cr_assert(strstr(out, "aborting") != NULL, "%s", out);
	cr_assert_null(strstr(out, "LEFTOVER"), "%s", out);
	free(out);
	free(cmd);
}

Test(exec, proxyjump_through_a_fleet_host)
{
	char *dir = tu_tmpdir(), *c2 = NULL, *body = NULL, *log = NULL, *logtext;
	tu_run r;

	/* h2 reached through h1 by a direct-tcpip channel, no ssh process. */
	cr_assert(asprintf(&c2, "%s/cfg", dir) > 0);
	cr_assert(asprintf(&log, "%s/drover.log", dir) > 0);
	cr_assert(asprintf(&body, "Host viajump\n  HostName %s\n  Port %s\n  ProxyJump h1\n"
	    "Host broken\n  HostName %s\n  Port %s\n  ProxyJump nosuch.invalid\n"
	    "Host *\nInclude %s\n", tu_fleet("FLEET_ADDR_2"), tu_fleet("FLEET_PORT"),
	    tu_fleet("FLEET_ADDR_2"), tu_fleet("FLEET_PORT"), cfg) > 0);
	tu_write_file(c2, body);
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "--log", log, "viajump",
		    "--", "head -c 20000000 /dev/zero | wc -c", NULL };

		tu_drover(&r, 60, NULL, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "viajump: 20000000") != NULL, "%s", r.out);
	logtext = tu_read_file(log, NULL);
	cr_assert(strstr(logtext, "viajump: tunnel through h1") != NULL, "%s", logtext);
	free(logtext);
	tu_run_free(&r);
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "broken", "--", "true", NULL };

		tu_drover(&r, 60, NULL, a);
	}
	cr_assert_eq(r.status, 255, "%s", r.err);
	cr_assert(strstr(r.err, "via jump host nosuch.invalid: cannot resolve") != NULL, "%s", r.err);
	tu_run_free(&r);
	free(body);
	free(c2);
	free(log);
	tu_rmrf(dir);
	free(dir);
}

/* A planted symlink at the temporary's name or the target is never followed. */
Test(exec, outdir_never_follows_planted_symlinks)
{
	char *dir = tu_tmpdir(), *cmd = NULL, *out;
	int st;

	/*
	 * exec keeps the shell's PID: the old temporary name (.h1.out.tmpPID)
	 * and the final names point at files drover must not touch.
	 */
	cr_assert(asprintf(&cmd, "cd %s && mkdir od && echo keep > victim1 && echo keep > victim2 && "
	    "echo keep > victim3 && ln -s ../victim1 od/.h1.out.tmp$$ && ln -s ../victim2 od/h1.out && "
	    "ln -s ../victim3 od/h1.err && umask 000 && exec %s -F %s -i %s exec -n --outdir od h1 -- "
	    "'echo secret-output; echo err-output >&2'", dir, getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "cd %s && cat victim1 victim2 victim3; test -L od/h1.out && echo LINK; "
	    "stat -c '%%a %%F' od/h1.out od/h1.err od; cat od/h1.out od/h1.err", dir) > 0);
	out = tu_sh(cmd, NULL);
	cr_assert(strstr(out, "keep\nkeep\nkeep\n") == out, "a victim was written:\n%s", out);
	cr_assert_null(strstr(out, "LINK"), "%s", out);
	cr_assert(strstr(out, "600 regular file\n600 regular file\n") != NULL,
	    "private files whatever the umask:\n%s", out);
	cr_assert(strstr(out, "secret-output\nerr-output\n") != NULL, "%s", out);
	free(out);
	free(cmd);
	/* A directory drover creates is private too. */
	cr_assert(asprintf(&cmd, "cd %s && umask 000 && %s -F %s -i %s exec -n --outdir new h1 -- true "
	    ">/dev/null 2>&1; stat -c '%%a' new", dir, getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, NULL);
	cr_assert_str_eq(out, "700\n");
	free(out);
	free(cmd);
	tu_rmrf(dir);
	free(dir);
}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* Peak resident memory of a drover run (KiB) next to its exit code. */
static char *
run_measured(const char *args)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "%s -F %s -i %s exec -n %s >/tmp/drover-mem.$$ 2>&1 & p=$!; max=0; "
	    "while kill -0 $p 2>/dev/null; do r=$(awk '/^VmHWM/{print $2}' /proc/$p/status "
	    "2>/dev/null); [ -n \"$r\" ] && [ \"$r\" -gt $max ] && max=$r; sleep 0.05; done; "
	    "wait $p; echo rc=$? hwm=$max; grep -o '\"stdout_bytes\":[0-9]*,\"stdout_cut\":[a-z]*' "
	    "/tmp/drover-mem.$$; grep -o 'output cut after [0-9]* of [0-9]* bytes' /tmp/drover-mem.$$ "
	    "| sort | uniq -c; rm -f /tmp/drover-mem.$$",
	    getenv("DROVER_BIN"), cfg, inv, args) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

Test(exec, json_and_group_memory_is_bounded, .timeout = 300)
{
	char *out, *p;
	long hwm;

	/* 2 hosts x 200 MB: all of it held would be 400 MB and more. */
	out = run_measured("-o json h1,h2 -- 'head -c 209715200 /dev/zero'");
	p = strstr(out, "hwm=");
	cr_assert_not_null(p, "%s", out);
	hwm = atol(p + 4);
	cr_assert(strstr(out, "rc=0") != NULL, "%s", out);
	/* ASan's quarantine keeps freed memory resident: the bound is for the real build. */
	if (!SANITIZED)
		cr_assert_lt(hwm, 200 * 1024, "peak RSS %ld KiB for 400 MB of output:\n%s", hwm, out);
	cr_assert_eq(tu_count(out, "\"stdout_bytes\":209715200,\"stdout_cut\":true"), 2, "%s", out);
	free(out);
	out = run_measured("-o group h1,h2 -- 'head -c 209715200 /dev/zero'");
	p = strstr(out, "hwm=");
	cr_assert_not_null(p, "%s", out);
	hwm = atol(p + 4);
	if (!SANITIZED)
		cr_assert_lt(hwm, 200 * 1024, "peak RSS %ld KiB for 400 MB of output:\n%s", hwm, out);
	/* Cut hosts are not grouped: what was cut may differ. */
	cr_assert(strstr(out, "2 output cut after 16777216 of 209715200 bytes") != NULL, "%s", out);
	free(out);
}

Test(exec, closed_stdout_stops_the_run_and_kills_remote_commands)
{
	char *cmd = NULL, *out;
	double t0 = tu_now();

	cr_assert(asprintf(&cmd, "cd /tmp; bash -c 'set -o pipefail; %s -F %s -i %s exec -n h1,h2 -- "
	    "\"seq 1 1000000; exec sleep \\$((31340+1))\" 2>/tmp/drover-pipe.err | head -2; echo rc=$?'; "
	    "cat /tmp/drover-pipe.err; rm -f /tmp/drover-pipe.err; sleep 0.5; "
	    "pgrep -f \"sleep 3134[1]\" && echo LEFTOVER; true", getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, NULL);
	cr_assert(tu_now() - t0 < 20, "the run went on after the pipe closed:\n%s", out);
	cr_assert(strstr(out, "rc=141") != NULL, "%s", out);
	cr_assert_null(strstr(out, "LEFTOVER"), "%s", out);
	free(out);
	free(cmd);
}

Test(exec, write_error_is_an_error)
{
	char *cmd = NULL, *out;
	int st;

	cr_assert(asprintf(&cmd, "%s -F %s -i %s exec -n h1 -- 'echo hello' >/dev/full; echo rc=$?",
	    getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert(strstr(out, "rc=74") != NULL, "%s", out);
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "%s -F %s -i %s exec -n -o json h1 -- 'echo hello' 2>&1 >/dev/full",
	    getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 74, "%s", out);
	cr_assert(strstr(out, "output incomplete: No space left on device") != NULL, "%s", out);
	free(out);
	free(cmd);
}

Test(exec, hangup_kills_remote_commands)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "cd /tmp; setsid %s -F %s -i %s exec -n h1,h2 -- 'sleep $((31341+1)) | cat' "
	    ">/tmp/drover-hup.out 2>&1 & p=$!; sleep 1.5; kill -HUP $p; "
	    "wait $p; echo rc=$?; cat /tmp/drover-hup.out; rm -f /tmp/drover-hup.out; sleep 0.5; "
	    "pgrep -f 'sleep 3134[2]' && echo LEFTOVER; true",
	    getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, NULL);
	cr_assert(strstr(out, "rc=130") != NULL, "%s", out);
	cr_assert(strstr(out, "hangup") != NULL, "%s", out);
	cr_assert_null(strstr(out, "LEFTOVER"), "%s", out);
	free(out);
	free(cmd);
}

/* --outdir writes files and still prints what -o asks for. */
Test(exec, outdir_keeps_the_printed_mode)
{
	char *dir = tu_tmpdir(), *od = NULL, *body;
	tu_run r;

	cr_assert(asprintf(&od, "%s/od", dir) > 0);
	RUN(&r, 30, "-o", "group", "--outdir", od, "h1,h2", "--", "echo same-$((1+1))");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "h[1-2] (2)\n---------------\nsame-2\n") != NULL, "%s", r.out);
	tu_run_free(&r);
	/* JSON says where the output went. */
	RUN(&r, 30, "-o", "json", "--outdir", od, "h1", "--", "echo same-$((1+1))");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"stdout\":\"same-2\\n\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"stdout_file\":\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "/od/h1.out\"") != NULL, "%s", r.out);
	tu_run_free(&r);
	free(od);
	cr_assert(asprintf(&od, "%s/od/h2.out", dir) > 0);
	body = tu_read_file(od, NULL);
	cr_assert_str_eq(body, "same-2\n");
	free(body);
	free(od);
	tu_rmrf(dir);
	free(dir);
}

/* The fan-out fits the descriptor limit instead of failing hosts with EMFILE. */
Test(exec, fanout_sized_from_the_descriptor_limit)
{
	char *cmd = NULL, *out;
	int st;

	cr_assert(asprintf(&cmd, "ulimit -Sn 60; ulimit -Hn 60; %s -F %s -i %s exec -n -v -f 500 "
	    "'h[1-4],n[001-040]' -- true 2>&1; echo rc=$?", getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, &st);
	cr_assert(strstr(out, "hosts in flight at most (") != NULL, "%s", out);
	cr_assert(strstr(out, "44 ok, 0 failed") != NULL, "%s", out);
	cr_assert(strstr(out, "rc=0") != NULL, "%s", out);
	free(out);
	free(cmd);
}

/*
 * A host whose sshd stopped answering cannot hold the user hostage: the
 * third Ctrl-C exits at once and names the host whose command may remain.
 */
Test(exec, third_ctrl_c_exits_at_once)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "cd /tmp; setsid %s -F %s -i %s exec -n h1 -- 'sleep $((31342+1))' "
	    ">/tmp/drover-c3.out 2>&1 & p=$!; "
	    "for i in $(seq 50); do s=$(pgrep -f 'sleep 3134[3]' | head -1); [ -n \"$s\" ] && break; "
	    "sleep 0.1; done; sh=$(ps -o ppid= -p $s | tr -d ' '); "
	    "sshd=$(ps -o ppid= -p $sh | tr -d ' '); case $(ps -o comm= -p $sshd) in sshd*) ;; "
	    "*) sshd=$sh;; esac; kill -STOP $sshd; "
	    "kill -INT $p; sleep 0.3; kill -INT $p; sleep 0.3; t0=$(date +%%s%%N); kill -INT $p; "
	    "wait $p; rc=$?; t1=$(date +%%s%%N); echo rc=$rc ms=$(( (t1 - t0) / 1000000 )); "
	    "kill -CONT $sshd; kill $s 2>/dev/null; cat /tmp/drover-c3.out; rm -f /tmp/drover-c3.out",
	    getenv("DROVER_BIN"), cfg, inv) > 0);
	out = tu_sh(cmd, NULL);
	cr_assert(strstr(out, "rc=130") != NULL, "%s", out);
	cr_assert(strstr(out, "exiting now; commands may still run on: h1") != NULL, "%s", out);
	{
		const char *ms = strstr(out, "ms=");

		cr_assert_not_null(ms, "%s", out);
		cr_assert_lt(atoi(ms + 3), 1000, "the third Ctrl-C took %s", ms);
	}
	free(out);
	free(cmd);
}

/* Every run is recorded; @failed and @ok name its hosts, @failed:1 the run before. */
Test(exec, failed_and_ok_name_the_hosts_of_past_runs)
{
	char *dir = tu_tmpdir(), *env0 = NULL, *rec = NULL, *body;
	const char *env[] = { NULL, NULL };
	tu_run r;

	cr_assert(asprintf(&env0, "XDG_STATE_HOME=%s", dir) > 0);
	env[0] = env0;
	{
		/* h2 (127.0.0.3) fails, the others succeed. */
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "h1,h2,h3", "--",
			"case \"$SSH_CONNECTION\" in *\" 127.0.0.3 \"*) exit 7;; esac; echo fine", NULL };

		tu_drover(&r, 30, env, a);
	}
	cr_assert_eq(r.status, 1, "%s", r.err);
	tu_run_free(&r);
	cr_assert(asprintf(&rec, "%s/drover/last.json", dir) > 0);
	body = tu_read_file(rec, NULL);
	cr_assert_not_null(body);
	cr_assert(strstr(body, "\"ok\":[\"h1\",\"h3\"],\"failed\":[\"h2\"]") != NULL ||
	    strstr(body, "\"ok\":[\"h3\",\"h1\"],\"failed\":[\"h2\"]") != NULL, "%s", body);
	free(body);
	{
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "@failed", "--", "echo again",
			NULL };

		tu_drover(&r, 30, env, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(tu_count(r.out, "again"), 1, "%s", r.out);
	cr_assert(strstr(r.out, "h2: again") != NULL, "%s", r.out);
	tu_run_free(&r);
	{
		/* The run before the last: its ok hosts, minus one. */
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "@ok:1&!h3", "--",
			"echo older", NULL };

		tu_drover(&r, 30, env, a);
	}
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "h1: older") != NULL, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "older"), 1, "%s", r.out);
	tu_run_free(&r);
	{
		const char *const a[] = { "-F", cfg, "-i", inv, "exec", "@failed:9", "--", "true",
			NULL };

		tu_drover(&r, 30, env, a);
	}
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "@failed:9: not that many runs recorded") != NULL, "%s", r.err);
	tu_run_free(&r);
	free(rec);
	free(env0);
	tu_rmrf(dir);
	free(dir);
}

/* -o diff: the majority once, the odd host as a unified diff against it. */
Test(exec, diff_against_the_majority)
{
	tu_run r;

	RUN(&r, 30, "-o", "diff", "h1,h2,h3", "--",
	    "echo a; echo b; case \"$SSH_CONNECTION\" in *\" 127.0.0.3 \"*) echo B;; *) echo b2;; "
	    "esac; echo c; echo d; echo e; echo f; echo g; echo h");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "h[1,3] (2) (majority)\n---------------\na\nb\nb2\nc\n") != NULL,
	    "%s", r.out);
	cr_assert(strstr(r.out, "h2 (1)\n---------------\n--- h[1,3] (majority)\n+++ h2\n"
	    "@@ -1,6 +1,6 @@\n a\n b\n-b2\n+B\n c\n d\n e\n") != NULL, "%s", r.out);
	/* Only the hunk: the lines far from the change are not repeated. */
	cr_assert_eq(tu_count(r.out, "\n h\n"), 0, "%s", r.out);
	tu_run_free(&r);
}

/* A ProxyJump loop is a configuration error: exit 2, not "unreachable". */
Test(exec, jump_loop_is_a_config_error)
{
	char *dir = tu_tmpdir(), *c2 = NULL, *body = NULL;
	tu_run r;

	cr_assert(asprintf(&c2, "%s/cfg", dir) > 0);
	cr_assert(asprintf(&body, "Host loopy\n  HostName %s\n  Port %s\n  ProxyJump loopy\n"
	    "Host *\nInclude %s\n", tu_fleet("FLEET_ADDR_1"), tu_fleet("FLEET_PORT"), cfg) > 0);
	tu_write_file(c2, body);
	{
		const char *const a[] = { "-F", c2, "-i", inv, "exec", "loopy,h2", "--", "true", NULL };

		tu_drover(&r, 30, NULL, a);
	}
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "ProxyJump loop: loopy -> loopy") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "1 ok") != NULL, "the other host still ran: %s", r.err);
	tu_run_free(&r);
	free(body);
	free(c2);
	tu_rmrf(dir);
	free(dir);
}
