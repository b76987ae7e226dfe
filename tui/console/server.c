/*
 * tui/console/server.c - a session that outlives the terminal. The
 * console runs unchanged on a pseudo-terminal this process owns: curses
 * draws into it as into any terminal, and what it draws is relayed to the
 * clients attached on the session's Unix socket; their keys are written to
 * the pty's master side as if typed there. This is the dtach/abduco shape,
 * with the server being the console itself, so a ctl request reaches the
 * panes directly.
 *
 * The master side is read by a small thread: curses writes the screen with
 * blocking writes, so if the loop that draws were also the loop that reads
 * the master, a large frame would fill the pty and never drain. The thread
 * only moves bytes into a bounded buffer and wakes the loop.
 *
 * Nothing here trusts a client: messages are parsed strictly, a malformed
 * or oversized one drops that client, a client that stops reading is cut
 * off after a bounded backlog, and a peer of another uid is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tui/console/console.h"
#include "tui/console/provide_curses.h"
#include "tui/console/server.h"

/* Screen bytes held for the loop; past this a frame is dropped, then redrawn. */
#define RELAY_MAX (8u << 20)
/*
 * A client this far behind is cut off at once, and one that stays more
 * than CLIENT_LAG_BYTES behind for CLIENT_LAG_MS too (its screen is
 * seconds old by then); it may attach again.
 */
#define CLIENT_BACKLOG_MAX (2u << 20)
#define CLIENT_LAG_BYTES (256u << 10)
#define CLIENT_LAG_MS 5000
/* Keys held while the console is busy (a paste bigger than this is cut). */
#define KEYQ_MAX (1u << 20)

typedef struct relay {
	pthread_t th;
	int master, stop[2];
	pthread_mutex_t mu;
	tui_buf pend;
	int overflow;
	int running;                /* the thread was started and must be joined */
	uv_async_t *wake;           /* NULL once the loop no longer listens */
} relay;

