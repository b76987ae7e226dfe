/*
 * engine/engine.h - drover's engine: one libuv loop driving one non-blocking
 * libssh session per host, shared by every channel to that host (exec now;
 * shells, transfers and tails build on the same connection and op queue).
 *
 * Front ends (console, headless printers) call in here and receive events
 * through callbacks; the engine knows nothing about curses or ini files.
 *
 * Conventions (libuv's): functions return 0 or a negative ENG_E* code; a
 * function that returned an error never calls its callback. Callbacks run on
 * the loop thread. Strings passed in are copied. Strings passed out are valid
 * only during the callback unless stated otherwise. Remote-supplied text
 * (banners, kbd-interactive prompts, output) is untrusted: sanitise before
 * showing.
 */
#ifndef DROVER_ENGINE_H
#define DROVER_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

enum {
	ENG_EINVAL = -22,   /* bad argument */
	ENG_ESTATE = -1000, /* not allowed in this state */
	ENG_ECLOSED = -1001, /* connection closed or failed */
	ENG_ENOTSUP = -1002  /* the server does not offer this (SFTP extension) */
};
const char *eng_strerror(int code);

/*
 * The versions of libssh and libuv this process runs with (not the ones it
 * was built against): static strings, e.g. "0.10.4/openssl/zlib", "1.44.2".
 */
void eng_lib_versions(const char **libssh, const char **libuv);

/*
 * Built-in defaults, the one place they are written down: the engine uses
 * them for a 0 in its option structs, and config/hostopts.c fills them in
 * under the inventory and the command line.
 */
#define ENG_DEFAULT_CONNECT_TIMEOUT_MS 10000  /* TCP + kex + auth */
#define ENG_DEFAULT_KEEPALIVE_MS 15000        /* dead after 3 silent intervals */
#define ENG_DEFAULT_MAX_HANDSHAKES 8          /* per server address:port */
#define ENG_DEFAULT_FANOUT 64                 /* hosts in flight */

typedef struct eng_ctx eng_ctx;
typedef struct eng_conn eng_conn;
typedef struct eng_exec eng_exec;
typedef struct eng_fanout eng_fanout;
typedef struct eng_sftp eng_sftp;
typedef struct eng_xfer eng_xfer;

/* ---- prompts: the front end answers, now or later ---------------------- */

typedef enum eng_prompt_kind {
	ENG_PROMPT_PASSPHRASE, /* detail: key file path; asked once per key */
	ENG_PROMPT_PASSWORD,   /* detail: user@host */
	ENG_PROMPT_KBDINT,     /* text is remote-supplied; echo may be 1 */
	ENG_PROMPT_HOSTKEY     /* unknown host key: answer "yes" to record it */
} eng_prompt_kind;

typedef struct eng_prompt {
	eng_prompt_kind kind;
	const char *host;   /* the conn's name */
	const char *text;   /* question to show */
	const char *detail; /* key path, fingerprint, kbd-int instruction; may be NULL */
	int echo;           /* 1 if the answer may be shown while typed */
} eng_prompt;

/*
 * Called when a connection needs an answer. The front end calls
 * eng_conn_answer() exactly once for this prompt (during the callback or
 * later); answer NULL declines. With no prompt callback, every prompt is
 * declined.
 */
typedef void (*eng_prompt_fn)(eng_conn *c, const eng_prompt *p, void *ud);
/* The conn with an outstanding prompt is going away: drop the question. */
typedef void (*eng_prompt_cancel_fn)(eng_conn *c, void *ud);

/* ---- context ----------------------------------------------------------- */

typedef struct eng_ctx_opts {
	eng_prompt_fn prompt;     /* may be NULL */
	eng_prompt_cancel_fn prompt_cancel;
	void *prompt_ud;
	int max_handshakes;       /* per server address:port, 0 = 8 */
	const char *log_path;     /* NULL: no log */
	int log_verbose;          /* also log libssh's own messages */
	/*
	 * A notice the user should see (with prompt_ud): e.g. ssh config
	 * keywords drover does not apply. host is the conn's name. May be NULL.
	 */
	void (*warn)(const char *host, const char *text, void *ud);
} eng_ctx_opts;

int eng_ctx_new(uv_loop_t *loop, const eng_ctx_opts *opts, eng_ctx **out);
uv_loop_t *eng_ctx_loop(eng_ctx *ctx);
/* Free after every connection is closed (eng_conn_close + loop run). */
void eng_ctx_free(eng_ctx *ctx);

/* ---- connections ------------------------------------------------------- */

typedef enum eng_conn_state {
	ENG_CONN_NEW,
	ENG_CONN_RESOLVING,
	ENG_CONN_WAITING,     /* for a handshake slot on its server endpoint */
	ENG_CONN_CONNECTING,  /* TCP */
	ENG_CONN_KEX,
	ENG_CONN_HOSTKEY,
	ENG_CONN_AUTH,
	ENG_CONN_READY,
	ENG_CONN_CLOSING,
	ENG_CONN_CLOSED,
	ENG_CONN_FAILED
} eng_conn_state;
const char *eng_conn_state_name(eng_conn_state st);

