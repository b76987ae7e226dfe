/*
 * tui/cli/secret.c - a secret asked once for a whole run (the sudo
 * password, a device's enable secret), before any host is contacted: from
 * an askpass program (SSH_ASKPASS, as OpenSSH uses it: when there is no
 * terminal, or always with SSH_ASKPASS_REQUIRE=force) or on /dev/tty with
 * echo off. Never from stdin (it may be the hosts' input), argv or the
 * environment. The answer is the caller's to wipe (explicit_bzero).
 * Per-connection prompts (passphrases, passwords) are ttyprompt.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tui/cli/cli.h"

#define SECRET_MAX 1024

static int
from_askpass(const char *prog, const char *question, char *buf, char **cause)
{
	int p[2], st;
	size_t len = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		*cause = util_xasprintf("askpass: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		*cause = util_xasprintf("askpass: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(p[1], 1);
		execlp(prog, prog, question, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (len < SECRET_MAX - 1 &&
	    ((r = read(p[0], buf + len, SECRET_MAX - 1 - len)) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0)
			len += (size_t)r;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		explicit_bzero(buf, SECRET_MAX);
		*cause = util_xasprintf("askpass program %s failed", prog);
		return -1;
	}
	return 0;
}

static int
from_tty(int fd, const char *question, char *buf, char **cause)
{
	struct termios saved, tio;
	int echo_off = 0;
	size_t len = 0;
	ssize_t r, w;
	int gone = 0;
	char ch;

	if (tcgetattr(fd, &saved) == 0) {
		tio = saved;
		tio.c_lflag &= ~(tcflag_t)ECHO;
		tio.c_lflag |= ECHONL;
		echo_off = tcsetattr(fd, TCSAFLUSH, &tio) == 0;
	}
	w = write(fd, question, strlen(question));
	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			gone = 1;
		if (r <= 0 || ch == '\n' || ch == '\r')
			break;
		if (ch == 0x7f || ch == 0x08) {
			if (len > 0)
				len--;
		} else if (ch == 0x15) {
			len = 0;
		} else if (len < SECRET_MAX - 1) {
			buf[len++] = ch;
		}
	}
	buf[len] = '\0';
	if (echo_off) {
		tcsetattr(fd, TCSAFLUSH, &saved);
		if (!(saved.c_lflag & ECHONL))
			w = write(fd, "\n", 1);
	}
	(void)w;
	if (gone) {
		explicit_bzero(buf, SECRET_MAX);
		*cause = util_xstrdup("the terminal went away");
		return -1;
	}
	return 0;
}

int
tui_secret_ask(const char *question, char **out, char **cause)
{
	const char *askpass = getenv("SSH_ASKPASS"), *req = getenv("SSH_ASKPASS_REQUIRE");
	char *buf = util_xmalloc(SECRET_MAX);
	int fd = -1, r;

	*out = NULL;
	if (askpass == NULL || *askpass == '\0' || (req != NULL && strcmp(req, "never") == 0))
		askpass = NULL;
	if (askpass == NULL || req == NULL || strcmp(req, "force") != 0)
		fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		r = from_tty(fd, question, buf, cause);
		close(fd);
	} else if (askpass != NULL) {
		r = from_askpass(askpass, question, buf, cause);
	} else {
		*cause = util_xstrdup("no terminal to ask on (and no SSH_ASKPASS program)");
		r = -1;
	}
	if (r != 0) {
		explicit_bzero(buf, SECRET_MAX);
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

void
tui_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, SECRET_MAX);
	free(s);
}
