/*
 * engine/engine_int.h - structures shared inside the engine: the context,
 * the handshake gates, connections (session + poll + timers + op queue),
 * the key cache, SFTP sessions, and the functions the engine's files call
 * across each other, one section per file (transfers have their own,
 * engine/xfer_int.h). Nothing outside engine/ includes this.
 */
#ifndef DROVER_ENGINE_INT_H
#define DROVER_ENGINE_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <netdb.h>
#include <libssh/libssh.h>
#include <libssh/callbacks.h>

#include "engine/engine.h"
#include "util/util.h"

#define ENG_LOG(ctx, ...) eng__log((ctx), __func__, __VA_ARGS__)

/* libssh 0.10 reads its socket at most this much per poll (MAX_BUF_SIZE). */
#define ENG_LIBSSH_READ_SIZE 4096

/*
 * sockbuf.c: recv() and poll() read ahead on the sockets registered here
 * (a session's, while libssh has it). Pending: something waits that epoll
 * will not report - bytes read ahead, or the end or error after them.
 */
void eng__sockbuf_add(int fd);
void eng__sockbuf_del(int fd);
int eng__sockbuf_pending(int fd);

/* ---- text.c (allocation and the like: util/util.h) ---- */
/*
 * Remote text that goes into the engine's own strings: a token (a signal
 * name) kept to printable ASCII and max bytes, others replaced by '?'; a
 * message with its control characters replaced by '?' in place.
 */
char *eng__xstrdup_token(const char *s, size_t max);
void eng__scrub_controls(char *s);
/* OpenSSH's host patterns: '*' and '?', case-insensitive; 1 if s matches p. */
int eng__match_wild(const char *s, const char *p, size_t plen);
/* "a,b*,!c" against name: 1 a pattern matches, 0 none, -1 a negated one does. */
int eng__match_list(const char *name, const char *list, size_t len);

/* ---- ctx.c ---- */
typedef struct eng_endpoint {
	char *key;                  /* "address port" */
	int active;                 /* conns between TCP connect and auth done */
	struct eng_conn *wait_head, *wait_tail;
	struct eng_endpoint *next;
} eng_endpoint;

typedef enum eng_key_state {
	ENG_KEY_READY,      /* priv (and pub) loaded */
	ENG_KEY_LOCKED,     /* encrypted, passphrase not asked yet */
	ENG_KEY_ASKING,     /* a prompt is outstanding */
	ENG_KEY_DECRYPTING, /* passphrase being tried in the thread pool */
	ENG_KEY_UNUSABLE    /* missing, unreadable, declined, wrong passphrase thrice */
} eng_key_state;

typedef struct eng_key {
	char *path;
	eng_key_state st;
	ssh_key pub;                /* from path.pub or derived; may be NULL while locked */
	ssh_key priv;
	int tries;
	char *error;
	int transient;              /* unusable for now (no descriptors): read again */
	struct eng_conn *asker;     /* conn whose prompt is outstanding */
	struct eng_conn *waiters;   /* parked conns, linked by auth.key_next */
	struct eng_ctx *ctx;
	uv_work_t work;
	char *work_pass;            /* secret, wiped after the worker ran */
	ssh_key work_key;
	int work_rc;
	struct eng_key *next;
} eng_key;

/* A user certificate file (keys_cert.c). */
typedef struct eng_cert {
	char *path;
	ssh_key cert;               /* NULL when unusable */
	char *error;                /* why unusable */
	int user_cert;
	uint64_t valid_after, valid_before;
	char **principals;
	size_t nprincipals;
	char *key_id;
	unsigned char *pub;         /* the certified key's public fields */
	size_t publen;
	ssh_key signer;             /* private key + certificate, made on use */
	eng_key *signer_of;
	struct eng_cert *next;
} eng_cert;

