/*
 * engine/xfer_int.h - structures shared by the transfer files: xfer.c (the
 * job: streams, scheduler, end), xfer_walk.c (destination, sources, tree
 * walk) and xfer_file.c (one file: open, resume check, chunks, commit or
 * clean up). Included by those three only.
 */
#ifndef DROVER_XFER_INT_H
#define DROVER_XFER_INT_H

#include "engine/engine_int.h"

#define XF_MAXSTREAMS 16

/* xfer_sum.c: 64 hex digits of a local file's SHA-256, NULL if unreadable. */
char *eng__sha256_file(const char *path);

/* A job's phases, in order. */
enum { J_START, J_SOURCES, J_RUN, J_DIRS, J_CLOSING, J_DONE };

typedef struct xf_file xf_file;

typedef struct xf_stream {
	eng_xfer *j;
	eng_sftp *s;
	int idx;
	int ready, ended;
	uint64_t inflight;          /* bytes requested and not yet answered */
} xf_stream;

/* A file's steps (xfer_file.c), in order; PUT and GET share names. */
enum {
	FS_INIT, FS_LOPEN, FS_LSTAT, FS_ROPEN, FS_RSTAT, FS_VREAD, FS_TRUNC,
	FS_DATA, FS_FSYNC, FS_CHMOD, FS_UTIME, FS_CLOSE, FS_RMTARGET,
	FS_RENAME, FS_DONE, FS_SAME, FS_SAME_DONE,
	FS_C_CLOSE, FS_C_SHUT, FS_C_VFS, FS_C_REMOVE, FS_C_DONE
};

/* Per file and stream: a remote handle. */
enum { H_NONE, H_OPENING, H_OPEN, H_CLOSING, H_FAILED };

struct xf_file {
	eng_xfer *j;
	xf_file *next;              /* queue or active list */
	char *src, *dst, *tmp;      /* tmp: on the destination side */
	int step;                   /* FS_* in xfer_file.c */
	int rwhat;                  /* the step a remote request answers */
	int primary;                /* stream of the first handle */
	int striped;                /* every stream may carry chunks */
	int ordered;                /* writes go out in offset order (put resume) */
	int have_stat;              /* size/mode/mtime known (get from readdir) */
	uint64_t size, next_off, send_off;
	uint64_t hole;              /* lowest offset of a chunk that failed */
	uint64_t unflushed;         /* bytes written since the last fsync asked */
	uint32_t mode, mtime, atime;
	eng_sftp_handle h[XF_MAXSTREAMS];
	uint8_t hst[XF_MAXSTREAMS];
	uv_file fd;                 /* local file, -1 */
	unsigned char *pre;         /* put: the whole source, read at open (xfer_open.c) */
	int pending;                /* async operations outstanding */
	int nchunks;                /* chunks outstanding */
	struct xf_chunk *chunks;    /* outstanding, in issue order */
	int tmp_created;            /* the temporary exists (remove on failure) */
	int in_data;                /* bytes have started to move */
	int write_failed;           /* a remote WRITE said FAILURE (disk full?) */
	int failing;
	char *error;
	unsigned char *vbuf[2];     /* resume check: remote and local tail */
	size_t vlen[2];
	uint64_t voff;
	eng_xfer_file pub;
};

typedef struct xf_dir {
	eng_xfer *j;
	char *src, *dst;
	uint32_t mode, mtime, atime;
	int created;                /* we made it: set its mode at the end */
	eng_sftp_handle h;          /* get: remote listing */
	struct xf_dir *next;
} xf_dir;

/* Bytes of a file in flight: a read and a write, in either order. */
typedef struct xf_chunk {
	xf_file *f;
	xf_stream *st;
	uint64_t off;
	uint32_t len;               /* still to move */
	uint32_t have;              /* put: bytes read so far; get: bytes in buf */
	uint32_t wrote;             /* get: bytes of buf on the disk already */
	unsigned char *buf;
	int sending;                /* put: read done, waiting for its turn */
	uv_fs_t req;
	struct xf_chunk *next;
} xf_chunk;

