/*
 * engine/tail_int.h - the tail's remote record parser, shared by tail.c and
 * its fuzz target (tests/fuzz/fuzz_tail.c). Nothing else includes this.
 *
 * The remote script (tail.c) prints records: one ASCII header line, then
 * for some types a body of exactly the announced length:
 *
 *   F idx namelen \n <name> \n       a glob match, numbered from 1 upward
 *   W idx                            file does not exist (yet)
 *   E idx word                       file unusable: perm, notreg
 *   G                                glob matches nothing (yet)
 *   A idx dev ino off size birth     following (dev, ino) from off; birth:
 *                                    creation time in ns, 0 if unknown (an
 *                                    inode number can be reused at once)
 *   D idx dev ino off len \n <len bytes> K|X \n
 *                                    file bytes [off, off+len); X = discard
 *                                    (the file changed under the read)
 *   T idx dev ino size               truncated in place: now size < off
 *   R idx dev ino off                old file read to its end (off); it was
 *                                    renamed away, a new one comes at the path
 *   L idx dev ino off                old file gone: bytes after off are lost
 *   S idx dev ino off                from here to the channel's end: the raw
 *                                    bytes of the one file from off (GNU
 *                                    tail -f on the descriptor; tail.c)
 */
#ifndef DROVER_TAIL_INT_H
#define DROVER_TAIL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

#define ENG_TAIL_CHUNK 65536      /* largest D body the script sends */
#define ENG_TAIL_MAXNAME 4096     /* longest file name */
#define ENG_TAIL_MAXFILES 4096    /* glob matches per tail */
#define ENG_TAIL_HDRMAX 200       /* longest header line */

typedef struct eng_tail_rec {
	char type;                  /* 'F', 'W', 'E', 'G', 'A', 'D', 'T', 'R', 'L', 'S' */
	uint32_t idx;               /* 1..ENG_TAIL_MAXFILES; 0 for G */
	uint64_t dev, ino, off, len; /* A: len = size; T: len = size */
	uint64_t birth;             /* A */
	const char *data;           /* F: name; E: word; D: bytes */
	size_t dlen;
	int ok;                     /* D: 1 keep (K), 0 discard (X) */
} eng_tail_rec;

typedef struct eng_tail_parser {
	int body;                   /* reading a body */
	char hdr[ENG_TAIL_HDRMAX + 1];
	size_t hlen;
	eng_tail_rec rec;
	char *buf;                  /* body: F name + "\n", D bytes + "K\n" */
	size_t blen, bneed, bcap;
	char err[128];
} eng_tail_parser;

/*
 * Record callback: 0 goes on, 1 stops the parse (eng__tail_parse returns
 * 1), -1 rejects the record (it returns -1; the callback fills p->err).
 */
typedef int (*eng_tail_rec_fn)(const eng_tail_rec *r, void *ud);

/* tail_script.c: the remote script's body. */
extern const char eng__tail_script[];

void eng__tail_parser_reset(eng_tail_parser *p);   /* also initialises */
void eng__tail_parser_free(eng_tail_parser *p);
/*
 * Feeds remote bytes. Returns 0 (all taken), 1 (the callback stopped it;
 * *used says how much was taken) or -1 (garbage, or a record the callback
 * rejected; p->err says what; the parser must be reset before it is fed
 * again).
 */
int eng__tail_parse(eng_tail_parser *p, const char *buf, size_t len, size_t *used,
    eng_tail_rec_fn cb, void *ud);

/* ---- tail.c and tail_lines.c: one tail ---- */

typedef struct tfile {
	char *name;                 /* NULL for a command */
	int have_id;
	uint64_t dev, ino, birth;   /* birth: creation ns, 0 unknown */
	int64_t off;                /* next byte expected; -1: initial lines wanted */
	uint64_t seen;              /* largest size the host told us about */
	eng_tail_state st;          /* last state reported for this file */
	int st_reported;
	char *hold;                 /* unfinished line, at most max_line bytes */
	size_t hlen;
	uint64_t hoff;              /* file offset of hold[0] */
	uint64_t hsince;            /* uv_now when the held line started */
	int hflags;                 /* CONT if part of it went out as PARTIAL */
	int skipping;               /* dropping the rest of a cut line */
	uint64_t skipped;
} tfile;

struct eng_tail {
	uv_loop_t *loop;
	eng_conn *c;
	eng_exec *x;
	char *host;
	char *path, *command;
	int glob;
	int lines, poll_ms, partial_ms;
	size_t max_line;
	eng_tail_cbs cbs;
	void *ud;
	tfile **files;              /* files[idx - 1]; a command uses files[0] */
	size_t nfiles;
	/*
	 * Files left after a rotation (R, L), with where we stopped: when one
	 * shows up again under a name we follow (a glob like app.log*
	 * matching app.log.1), it is continued there, not read again.
	 */
	struct tretired {
		uint64_t dev, ino, birth, off;
	} *ret;
	size_t nret;
	int first;                  /* no script has run yet: initial lines */
	int x_first;                /* the running script was started as first */
	int ever_ran;               /* a command ran before: mark RESTARTED */
	eng_tail_parser p;
	eng_tail_state st;          /* the tail as a whole */
	int glob_waiting;
	int killed_by_us;           /* protocol error: we ended the exec */
	char *exit_line;            /* command wrapper's exit report on stderr */
	size_t exit_len;
	int exit_status;
	int paused;
	/*
	 * Streaming (one file, GNU tail): after an S record the channel is
	 * raw bytes of files[0]; sheld: a tail of them that may be the start
	 * of GNU tail's truncation notice, not counted yet. stream_over: the
	 * notice came, the rest is ignored. restream: start the script again
	 * when this exec ends (it ended the stream, or we did).
	 */
	int no_stream, streaming, stream_over, restream;
	char sheld[64];
	size_t sheld_len;
	/*
	 * What came in but waits because the consumer paused mid-chunk: the
	 * rest of a record's bytes (already counted in their file's off) and
	 * channel bytes not parsed yet. Each at most one chunk.
	 */
	char *rest;
	size_t rest_len, rest_cap;
	tfile *rest_f;
	uint64_t rest_off;
	char *raw;
	size_t raw_len, raw_cap;
	int freed;
	int refs;                   /* the timer handle + a running exec */
	uv_timer_t timer;           /* partial-line deadline */
	uint64_t received;
};

/* tail_lines.c */
void eng__tail_set_state(eng_tail *t, eng_tail_state st, const char *text);
void eng__tail_file_state(eng_tail *t, tfile *f, eng_tail_state st, const char *text);
void eng__tail_mark(eng_tail *t, tfile *f, eng_tail_mark m, uint64_t bytes);
void eng__tail_reset_lines(eng_tail *t, tfile *f);
size_t eng__tail_feed(eng_tail *t, tfile *f, const char *buf, size_t len, uint64_t off);
void eng__tail_keep(char **buf, size_t *len, size_t *cap, const char *data, size_t n);
void eng__tail_keep_rest(eng_tail *t, tfile *f, const char *data, size_t n, uint64_t off);
int eng__tail_pending(const eng_tail *t);
void eng__tail_arm_timer(eng_tail *t);
/* tail_stream.c: streamed bytes of files[0] (after an S record). */
void eng__tail_stream_take(eng_tail *t, const char *buf, size_t len);
/* tail.c */
void eng__tail_drain(eng_tail *t);
void eng__tail_fail_protocol(eng_tail *t);

#endif
