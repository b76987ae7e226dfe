/*
 * tui/console/server.h - the console as a session server: it runs on a
 * pseudo-terminal of its own (curses draws there as on any terminal), and
 * the clients attached over the session's Unix socket see what is drawn
 * and type into it. See server.c.
 */
#ifndef DROVER_TUI_CONSOLE_SERVER_H
#define DROVER_TUI_CONSOLE_SERVER_H

#include <uv.h>

#include "tui/session/proto.h"

typedef struct tui_console tui_console;
typedef struct tui_server tui_server;

/* One peer on the socket: an attached console, or a ctl/sessions query. */
typedef struct tui_client {
	tui_server *srv;
	uv_pipe_t pipe;
	tui_buf in;                 /* received, not yet parsed */
	int attached;               /* said HELLO: gets the screen */
	int rows, cols;
	int closing;
	uint64_t since;             /* uv_now when it attached */
	uint64_t lag_since;         /* uv_now since when it is far behind, 0: it is not */
	struct tui_client *next;
} tui_client;

struct tui_server {
	tui_console *con;
	char *name, *path;
	int master;                 /* the pty's master side */
	uv_pipe_t listen;
	int listening;
	uv_async_t relay_wake;
	uv_timer_t keys_retry;
	tui_client *clients;
	tui_client *last_input;     /* the client whose key came last (detach goes there) */
	tui_buf keyq;               /* keys not yet taken by the pty */
	int rows, cols;             /* the pty's size: the smallest client */
	uint64_t created;           /* time(NULL) at start */
	int errfd;
	void *relay;                /* the relay thread's state (server.c) */
	char *enter, *reset;        /* terminal set-up strings for clients */
};

/*
 * Before curses starts: a new session, a pty as stdin/stdout, the relay
 * thread. -1 with a message on stderr if it cannot.
 */
int tui_server_pty(tui_server *srv, const tui_serve_opts *o);
/* Once the console is set up: listens on the socket; stderr goes quiet. */
int tui_server_start(tui_server *srv, tui_console *con);
/* Tells every client why the session ends, removes the socket. */
void tui_server_stop(tui_server *srv, const char *why);
void tui_server_free(tui_server *srv);
/* Detaches the client whose key came last (the detach command). */
void tui_server_detach_current(tui_server *srv);
/* Sends a client a message; cuts it off when its backlog is too long. */
void tui_client_send(tui_client *cl, const tui_buf *msg);
void tui_client_drop(tui_client *cl);          /* at once (misbehaved) */
void tui_client_finish(tui_client *cl);        /* after what was sent */
int tui_server_nclients(const tui_server *srv);

/* ---- ctl.c: `drover ctl` and `drover sessions` requests ---- */
/* Runs one request; replies now or later (wait-for). */
void tui_ctl_request(tui_client *cl, util_strv *argv);
/* A client is going: its pending waits go too. */
void tui_ctl_forget(tui_console *con, tui_client *cl);
/* After a frame: pending wait-for requests look at their panes again. */
void tui_ctl_frame(tui_console *con);
void tui_ctl_close(tui_console *con);
/* Answers a request (code, text) and closes that client after it. */
void tui_ctl_reply(tui_client *cl, int code, const char *text, size_t len);

/* ---- ctl_exec.c: a fan-out on the session's connections ---- */
void tui_ctl_exec(tui_client *cl, int argc, char **argv);
void tui_ctl_exec_forget(tui_console *con, tui_client *cl);

#endif
