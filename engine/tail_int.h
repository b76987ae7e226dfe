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
 */
#ifndef DROVER_TAIL_INT_H
#define DROVER_TAIL_INT_H

#include <stddef.h>
#include <stdint.h>

#define ENG_TAIL_CHUNK 65536      /* largest D body the script sends */
#define ENG_TAIL_MAXNAME 4096     /* longest file name */
#define ENG_TAIL_MAXFILES 4096    /* glob matches per tail */
#define ENG_TAIL_HDRMAX 200       /* longest header line */

typedef struct eng_tail_rec {
	char type;                  /* 'F', 'W', 'E', 'G', 'A', 'D', 'T', 'R', 'L' */
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

#endif
