/*
 * tests/support/fakedevice.c - a fake network device CLI, used as a test
 * user's login shell in the fleet (tests/fleet/fleet.sh): what `drover exec
 * --cli` must cope with, the way IOS-like boxes behave. Raw terminal, own
 * echo, prompt "NAME>" (NAME from the fleet's DROVER_FLEET_NAME), `enable`
 * asks "Password: " (no echo) and with the secret gives "NAME#", output is
 * paged with " --More-- " every PAGE lines until `terminal length 0`
 * (space: next page, erased with \r and spaces like the real thing),
 * `show slow` takes 2 s, `show hang` never comes back, `exit` ends it.
 * With -c CMD (an exec request) it prints CMD's output and exits.
 *
 * Input is read a byte at a time from the terminal, a line at a time, only
 * when the device waits at its prompt (or its pager or password question),
 * and echoed then, as real CLIs do: what is typed while a command runs
 * waits in the terminal (type-ahead) and shows after the next prompt; the
 * pager takes the next keystroke, whatever it is; input is never flushed.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define SECRET "enable-s3cret"
#define PAGE 20

static const char *name = "dev";
static int paging = 1, priv = 0, lines_out = 0;

static void
put(const char *s)
{
	size_t len = strlen(s);
	ssize_t r;

	while (len > 0 && (r = write(1, s, len)) > 0) {
		s += r;
		len -= (size_t)r;
	}
}

/* 0: a byte in *ch; -1: the session is gone. */
static int
getch(char *ch)
{
	return read(0, ch, 1) == 1 ? 0 : -1;
}

static int
out_line(const char *s)
{
	char ch;

	if (paging && lines_out > 0 && lines_out % PAGE == 0) {
		put(" --More-- ");
		for (;;) {
			if (getch(&ch) < 0)
				exit(0);
			if (ch == 'q') {
				put("\r          \r");
				return -1;
			}
			if (ch == ' ' || ch == '\r' || ch == '\n')
				break;
		}
		put("\r          \r");
	}
	put(s);
	put("\r\n");
	lines_out++;
	return 0;
}

static void
run(const char *cmd)
{
	char line[256];
	int i;

	lines_out = 0;
	if (strcmp(cmd, "terminal length 0") == 0) {
		paging = 0;
	} else if (strcmp(cmd, "show version") == 0) {
		snprintf(line, sizeof(line), "Fake Device Software, %s, Version 1.0", name);
		out_line(line);
		out_line("uptime is 42 days");
		out_line(priv ? "privileged: yes" : "privileged: no");
	} else if (strcmp(cmd, "show interfaces") == 0) {
		for (i = 0; i < 50; i++) {
			snprintf(line, sizeof(line), "  Ethernet0/%d is up, line protocol is up", i);
			if (out_line(line) < 0)
				break;
		}
	} else if (strcmp(cmd, "show running-config") == 0) {
		if (!priv) {
			out_line("% Invalid input detected at '^' marker.");
			return;
		}
		snprintf(line, sizeof(line), "hostname %s", name);
		out_line(line);
		out_line("end");
	} else if (strcmp(cmd, "show slow") == 0) {
		sleep(2);
		out_line("slow done");
	} else if (strcmp(cmd, "show hang") == 0) {
		struct pollfd p = { 0, POLLIN, 0 };
		char ch;

		out_line("hanging");
		for (;;) {
			if (poll(&p, 1, 1000) > 0 && (p.revents & (POLLHUP | POLLERR)))
				exit(0);
			if (p.revents & POLLIN && getch(&ch) < 0)
				exit(0);
		}
	} else if (cmd[0] != '\0') {
		out_line("% Invalid input detected at '^' marker.");
	}
}

/* A line, echoed unless secret; -1 when the session is gone. */
static int
read_line(char *buf, size_t cap, int echo)
{
	size_t len = 0;
	char ch;

	for (;;) {
		if (getch(&ch) < 0)
			return -1;
		if (ch == '\r' || ch == '\n') {
			put("\r\n");
			buf[len] = '\0';
			return 0;
		}
		if (ch == 0x7f || ch == 0x08) {
			if (len > 0) {
				len--;
				if (echo)
					put("\b \b");
			}
			continue;
		}
		if (len + 1 < cap) {
			buf[len++] = ch;
			if (echo) {
				char s[2] = { ch, '\0' };

				put(s);
			}
		}
	}
}

int
main(int argc, char **argv)
{
	struct termios t;
	char line[512], prompt[128];

	if (getenv("DROVER_FLEET_NAME") != NULL)
		name = getenv("DROVER_FLEET_NAME");
	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		paging = 0;
		run(argv[2]);
		return 0;
	}
	if (tcgetattr(0, &t) == 0) {
		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		t.c_iflag &= ~(tcflag_t)ICRNL;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &t);
	}
	put("\r\nFake device ready\r\n");
	for (;;) {
		snprintf(prompt, sizeof(prompt), "%s%c", name, priv ? '#' : '>');
		put(prompt);
		if (read_line(line, sizeof(line), 1) < 0)
			return 0;
		if (strcmp(line, "exit") == 0 || strcmp(line, "quit") == 0)
			return 0;
		if (strcmp(line, "enable") == 0) {
			if (priv)
				continue;
			put("Password: ");
			if (read_line(line, sizeof(line), 0) < 0)
				return 0;
			if (strcmp(line, SECRET) == 0)
				priv = 1;
			else
				put("% Access denied\r\n");
			continue;
		}
		run(line);
	}
}
