/*
 * tui/session/attach.c - an attached client: the user's terminal in raw
 * mode relayed to a session server. Keys go to the server as they are
 * typed, its screen bytes go to the terminal, a resize is sent on; the
 * terminal is set up and restored with the strings the server hands over
 * (curses sent them once, to its own pty). Losing the terminal (SIGHUP,
 * EOF on stdin) or a TERM only detaches.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tui/session/proto.h"

static int sig_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	char c = (char)sig;
	int e = errno;

	if (write(sig_pipe[1], &c, 1) < 0)
		(void)0;
	errno = e;
}

int
tui__write_all(int fd, const void *p, size_t len)
{
	const char *s = p;
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

void
tui__term_size(int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static int
send_msg(int fd, tui_buf *m)
{
	int r = tui__write_all(fd, m->p, m->len);

	tui_buf_reset(m);
	return r;
}

/* What a SETUP message carries: the strings to enter and leave with. */
static int
setup_parse(const tui_msg *m, tui_buf *enter, tui_buf *reset)
{
	size_t el;

	if (m->len < 4)
		return -1;
	el = (size_t)m->data[0] << 24 | (size_t)m->data[1] << 16 |
	    (size_t)m->data[2] << 8 | m->data[3];
	if (el > m->len - 4)
		return -1;
	tui_buf_reset(enter);
	tui_buf_reset(reset);
	tui_buf_add(enter, m->data + 4, el);
	tui_buf_add(reset, m->data + 4 + el, m->len - 4 - el);
	return 0;
}

/*
 * The attached client's loop. Returns the exit code; *text is what the
 * server said at the end (malloc'd), NULL if it went away unannounced.
 */
static int
relay(int fd, char **text)
{
	tui_buf in = { 0 }, out = { 0 }, enter = { 0 }, reset = { 0 };
	struct pollfd pf[3];
	char buf[65536], sig;
	tui_msg m;
	size_t used, off;
	ssize_t n;
	int rows, cols, code = -1, r, done = 0;

	*text = NULL;
	pf[0].fd = STDIN_FILENO;
	pf[1].fd = fd;
	pf[2].fd = sig_pipe[0];
	pf[0].events = pf[1].events = pf[2].events = POLLIN;
	while (!done) {
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[2].revents & POLLIN) {
			if (read(sig_pipe[0], &sig, 1) == 1 && sig == SIGWINCH) {
				tui__term_size(&rows, &cols);
				tui_resize_add(&out, rows, cols);
				send_msg(fd, &out);
			} else {
				/* The terminal is gone or we are told to go: detach quietly. */
				code = 0;
				break;
			}
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				code = 0;
				break;
			}
			if (n > 0) {
				tui_msg_add(&out, TUI_MSG_KEYS, buf, (size_t)n);
				if (send_msg(fd, &out) != 0)
					break;
			}
		}
		if (!(pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		tui_buf_add(&in, buf, (size_t)n);
		off = 0;
		while (!done && (r = tui_msg_parse((const uint8_t *)in.p + off, in.len - off,
		    &m, &used)) != 0) {
			const char *t;
			size_t tl;

			if (r < 0) {
				done = 1;
				break;
			}
			off += used;
			if (m.type == TUI_MSG_OUT) {
				if (tui__write_all(STDOUT_FILENO, m.data, m.len) != 0)
					done = 1;
			} else if (m.type == TUI_MSG_SETUP) {
				if (setup_parse(&m, &enter, &reset) == 0)
					tui__write_all(STDOUT_FILENO, enter.p, enter.len);
			} else if (m.type == TUI_MSG_EXIT && tui_coded_parse(&m, &code, &t, &tl) == 0) {
				*text = util_xstrndup(t, tl);
				done = 1;
			}
		}
		memmove(in.p, in.p + off, in.len - off);
		in.len -= off;
	}
	if (reset.len > 0)
		tui__write_all(STDOUT_FILENO, reset.p, reset.len);
	tui_buf_free(&in);
	tui_buf_free(&out);
	tui_buf_free(&enter);
	tui_buf_free(&reset);
	return code;
}

/* Attaches the terminal to the session on fd; returns the exit code. */
int
tui__attach_fd(int fd, const char *name, int flags)
{
	struct termios saved, raw;
	struct sigaction sa;
	tui_hello h;
	tui_buf m = { 0 };
	const char *term = getenv("TERM");
	char *text = NULL, *safe;
	int code;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "drover: attaching needs a terminal (drover ctl works without)\n");
		close(fd);
		return 2;
	}
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		fprintf(stderr, "drover: pipe: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(&h, 0, sizeof(h));
	h.version = TUI_PROTO_VERSION;
	h.flags = flags;
	tui__term_size(&h.rows, &h.cols);
	snprintf(h.term, sizeof(h.term), "%s", term != NULL ? term : "xterm");
	tcgetattr(STDIN_FILENO, &saved);
	raw = saved;
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	tui_hello_add(&m, &h);
	send_msg(fd, &m);
	tui_buf_free(&m);
	code = relay(fd, &text);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	close(fd);
	if (text != NULL) {
		safe = tui_sanitize_str(text);
		printf("%s\n", safe);
		free(safe);
	} else if (code < 0) {
		fprintf(stderr, "drover: lost the server of session %s (it exited or was "
		    "killed)\n", name);
		code = 1;
	}
	free(text);
	return code;
}
