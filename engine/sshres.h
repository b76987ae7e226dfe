/*
 * engine/sshres.h - ssh_config resolved the way OpenSSH's ssh resolves it
 * (readconf.c, ssh -G), for the keywords drover acts on. Internal to the
 * engine (and its tests): sshres.c reads and evaluates the files,
 * sshres_val.c holds the value rules (times, algorithm lists, tokens) and
 * the ssh -G style dump the differential test compares.
 */
#ifndef DROVER_ENGINE_SSHRES_H
#define DROVER_ENGINE_SSHRES_H

#include <stddef.h>
#include <sys/types.h>

/* What the resolution depends on besides the files. */
typedef struct eng_sshres_in {
	const char *config;         /* -F file; NULL: the user's, then the system's */
	const char *system_config;  /* NULL: /etc/ssh/ssh_config */
	const char *host;           /* the name as given (OpenSSH's host_arg) */
	const char *home;           /* local home directory (~, %d) */
	const char *local_user;     /* %u, Match localuser */
	uid_t uid;                  /* %i */
	int run_exec;               /* 0: Match exec never runs (counts as false) */
	/* Given before the config (ssh -l, -p): the config's values do not apply. */
	const char *user;
	int port;
} eng_sshres_in;

enum { ENG_STRICT_UNSET = -1, ENG_STRICT_OFF, ENG_STRICT_YES, ENG_STRICT_ASK,
	ENG_STRICT_NEW };

#define ENG_SSHRES_MAX_FILES 100   /* OpenSSH's SSH_MAX_IDENTITY_FILES */
#define ENG_SSHRES_MAX_HOSTFILES 32

/*
 * The resolved values. Strings are raw as the config gave them (the
 * first obtained value); eng__sshres_finish fills OpenSSH's defaults and
 * expands what ssh expands before ssh -G prints.
 */
typedef struct eng_sshres {
	char *host;                 /* as given */
	char *hostname;             /* HostName ("%h" expanded, lowercased) */
	char *user;
	int port;                   /* 0 unset */
	char *ids[ENG_SSHRES_MAX_FILES];
	int nids;
	char *certs[ENG_SSHRES_MAX_FILES];
	int ncerts;
	int ids_only;               /* -1 unset */
	char *agent;                /* IdentityAgent */
	char *jump;                 /* ProxyJump as written ("none" included) */
	char *proxy_command;
	char *ukh[ENG_SSHRES_MAX_HOSTFILES];
	int nukh;
	char *gkh[ENG_SSHRES_MAX_HOSTFILES];
	int ngkh;
	int strict;                 /* ENG_STRICT_* */
	int connect_timeout;        /* seconds, -1 unset */
	int alive_interval;         /* seconds, -1 unset */
	int alive_count;            /* -1 unset */
	char *hostkey_algs, *kex_algs, *ciphers;   /* as written (+ - ^ lists) */
	char *unsupported;          /* keywords set that drover does not apply */
	char *error;                /* "file line N: why"; set: resolution failed */
	int defaults_filled;
	int hostname_final;         /* hostname already expanded (second pass) */
} eng_sshres;

/* One parsed file, kept by a cache between resolutions. */
typedef struct eng_sshres_file eng_sshres_file;
typedef struct eng_sshres_cache {
	eng_sshres_file *files;
} eng_sshres_cache;

/*
 * Resolves in->host. 0 on success; -1 with out->error set. out is
 * zeroed first; free with eng__sshres_clear. cache may be NULL.
 */
int eng__sshres_resolve(eng_sshres_cache *cache, const eng_sshres_in *in,
    eng_sshres *out);
void eng__sshres_clear(eng_sshres *r);
void eng__sshres_cache_free(eng_sshres_cache *cache);

/* ---- sshres_match.c ---- */
/*
 * A Match line's condition: 1 match, 0 not, -1 malformed (*err says why).
 * final_pass: the second reading; *want_final set if the line says "final".
 */