static void *
relay_main(void *arg)
{
	relay *r = arg;
	struct pollfd pf[2];
	char buf[65536];
	sigset_t all;
	ssize_t n;

	/* Signals are the loop's (libuv's handlers), never this thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pf[0].fd = r->master;
	pf[0].events = POLLIN;
	pf[1].fd = r->stop[0];
	pf[1].events = POLLIN;
	for (;;) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents != 0)
			break;
		n = read(r->master, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		/*
		 * After the session's end (wake NULL) the screen's last bytes are
		 * only drained, so that curses' goodbye never blocks on a full pty.
		 */
		pthread_mutex_lock(&r->mu);
		if (r->wake != NULL) {
			if (r->pend.len + (size_t)n <= RELAY_MAX)
				tui_buf_add(&r->pend, buf, (size_t)n);
			else
				r->overflow = 1;
			uv_async_send(r->wake);
		}
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

int
tui_server_pty(tui_server *srv, const tui_serve_opts *o)
{
	struct winsize ws;
	relay *r;
	char *slave;
	int m, s;

	memset(srv, 0, sizeof(*srv));
	srv->name = util_xstrdup(o->name);
	srv->path = util_xasprintf("%s/%s", o->dir, o->name);
	srv->errfd = o->errfd;
	srv->rows = o->rows;
	srv->cols = o->cols;
	srv->created = (uint64_t)time(NULL);
	if (setsid() < 0 ||
	    (m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    grantpt(m) != 0 || unlockpt(m) != 0 || (slave = ptsname(m)) == NULL) {
		fprintf(stderr, "drover: cannot create the session's terminal: %s\n",
		    strerror(errno));
		return -1;
	}
	/* Opened without O_NOCTTY by a session leader: our controlling tty. */
	if ((s = open(slave, O_RDWR)) < 0) {
		fprintf(stderr, "drover: cannot open %s: %s\n", slave, strerror(errno));
		return -1;
	}
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)o->rows;
	ws.ws_col = (unsigned short)o->cols;
	ioctl(m, TIOCSWINSZ, &ws);
	dup2(s, STDIN_FILENO);
	dup2(s, STDOUT_FILENO);
	if (s > STDERR_FILENO)
		close(s);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	srv->master = m;
	if (o->term != NULL && o->term[0] != '\0')
		setenv("TERM", o->term, 1);
	r = util_xcalloc(1, sizeof(*r));
	r->master = m;
	pthread_mutex_init(&r->mu, NULL);
	if (pipe2(r->stop, O_CLOEXEC) != 0) {
		fprintf(stderr, "drover: pipe: %s\n", strerror(errno));
		free(r);
		return -1;
	}
	srv->relay = r;
	return 0;
}

/* ---- to the clients ---- */

static void
on_client_closed(uv_handle_t *h)
{
	tui_client *cl = h->data;

	tui_buf_free(&cl->in);
	free(cl);
}

int
tui_server_nclients(const tui_server *srv)
{
	const tui_client *cl;
	int n = 0;

	for (cl = srv->clients; cl != NULL; cl = cl->next)
		n += cl->attached && !cl->closing;
	return n;
}

/* The pty takes the smallest attached client's size (as tmux does). */
static void
fit_size(tui_server *srv)
{
	struct winsize ws;
	tui_client *cl;
	int rows = 0, cols = 0;

	for (cl = srv->clients; cl != NULL; cl = cl->next) {
		if (!cl->attached || cl->closing)
			continue;
		if (rows == 0 || cl->rows < rows)
			rows = cl->rows;
		if (cols == 0 || cl->cols < cols)
			cols = cl->cols;
	}
	if (rows == 0 || (rows == srv->rows && cols == srv->cols))
		return;
	srv->rows = rows;
	srv->cols = cols;
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	/* The kernel signals SIGWINCH to us: the console re-lays out as usual. */
	ioctl(srv->master, TIOCSWINSZ, &ws);
}

/* Out of the server's list; 0 if it was already going. */
static int
client_unlink(tui_client *cl)
{
	tui_server *srv = cl->srv;
	tui_client **pp;

	if (cl->closing)
		return 0;
	cl->closing = 1;
	for (pp = &srv->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	if (srv->last_input == cl)
		srv->last_input = NULL;
	if (srv->con != NULL)
		tui_ctl_forget(srv->con, cl);
	if (cl->attached)
		fit_size(srv);
	return 1;
}

void
tui_client_drop(tui_client *cl)
{
	if (client_unlink(cl))
		uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
}

static void
on_shut(uv_shutdown_t *req, int status)
{
	tui_client *cl = req->data;

	(void)status;
	free(req);
	uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
}

void
tui_client_finish(tui_client *cl)
{
	uv_shutdown_t *req;

	if (!client_unlink(cl))
		return;
	req = util_xcalloc(1, sizeof(*req));
	req->data = cl;
	/* What was written (the goodbye, a reply) is delivered, then the close. */
	if (uv_shutdown(req, (uv_stream_t *)&cl->pipe, on_shut) != 0) {
		free(req);
		uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
	}
}

typedef struct client_write {
	uv_write_t req;
	char *data;
} client_write;

static void
on_written(uv_write_t *req, int status)
{
	client_write *w = (client_write *)req;

	(void)status;
	free(w->data);
	free(w);
}

void
tui_client_send(tui_client *cl, const tui_buf *msg)
{
	client_write *w;
	uv_buf_t b;
	size_t q;
	uint64_t now;

	if (cl->closing || msg->len == 0)
		return;
	q = uv_stream_get_write_queue_size((uv_stream_t *)&cl->pipe);
	now = uv_now(cl->srv->con->loop);
	if (q <= CLIENT_LAG_BYTES)
		cl->lag_since = 0;
	else if (cl->lag_since == 0)
		cl->lag_since = now;
	if (q > CLIENT_BACKLOG_MAX || (cl->lag_since != 0 && now - cl->lag_since > CLIENT_LAG_MS)) {
		tui_client_drop(cl);
		return;
	}
	w = util_xcalloc(1, sizeof(*w));
	w->data = util_xmalloc(msg->len);
	memcpy(w->data, msg->p, msg->len);
	b = uv_buf_init(w->data, (unsigned int)msg->len);
	if (uv_write(&w->req, (uv_stream_t *)&cl->pipe, &b, 1, on_written) != 0) {
		free(w->data);
		free(w);
		tui_client_drop(cl);
	}
}

static void
send_exit(tui_client *cl, int code, const char *text)
{
	tui_buf m = { 0 };

	tui_coded_add(&m, TUI_MSG_EXIT, code, text, strlen(text));
	tui_client_send(cl, &m);
	tui_buf_free(&m);
}

/* A client that detaches gets its message, then the socket closes. */
static void
detach(tui_client *cl, const char *why)
{
	char *text = util_xasprintf("[detached (from session %s)%s%s]", cl->srv->name,
	    why != NULL ? ": " : "", why != NULL ? why : "");

	send_exit(cl, 0, text);
	free(text);
	tui_client_finish(cl);
}

void
tui_server_detach_current(tui_server *srv)
{
	if (srv->last_input != NULL)
		detach(srv->last_input, NULL);
}

/* Screen bytes to every attached client, in messages of at most TUI_MSG_MAX. */
static void
broadcast(tui_server *srv, const char *p, size_t len)
{
	tui_client *cl, *next;
	tui_buf m = { 0 };
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < TUI_MSG_MAX ? len - off : TUI_MSG_MAX;
		tui_msg_add(&m, TUI_MSG_OUT, p + off, n);
	}
	for (cl = srv->clients; cl != NULL; cl = next) {
		next = cl->next;
		if (cl->attached)
			tui_client_send(cl, &m);
	}
	tui_buf_free(&m);
}

/* The whole screen again, for a client that just attached (or missed bytes). */
static void
redraw_all(tui_server *srv)
{
	clearok(curscr, TRUE);
	srv->con->full_dirty = 1;
	tui_console_frame_now(srv->con);
}

static void
on_relay(uv_async_t *a)
{
	tui_server *srv = a->data;
	relay *r = srv->relay;
	tui_buf out;
	int overflow;

	pthread_mutex_lock(&r->mu);
	out = r->pend;
	memset(&r->pend, 0, sizeof(r->pend));
	overflow = r->overflow;
	r->overflow = 0;
	pthread_mutex_unlock(&r->mu);
	/* No one attached: the screen is redrawn whole for the next one. */
	if (out.len > 0)
		broadcast(srv, out.p, out.len);
	tui_buf_free(&out);
	if (overflow)
		redraw_all(srv);
}

/* ---- from the clients ---- */

static void on_keys_retry(uv_timer_t *t);

static void
keys_flush(tui_server *srv)
{
	ssize_t n;

	while (srv->keyq.len > 0) {
		n = write(srv->master, srv->keyq.p, srv->keyq.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		memmove(srv->keyq.p, srv->keyq.p + n, srv->keyq.len - (size_t)n);
		srv->keyq.len -= (size_t)n;
	}
	/* The console reads its side in this same loop: try again shortly. */
	if (srv->keyq.len > 0)
		uv_timer_start(&srv->keys_retry, on_keys_retry, 5, 0);
}

static void
on_keys_retry(uv_timer_t *t)
{
	keys_flush(t->data);
}

static void
send_setup(tui_client *cl)
{
	tui_server *srv = cl->srv;
	tui_buf m = { 0 }, b = { 0 };
	uint8_t n[4];
	size_t el = strlen(srv->enter);

	n[0] = (uint8_t)(el >> 24);
	n[1] = (uint8_t)(el >> 16);
	n[2] = (uint8_t)(el >> 8);
	n[3] = (uint8_t)el;
	tui_buf_add(&b, n, 4);
	tui_buf_addstr(&b, srv->enter);
	tui_buf_addstr(&b, srv->reset);
	tui_msg_add(&m, TUI_MSG_SETUP, b.p, b.len);
	tui_client_send(cl, &m);
	tui_buf_free(&m);
	tui_buf_free(&b);
}

static void
on_hello(tui_client *cl, const tui_hello *h)
{
	tui_server *srv = cl->srv;
	tui_client *o, *next;

	if (h->flags & TUI_HELLO_DETACH_OTHERS)
		for (o = srv->clients; o != NULL; o = next) {
			next = o->next;
			if (o != cl && o->attached)
				detach(o, "attached elsewhere with -d");
		}
	cl->attached = 1;
	cl->rows = h->rows;
	cl->cols = h->cols;
	cl->since = uv_now(srv->con->loop);
	srv->last_input = cl;
	send_setup(cl);
	fit_size(srv);
	redraw_all(srv);
}

/* 0, or -1 when the client broke the protocol (it is dropped). */
static int
on_message(tui_client *cl, const tui_msg *m)
{
	tui_server *srv = cl->srv;
	tui_hello h;
	util_strv argv = { 0 };
	int rows, cols;

	switch (m->type) {
	case TUI_MSG_HELLO:
		if (cl->attached || tui_hello_parse(m, &h) != 0 || h.version != TUI_PROTO_VERSION)
			return -1;
		on_hello(cl, &h);
		return 0;
	case TUI_MSG_KEYS:
		if (!cl->attached)
			return -1;
		srv->last_input = cl;
		tui_console_typing(srv->con);
		if (srv->keyq.len + m->len <= KEYQ_MAX)
			tui_buf_add(&srv->keyq, m->data, m->len);
		keys_flush(srv);
		return 0;
	case TUI_MSG_RESIZE:
		if (!cl->attached || tui_resize_parse(m, &rows, &cols) != 0)
			return -1;
		cl->rows = rows;
		cl->cols = cols;
		fit_size(srv);
		return 0;
	case TUI_MSG_CTL:
		if (cl->attached || tui_ctl_parse(m, &argv) != 0) {
			util_strv_clear(&argv);
			return -1;
		}
		tui_ctl_request(cl, &argv);
		util_strv_clear(&argv);
		return 0;
	default:
		return -1;      /* a server-to-client type from a client */
	}
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char slab[65536];

	(void)h;
	(void)hint;
	*b = uv_buf_init(slab, sizeof(slab));
}

static void
on_client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	tui_client *cl = s->data;
	tui_msg m;
	size_t used, off = 0;
	int r;

	if (n < 0) {
		tui_client_drop(cl);
		return;
	}
	tui_buf_add(&cl->in, b->base, (size_t)n);
	while (!cl->closing &&
	    (r = tui_msg_parse((const uint8_t *)cl->in.p + off, cl->in.len - off, &m, &used)) != 0) {
		if (r < 0 || on_message(cl, &m) != 0) {
			tui_client_drop(cl);
			return;
		}
		off += used;
	}
	if (cl->closing)
		return;
	memmove(cl->in.p, cl->in.p + off, cl->in.len - off);
	cl->in.len -= off;
}

/* Only the user who owns the session, whatever the socket's mode says. */
static int
peer_is_us(uv_pipe_t *p)
{
	struct ucred uc;
	socklen_t l = sizeof(uc);
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)p, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) != 0)
		return 0;
	return uc.uid == getuid();
}

