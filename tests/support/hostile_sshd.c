/*
 * tests/support/hostile_sshd.c - an SSH server that misbehaves on purpose,
 * for tests/engine/test_hostile.c. Built on libssh's server API: it speaks
 * the protocol correctly up to where the chosen mode starts to abuse it.
 *
 *   hostile_sshd ADDR MODE      listens on ADDR, port chosen by the kernel,
 *                               prints "PORT n" on stdout, serves each
 *                               connection in a child until killed.
 *
 * Any client authenticates (any public key, any password); the host key is
 * made fresh at start (clients record it with accept-new). A command whose
 * text contains "kill -" (drover's kill helper) just succeeds. Modes, each
 * applied to every other exec request:
 *
 *   normal            "hello", exit status 0 (a control)
 *   signal-escapes    exit-signal whose name, message and language carry
 *                     terminal escapes and are long
 *   status-absurd     exit status 0xFFFFFFFF, then 2147483647 ... (the last wins)
 *   status-flood      100000 exit-status requests, then close
 *   signal-flood      20000 exit-signal requests with 2 KB names, then close
 *   after-close       close, then more data, exit-status and exit-signal
 *   no-exit-status    output and close, never an exit status
 *   global-flood      50000 global requests (keepalive, want reply), then normal
 *   flood             64 MB of output as fast as the window lets it go
 *   stall-after-auth  authentication succeeds, then silence forever
 *   stall-after-exec  the exec request is granted, then silence forever
 *
 * What libssh's server API cannot do is not here: sending outside the
 * window or past the peer's maximum packet size (libssh enforces both).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

/* ssh_message_auth_publickey_state is deprecated but is the small way. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define MAXCH 16

static const char *mode;

static void
forever(void)
{
	for (;;)
		pause();
}

static void
finish(ssh_channel ch, int status)
{
	if (status != -2)
		ssh_channel_request_send_exit_status(ch, status);
	ssh_channel_send_eof(ch);
	ssh_channel_close(ch);
}

/* The abuse, on one exec'd channel (blocking session). */
static void
run_mode(ssh_session s, ssh_channel ch, const char *cmd)
{
	char big[2048];
	static char chunk[32768];
	long i;

	if (cmd != NULL && strstr(cmd, "kill -") != NULL) {
		finish(ch, 0);
		return;
	}
	if (strcmp(mode, "signal-escapes") == 0) {
		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "\033]0;owned\007KILL\033[2J\r\n\t\x7f", 22);
		ssh_channel_write(ch, "x\n", 2);
		ssh_channel_request_send_exit_signal(ch, big, 1, "\033[31mcore\033[0m\r\n", "\033[5m");
		finish(ch, -2);
	} else if (strcmp(mode, "status-absurd") == 0) {
		ssh_channel_request_send_exit_status(ch, (int)0xFFFFFFFFu);
		ssh_channel_request_send_exit_status(ch, -2147483647 - 1);
		finish(ch, 2147483647);
	} else if (strcmp(mode, "status-flood") == 0) {
		for (i = 0; i < 100000; i++)
			ssh_channel_request_send_exit_status(ch, (int)i);
		finish(ch, 3);
	} else if (strcmp(mode, "signal-flood") == 0) {
		memset(big, 'S', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		for (i = 0; i < 20000; i++)
			ssh_channel_request_send_exit_signal(ch, big, 0, "", "");
		ssh_channel_request_send_exit_signal(ch, "TERM", 0, "", "");
		finish(ch, -2);
	} else if (strcmp(mode, "after-close") == 0) {
		ssh_channel_write(ch, "before\n", 7);
		ssh_channel_close(ch);
		/* Whatever libssh still lets out after the close. */
		ssh_channel_write(ch, "after\n", 6);
		ssh_channel_request_send_exit_status(ch, 7);
		ssh_channel_request_send_exit_signal(ch, "HUP", 0, "", "");
	} else if (strcmp(mode, "no-exit-status") == 0) {
		ssh_channel_write(ch, "no status\n", 10);
		finish(ch, -2);
	} else if (strcmp(mode, "flood") == 0) {
		memset(chunk, 'f', sizeof(chunk));
		for (i = 0; i < 2048; i++)
			if (ssh_channel_write(ch, chunk, sizeof(chunk)) < 0)
				return;
		finish(ch, 0);
	} else if (strcmp(mode, "stall-after-exec") == 0) {
		forever();
	} else {
		ssh_channel_write(ch, "hello\n", 6);
		finish(ch, 0);
	}
	(void)s;
}

