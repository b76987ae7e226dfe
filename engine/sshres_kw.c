/*
 * engine/sshres_kw.c - the ssh_config keywords OpenSSH 9.2 knows (a keyword
 * outside this table is an error, as in ssh), which of them drover applies,
 * and for the others the values that leave the connection as drover makes
 * it (any other value is named in a warning). Used by sshres.c.
 */
#include <string.h>

#include "engine/engine_int.h"
#include "engine/sshres.h"

#define NOOP "no|none|false|off"
const eng_sshres_kw eng__sshres_keywords[] = {
	{ "host", K_HOST, NULL }, { "match", K_MATCH, NULL },
	{ "include", K_INCLUDE, NULL }, { "hostname", K_HOSTNAME, NULL },
	{ "user", K_USER, NULL }, { "port", K_PORT, NULL },
	{ "identityfile", K_IDFILE, NULL }, { "certificatefile", K_CERTFILE, NULL },
	{ "identitiesonly", K_IDSONLY, NULL }, { "identityagent", K_AGENT, NULL },
	{ "proxyjump", K_JUMP, NULL }, { "proxycommand", K_PROXYCMD, NULL },
	{ "userknownhostsfile", K_UKH, NULL }, { "globalknownhostsfile", K_GKH, NULL },
	{ "stricthostkeychecking", K_STRICT, NULL }, { "connecttimeout", K_CTIMEOUT, NULL },
	{ "serveraliveinterval", K_ALIVE, NULL }, { "serveralivecountmax", K_ALIVEMAX, NULL },
	{ "hostkeyalgorithms", K_HKALGS, NULL }, { "kexalgorithms", K_KEX, NULL },
	{ "ciphers", K_CIPHERS, NULL }, { "ignoreunknown", K_IGNUNKNOWN, NULL },
	/* Known to OpenSSH; these change the connection unless harmless. */
	{ "addressfamily", K_OTHER, "any" }, { "bindaddress", K_OTHER, NOOP },
	{ "bindinterface", K_OTHER, NOOP }, { "canonicalizehostname", K_OTHER, NOOP },
	{ "casignaturealgorithms", K_OTHER, "" }, { "compression", K_OTHER, NOOP },
	{ "connectionattempts", K_OTHER, "1" }, { "controlmaster", K_OTHER, NOOP "|auto" },
	{ "dynamicforward", K_OTHER, "" }, { "forwardagent", K_OTHER, NOOP },
	{ "forwardx11", K_OTHER, NOOP }, { "gssapiauthentication", K_OTHER, NOOP },
	{ "hostbasedauthentication", K_OTHER, NOOP }, { "hostkeyalias", K_OTHER, "" },
	{ "kbdinteractiveauthentication", K_OTHER, "yes|true" },
	{ "knownhostscommand", K_OTHER, "none" }, { "localcommand", K_OTHER, "" },
	{ "localforward", K_OTHER, "" }, { "macs", K_OTHER, "" },
	{ "passwordauthentication", K_OTHER, "yes|true" },
	{ "pkcs11provider", K_OTHER, "none" }, { "preferredauthentications", K_OTHER, "" },
	{ "pubkeyacceptedalgorithms", K_OTHER, "" }, { "pubkeyacceptedkeytypes", K_OTHER, "" },
	{ "pubkeyauthentication", K_OTHER, "yes|true|unbound|host-bound" },
	{ "rekeylimit", K_OTHER, "" }, { "remotecommand", K_OTHER, "none" },
	{ "remoteforward", K_OTHER, "" }, { "requesttty", K_OTHER, "auto|" NOOP },
	{ "revokedhostkeys", K_OTHER, "none" }, { "sendenv", K_OTHER, "" },
	{ "setenv", K_OTHER, "" }, { "tunnel", K_OTHER, NOOP },
	{ "updatehostkeys", K_OTHER, NOOP }, { "batchmode", K_OTHER, NOOP },
	{ "canonicaldomains", K_OTHER, NULL }, { "addkeystoagent", K_OTHER, NULL },
	{ "canonicalizefallbacklocal", K_OTHER, NULL }, { "canonicalizemaxdots", K_OTHER, NULL },
	{ "canonicalizepermittedcnames", K_OTHER, NULL }, { "challengeresponseauthentication", K_OTHER, NULL },
	{ "checkhostip", K_OTHER, NULL }, { "cipher", K_OTHER, NULL },
	{ "clearallforwardings", K_OTHER, NULL }, { "compressionlevel", K_OTHER, NULL },
	{ "controlpath", K_OTHER, NULL }, { "controlpersist", K_OTHER, NULL },
	{ "dsaauthentication", K_OTHER, NULL }, { "enableescapecommandline", K_OTHER, NULL },
	{ "enablesshkeysign", K_OTHER, NULL }, { "escapechar", K_OTHER, NULL },
	{ "exitonforwardfailure", K_OTHER, NULL }, { "fallbacktorsh", K_OTHER, NULL },
	{ "fingerprinthash", K_OTHER, NULL }, { "forkafterauthentication", K_OTHER, NULL },
	{ "forwardx11timeout", K_OTHER, NULL }, { "forwardx11trusted", K_OTHER, NULL },
	{ "gatewayports", K_OTHER, NULL }, { "globalknownhostsfile2", K_OTHER, NULL },
	{ "gssapiclientidentity", K_OTHER, NULL }, { "gssapidelegatecredentials", K_OTHER, NULL },
	{ "gssapikexalgorithms", K_OTHER, NULL }, { "gssapikeyexchange", K_OTHER, NULL },
	{ "gssapirenewalforcesrekey", K_OTHER, NULL }, { "gssapiserveridentity", K_OTHER, NULL },
	{ "gssapitrustdns", K_OTHER, NULL }, { "hashknownhosts", K_OTHER, NULL },
	{ "hostbasedacceptedalgorithms", K_OTHER, NULL }, { "hostbasedkeytypes", K_OTHER, NULL },
	{ "identityfile2", K_OTHER, NULL }, { "ipqos", K_OTHER, NULL },
	{ "kbdinteractivedevices", K_OTHER, NULL }, { "kerberosauthentication", K_OTHER, NULL },
	{ "kerberostgtpassing", K_OTHER, NULL }, { "afstokenpassing", K_OTHER, NULL },
	{ "loglevel", K_OTHER, NULL }, { "logverbose", K_OTHER, NULL },
	{ "nohostauthenticationforlocalhost", K_OTHER, NULL },
	{ "numberofpasswordprompts", K_OTHER, NULL }, { "permitlocalcommand", K_OTHER, NULL },
	{ "permitremoteopen", K_OTHER, NULL }, { "protocol", K_OTHER, NULL },
	{ "protocolkeepalives", K_OTHER, NULL }, { "proxyusefdpass", K_OTHER, NULL },
	{ "requiredrsasize", K_OTHER, NULL }, { "rhostsauthentication", K_OTHER, NULL },
	{ "rhostsrsaauthentication", K_OTHER, NULL }, { "rsaauthentication", K_OTHER, NULL },
	{ "securitykeyprovider", K_OTHER, NULL }, { "sessiontype", K_OTHER, NULL },
	{ "setuptimeout", K_OTHER, NULL }, { "skeyauthentication", K_OTHER, NULL },
	{ "smartcarddevice", K_OTHER, NULL }, { "stdinnull", K_OTHER, NULL },
	{ "streamlocalbindmask", K_OTHER, NULL }, { "streamlocalbindunlink", K_OTHER, NULL },
	{ "syslogfacility", K_OTHER, NULL }, { "tcpkeepalive", K_OTHER, NULL },
	{ "tisauthentication", K_OTHER, NULL }, { "tunneldevice", K_OTHER, NULL },
	{ "useblacklistedkeys", K_OTHER, NULL }, { "useprivilegedport", K_OTHER, NULL },
	{ "userknownhostsfile2", K_OTHER, NULL }, { "useroaming", K_OTHER, NULL },
	{ "usersh", K_OTHER, NULL }, { "verifyhostkeydns", K_OTHER, NULL },
	{ "visualhostkey", K_OTHER, NULL }, { "xauthlocation", K_OTHER, NULL },
};
const size_t eng__sshres_nkeywords =
    sizeof(eng__sshres_keywords) / sizeof(eng__sshres_keywords[0]);

int
eng__sshres_kw_find(const char *kw)
{
	size_t i;

	for (i = 0; i < eng__sshres_nkeywords; i++)
		if (strcmp(eng__sshres_keywords[i].name, kw) == 0)
			return (int)i;
	return -1;
}

/* sshres.c keeps one "seen" flag per keyword in a fixed array. */
_Static_assert(sizeof(eng__sshres_keywords) / sizeof(eng__sshres_keywords[0]) <=
    ENG_SSHRES_NKW_MAX, "raise ENG_SSHRES_NKW_MAX");