static void
on_connection(uv_stream_t *l, int status)
{
	tui_server *srv = l->data;
	tui_client *cl;

	if (status != 0)
		return;
	cl = util_xcalloc(1, sizeof(*cl));
	cl->srv = srv;
	uv_pipe_init(srv->con->loop, &cl->pipe, 0);
	cl->pipe.data = cl;
	if (uv_accept(l, (uv_stream_t *)&cl->pipe) != 0 || !peer_is_us(&cl->pipe)) {
		uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
		return;
	}
	cl->next = srv->clients;
	srv->clients = cl;
	uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_client_read);
}

/* ---- life ---- */

static char *
tstr(const char *cap)
{
	char *s = tigetstr(cap);

	return s != NULL && s != (char *)-1 ? s : "";
}

/* What a client's terminal needs that curses only sent once, at start. */
static void
terminal_strings(tui_server *srv)
{
	tui_buf e = { 0 }, r = { 0 };
	char *xm = tigetstr("XM");
	int mouse = srv->con->cfg->mouse;

	tui_buf_addstr(&e, tstr("smcup"));
	tui_buf_addstr(&e, tstr("smkx"));
	if (mouse)
		tui_buf_addstr(&e, xm != NULL && xm != (char *)-1 ? tiparm(xm, 1) : "\033[?1000h");
	if (mouse)
		tui_buf_addstr(&r, xm != NULL && xm != (char *)-1 ? tiparm(xm, 0) : "\033[?1000l");
	tui_buf_addstr(&r, tstr("sgr0"));
	tui_buf_addstr(&r, tstr("cnorm"));
	tui_buf_addstr(&r, tstr("rmkx"));
	tui_buf_addstr(&r, tstr("rmcup"));
	srv->enter = util_xstrdup(tui_buf_str(&e));
	srv->reset = util_xstrdup(tui_buf_str(&r));
	tui_buf_free(&e);
	tui_buf_free(&r);
}