static int
authenticate(ssh_session s)
{
	ssh_message m;
	int ok = 0;

	ssh_set_auth_methods(s, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD);
	while (!ok && (m = ssh_message_get(s)) != NULL) {
		if (ssh_message_type(m) == SSH_REQUEST_AUTH &&
		    ssh_message_subtype(m) == SSH_AUTH_METHOD_PUBLICKEY) {
			if (ssh_message_auth_publickey_state(m) == SSH_PUBLICKEY_STATE_NONE) {
				ssh_message_auth_reply_pk_ok_simple(m);
			} else {
				ssh_message_auth_reply_success(m, 0);
				ok = 1;
			}
		} else if (ssh_message_type(m) == SSH_REQUEST_AUTH &&
		    ssh_message_subtype(m) == SSH_AUTH_METHOD_PASSWORD) {
			ssh_message_auth_reply_success(m, 0);
			ok = 1;
		} else {
			if (ssh_message_type(m) == SSH_REQUEST_AUTH)
				ssh_message_auth_set_methods(m,
				    SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD);
			ssh_message_reply_default(m);
		}
		ssh_message_free(m);
	}
	return ok;
}

static void
serve(ssh_session s)
{
	ssh_channel chs[MAXCH], pending = NULL;
	ssh_message m;
	int nch = 0, i;

	if (ssh_handle_key_exchange(s) != SSH_OK || !authenticate(s))
		return;
	if (strcmp(mode, "stall-after-auth") == 0)
		forever();
	if (strcmp(mode, "global-flood") == 0)
		for (i = 0; i < 50000; i++)
			ssh_send_keepalive(s);
	while ((m = ssh_message_get(s)) != NULL) {
		if (ssh_message_type(m) == SSH_REQUEST_CHANNEL_OPEN &&
		    ssh_message_subtype(m) == SSH_CHANNEL_SESSION && nch < MAXCH) {
			pending = chs[nch++] = ssh_message_channel_request_open_reply_accept(m);
		} else if (ssh_message_type(m) == SSH_REQUEST_CHANNEL &&
		    ssh_message_subtype(m) == SSH_CHANNEL_REQUEST_EXEC && pending != NULL) {
			char *cmd = strdup(ssh_message_channel_request_command(m) ?
			    ssh_message_channel_request_command(m) : "");
			ssh_channel ch = pending;

			pending = NULL;
			ssh_message_channel_request_reply_success(m);
			ssh_message_free(m);
			run_mode(s, ch, cmd);
			free(cmd);
			continue;
		} else {
			ssh_message_reply_default(m);
		}
		ssh_message_free(m);
	}
}

int
main(int argc, char **argv)
{
	ssh_bind b;
	ssh_session s;
	ssh_key key = NULL;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int port = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: hostile_sshd ADDR MODE\n");
		return 2;
	}
	mode = argv[2];
	signal(SIGCHLD, SIG_IGN);   /* children reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	ssh_init();
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
		return 1;
	b = ssh_bind_new();
	ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDADDR, argv[1]);
	ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDPORT, &port);
	ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, key);
	if (ssh_bind_listen(b) != SSH_OK) {
		fprintf(stderr, "listen: %s\n", ssh_get_error(b));
		return 1;
	}
	if (getsockname(ssh_bind_get_fd(b), (struct sockaddr *)&sa, &sl) != 0)
		return 1;
	printf("PORT %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (;;) {
		s = ssh_new();
		if (ssh_bind_accept(b, s) != SSH_OK) {
			ssh_free(s);
			continue;
		}
		if (fork() == 0) {
			/* Die with the listener: a stalled child must not outlive the test. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			ssh_bind_free(b);
			serve(s);
			ssh_disconnect(s);
			ssh_free(s);
			_exit(0);
		}
		ssh_free(s);
	}
}