typedef enum eng_fail {
	ENG_FAIL_NONE,
	ENG_FAIL_CONFIG,          /* ssh config / options unusable */
	ENG_FAIL_RESOLVE,
	ENG_FAIL_CONNECT,         /* refused, unreachable */
	ENG_FAIL_TIMEOUT,         /* connect/handshake deadline */
	ENG_FAIL_PROTOCOL,        /* key exchange or transport error */
	ENG_FAIL_HOSTKEY_UNKNOWN,
	ENG_FAIL_HOSTKEY_CHANGED,
	ENG_FAIL_AUTH,
	ENG_FAIL_LOST,            /* dead peer, disconnect, reset */
	ENG_FAIL_CANCELLED
} eng_fail;

/* Which authentication methods to try, in order. */
typedef enum eng_auth_method {
	ENG_AUTH_END = 0,
	ENG_AUTH_AGENT,
	ENG_AUTH_KEY,
	ENG_AUTH_PASSWORD,
	ENG_AUTH_KBDINT
} eng_auth_method;
#define ENG_AUTH_MAX 4
/* Parses "agent,key,password,keyboard-interactive" into order[ENG_AUTH_MAX+1]. */
int eng_auth_parse(const char *spec, eng_auth_method order[ENG_AUTH_MAX + 1]);

typedef struct eng_conn_opts {
	const char *name;         /* alias: ssh config lookup, display */
	const char *address;      /* HostName override, NULL: config/name */
	const char *user;         /* NULL: config/login name */
	int port;                 /* 0: config/22 */
	const char *const *keys;  /* extra identity files, NULL-terminated, tried first */
	const char *ssh_config;   /* NULL: ~/.ssh/config + system; else only this file */
	const char *known_hosts;  /* NULL: from ssh config / ~/.ssh/known_hosts */
	const char *jump;         /* ProxyJump "[user@]host[:port][,...]", NULL: from ssh config */
	int connect_timeout_ms;   /* TCP + kex + auth, prompts excluded; 0 = 10 s */
	int keepalive_ms;         /* 0 = 15 s; dead after 3 silent intervals */
	int accept_new;           /* record unknown host keys */
	int ask_hostkey;          /* ask the front end about unknown keys */
	eng_auth_method auth[ENG_AUTH_MAX + 1]; /* all zero = default order */
} eng_conn_opts;

typedef struct eng_conn_cbs {
	/* Every state change; on FAILED, eng_conn_error() says why. */
	void (*on_state)(eng_conn *c, eng_conn_state st, void *ud);
} eng_conn_cbs;

/* Creates and starts connecting. */
int eng_conn_open(eng_ctx *ctx, const eng_conn_opts *opts,
    const eng_conn_cbs *cbs, void *ud, eng_conn **out);
/*
 * Starts closing: channels end (their on_done runs), then on_state(CLOSED)
 * and the conn is freed by the engine once its handles are closed. Do not
 * use c after on_state(CLOSED/FAILED) returns.
 */
void eng_conn_close(eng_conn *c);
/* Supplies the answer to the outstanding prompt (see eng_prompt_fn). */
void eng_conn_answer(eng_conn *c, const char *answer);

eng_conn_state eng_conn_get_state(const eng_conn *c);
eng_fail eng_conn_fail(const eng_conn *c);
const char *eng_conn_error(const eng_conn *c);   /* NULL if none */
const char *eng_conn_name(const eng_conn *c);
const char *eng_conn_banner(const eng_conn *c);  /* server's issue banner, untrusted, may be NULL */
void eng_conn_set_userdata(eng_conn *c, void *ud);
/* What went over the connection so far (kept after it closed). */
typedef struct eng_traffic {
	uint64_t in_bytes, out_bytes;       /* on the socket */
	uint64_t in_packets, out_packets;   /* SSH packets, handshake included */
} eng_traffic;
void eng_conn_traffic(const eng_conn *c, eng_traffic *t);

/* ---- exec channels ----------------------------------------------------- */

typedef struct eng_exec_result {
	int exit_status;      /* -1 if the command did not report one */
	/*
	 * With eng_exec_opts.sudo: sudo refused the password (or asked for one
	 * that was not given); the command did not run. sudo's own words are
	 * not in the output.
	 */
	int sudo_denied;
	const char *signal;   /* e.g. "KILL" if killed by a signal, else NULL */
	int timed_out;        /* our timeout fired; remote process group killed */
	int killed;           /* cancelled by eng_exec_kill */
	/*
	 * With timed_out or killed: the host stopped answering during the kill
	 * (no packet within a grace period), so it was given up and the
	 * connection failed (ENG_FAIL_LOST); the command may still run there.
	 */
	int unresponsive;
	const char *error;    /* channel/connection failure, else NULL */
	eng_fail fail;        /* connection failure kind when error is set */
	uint64_t out_bytes, err_bytes;
} eng_exec_result;

typedef struct eng_exec_cbs {
	/* stream 1 = stdout, 2 = stderr; chunks are raw bytes. */
	void (*on_data)(eng_exec *x, int stream, const char *buf, size_t len, void *ud);
	/* Exactly once per started exec; x is freed after it returns. */
	void (*on_done)(eng_exec *x, const eng_exec_result *r, void *ud);
} eng_exec_cbs;

