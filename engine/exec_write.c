/*
 * engine/exec_write.c - how much of a command's input (and typed keys)
 * exec.c hands libssh in one write, and when it stops to let the other
 * hosts go. Split from exec.c, which drives the channel.
 */
#include "engine/engine_int.h"

/*
 * What libssh is given in one write, and for how long. The server chooses
 * the packet size: at its smallest that libssh 0.10 honours (11: one byte
 * of data per packet) a write of N bytes is N packets, encrypted and
 * queued at once (~64 bytes and a few us each, more as libssh's queue
 * grows: 32 KiB took 7.5 s under ASan). So writes start small and grow
 * while they are fast, a slow one is followed by smaller ones, a host
 * writes for a few ms per loop turn at most (the kick brings it back after
 * the other hosts), and nothing more while the socket has not taken the
 * last: the loop is never held up long, and what waits for the socket
 * stays around one write's worth, whatever the packet size.
 */
#define EXEC_WRITE_MAX 32768
#define EXEC_WRITE_START 2048   /* doubled by each fast write */
#define EXEC_WRITE_MIN 256
#define EXEC_WRITE_FAST_NS 250000
#define EXEC_WRITE_SLOW_NS 2000000

uint32_t
eng__exec_write_size(const eng_exec *x, size_t left)
{
	size_t m = x->wmax != 0 ? x->wmax : EXEC_WRITE_START;

	return (uint32_t)(left < m ? left : m);
}

void
eng__exec_write_took(eng_exec *x, int n, uint64_t ns)
{
	size_t m = x->wmax != 0 ? x->wmax : EXEC_WRITE_START;

	if (n <= 0)
		return;
	if (ns < EXEC_WRITE_FAST_NS && m < EXEC_WRITE_MAX)
		x->wmax = m * 2;
	else if (ns > EXEC_WRITE_SLOW_NS && m > EXEC_WRITE_MIN)
		x->wmax = m / 4 > EXEC_WRITE_MIN ? m / 4 : EXEC_WRITE_MIN;
}

/* Still queued after a zero-timeout flush: the conn's step arms UV_WRITABLE. */
int
eng__exec_write_blocked(const eng_exec *x)
{
	return (ssh_get_poll_flags(x->c->s) & SSH_WRITE_PENDING) != 0 &&
	    ssh_blocking_flush(x->c->s, 0) == SSH_AGAIN;
}