struct eng_xfer {
	/*
	 * c only to start streams: the conn may be freed before the job
	 * ends (local operations still finishing), so the rest uses these.
	 */
	eng_conn *c;
	eng_ctx *ctx;
	uv_loop_t *loop;
	char *name;
	eng_xfer_dir dir;
	eng_xfer_opts o;
	eng_xfer_cbs cbs;
	void *ud;
	xf_stream st[XF_MAXSTREAMS];
	int nst, nready, nended;
	int grown;                  /* sessions wanted so far (grow_streams) */
	uint64_t started, setup_ms; /* loop ms: job start; until the first session was ready */
	uint64_t rtt_us;            /* the first session's limits round trip, else setup_ms / 3 */
	char **srcs;
	size_t nsrc, isrc;
	char *dst;
	int dst_is_dir;
	const unsigned char *data;  /* eng_xfer_put_data: the caller's, shared by every host */
	size_t datalen;
	int phase;                  /* J_* in xfer.c */
	xf_file *qhead, *qtail;     /* waiting files */
	xf_file *active;
	int nactive;
	xf_file *finished;          /* to report and free (scheduler) */
	xf_dir *dirs_todo;          /* to walk */
	xf_dir *dirs_done;          /* walked (modes at the end) */
	int walking;                /* job-level operations outstanding */
	eng_xfer_progress prog;
	uint64_t last_progress;
	char *error;
	int cancelled;
	char **leftover;
	size_t nleftover;
	uint32_t chunk, window;
	mode_t umask;
	int in_pump, pump_again;
	int counted;                /* in ctx->nxfer */
	int closes_sent;
	uv_timer_t *cancel_timer;   /* a cancel that the server does not answer */
	uint64_t cancel_inflight;   /* bytes in flight when the grace period began */
};

/*
 * xfer_file.c: a long file is fsynced every XF_FLUSH_EVERY bytes on the
 * way, so that the fsync before the rename finds little left to write.
 */
#define XF_FLUSH_EVERY (64u << 20)
void eng__xf_flush_early(xf_file *f);
/* xfer_commit.c: a put whose bytes are all written: fsetstat, fsync, close. */
void eng__xf_put_commit(xf_file *f);
uint32_t eng__xf_put_open_mode(const xf_file *f);   /* a put's temporary, created */
/* xfer_open.c: 1 if the source is being opened (and read if small), 0: use FS_LOPEN. */
int eng__xf_put_open_fast(xf_file *f);
/* xfer_file.c, for xfer_commit.c and xfer_open.c */
xf_stream *eng__xf_prim(xf_file *f);   /* the stream of the file's first handle */
void eng__xf_put_source_known(xf_file *f, uint64_t size, uint32_t mode, uint32_t mtime,
    uint32_t atime);
void eng__xf_req_failed(xf_file *f, int rc, const char *what);
void eng__xf_local_op(xf_file *f, int what);
int eng__xf_close_handles(xf_file *f);

/* xfer.c */
xf_stream *eng__xf_pick_stream(eng_xfer *j);
xf_stream *eng__xf_any_stream(eng_xfer *j);   /* a ready one, or NULL */
/* What a put leaves on a file or directory: its mode; -p: and times. */
void eng__xf_final_attrs(const eng_xfer *j, uint32_t mode, uint32_t atime,
    uint32_t mtime, eng_sftp_attrs *a);
void eng__xf_pump(eng_xfer *j);
void eng__xf_progress(eng_xfer *j, xf_file *f, int force);
void eng__xf_leftover(eng_xfer *j, const char *path);
/* xfer_walk.c */
void eng__xf_resolve_dst(eng_xfer *j);        /* then the sources, then trees */
void eng__xf_walk_next(eng_xfer *j);          /* the next directory, if idle */
void eng__xf_failed_early(eng_xfer *j, const char *src, const char *dst,
    eng_xfer_fstate st, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void eng__xf_dir_free(xf_dir *d);
/* xfer_file.c */
void eng__xf_file_advance(xf_file *f);          /* the next step, if nothing waits */
void eng__xf_remote_open(xf_file *f, int si);   /* a handle on stream si */
int eng__xf_is_put(const xf_file *f);
const char *eng__xf_status_msg(const eng_sftp_reply *r);
xf_file *eng__xf_file_new(eng_xfer *j, const char *src, const char *dst);
void eng__xf_file_begin(xf_file *f);
/* xfer_chunk.c */
/* Issues one chunk of f on stream st; 0 if there was nothing to issue. */
int eng__xf_file_issue(xf_file *f, xf_stream *st);
/* Ends chunks that were read but wait for their turn (the file failed). */
void eng__xf_drop_parked(xf_file *f);
void eng__xf_file_fail(xf_file *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eng__xf_file_free(xf_file *f);

#endif