typedef struct eng_exec_opts {
	/*
	 * 0: none. Counted from when the conn is ready to take the command
	 * (the channel open included). On expiry the remote process group is
	 * killed; a host that stops answering is given up (see unresponsive).
	 */
	int timeout_ms;
	int pty;         /* allocate a terminal (output then comes on stream 1 only) */
	const char *term;/* TERM for the pty, NULL: "xterm-256color" */
	int cols, rows;  /* initial pty size, 0: 80x24 */
	/*
	 * 1: this is the conn's only exec while it runs (the fan-out). The
	 * command then goes out as given, without the line that reports its
	 * process group, which saves a packet each way per host; a kill or
	 * timeout finds the group among the connection's sessions instead.
	 * Starting another exec on the conn meanwhile is refused (ENG_ESTATE),
	 * as is starting an alone exec on a conn with execs.
	 */
	int alone;
	/*
	 * 1: command is a subsystem name ("sftp") requested instead of an
	 * exec: stream 1 carries the server's bytes, eng_exec_write the
	 * client's. Not with pty or alone (ENG_EINVAL). A kill just closes
	 * the channel (the server ends with it); several subsystem channels
	 * on one conn are fine.
	 */
	int subsystem;
	/*
	 * Stdin from a buffer the caller keeps unchanged until on_done (one
	 * buffer may feed many execs: each keeps its own offset and writes as
	 * its channel's window allows), then EOF. input NULL: nothing is sent
	 * unless eng_exec_write is called.
	 */
	const char *input;
	size_t input_len;
	/* Run the command under sudo (see eng_sudo below); borrowed until on_done. */
	const struct eng_sudo *sudo;
} eng_exec_opts;

/*
 * sudo, password typed once: the command runs as
 * `sudo -S -p PROMPT [-u USER] sh -c COMMAND`, PROMPT unique to this object
 * (random). The password is written to the channel only after PROMPT
 * arrives on that host's stderr, so hosts whose sudo does not ask (NOPASSWD,
 * cached) never receive it; stdin (input, EOF) is held back until sudo has
 * let the command start. The prompt, what sudo says around it and a refusal
 * never reach on_data; a second prompt (wrong password) ends the exec at
 * once with sudo_denied. The password lives in locked-down memory of this
 * object only and is wiped by eng_sudo_free.
 */
typedef struct eng_sudo eng_sudo;
/* user NULL: root. password NULL: none (a host that asks is denied). */
eng_sudo *eng_sudo_new(const char *user, const char *password);
void eng_sudo_free(eng_sudo *s);
/* The run's prompt string (for tests and logs: it is not a secret). */
const char *eng_sudo_prompt(const eng_sudo *s);

/*
 * Runs a command on c (queued until the conn is ready); command NULL starts
 * the login shell (an interactive pane: give it a pty). A conn that fails
 * completes its queued execs with r->error set.
 */
int eng_exec_start(eng_conn *c, const char *command, const eng_exec_opts *opts,
    const eng_exec_cbs *cbs, void *ud, eng_exec **out);
/* Queues bytes for the command's stdin (keystrokes); sent as the window allows. */
int eng_exec_write(eng_exec *x, const void *buf, size_t len);
/* New pty size; 0 rows or cols are ignored, never sent. */
void eng_exec_resize(eng_exec *x, int cols, int rows);
/* Sends EOF on stdin (after queued input). */
void eng_exec_send_eof(eng_exec *x);
/* Kills the remote command (process group) and ends the exec. */
void eng_exec_kill(eng_exec *x);
/* Bytes queued but not yet taken by the channel. */
size_t eng_exec_pending(const eng_exec *x);
/*
 * Backpressure: while paused, output stays in the session and the SSH
 * window closes, so the host stops sending; resuming delivers what waited.
 * For a consumer (a pane's emulator) that cannot keep up with a flood.
 */
void eng_exec_pause(eng_exec *x, int paused);

/* ---- network devices (a CLI, no POSIX shell) --------------------------- */

/*
 * A device session runs commands the way an operator types them: a shell
 * channel on a pseudo-terminal, wait for the prompt, turn paging off,
 * optionally enter privileged mode (answering its password question once),
 * then each command: read until the prompt comes back, and hand over what
 * came between, without the echoed command and the prompt. Once paging is
 * off, lines are typed ahead (up to 1 KB unanswered) rather than one per
 * prompt; never past `enable`. A pager prompt met anyway is answered with
 * a space and removed. Every wait has a deadline (timeout_ms): a prompt
 * that never comes ends the session with an error naming what was awaited.
 * The result is reported at the last prompt, before the channel closes.
 */
typedef struct eng_device eng_device;

typedef struct eng_device_opts {
	const char *prompt;        /* POSIX ERE for the last line when the device waits */
	const char *pager_off;     /* sent once after the first prompt; NULL: none */
	const char *enable;        /* command for privileged mode; NULL: none */
	const char *enable_prompt; /* ERE of its password question; NULL: "[Pp]assword: *$" */
	const char *more;          /* ERE of a pager prompt; NULL: "-+ ?\\(?[Mm]ore.*$" */
	const char *secret;        /* answer to enable_prompt; NULL: none */
	int want_enable;           /* enter privileged mode before the commands */
	const char *const *commands;
	size_t ncommands;
	int timeout_ms;            /* each wait, 0 = 30 s */
} eng_device_opts;

/* Built-in profiles "ios", "junos", "eos": 0, or ENG_EINVAL if unknown. */
int eng_device_preset(const char *name, eng_device_opts *o);