int eng__sshres_match_line(const eng_sshres_in *in, const eng_sshres *r, const char *cond,
    int final_pass, int *want_final, char **err);
/* OpenSSH's strdelim: the next word (quotes, one '='); advances *s. */
char *eng__sshres_strdelim(char **s);

/* ---- sshres_kw.c ---- */
enum eng_sshres_kwid {
	K_OTHER, K_HOST, K_MATCH, K_INCLUDE, K_HOSTNAME, K_USER, K_PORT, K_IDFILE,
	K_CERTFILE, K_IDSONLY, K_AGENT, K_JUMP, K_PROXYCMD, K_UKH, K_GKH, K_STRICT,
	K_CTIMEOUT, K_ALIVE, K_ALIVEMAX, K_HKALGS, K_KEX, K_CIPHERS, K_IGNUNKNOWN
};

typedef struct eng_sshres_kw {
	const char *name;
	int id;
	/*
	 * For a keyword drover does not apply: the values that leave the
	 * connection as drover makes it ("|"-separated, case-insensitive);
	 * NULL for one that never changes it (display, forwarding off...).
	 */
	const char *harmless;
} eng_sshres_kw;
#define ENG_SSHRES_NKW_MAX 160
extern const eng_sshres_kw eng__sshres_keywords[];
extern const size_t eng__sshres_nkeywords;
/* Index of a lowercased keyword in eng__sshres_keywords, -1 if unknown. */
int eng__sshres_kw_find(const char *kw);

/* ---- sshres_val.c ---- */
/* The values of the tokens about this machine and the connection (ssh.c). */
typedef struct eng_sshres_local {
	char thishost[256];	/* %l */
	char shorthost[256];	/* %L */
	char port[16];		/* %p */
	char uid[32];		/* %i */
	char hash[41];		/* %C: SHA-1 of %l%h%p%r, hex */
} eng_sshres_local;
void eng__sshres_local_names(eng_sshres_local *l, const eng_sshres_in *in, const char *host,
    int port, const char *user);
/* ssh.c is_addr: a HostName that is an address is not lowercased. */
int eng__sshres_is_addr(const char *s);
/* OpenSSH's defaults for what the config left unset; 0 or -1 (error set). */
int eng__sshres_finish(const eng_sshres_in *in, eng_sshres *r);
/*
 * ~ and %-tokens (and ${VAR}) as ssh expands IdentityFile, CertificateFile,
 * IdentityAgent and UserKnownHostsFile; NULL with *err set on a bad token.
 */
char *eng__sshres_expand(const eng_sshres_in *in, const eng_sshres *r,
    const char *value, char **err);
/* HostName's own expansion: %h and %% only. */
char *eng__sshres_expand_host(const char *hostname, const char *host, char **err);
/* The keywords drover acts on, as `ssh -G` prints them (after finish). */
char *eng__sshres_dump(const eng_sshres_in *in, const eng_sshres *r);
/* A resolved algorithm list ("+x", "-x*", "^x" or a list) or NULL + *err. */
char *eng__sshres_algos(int which, const char *spec, char **err);
enum { ENG_ALGO_CIPHER, ENG_ALGO_KEX, ENG_ALGO_HOSTKEY };
/* 1 when every name of spec (after a + - ^) is one OpenSSH knows. */
int eng__sshres_algos_valid(int which, const char *spec);
/* OpenSSH's convtime: "90", "1m30s"; -1 if malformed. */
long eng__sshres_convtime(const char *s);
/* OpenSSH's match_pattern (case-sensitive '*' and '?'). */
int eng__sshres_match(const char *s, const char *pattern);
/* OpenSSH's match_pattern_list: 1 match, 0 none, -1 a negated one matched. */
int eng__sshres_match_list(const char *s, const char *list, int dolower);
/* ProxyJump syntax check (OpenSSH's parse_jump); 0 valid. */
int eng__sshres_jump_valid(const char *spec);

#endif