struct eng_ctx {
	uv_loop_t *loop;
	eng_ctx_opts opts;
	FILE *log;
	eng_endpoint *endpoints;
	eng_key *keys;
	eng_cert *certs;
	struct eng_realm *realms;   /* shared password answers (auth_realm.c) */
	int nconns;
	int nxfer;                  /* transfer jobs running (their shared budget: xfer.c) */
	int nwork;                  /* key decryptions in flight */
	/*
	 * The local account as libssh would look it up (getpwuid), once per
	 * context instead of once per session; NULL where the lookup failed
	 * (libssh then keeps its own default behaviour).
	 */
	int local_done;
	char *local_ssh_dir;        /* <home>/.ssh */
	char *local_user;
	struct eng_sshcfg *sshcfgs; /* ssh_config files read (sshcfg.c) */
	int sshcfg_proc;            /* memfd via /proc usable: 0 unknown, 1, -1 */
	int sshcfg_fd;              /* the memfd, rewritten per session; -1 none */
	char *sshcfg_buf;           /* the copy being written, kept between sessions */
	size_t sshcfg_cap;
	uint64_t sshcfg_dropped;    /* Host blocks left out so far (statistics) */
	char **sshcfg_jumps;        /* ProxyJump values behind stand-in names */
	size_t sshcfg_njumps;
};