typedef struct eng_device_result {
	size_t done;               /* commands whose output was delivered */
	int timed_out;             /* a wait passed its deadline */
	int denied;                /* privileged mode refused */
	const char *error;         /* why it stopped early, NULL if all ran */
	eng_fail fail;             /* connection failure kind, else ENG_FAIL_NONE */
} eng_device_result;

typedef struct eng_device_cbs {
	/* Command i finished: its output (raw bytes, untrusted), complete. */
	void (*on_command)(eng_device *d, size_t i, const char *out, size_t len, void *ud);
	/* Exactly once per started session; d must not be used after it. */
	void (*on_done)(eng_device *d, const eng_device_result *r, void *ud);
} eng_device_cbs;

/* Starts on c (queued until ready); o and its strings are copied. */
int eng_device_start(eng_conn *c, const eng_device_opts *o, const eng_device_cbs *cbs,
    void *ud, eng_device **out);
/* Ends it now (on_done follows, error "cancelled"). */
void eng_device_cancel(eng_device *d);

/* ---- fan-out ----------------------------------------------------------- */

typedef enum eng_host_state {
	ENG_HOST_QUEUED,
	ENG_HOST_CONNECTING,
	ENG_HOST_AUTH,
	ENG_HOST_RUNNING,
	ENG_HOST_OK,
	ENG_HOST_FAILED,      /* command exited non-zero or by a signal */
	ENG_HOST_TIMEOUT,     /* command timeout */
	ENG_HOST_UNREACHABLE, /* no session: connect, host key, auth ... (see fail) */
	ENG_HOST_CANCELLED    /* never started or aborted by the user */
} eng_host_state;
const char *eng_host_state_name(eng_host_state st);

typedef struct eng_fanout_host {
	const char *name;
	eng_host_state state;
	int exit_status;        /* -1 if none */
	const char *signal;     /* NULL if none */
	eng_fail fail;          /* why UNREACHABLE */
	const char *error;      /* human reason for a non-OK state, NULL if OK */
	uint64_t start_ms;      /* uv_now at connect start (= end_ms if never started) */
	uint64_t end_ms;
} eng_fanout_host;

typedef struct eng_fanout_cbs {
	void (*on_state)(eng_fanout *f, size_t host, void *ud);
	void (*on_data)(eng_fanout *f, size_t host, int stream, const char *buf, size_t len, void *ud);
	/* The host reached a final state (OK … CANCELLED). */
	void (*on_host_done)(eng_fanout *f, size_t host, void *ud);
	/* Every host is final; f may be freed from here. */
	void (*on_done)(eng_fanout *f, void *ud);
} eng_fanout_cbs;

typedef struct eng_fanout_opts {
	int max_parallel;       /* 0 = 64 */
	int command_timeout_ms; /* 0 = none */
	int pty;                /* run on a pseudo-terminal (output on stream 1) */
	const char *input;      /* every host's stdin (eng_exec_opts.input), kept */
	size_t input_len;       /* by the caller until on_done */
	const eng_sudo *sudo;   /* run under sudo, borrowed until on_done */
	/*
	 * Network devices: devices[i] for host i (borrowed until on_done)
	 * instead of the command; each command's output comes through
	 * on_command (raw bytes, with the fan-out's ud), not on_data.
	 */
	const eng_device_opts *devices;
	void (*on_command)(eng_fanout *f, size_t host, size_t i, const char *out, size_t len,
	    void *ud);
} eng_fanout_opts;

/* hosts[i] are copied; each host gets its own connection. */
int eng_fanout_new(eng_ctx *ctx, const eng_conn_opts *hosts, size_t n,
    const char *command, const eng_fanout_opts *opts,
    const eng_fanout_cbs *cbs, void *ud, eng_fanout **out);
void eng_fanout_start(eng_fanout *f);
/* Ctrl-C once: start no new hosts; running ones finish. */
void eng_fanout_stop(eng_fanout *f);
/* Ctrl-C twice: kill running commands, cancel connects. */
void eng_fanout_abort(eng_fanout *f);
size_t eng_fanout_count(const eng_fanout *f);
const eng_fanout_host *eng_fanout_host_get(const eng_fanout *f, size_t i);
void eng_fanout_free(eng_fanout *f);

/* ---- tails ------------------------------------------------------------- */

/*
 * A tail follows a remote file (or every file a glob matches, or a
 * command's output) over an exec channel on a conn, with nothing installed
 * on the host. Files are exact: each byte of each file is delivered once,
 * in order, across rotations and across rebinding to a new conn; where data
 * is really gone, a mark says so (never a silent gap, never a duplicate).
 * Lines are raw remote bytes (untrusted: sanitise before showing).
 *
 * The front end owns reconnect policy: when the conn is lost the tail goes
 * DETACHED (on_state with file NULL) and keeps its place; eng_tail_rebind()
 * gives it a new conn to the same host and it continues where it stopped.
 * Order is per file: the files of a glob are read side by side.
 */
typedef struct eng_tail eng_tail;

/* eng_tail_line.flags */
#define ENG_TAIL_PARTIAL 0x1 /* no newline yet: held too long, or the file ended */
#define ENG_TAIL_CUT     0x2 /* longer than max_line: the rest of the line is dropped */
#define ENG_TAIL_CONT    0x4 /* continues a line delivered earlier as PARTIAL */

