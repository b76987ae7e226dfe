/*
 * tui/session/proto.h - the messages between a session server and its
 * clients (attached consoles, `drover ctl`, `drover sessions`) on the
 * session's Unix socket, and where those sockets live.
 *
 * A message is a 4-byte header, the type and a 24-bit big-endian payload
 * length, then the payload. Lengths above TUI_MSG_MAX and unknown types
 * are malformed: the reader drops that peer, never the server.
 */
#ifndef DROVER_TUI_SESSION_PROTO_H
#define DROVER_TUI_SESSION_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "tui/tui.h"

#define TUI_MSG_HDR 4
#define TUI_MSG_MAX (1u << 20)
#define TUI_PROTO_VERSION 1

typedef enum {
	/* client -> server */
	TUI_MSG_HELLO = 1,   /* u8 version, u8 flags, u16 rows, u16 cols, TERM */
	TUI_MSG_KEYS,        /* bytes typed on the client's terminal */
	TUI_MSG_RESIZE,      /* u16 rows, u16 cols */
	TUI_MSG_CTL,         /* argv, each NUL-terminated */
	/* server -> client */
	TUI_MSG_OUT,         /* screen bytes for the client's terminal */
	TUI_MSG_SETUP,       /* u32 length of the enter string, enter, reset */
	TUI_MSG_EXIT,        /* u8 exit code, text for the client to print */
	TUI_MSG_REPLY,       /* u8 exit code, output (a ctl command's answer) */
	TUI_MSG__COUNT
} tui_msg_type;

/* HELLO flags */
#define TUI_HELLO_DETACH_OTHERS 0x01

typedef struct tui_msg {
	tui_msg_type type;
	const uint8_t *data;     /* points into the reader's buffer */
	size_t len;
} tui_msg;

/*
 * Decodes the first message of buf[0..len): 1 and *used set when whole,
 * 0 when more bytes are needed, -1 when malformed (the peer is dropped).
 */
int tui_msg_parse(const uint8_t *buf, size_t len, tui_msg *m, size_t *used);
/* Appends a message to out. */
void tui_msg_add(tui_buf *out, tui_msg_type type, const void *data, size_t len);

/* HELLO and RESIZE payloads. */
typedef struct tui_hello {
	int version, flags, rows, cols;
	char term[64];
} tui_hello;
void tui_hello_add(tui_buf *out, const tui_hello *h);
int tui_hello_parse(const tui_msg *m, tui_hello *h);   /* 0 or -1 */
void tui_resize_add(tui_buf *out, int rows, int cols);
int tui_resize_parse(const tui_msg *m, int *rows, int *cols);
/* CTL: argv packed as NUL-terminated strings; parse gives a malloc'd argv. */
void tui_ctl_add(tui_buf *out, int argc, char **argv);
int tui_ctl_parse(const tui_msg *m, util_strv *argv);
/* EXIT / REPLY: a code byte then text. */
void tui_coded_add(tui_buf *out, tui_msg_type type, int code, const char *text, size_t len);
int tui_coded_parse(const tui_msg *m, int *code, const char **text, size_t *len);

/* ---- sockdir.c: where sessions' sockets live ---- */
/*
 * The per-user socket directory, created 0700 when missing:
 * $XDG_RUNTIME_DIR/drover, else /tmp/drover-UID. Refused (-1, *cause
 * malloc'd) when it is not a directory owned by us that only we can enter.
 */
int tui_sockdir(char **dir, char **cause);
/* 1 for a usable session name: [A-Za-z0-9_.-], 1..64 bytes, no leading '.'. */
int tui_session_name_ok(const char *name);
/*
 * Connects to session name's socket: the fd, or -1 with errno (ENOENT: no
 * such session; a stale socket of a dead server is removed, ENOENT).
 */
int tui_session_connect(const char *dir, const char *name);
int tui_session_connect_path(const char *path);
/* Names of the sessions whose server answers, sorted; stale sockets removed. */
void tui_session_list(const char *dir, util_strv *names);

/* ---- attach.c: the attached terminal ---- */
/* Attaches this terminal to the session on fd (closed); the exit code. */
int tui__attach_fd(int fd, const char *name, int flags);
void tui__term_size(int *rows, int *cols);      /* of stdout, 24x80 if unknown */
int tui__write_all(int fd, const void *p, size_t len);

#endif
