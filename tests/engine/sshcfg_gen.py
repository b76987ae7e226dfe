#!/usr/bin/python3
"""tests/engine/sshcfg_gen.py SEED DIR - random ssh_config files for the
differential test in test_sshres.c: DIR/gen_0..gen_3 and the files they
Include (DIR/gen_inc/i0..i2.conf, reached as ~/.ssh/gen_inc/... when DIR is
~/.ssh). Host and Match lines over the test's host names, the keywords
drover applies with values in every syntax ssh takes (tokens, ~, quotes,
"=", case, algorithm list forms), Match final/canonical, nested Includes.
The same SEED always writes the same files (Python's random.Random)."""
import os
import random
import sys

seed = int(sys.argv[1])
out = sys.argv[2]
R = random.Random(seed)
R = random.Random(seed)
# (the test's host names, for reference)
names = ["alpha","ALPHA","beta","Gamma","gamma","web01","web02","web03","db","db1","db2","10.0.0.5","real.example.com","other.example.com","x","xa","my_host","prod-web-1","dev-3","a.b.c","bastion"]
def pat():
    p = R.choice(["*","web*","web0?","db?","*.example.com","!db*","alpha","ALPHA","gamma","x*","?","*-*","10.0.0.*","!web02","a.b.c","bastion","*.tok","Alpha.Example.COM"])
    return p
def plist():
    return " ".join(pat() for _ in range(R.randint(1,3)))
def clist():
    return ",".join(pat() for _ in range(R.randint(1,3)))
tok = ["%h","%p","%r","%u","%d","%%","%n","~/","%l","%L","%C","%i","%k","%j","${HOME}"]
def tv():
    return "".join(R.choice(["x","_",R.choice(tok),"-","k"]) for _ in range(R.randint(1,4)))
def path():
    v = R.choice(["~/.ssh/","/tmp/","~/","/etc/"]) + tv()
    return v if R.random()<0.8 else '"' + v + ' sp"'
algos_h = ["ssh-ed25519","ecdsa-sha2-nistp256","rsa-sha2-512","rsa-sha2-256","ssh-rsa","ssh-ed25519-cert-v01@openssh.com","ecdsa-*","*-cert-v01@openssh.com"]
algos_k = ["curve25519-sha256","diffie-hellman-group14-sha256","ecdh-sha2-nistp256","sntrup761x25519-sha512@openssh.com","diffie-hellman-group1-sha1","diffie-hellman-*","ecdh-*"]
algos_c = ["aes128-ctr","aes256-gcm@openssh.com","chacha20-poly1305@openssh.com","aes*-cbc","3des-cbc","aes256-ctr","aes*"]
def alg(lst):
    pre = R.choice(["","","+","-","^"])
    return pre + ",".join(R.sample(lst, R.randint(1,3)))
def kw():
    k = R.choice(["HostName","User","Port","IdentityFile","CertificateFile","IdentitiesOnly","IdentityAgent","ProxyJump","UserKnownHostsFile","GlobalKnownHostsFile","StrictHostKeyChecking","ConnectTimeout","ServerAliveInterval","ServerAliveCountMax","HostKeyAlgorithms","KexAlgorithms","Ciphers","ProxyCommand"])
    v = {
     "HostName": lambda: R.choice(["%h.tok","real.example.com","%h","10.1.2.3","h-%h","Alpha.Example.COM","%%h"]),
     "User": lambda: R.choice(["bob","alice","%u","u%h","root","\"user name\"","%r"]),
     "Port": lambda: R.choice(["2201","22","2202","65535","0022"]),
     "IdentityFile": path, "CertificateFile": path,
     "IdentitiesOnly": lambda: R.choice(["yes","no","YES"]),
     "IdentityAgent": lambda: R.choice(["none","SSH_AUTH_SOCK","$SSH_AUTH_SOCK","~/.ssh/agent.%h", "/tmp/a_%r"]),
     "ProxyJump": lambda: R.choice(["bastion","none","u@j1:2222","j1,j2","%h-jump","bastion:22","root@bastion:22","[::1]:22","u@[10.0.0.5]:2201","j1,bastion"]),
     "ProxyCommand": lambda: R.choice(["none","ssh -W %h:%p bastion","nc %h %p"]),
     "UserKnownHostsFile": lambda: " ".join(path() for _ in range(R.randint(1,2))) if R.random()<0.9 else "none",
     "GlobalKnownHostsFile": lambda: path() if R.random()<0.9 else "none",
     "StrictHostKeyChecking": lambda: R.choice(["yes","no","ask","accept-new","off","NO"]),
     "ConnectTimeout": lambda: R.choice(["5","10","1m","30s","0"]),
     "ServerAliveInterval": lambda: R.choice(["15","1m","0","1h30s"]),
     "ServerAliveCountMax": lambda: R.choice(["3","0","9"]),
     "HostKeyAlgorithms": lambda: alg(algos_h),
     "KexAlgorithms": lambda: alg(algos_k),
     "Ciphers": lambda: alg(algos_c),
    }[k]()
    kk = R.choice([k, k.lower(), k.upper()]) if R.random()<0.3 else k
    sep = R.choice([" ", " ", "=", " = ", "\t"])
    return kk + sep + v
def match():
    crit = []
    for _ in range(R.randint(1,2)):
        neg = "!" if R.random()<0.2 else ""
        c = R.choice(["host","originalhost","user","localuser","exec","all","canonical","final"])
        if c == "all": return "Match all"
        if c in ("canonical","final"):
            crit.append(neg + c); continue
        if c == "exec":
            arg = R.choice(['"true"','"false"','"test %h = real.example.com"','"test %n = alpha"','"exit 1"','"test %r = bob"'])
        elif c == "user": arg = R.choice(["bob","alice","*","b*","root"])
        elif c == "localuser": arg = R.choice(["root","nobody","r*"])
        else: arg = clist()
        crit.append(neg + c + " " + arg)
    return "Match " + " ".join(crit)
def block(depth, incs):
    lines = []
    for _ in range(R.randint(1,6)):
        r = R.random()
        if r < 0.55: lines.append("  " + kw())
        elif r < 0.65 and depth < 2 and incs:
            lines.append("  Include " + R.choice(incs))
    return lines
def cfg(depth, incs):
    L = []
    for _ in range(R.randint(0,3)): L.append(kw())
    for _ in range(R.randint(1,6)):
        r = R.random()
        if r < 0.5: L.append("Host " + plist() + R.choice(["", "", " # c", ' "!x*"', " !*"]))
        elif r < 0.85: L.append(match())
        elif incs and depth < 2: L.append("Include " + R.choice(incs)); continue
        L += block(depth, incs)
    return "\n".join(L) + "\n"
os.makedirs(out + "/gen_inc", exist_ok=True)
for i in range(3):
    with open(out + "/gen_inc/i%d.conf" % i, "w") as f:
        f.write(cfg(1, ["gen_inc/i%d.conf" % j for j in range(i + 1, 3)] +
                    ["gen_inc/nomatch*.conf"]))
for n in range(4):
    with open(out + "/gen_%d" % n, "w") as f:
        f.write(cfg(0, ["gen_inc/i0.conf", "gen_inc/i*.conf", "gen_inc/i2.conf",
                        "~/.ssh/gen_inc/i1.conf"]))