typedef struct eng_tail_line {
	const char *host;     /* the conn's name */
	const char *file;     /* remote path; NULL for a command */
	const char *buf;      /* the line without its newline (raw bytes) */
	size_t len;
	uint64_t offset;      /* of buf[0] in the file (a command: in its output) */
	int flags;            /* ENG_TAIL_* */
} eng_tail_line;

typedef enum eng_tail_mark {
	ENG_TAIL_MARK_TRUNCATED, /* file shorter than our offset: read again from 0 */
	ENG_TAIL_MARK_ROTATED,   /* old file read to its end, now a new one at the path */
	ENG_TAIL_MARK_LOST,      /* old file gone before it was read to its end: at least
	                          * `bytes` lost (0: how many is unknown) */
	ENG_TAIL_MARK_RESTARTED, /* command started again after a rebind */
	ENG_TAIL_MARK_CUT        /* end of a cut line: bytes = how many were dropped */
} eng_tail_mark;
const char *eng_tail_mark_name(eng_tail_mark m);

typedef enum eng_tail_state {
	ENG_TAIL_STARTING,    /* script/command being started */
	ENG_TAIL_WAITING,     /* file (or glob: no match yet) does not exist */
	ENG_TAIL_FOLLOWING,
	ENG_TAIL_ERROR,       /* file: permission denied etc.; tail: protocol error */
	ENG_TAIL_DETACHED,    /* conn lost: eng_tail_rebind() to go on */
	ENG_TAIL_ENDED        /* the tailed command exited */
} eng_tail_state;
const char *eng_tail_state_name(eng_tail_state st);

typedef struct eng_tail_cbs {
	void (*on_line)(eng_tail *t, const eng_tail_line *l, void *ud);
	/* file NULL for a command */
	void (*on_mark)(eng_tail *t, const char *file, eng_tail_mark m, uint64_t bytes,
	    void *ud);
	/*
	 * file NULL: the tail as a whole (STARTING, FOLLOWING, DETACHED, ERROR,
	 * ENDED); else one file (WAITING, FOLLOWING, ERROR). text: why, or NULL.
	 */
	void (*on_state)(eng_tail *t, const char *file, eng_tail_state st,
	    const char *text, void *ud);
} eng_tail_cbs;

typedef struct eng_tail_opts {
	const char *path;     /* file or glob (* ? [ ]) on the host, or NULL ... */
	const char *command;  /* ... a command whose output is followed (journalctl -f) */
	int lines;            /* initial lines of files present at first attach: 0 = 10, < 0 none */
	int poll_ms;          /* re-read interval while a file grows, 0 = 250 (idle
	                       * files wake the reader through inotify instead) */
	int partial_ms;       /* hold an unfinished line this long, 0 = 3000 */
	size_t max_line;      /* longer lines are cut, 0 = 65536 */
	int no_stream;        /* never stream a single file (the polling path only) */
} eng_tail_opts;

/* Starts following on c (queued until c is ready). */
int eng_tail_start(eng_conn *c, const eng_tail_opts *opts, const eng_tail_cbs *cbs,
    void *ud, eng_tail **out);
/* Continues a DETACHED (or ERROR) tail on c; ENG_ESTATE while attached. */
int eng_tail_rebind(eng_tail *t, eng_conn *c);
/*
 * Backpressure for a consumer whose queue is full: no on_line/on_mark from
 * now on (also when called inside on_line) until resumed; the tail stops
 * reading, the SSH window closes and the remote reader blocks, so at most
 * one chunk waits here.
 */
void eng_tail_pause(eng_tail *t, int paused);
/* Bytes of file data (or command output) received so far. */
uint64_t eng_tail_received(const eng_tail *t);
/* Stops (the remote reader ends with its channel); no callback after this. */
void eng_tail_free(eng_tail *t);


/* ---- sftp -------------------------------------------------------------- */

/*
 * An SFTP version 3 client (draft-ietf-secsh-filexfer-02 as OpenSSH's
 * sftp-server speaks it, with its @openssh.com extensions) on a "sftp"
 * subsystem channel of the conn's shared session. Many requests may be in
 * flight; each completes with exactly one callback, in whatever order the
 * server answers. A request that could not be sent (ENG_E* returned) never
 * calls back. When the session ends (eng_sftp_close, channel or conn lost,
 * a malformed packet), every outstanding request completes with status
 * ENG_SFTP_CONNECTION_LOST and a message, then on_end runs once.
 *
 * Everything from the server is untrusted: packets are parsed strictly
 * (a bad length or count ends the session with a message), a packet over
 * ENG_SFTP_MAX_PACKET ends it before anything is allocated, and readdir
 * names that are not a plain file name (with '/', NUL, control bytes, or
 * "." / "..") are dropped and counted in r->refused.
 */

/* Status codes (SSH_FX_*) in eng_sftp_reply.status. */
enum {
	ENG_SFTP_OK = 0,
	ENG_SFTP_EOF = 1,
	ENG_SFTP_NO_SUCH_FILE = 2,
	ENG_SFTP_PERMISSION_DENIED = 3,
	ENG_SFTP_FAILURE = 4,
	ENG_SFTP_BAD_MESSAGE = 5,
	ENG_SFTP_NO_CONNECTION = 6,
	ENG_SFTP_CONNECTION_LOST = 7,
	ENG_SFTP_OP_UNSUPPORTED = 8
};
/* "no such file", ... for any status code (unknown ones too). */
const char *eng_sftp_status_str(uint32_t status);

