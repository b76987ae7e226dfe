/*
 * engine/xfer_int.h - structures shared by the transfer files: xfer.c (the
 * job: streams, destination, tree walk, scheduler, end) and xfer_file.c
 * (one file: open, resume check, chunks, commit or clean up). Included by
 * those two only.
 */
#ifndef DROVER_XFER_INT_H
#define DROVER_XFER_INT_H

#include "engine/engine_int.h"

#define XF_MAXSTREAMS 16

typedef struct xf_file xf_file;

typedef struct xf_stream {
	eng_xfer *j;
	eng_sftp *s;
	int idx;
	int ready, ended;
	uint64_t inflight;          /* bytes requested and not yet answered */
} xf_stream;

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
	uint32_t mode, mtime, atime;
	eng_sftp_handle h[XF_MAXSTREAMS];
	uint8_t hst[XF_MAXSTREAMS];
	uv_file fd;                 /* local file, -1 */
	int pending;                /* async operations outstanding */
	int nchunks;                /* chunks outstanding */
	struct xf_chunk *chunks;    /* outstanding, in issue order */
	int tmp_created;            /* the temporary exists (remove on failure) */
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
	char **srcs;
	size_t nsrc, isrc;
	char *dst;
	int dst_is_dir;
	unsigned char *data;        /* eng_xfer_put_data */
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
	int closes_sent;
};

/* xfer.c */
xf_stream *eng__xf_pick_stream(eng_xfer *j);
void eng__xf_pump(eng_xfer *j);
void eng__xf_progress(eng_xfer *j, xf_file *f, int force);
void eng__xf_leftover(eng_xfer *j, const char *path);
/* xfer_file.c */
xf_file *eng__xf_file_new(eng_xfer *j, const char *src, const char *dst);
void eng__xf_file_begin(xf_file *f);
/* Issues one chunk of f on stream st; 0 if there was nothing to issue. */
int eng__xf_file_issue(xf_file *f, xf_stream *st);
void eng__xf_file_fail(xf_file *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eng__xf_file_free(xf_file *f);

#endif
