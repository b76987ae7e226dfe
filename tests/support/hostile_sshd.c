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
 *   request-flood     the exec is granted, then 20000 "signal" requests and
 *                     500 "env" and "break" requests that want a reply (the
 *                     server waits for each answer) on the session channel,
 *                     then normal
 *   close-before-reply  the exec request gets no reply: the channel is closed
 *   open-to-client    before replying to the exec, the server opens channels
 *                     towards the client: x11, forwarded-tcpip, auth-agent
 *                     (an agent the client never offered), then 300 x11 more;
 *                     the output says what the client granted ("x11=refused
 *                     fwd=refused agent=refused"), then exit status 0
 *
 * Raw modes: no libssh at all on the connection, bytes written by hand
 * before any encryption (the plaintext part of the protocol):
 *
 *   raw-prebanner-flood  8 MB of text lines with escapes, never an "SSH-" line
 *   raw-banner-huge   an identification line of 64 KB with escapes
 *   raw-packet-huge   a good identification, then a packet whose length
 *                     field says 4 GB, then junk
 *   raw-kexinit-absurd  a good identification, then a KEXINIT whose name
 *                     lists are 8 KB each of escapes and commas (no
 *                     algorithm in common)
 *   raw-silence       a good identification, then silence forever
 *
 * Not here: sending outside the client's window or past its maximum
 * packet size needs a server below libssh's server API, which enforces
 * both limits. tests/support/hostile_ssh.py (paramiko, whose transport
 * lets a test send any channel message) does that abuse, for
 * tests/engine/test_flowabuse.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
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
	} else if (strcmp(mode, "request-flood") == 0) {
		for (i = 0; i < 20000; i++)
			if (ssh_channel_request_send_signal(ch, "TERM") != SSH_OK)
				return;
		/* These want a reply: each waits for the client's answer. */
		for (i = 0; i < 500; i++) {
			ssh_channel_request_env(ch, "DROVER_HOSTILE", "x");
			ssh_channel_request_send_break(ch, 1000);
		}
		ssh_channel_write(ch, "hello\n", 6);
		finish(ch, 0);
	} else {
		ssh_channel_write(ch, "hello\n", 6);
		finish(ch, 0);
	}
	(void)s;
}

/* Channels towards the client; what it granted goes into the output. */
static void
open_to_client(ssh_session s, ssh_channel ch)
{
	char line[128];
	ssh_channel o;
	int x11, fwd, agent, i;

	o = ssh_channel_new(s);
	x11 = ssh_channel_open_x11(o, "127.0.0.1", 6010);
	ssh_channel_free(o);
	o = ssh_channel_new(s);
	fwd = ssh_channel_open_reverse_forward(o, "127.0.0.1", 22, "10.9.8.7", 5555);
	ssh_channel_free(o);
	o = ssh_channel_new(s);
	agent = ssh_channel_open_auth_agent(o);
	ssh_channel_free(o);
	for (i = 0; i < 300; i++) {
		o = ssh_channel_new(s);
		ssh_channel_open_x11(o, "127.0.0.1", 6010);
		ssh_channel_free(o);
	}
	snprintf(line, sizeof(line), "x11=%s fwd=%s agent=%s\n",
	    x11 == SSH_OK ? "granted" : "refused", fwd == SSH_OK ? "granted" : "refused",
	    agent == SSH_OK ? "granted" : "refused");
	ssh_channel_write(ch, line, strlen(line));
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
			if (strcmp(mode, "close-before-reply") == 0) {
				/* No reply to the exec: the channel just goes. */
				ssh_channel_close(ch);
				ssh_message_free(m);
				free(cmd);
				continue;
			}
			if (strcmp(mode, "open-to-client") == 0)
				open_to_client(s, ch);
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

/* ---- raw modes: bytes by hand, before any encryption ---- */

static void
put_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0 && (n = write(fd, p, len)) > 0) {
		p += n;
		len -= (size_t)n;
	}
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A name-list of n bytes: escapes, then "x," repeated. */
static size_t
put_namelist(unsigned char *p, size_t n)
{
	size_t i;

	put_u32(p, (uint32_t)n);
	memcpy(p + 4, "\033]0;owned\007\033[2J", 14);
	for (i = 14; i < n; i++)
		p[4 + i] = (i % 2) ? ',' : 'x';
	p[4 + n - 1] = 'y';
	return 4 + n;
}

static void
serve_raw(int fd)
{
	static const char ident[] = "SSH-2.0-OpenSSH_9.2\r\n";
	static unsigned char buf[1 << 17];
	size_t i, len;

	if (strcmp(mode, "raw-prebanner-flood") == 0) {
		char junk[981];

		memset(junk, 'j', sizeof(junk) - 1);
		junk[sizeof(junk) - 1] = '\0';
		for (i = 0; i < 8 * 1024; i++)
			put_all(fd, buf, (size_t)snprintf((char *)buf, 1024,
			    "\033]0;owned\007line %zu %s\r\n", i, junk));
	} else if (strcmp(mode, "raw-banner-huge") == 0) {
		memcpy(buf, "SSH-2.0-\033]0;owned\007", 19);
		memset(buf + 19, 'B', 65536);
		memcpy(buf + 19 + 65536, "\r\n", 2);
		put_all(fd, buf, 19 + 65536 + 2);
	} else if (strcmp(mode, "raw-packet-huge") == 0) {
		put_all(fd, ident, strlen(ident));
		put_u32(buf, 0xfffffff0u);
		memset(buf + 4, 0x41, 65536);
		put_all(fd, buf, 4 + 65536);
	} else if (strcmp(mode, "raw-kexinit-absurd") == 0) {
		put_all(fd, ident, strlen(ident));
		/* uint32 length, byte padding, byte KEXINIT(20), 16 cookie bytes ... */
		len = 4 + 1 + 1 + 16;
		for (i = 0; i < 10; i++)
			len += put_namelist(buf + len, 8192);
		buf[len++] = 0;                 /* first_kex_packet_follows */
		put_u32(buf + len, 0);          /* reserved */
		len += 4;
		/* Padding: at least 4, the whole packet a multiple of 8. */
		i = 8 - (len % 8);
		if (i < 4)
			i += 8;
		memset(buf + len, 0, i);
		len += i;
		put_u32(buf, (uint32_t)(len - 4));
		buf[4] = (unsigned char)i;
		buf[5] = 20;
		memset(buf + 6, 0x5a, 16);
		put_all(fd, buf, len);
	} else if (strcmp(mode, "raw-silence") == 0) {
		put_all(fd, ident, strlen(ident));
	}
	forever();
}

/* Accepts by hand for the raw modes: libssh never touches these connections. */
static void
raw_loop(ssh_bind b)
{
	int fd;

	for (;;) {
		fd = accept(ssh_bind_get_fd(b), NULL, NULL);
		if (fd < 0)
			continue;
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			serve_raw(fd);
			_exit(0);
		}
		close(fd);
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
	if (strncmp(mode, "raw-", 4) == 0)
		raw_loop(b);
	for (;;) {
		s = ssh_new();
		if (ssh_bind_accept(b, s) != SSH_OK) {
			ssh_free(s);
			continue;
		}
		if (fork() == 0) {
			int one = 1;

			/* Request after request waiting for answers: no Nagle delay. */
			setsockopt(ssh_get_fd(s), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
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