/* Open flags (SSH_FXF_*). */
enum {
	ENG_SFTP_READ = 0x01, ENG_SFTP_WRITE = 0x02, ENG_SFTP_APPEND = 0x04,
	ENG_SFTP_CREAT = 0x08, ENG_SFTP_TRUNC = 0x10, ENG_SFTP_EXCL = 0x20
};

/* Attribute flags (SSH_FILEXFER_ATTR_*). */
enum {
	ENG_SFTP_ATTR_SIZE = 0x01, ENG_SFTP_ATTR_UIDGID = 0x02,
	ENG_SFTP_ATTR_PERMISSIONS = 0x04, ENG_SFTP_ATTR_ACMODTIME = 0x08
};

typedef struct eng_sftp_attrs {
	uint32_t flags;        /* which fields below are valid */
	uint64_t size;
	uint32_t uid, gid;
	uint32_t perm;         /* st_mode: type bits + permissions */
	uint32_t atime, mtime;
} eng_sftp_attrs;

/* A server handle (opaque bytes, at most 256 by the draft). */
typedef struct eng_sftp_handle {
	uint32_t len;
	unsigned char data[256];
} eng_sftp_handle;

typedef struct eng_sftp_name {
	const char *name;      /* checked plain name (readdir) or path (realpath, readlink) */
	const char *longname;  /* ls -l style, untrusted, may be "" */
	eng_sftp_attrs attrs;
} eng_sftp_name;

typedef struct eng_sftp_vfs {
	uint64_t bsize, frsize, blocks, bfree, bavail, files, ffree, favail,
	    fsid, flag, namemax;
} eng_sftp_vfs;

typedef struct eng_sftp_limits {
	uint64_t max_packet, max_read, max_write, max_handles;   /* 0: no limit said */
} eng_sftp_limits;

typedef struct eng_sftp_reply {
	uint32_t status;            /* ENG_SFTP_* (OK for data replies) */
	const char *message;        /* never NULL: the server's text or ours */
	const eng_sftp_handle *handle;        /* open, opendir */
	const unsigned char *data;  /* read */
	size_t len;
	const eng_sftp_attrs *attrs;          /* stat, lstat, fstat */
	const eng_sftp_name *names; /* readdir, realpath, readlink */
	size_t nnames;
	size_t refused;             /* readdir names dropped as unsafe */
	const eng_sftp_vfs *vfs;          /* statvfs */
} eng_sftp_reply;

typedef void (*eng_sftp_cb)(eng_sftp *s, const eng_sftp_reply *r, void *ud);

typedef struct eng_sftp_cbs {
	/* VERSION (and limits) received: requests may be sent from now on. */
	void (*on_ready)(eng_sftp *s, void *ud);
	/*
	 * Exactly once per started session, after the last request callback:
	 * error NULL after eng_sftp_close, else why it ended. s is freed after
	 * it returns.
	 */
	void (*on_end)(eng_sftp *s, const char *error, void *ud);
} eng_sftp_cbs;

/*
 * Opens a channel on c (queued until c is ready) and says hello. Requests
 * before on_ready return ENG_ESTATE.
 */
int eng_sftp_start(eng_conn *c, const eng_sftp_cbs *cbs, void *ud, eng_sftp **out);
/*
 * Ends the session: outstanding requests fail, then on_end(NULL) (at once
 * when the channel never opened, else when the server confirms).
 */
void eng_sftp_close(eng_sftp *s);
eng_conn *eng_sftp_conn(const eng_sftp *s);
int eng_sftp_is_ready(const eng_sftp *s);
/* 1 if VERSION listed the extension (e.g. "posix-rename@openssh.com"). */
int eng_sftp_has_ext(const eng_sftp *s, const char *name);
/* limits@openssh.com once ready (zeros until then or if not offered). */
void eng_sftp_get_limits(const eng_sftp *s, eng_sftp_limits *l);
/*
 * The round trip of that limits request, in microseconds: the first one
 * on the session, so nothing queued ahead of it. 0 if it was not sent.
 */
uint64_t eng_sftp_rtt_us(const eng_sftp *s);
/* Requests sent and not answered; bytes given to the channel not yet sent. */
size_t eng_sftp_inflight(const eng_sftp *s);
size_t eng_sftp_queued_bytes(const eng_sftp *s);

/* v3 requests; attrs may be NULL (no attributes). */
int eng_sftp_open(eng_sftp *s, const char *path, uint32_t flags,
    const eng_sftp_attrs *attrs, eng_sftp_cb cb, void *ud);
int eng_sftp_fclose(eng_sftp *s, const eng_sftp_handle *h, eng_sftp_cb cb, void *ud);
/* A reply may carry fewer bytes than asked (not at EOF): ask again for the rest. */
int eng_sftp_read(eng_sftp *s, const eng_sftp_handle *h, uint64_t off, uint32_t len,
    eng_sftp_cb cb, void *ud);
int eng_sftp_write(eng_sftp *s, const eng_sftp_handle *h, uint64_t off,
    const void *buf, size_t len, eng_sftp_cb cb, void *ud);
int eng_sftp_stat(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud);
int eng_sftp_lstat(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud);
int eng_sftp_fstat(eng_sftp *s, const eng_sftp_handle *h, eng_sftp_cb cb, void *ud);
int eng_sftp_setstat(eng_sftp *s, const char *path, const eng_sftp_attrs *a,
    eng_sftp_cb cb, void *ud);