void eng__log(eng_ctx *ctx, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void eng__ctx_local_account(eng_ctx *ctx);   /* fills local_ssh_dir, local_user */

/* ---- endpoint.c: handshake gate per server "address port" ---- */
/* 1: c holds a slot now; 0: c is queued and kicked when one frees up. */
int eng__endpoint_acquire(struct eng_conn *c, const char *key);
/* Gives back c's slot (waking a waiter) or leaves the queue. */
void eng__endpoint_release(struct eng_conn *c);
void eng__endpoints_free(eng_ctx *ctx);

/* ---- sshcfg.c ---- */
/* What libssh's host option holds for a label until the address is known. */
#define ENG_LABEL_STANDIN "drover-label.invalid"
typedef struct eng_sshcfg eng_sshcfg;
/*
 * ssh_options_parse_config for c's session (path NULL: libssh's defaults),
 * without the Host blocks that cannot apply to it. Same result and return.
 */
int eng__sshcfg_parse(struct eng_conn *c, const char *path);
void eng__sshcfg_free(eng_ctx *ctx);
/* The ProxyJump spec a stand-in hop name stands for, or NULL. */
const char *eng__sshcfg_jump_spec(eng_ctx *ctx, const char *hop);

/* ---- keys.c ---- */
eng_key *eng__key_get(eng_ctx *ctx, const char *path);
/* Asks for the passphrase through c (or waits if someone else is asking). */
void eng__key_unlock(eng_key *k, struct eng_conn *c);
/* c is going away: hand its outstanding passphrase prompt to another waiter. */
void eng__key_conn_gone(eng_ctx *ctx, struct eng_conn *c);
void eng__keys_free(eng_ctx *ctx);

/* ---- auth_realm.c: one prompt per (user, auth realm) ---- */
typedef struct eng_realm eng_realm;
enum { ENG_REALM_USE, ENG_REALM_ASK, ENG_REALM_WAIT, ENG_REALM_DECLINED };
/* What c does for the secret of realm key: use *secret (a copy), ask, wait, skip. */
int eng__realm_get(struct eng_conn *c, const char *key, char **secret);
enum { ENG_REALM_OK, ENG_REALM_REJECTED, ENG_REALM_DECLINE, ENG_REALM_GIVE_UP };
/*
 * How c's answer (or the shared one) went; OK publishes it to the realm.
 * Returns 0 when the rejection was a trial of another host's answer,
 * which is not one of c's own attempts.
 */
int eng__realm_result(struct eng_conn *c, const char *answer, int outcome);
void eng__realm_conn_gone(eng_ctx *ctx, struct eng_conn *c);
void eng__realms_free(eng_ctx *ctx);

/* ---- keys_cert.c ---- */
eng_cert *eng__cert_get(eng_ctx *ctx, const char *path);
/* 1 if the certificate certifies pub. */
int eng__cert_matches(const eng_cert *ce, ssh_key pub);
/* Why ce cannot log user in at now (expired, principals...), or NULL. */
char *eng__cert_problem(const eng_cert *ce, const char *user, time_t now);
/* k's private key with the certificate attached (cached), or NULL. */
ssh_key eng__cert_signer(eng_cert *ce, eng_key *k);
void eng__certs_free(eng_ctx *ctx);

/* ---- the connection: structures (conn.c, conn_sock.c, conn_ops.c) ---- */

/* A libssh call that may return SSH_AGAIN, re-issued unchanged until done. */
typedef struct eng_op {
	int (*run)(struct eng_conn *c, void *arg);       /* SSH_OK, SSH_AGAIN, SSH_ERROR */
	void (*done)(struct eng_conn *c, void *arg, int rc);
	void *arg;                  /* ops with the same arg run in order */
	unsigned pass;              /* eng__conn_run_ops: the pass that last ran it */
	int cancelled;              /* dropped while running: freed by the runner */
	struct eng_op *next;
} eng_op;

typedef void (*eng_answer_fn)(struct eng_conn *c, char *answer /* owned, secret */);

typedef struct eng_auth {
	int started;
	int phase;                  /* 0 none, 1 methods, 2 done */
	int idx;                    /* into order */
	int sub;                    /* method-specific step */
	int methods;                /* SSH_AUTH_METHOD_* the server allows */
	int known;                  /* methods came from the server */
	int tries;
	char **ids;                 /* identity files to try */
	char **id_certs;            /* per attempt: its certificate file, or NULL */
	size_t nids, id;
	eng_key *key;               /* current identity */
	eng_cert *cert;             /* its certificate in this attempt, or NULL */
	char *cert_problem;         /* the first certificate not offered, and why */
	struct eng_realm *realm;    /* the realm of the secret being asked/tried */
	int realm_own;              /* the shared answer failed here: ask alone */
	int from_realm;             /* secret being sent is the shared one */
	int waiting_realm;          /* parked until the realm's asker is done */
	int realm_tried;            /* has spent its one trial of an asker's answer */
	struct eng_conn *realm_next;
	int waiting_key;            /* parked until the key cache changes */
	struct eng_conn *key_next;  /* next conn parked on the same key */
	char *secret;               /* password being sent, wiped after */
	int kbd_n, kbd_i;
	/* From the ssh config (sshcfg.c): expanded paths, NULL-terminated. */
	char **cfg_ids, **cfg_certs;
	int ids_only;               /* IdentitiesOnly: no agent keys */
	char *agent;                /* IdentityAgent: "none", "SSH_AUTH_SOCK" or a path */
	char tried[96];             /* for the failure message */
} eng_auth;

struct eng_conn {
	eng_ctx *ctx;
	char *name, *address, *user, *ssh_config, *known_hosts, *jump;
	struct eng_relay *relay;    /* when reached through a jump host */
	struct eng_conn *jump_for;  /* the conn this one is the jump host for */
	int chain_error;            /* failed for its jump chain (loop, depth) */
	/*
	 * The name is not a host name libssh accepts ("my_host"): libssh's host
	 * option holds ENG_LABEL_STANDIN until a HostName or address replaces
	 * it, and sshcfg.c matches Host lines against the name itself.
	 */
	int label;
	char **keys;
	/*
	 * The known_hosts files past the first user and the first global one
	 * (ssh_config may name several; libssh reads one of each): read by
	 * knownhosts.c, as ssh reads every one of them.
	 */
	util_strv kh_user_more, kh_global_more;
	int port;
	int connect_timeout_ms, keepalive_ms, accept_new, ask_hostkey;
	int ka_max;                 /* unanswered keepalives before "dead peer" */
	eng_auth_method auth_order[ENG_AUTH_MAX + 1];
	eng_conn_cbs cbs;
	void *ud;

	eng_conn_state st;
	eng_fail fail;
	char *error;
	char *banner;

	ssh_session s;
	ssh_event ev;
	struct ssh_counter_struct rcount;   /* packets: keepalive sees traffic */
	struct ssh_counter_struct scount;   /* socket reads: the pump's drain test */
	char *host;                 /* resolved HostName */
	unsigned int hport;
	char *login;                /* user that will log in */

	uv_getaddrinfo_t gai;
	int gai_active;
	struct addrinfo *ai, *ai_cur;
	int fd;                     /* the socket, -1 when none */
	int fd_given;               /* libssh owns fd (SSH_OPTIONS_FD) */
	uv_poll_t poll;
	int poll_init, poll_events;
	int write_blocked;          /* libssh holds output the socket did not take */
	uv_timer_t t_deadline, t_kick, t_keepalive;
	int nhandles;               /* open uv handles; freed at 0 */

	eng_endpoint *ep;
	int holds_slot;
	struct eng_conn *ep_next;

	eng_auth auth;

	/* prompt */
	int prompt_out;
	eng_answer_fn prompt_cb;
	int answer_ready;
	char *answer;

	eng_op *ops, *ops_tail;
	eng_op *op_running;         /* the op whose run() is on the stack */
	unsigned ops_pass;
	struct eng_exec *execs;     /* all execs on this conn */

	uint64_t ka_last_in;
	int ka_missed;

	int depth;                  /* inside conn code: defer frees */
	int close_req;
	int final_reported;
	int dead;                   /* resources released, waiting for handle closes */
};

/* ---- conn.c: lifetime and the state machine ---- */
void eng__conn_kick(struct eng_conn *c);   /* run the state machine soon */
void eng__conn_kick_later(struct eng_conn *c);   /* the same, after a poll */
/*
 * exec_write.c: write pacing. The size of the next write of left bytes;
 * how the last one went (n bytes in ns); whether the socket still holds
 * earlier output. A host writes for ENG_EXEC_WRITE_BUDGET_NS per loop turn.
 */
#define ENG_EXEC_WRITE_BUDGET_NS 4000000
uint32_t eng__exec_write_size(const struct eng_exec *x, size_t left);
void eng__exec_write_took(struct eng_exec *x, int n, uint64_t ns);
int eng__exec_write_blocked(const struct eng_exec *x);
/* Brackets code entered from a libuv callback: c is not freed inside. */
void eng__conn_enter(struct eng_conn *c);
void eng__conn_leave(struct eng_conn *c);
void eng__conn_fail(struct eng_conn *c, eng_fail f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void eng__conn_set_state(struct eng_conn *c, eng_conn_state st);
void eng__conn_step(struct eng_conn *c);   /* one run of the state machine, now */
/*
 * Asks the server for a sign of life (a keepalive wanting a reply); returns
 * the conn's bytes in before it, to compare with rcount.in_bytes later.
 */
uint64_t eng__conn_probe(struct eng_conn *c);
void eng__conn_deadline_start(struct eng_conn *c);
void eng__conn_maybe_free(struct eng_conn *c);
void eng__conn_handle_closed(uv_handle_t *h);   /* close callback of c's handles */
/* c fails (ENG_FAIL_CONNECT): "doing: too many open files ...". */
void eng__conn_fail_fds(struct eng_conn *c, const char *doing);
/* libssh's last error on c, or why when libssh left it empty. */
const char *eng__ssh_error(struct eng_conn *c, const char *why);

/* ---- conn_sock.c: resolve, TCP connect, the session's poll ---- */
void eng__conn_resolve(struct eng_conn *c);
void eng__conn_start_tcp(struct eng_conn *c);   /* holds its endpoint slot */
void eng__conn_tcp_done(struct eng_conn *c);    /* connect finished: to KEX or next address */
/* Hands a connected socket to libssh and starts the key exchange. */
void eng__conn_attach_fd(struct eng_conn *c, int fd);
void eng__conn_pump(struct eng_conn *c);        /* read what arrived; callbacks run */
void eng__conn_update_poll(struct eng_conn *c);

/* ---- conn_ops.c: op queue and prompts used by auth.c, hostkey.c, exec.c ---- */
void eng__conn_op_push(struct eng_conn *c, int (*run)(struct eng_conn *, void *),
    void (*done)(struct eng_conn *, void *, int), void *arg);
void eng__conn_op_cancel(struct eng_conn *c, void *arg);
void eng__conn_run_ops(struct eng_conn *c);
void eng__conn_prompt(struct eng_conn *c, eng_prompt_kind kind, const char *text,
    const char *detail, int echo, eng_answer_fn cb);
/* Delivers a ready answer to whoever asked; returns 1 if it did. */
int eng__conn_deliver_answer(struct eng_conn *c);

/* ---- jump.c ---- */
/*
 * Jump hosts in one chain at most. OpenSSH sets no limit; a chain this long
 * is a configuration mistake, and each hop costs a connection and a relay.
 */
#define ENG_JUMP_MAX_HOPS 8
/* Reads a jump spec from opts or libssh's ProxyJump-made ProxyCommand. */
int eng__jump_configure(struct eng_conn *c);
/* Connects c through its jump host; c's fd arrives via eng__conn_attach_fd. */
void eng__jump_start(struct eng_conn *c);
void eng__jump_teardown(struct eng_conn *c);

/* ---- auth.c ---- */
/* 1 authenticated, 0 in progress (AGAIN, prompt, key), -1 failed (c failed). */
int eng__auth_step(struct eng_conn *c);
void eng__auth_clear(struct eng_conn *c);

/* ---- knownhosts.c: the markers libssh 0.10 ignores ---- */
typedef struct eng_kh_markers {
	char *revoked;          /* "file:line" of an @revoked line for this key */
	char *cert_authority;   /* "file:line" of an @cert-authority line for this host */
	char *offending;        /* "file:line" of a plain line: this host, this key type, another key */
	char *other;            /* "file:line" of a plain line: this host, another key type */
	char *match;            /* "file:line" of a plain line: this host, this key */
	int fd_error;           /* a file could not be opened: EMFILE or ENFILE */
} eng_kh_markers;
void eng__knownhosts_markers(struct eng_conn *c, ssh_key key, eng_kh_markers *m);
void eng__knownhosts_markers_clear(eng_kh_markers *m);
/*
 * The same with the plain lines read too: offending, other and match (after
 * libssh said changed, or to look in the files libssh does not read).
 */
void eng__knownhosts_offending(struct eng_conn *c, ssh_key key, eng_kh_markers *m);
/* 1 if c has known_hosts files libssh does not read (see kh_user_more). */
int eng__knownhosts_more(const struct eng_conn *c);
/*
 * Appends the server's key to the user's known_hosts (accept-new, a yes to
 * the prompt). 0, or -1 with c failed (ENG_FAIL_HOSTKEY_UNKNOWN).
 */
int eng__knownhosts_record(struct eng_conn *c, const char *fp);

/* ---- hostkey.c ---- */
/* 0 accepted, 1 waiting for the front end, -1 failed (c failed). */
int eng__hostkey_check(struct eng_conn *c);

/* ---- exec.c, exec_kill.c: exec channels and their kill ---- */

/*
 * A kill (or timeout) is a deadline whatever the server does. The server
 * must show life (any packet; a keepalive asks for one) within this long of
 * the kill request and of each probe after it, or the host is given up: the
 * exec ends (timed out or killed) and the connection fails. A live server
 * gets ENG_EXEC_KILL_ROUNDS of these to finish the kill (TERM, 2 s, KILL);
 * after that the exec ends without waiting for the channel's close.
 */
#define ENG_EXEC_KILL_GRACE_MS 2000
#define ENG_EXEC_KILL_ROUNDS 5
/* Longest signal name passed on (RFC 4254 names are short: "KILL", "USR1"). */
#define ENG_SIGNAL_NAME_MAX 32

typedef enum {
	X_QUEUED, X_OPENING, X_RUNNING, X_CLOSING, X_DONE
} exec_state;

struct eng_exec {
	eng_conn *c;
	struct eng_exec *next;
	char *command;
	int internal;                /* our kill helper */
	int alone;                   /* eng_exec_opts.alone: no pid line */
	int subsystem;               /* command names a subsystem (sftp) */
	eng_exec_cbs cbs;
	void *ud;
	int timeout_ms;
	int pty, cols, rows, resize_pending, eof_pending, eof_sent;
	char *term;
	char *wbuf;                  /* stdin not yet taken by the channel: */
	size_t woff, wlen, wcap;     /* a ring, wlen bytes from woff */
	exec_state st;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct chcb;
	uv_timer_t timer;
	int remote_closed;
	int close_sent;
	int exit_status;
	char *signal;
	int timed_out, killed;
	int killing;                 /* kill under way */
	int kill_pending;            /* kill once running and its pid known */
	int exec_sent;               /* the exec request has gone out */
	int kill_watch;              /* the kill's deadline is running (x->timer) */
	int kill_rounds;
	uint64_t kill_in;            /* conn's bytes in when the last probe went */
	int unresponsive;            /* given up: the host stopped answering */
	int paused, drain;           /* backpressure (eng_exec_pause) */
	int flow_broken;             /* 1: the server ignored the window (kill due), 2: killed */
	size_t wmax;                 /* bytes per ssh_channel_write now (0: the first) */
	char *error;
	eng_fail fail;
	uint64_t out_bytes, err_bytes;
	int pid_state;               /* 0 looking for the tag, 1 done */
	char pidbuf[48];
	size_t pidlen;
	long pid;
	struct eng_exec *target;     /* for a kill helper: the exec it kills */
	const char *in;              /* eng_exec_opts.input (borrowed) */
	size_t inlen, inoff;
	const struct eng_sudo *sudo; /* borrowed; exec_sudo.c */
	int sudo_st;                 /* EXEC_SUDO_* */
	int sudo_sent;               /* the password went to this host */
	int sudo_denied;
	char *sudo_hold;             /* stderr held while looking for prompt/tag */
	size_t sudo_holdlen;
	/* device.c: the shell runs (its deadlines start here, not at connect). */
	void (*on_running)(eng_exec *x, void *ud);
};

enum { EXEC_SUDO_NONE, EXEC_SUDO_WAIT, EXEC_SUDO_READY, EXEC_SUDO_DENIED };

/* exec.c: output to the exec's consumer (counted). */
void eng__exec_deliver(eng_exec *x, int stream, const char *buf, size_t len);
/* exec.c: bytes for the channel ahead of any input, whatever the EOF state. */
void eng__exec_queue(eng_exec *x, const void *buf, size_t len);
/* exec_sudo.c: the remote command line that runs command under s (malloc'd). */
char *eng__sudo_wrap(const struct eng_sudo *s, const char *command);
/* exec_sudo.c: stderr while EXEC_SUDO_WAIT; consumes all of buf. */
void eng__sudo_filter(eng_exec *x, const char *buf, size_t len);
/* exec_sudo.c: the exec ends: give back held stderr that was not sudo's. */
void eng__sudo_end(eng_exec *x);

void eng__exec_finish(eng_exec *x);
void eng__exec_close_channel(eng_exec *x);
/* Another command (not a kill helper) running on c besides x, or NULL. */
const eng_exec *eng__exec_other_command(const eng_conn *c, const eng_exec *x);

void eng__exec_conn_ready(struct eng_conn *c);      /* start queued execs */
void eng__exec_conn_lost(struct eng_conn *c);       /* fail every exec */
void eng__exec_reap(struct eng_conn *c);            /* finish closed channels */
void eng__exec_flush(struct eng_conn *c);           /* stdin, resizes, EOF */
int eng__exec_start_internal(struct eng_conn *c, const char *command, int internal,
    const eng_exec_opts *opts, const eng_exec_cbs *cbs, void *ud, struct eng_exec **out);

/* ---- sftp_proto.c: SFTP v3 packet parsing (also the fuzz target) ---- */

/* Largest packet we accept: a full 261,120-byte READ reply fits. */
#define ENG_SFTP_MAX_PACKET (256 * 1024 + 4096)

enum {
	ENG__FXP_INIT = 1, ENG__FXP_VERSION = 2, ENG__FXP_OPEN = 3, ENG__FXP_CLOSE = 4,
	ENG__FXP_READ = 5, ENG__FXP_WRITE = 6, ENG__FXP_LSTAT = 7, ENG__FXP_FSTAT = 8,
	ENG__FXP_SETSTAT = 9, ENG__FXP_FSETSTAT = 10, ENG__FXP_OPENDIR = 11,
	ENG__FXP_READDIR = 12, ENG__FXP_REMOVE = 13, ENG__FXP_MKDIR = 14,
	ENG__FXP_RMDIR = 15, ENG__FXP_REALPATH = 16, ENG__FXP_STAT = 17,
	ENG__FXP_RENAME = 18, ENG__FXP_READLINK = 19, ENG__FXP_SYMLINK = 20,
	ENG__FXP_STATUS = 101, ENG__FXP_HANDLE = 102, ENG__FXP_DATA = 103,
	ENG__FXP_NAME = 104, ENG__FXP_ATTRS = 105, ENG__FXP_EXTENDED = 200,
	ENG__FXP_EXTENDED_REPLY = 201
};

#define ENG__SFTP_MAX_EXT 32

typedef struct eng__sftp_ext {
	const unsigned char *name, *data;   /* into the packet */
	uint32_t nlen, dlen;
} eng__sftp_ext;

/* One parsed server packet; pointers into the packet or into strbuf. */
typedef struct eng__sftp_msg {
	uint8_t type;
	uint32_t id;
	uint32_t version;                   /* VERSION */
	eng__sftp_ext ext[ENG__SFTP_MAX_EXT];
	size_t next;                        /* extensions kept (more are ignored) */
	uint32_t status;                    /* STATUS */
	const char *message;                /* STATUS, NUL-terminated copy, may be "" */
	eng_sftp_handle handle;             /* HANDLE */
	const unsigned char *data;          /* DATA, EXTENDED_REPLY (rest of packet) */
	size_t len;
	eng_sftp_attrs attrs;               /* ATTRS */
	eng_sftp_name *names;               /* NAME (allocated) */
	size_t nnames, refused;
	char *strbuf;                       /* NUL-terminated copies (allocated) */
} eng__sftp_msg;

/*
 * Parses one packet body (type byte onwards, without the length word).
 * check_names: drop NAME entries that are not plain file names (readdir).
 * 0 ok, -1 malformed (err says why). Free with eng__sftp_msg_clear either way.
 */
int eng__sftp_parse(const unsigned char *body, size_t len, int check_names,
    eng__sftp_msg *m, char *err, size_t errlen);
void eng__sftp_msg_clear(eng__sftp_msg *m);
/* Extended-reply payloads: 0 ok, -1 malformed. */
int eng__sftp_parse_statvfs(const unsigned char *p, size_t len, eng_sftp_vfs *v);
int eng__sftp_parse_limits(const unsigned char *p, size_t len, eng_sftp_limits *l);
/* 1 if name is safe to use as one path component. */
int eng__sftp_name_ok(const char *name, size_t len);

/* ---- sftp.c / sftp_req.c: one session ---- */

#define ENG__SFTP_NBUCKET 64

/* A request sent and not yet answered. */
struct eng__sftp_req {
	uint32_t id;
	uint8_t type;              /* request type */
	uint8_t ext;               /* ENG__SFTP_EXT_* for EXTENDED requests */
	eng_sftp_cb cb;
	void *ud;
	struct eng__sftp_req *next;
};

/* What an EXTENDED request expects back. */
enum { ENG__SFTP_EXT_NONE, ENG__SFTP_EXT_STATVFS, ENG__SFTP_EXT_LIMITS, ENG__SFTP_EXT_STATUS };

struct eng_sftp {
	eng_conn *c;
	eng_exec *x;
	eng_sftp_cbs cbs;
	void *ud;
	int ready, failed, ended, close_req;
	char *error;               /* why it ended (first reason wins) */
	uint32_t version;
	char **exts;               /* extension names offered */
	size_t nexts;
	eng_sftp_limits limits;
	uint64_t limits_sent_ns, rtt_us;   /* the limits request's round trip */
	uint32_t next_id;
	struct eng__sftp_req *tab[ENG__SFTP_NBUCKET];
	size_t ninflight;
	unsigned char *rbuf;       /* an incomplete packet */
	size_t rlen, rcap;
};

void eng__sftp_req_add(eng_sftp *s, struct eng__sftp_req *q);
int eng__sftp_send_limits(eng_sftp *s, eng_sftp_cb cb);

#endif