int
tui_server_start(tui_server *srv, tui_console *con)
{
	relay *r = srv->relay;
	int fd, null, e;
	char *log_path;

	srv->con = con;
	terminal_strings(srv);
	/* A live server of that name keeps it; a dead one's socket goes. */
	if ((fd = tui_session_connect_path(srv->path)) >= 0) {
		close(fd);
		fprintf(stderr, "drover: session %s already exists\n", srv->name);
		return -1;
	}
	uv_pipe_init(con->loop, &srv->listen, 0);
	srv->listen.data = srv;
	if ((e = uv_pipe_bind(&srv->listen, srv->path)) != 0 ||
	    (e = chmod(srv->path, 0600) != 0 ? uv_translate_sys_error(errno) : 0) != 0 ||
	    (e = uv_listen((uv_stream_t *)&srv->listen, 16, on_connection)) != 0) {
		fprintf(stderr, "drover: cannot listen on %s: %s\n", srv->path, uv_strerror(e));
		uv_close((uv_handle_t *)&srv->listen, NULL);
		return -1;
	}
	srv->listening = 1;
	uv_async_init(con->loop, &srv->relay_wake, on_relay);
	srv->relay_wake.data = srv;
	uv_timer_init(con->loop, &srv->keys_retry);
	srv->keys_retry.data = srv;
	r->wake = &srv->relay_wake;
	if (pthread_create(&r->th, NULL, relay_main, r) != 0) {
		fprintf(stderr, "drover: cannot start the session's relay thread\n");
		r->wake = NULL;
		uv_close((uv_handle_t *)&srv->relay_wake, NULL);
		uv_close((uv_handle_t *)&srv->keys_retry, NULL);
		return -1;
	}
	r->running = 1;
	/*
	 * Up: the starting client stops waiting, and nothing more goes to it.
	 * What the server still has to say (an error, a sanitizer's report)
	 * goes to .NAME.log beside its socket (the private session directory,
	 * cleared with the runtime directory; a session name never starts
	 * with '.'). Kept after the end: a leak report comes at exit.
	 */
	log_path = util_xasprintf("%.*s/.%s.log", (int)(strlen(srv->path) - strlen(srv->name) - 1),
	    srv->path, srv->name);
	null = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(log_path);
	if (null < 0)
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	if (srv->errfd >= 0 && srv->errfd != STDERR_FILENO)
		close(srv->errfd);
	srv->errfd = -1;
	return 0;
}