int eng_sftp_fsetstat(eng_sftp *s, const eng_sftp_handle *h, const eng_sftp_attrs *a,
    eng_sftp_cb cb, void *ud);
int eng_sftp_opendir(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud);
/* Names in r->names; status ENG_SFTP_EOF when the listing is complete. */
int eng_sftp_readdir(eng_sftp *s, const eng_sftp_handle *h, eng_sftp_cb cb, void *ud);
int eng_sftp_mkdir(eng_sftp *s, const char *path, const eng_sftp_attrs *a,
    eng_sftp_cb cb, void *ud);
int eng_sftp_rmdir(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud);
int eng_sftp_remove(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud);
/* v3 rename: fails if newpath exists (OpenSSH: link + unlink). */
int eng_sftp_rename(eng_sftp *s, const char *oldpath, const char *newpath,
    eng_sftp_cb cb, void *ud);
int eng_sftp_realpath(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud);
int eng_sftp_readlink(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud);
/* Creates linkpath pointing at target (sent in OpenSSH's argument order). */
int eng_sftp_symlink(eng_sftp *s, const char *target, const char *linkpath,
    eng_sftp_cb cb, void *ud);
/* Extensions: ENG_ENOTSUP when the server did not offer them. */
int eng_sftp_posix_rename(eng_sftp *s, const char *oldpath, const char *newpath,
    eng_sftp_cb cb, void *ud);
int eng_sftp_fsync(eng_sftp *s, const eng_sftp_handle *h, eng_sftp_cb cb, void *ud);
int eng_sftp_statvfs(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud);
int eng_sftp_hardlink(eng_sftp *s, const char *oldpath, const char *newpath,
    eng_sftp_cb cb, void *ud);
/* copy-data: len 0 = to EOF of the source. */
int eng_sftp_copy_data(eng_sftp *s, const eng_sftp_handle *src, uint64_t src_off,
    uint64_t len, const eng_sftp_handle *dst, uint64_t dst_off, eng_sftp_cb cb, void *ud);

/* ---- transfers --------------------------------------------------------- */

/*
 * A transfer job on one conn: put (local files → remote) or get (remote →
 * local), `recursive` for directory trees. Several SFTP channels of the
 * conn carry it: small files go many at once, a large file is striped over
 * all of them (each channel has its own flow-control window). Memory is
 * bounded by the windows, never by file sizes; local I/O runs in libuv's
 * thread pool.
 *
 * Destination (like cp): if dst is an existing directory, each source
 * goes to dst/<its name>; else (one source only) to dst itself.
 *
 * Every file is written atomically: into a temporary in the target's
 * directory, created exclusively (remote SSH_FXF_EXCL; local O_EXCL |
 * O_NOFOLLOW, mode 0600) under an unpredictable name ".<name>.drover-<16
 * hex>", fsync'ed (fsync@openssh.com when offered), then renamed over the
 * target (posix-rename@openssh.com; without it the target is removed
 * first, which is not atomic). A failed or cancelled file's temporary is
 * removed. With `resume`, the temporary is ".<name>.drover-part" instead,
 * kept when the file fails, and a later resume continues from its size
 * once its last bytes (up to 64 KiB) match the source; otherwise it starts
 * over. A remote temporary that could not be removed because the
 * connection was gone is listed in the result (leftover).
 */
typedef enum eng_xfer_dir { ENG_XFER_PUT, ENG_XFER_GET } eng_xfer_dir;

typedef enum eng_xfer_fstate {
	ENG_XFER_QUEUED, ENG_XFER_RUNNING, ENG_XFER_OK, ENG_XFER_FAILED, ENG_XFER_SKIPPED
} eng_xfer_fstate;

typedef struct eng_xfer_opts {
	int recursive;          /* sources may be directories */
	int preserve;           /* keep mode and mtime */
	int resume;             /* see above */
	int streams;            /* SFTP channels at most, 0 = 4, or for a big get over a
	                         * long round trip one per 2.5 ms of it, up to 16 (one
	                         * until a file is big enough to stripe or many small
	                         * ones wait) */
	uint32_t chunk;         /* bytes per request, 0 = limits@ (<= 255 KiB), else 64 KiB */
	uint32_t window;        /* bytes in flight per channel, 0 = 2 MiB */
	uint64_t stripe_min;    /* files at least this big use every channel, 0 = 8 MiB */
	int max_files;          /* files open at once, 0 = 32 */
	int progress_ms;        /* on_progress at most this often, 0 = 100 */
	/*
	 * 1: a file whose target already has the source's size and mtime
	 * (seconds) is not copied: SKIPPED with `same` set (like rsync's
	 * quick check; the target's mtime matches after a copy with preserve).
	 */
	int skip_same;
	/*
	 * Instead of size and mtime: same(src, dst, same_ud) says whether the
	 * target already holds the source's content (the caller compared
	 * checksums before the job); 1 = SKIPPED with `same` set.
	 */
	int (*same)(const char *src, const char *dst, void *ud);
	void *same_ud;
} eng_xfer_opts;