void
tui_server_stop(tui_server *srv, const char *why)
{
	relay *r = srv->relay;
	tui_client *cl, *next;

	if (srv->con == NULL)
		return;
	unlink(srv->path);
	for (cl = srv->clients; cl != NULL; cl = next) {
		next = cl->next;
		if (cl->attached)
			send_exit(cl, 0, why);
		tui_client_finish(cl);
	}
	if (srv->listening)
		uv_close((uv_handle_t *)&srv->listen, NULL);
	srv->listening = 0;
	if (r != NULL && r->wake != NULL) {
		/* The thread goes on draining (tui_server_free stops it). */
		pthread_mutex_lock(&r->mu);
		r->wake = NULL;
		pthread_mutex_unlock(&r->mu);
		uv_close((uv_handle_t *)&srv->relay_wake, NULL);
		uv_close((uv_handle_t *)&srv->keys_retry, NULL);
	}
	tui_ctl_close(srv->con);
	srv->con = NULL;
}

void
tui_server_free(tui_server *srv)
{
	relay *r = srv->relay;

	if (r != NULL) {
		if (r->running) {
			if (write(r->stop[1], "x", 1) < 0)
				(void)0;
			pthread_join(r->th, NULL);
		}
		close(r->stop[0]);
		close(r->stop[1]);
		close(srv->master);
		tui_buf_free(&r->pend);
		pthread_mutex_destroy(&r->mu);
		free(r);
	}
	tui_buf_free(&srv->keyq);
	free(srv->enter);
	free(srv->reset);
	free(srv->name);
	free(srv->path);
}