typedef struct eng_xfer_file {
	const char *src, *dst;  /* paths as used (dst = the final target) */
	eng_xfer_fstate state;
	uint64_t done, total;   /* bytes */
	int resumed_from;       /* 1 if it continued a kept temporary */
	uint64_t resume_offset;
	const char *error;      /* FAILED/SKIPPED: why, naming the path */
	int same;               /* SKIPPED by skip_same: the target was unchanged */
} eng_xfer_file;

typedef struct eng_xfer_progress {
	uint64_t bytes_done, bytes_total;   /* total grows while trees are walked */
	size_t files_done, files_failed, files_total;
} eng_xfer_progress;

typedef struct eng_xfer_result {
	const eng_xfer_progress *progress;
	const char *error;      /* job-level failure (conn lost, bad destination), else NULL */
	int cancelled;
	const char *const *leftover;   /* remote temporaries not removed */
	size_t nleftover;
} eng_xfer_result;

typedef struct eng_xfer_cbs {
	/* Throttled (opts.progress_ms); file is the one that moved last, may be NULL. */
	void (*on_progress)(eng_xfer *x, const eng_xfer_progress *p,
	    const eng_xfer_file *file, void *ud);
	/* A file reached OK, FAILED or SKIPPED. */
	void (*on_file)(eng_xfer *x, const eng_xfer_file *f, void *ud);
	/* Exactly once per started job; x is freed after it returns. */
	void (*on_done)(eng_xfer *x, const eng_xfer_result *r, void *ud);
} eng_xfer_cbs;

/* src[0..n-1] local paths, dst remote. */
int eng_xfer_put(eng_conn *c, const char *const *src, size_t n, const char *dst,
    const eng_xfer_opts *opts, const eng_xfer_cbs *cbs, void *ud, eng_xfer **out);
/* src[0..n-1] remote paths, dst local. */
int eng_xfer_get(eng_conn *c, const char *const *src, size_t n, const char *dst,
    const eng_xfer_opts *opts, const eng_xfer_cbs *cbs, void *ud, eng_xfer **out);
/*
 * Bytes (e.g. stdin read once) to the remote file dst, atomically. buf is
 * not copied: it must stay as it is until on_done, so one copy serves
 * every host (200 hosts from a 100 MB stdin would otherwise hold 20 GB).
 */
int eng_xfer_put_data(eng_conn *c, const void *buf, size_t len, const char *dst,
    const eng_xfer_opts *opts, const eng_xfer_cbs *cbs, void *ud, eng_xfer **out);
/*
 * Stops: queued files fail, files in progress fail once their requests are
 * answered (temporaries removed, or kept with resume). A server that does
 * not answer within 3 s gets its streams closed; its temporaries are then
 * leftovers. on_done follows (cancelled = 1 unless the job had an error).
 */
void eng_xfer_cancel(eng_xfer *x);
void eng_xfer_get_progress(const eng_xfer *x, eng_xfer_progress *p);

/* ---- checksums (to verify a transfer) ---------------------------------- */

/*
 * hex[i]: path i's SHA-256 as 64 lowercase hex digits, or NULL if it could
 * not be read (or, remote: no tool, a name with a newline). error: the
 * whole request failed (the exec's channel or conn), else NULL.
 */
typedef void (*eng_sum_cb)(const char *const *hex, size_t n, const char *error, void *ud);
/* Local files, hashed in libuv's thread pool. */
int eng_sha256_local(uv_loop_t *loop, const char *const *paths, size_t n, eng_sum_cb cb,
    void *ud);
/*
 * Files on c's host, hashed there over an exec channel by sha256sum, else
 * `openssl dgst -sha256`, else `shasum -a 256` (nothing is installed); the
 * paths go on the command's stdin, never through the remote shell.
 */
int eng_sha256_remote(eng_conn *c, const char *const *paths, size_t n, eng_sum_cb cb,
    void *ud);
/*
 * Every regular file under each root (a root that is a file: itself), with
 * its SHA-256: paths[i] is the root as given joined with the path below it,
 * hex[i] its digest or NULL if unreadable. Symbolic links below a root are
 * not followed; a missing root has no files. Local: walked and hashed in
 * libuv's thread pool. Remote: one exec (find and sha256sum; the roots on
 * stdin), names with a control character or a backslash left out (the
 * tool's output could not tell them apart), nothing when the host has no
 * sha256sum. For --skip-same=sum over trees.
 */
typedef void (*eng_treesum_cb)(const char *const *paths, const char *const *hex, size_t n,
    const char *error, void *ud);
int eng_sha256_local_tree(uv_loop_t *loop, const char *const *roots, size_t n,
    eng_treesum_cb cb, void *ud);
int eng_sha256_remote_tree(eng_conn *c, const char *const *roots, size_t n,
    eng_treesum_cb cb, void *ud);

/* ---- helpers ----------------------------------------------------------- */

/*
 * Raises this process's file descriptor limit (RLIMIT_NOFILE) from soft to
 * hard and returns how many descriptors are usable now (the limit less
 * those open), or a negative ENG_E* code. For a front end at start, to size
 * its fan-out: each connection holds ENG_FDS_PER_CONN while it connects
 * (its socket and a file being read: ssh config, known_hosts, a key); a
 * jump host adds a connection of its own and a socketpair.
 */
#define ENG_FDS_PER_CONN 2
int eng_fd_limit_raise(void);

/* "1.23s", "850ms" into buf. */
void eng_format_duration(uint64_t ms, char *buf, size_t len);

#endif
