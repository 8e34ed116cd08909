/* SPDX-License-Identifier: MIT */
/* host-model: a recording stand-in that also models what the real command does to the host, so that a
 * second run of the agent sees the first run's effect (the plain recorder answers the same whatever
 * happened). In C because the agent runs dozens of commands per run and the crash test runs the agent
 * hundreds of times: a shell stand-in costs 50-150 ms a call on a busy machine, this one about 1 ms.
 *
 * tests/lib/host-steps.sh builds it (host_model_build) and makes a bin directory of hard links NAME to it
 * (host_bin; hard links, not symlinks: /proc/self/exe then names the link, which gives both the command's
 * name and its bin directory), put on KUBE_FIRSTBOOT_PATH. The agent gives commands a minimal environment, so all state
 * lives beside the symlinks, in BIN:
 *   calls.log        every call, one line: "NAME ARG..." (as the recorder writes it)
 *   root             the --root tree the model acts on (proc/swaps, sys/module, proc/sys)
 *   state/           the model's own state: units/UNIT.{installed,enabled,active,masked},
 *                    firewalld.running, firewalld.permanent and firewalld.runtime (ports, one a line),
 *                    ip.DEV.addrs, ip.DEV.up, ip.default, ip.routes; ncalls (calls so far, all commands)
 *   NAME.exit        as for the recorder: exit code, or "N:M" = exit M for the first N calls; the
 *                    command then does nothing but print NAME.out
 *   NAME.out         output of an unmodelled command (or of an injected failure)
 *   delay            seconds to sleep before acting
 *   killat           "N before|after": SIGKILL the agent (our parent) at the N-th call, before or
 *                    after the command acts
 *   lock             held while a call runs: one call at a time, and a test waits on it for a command
 *                    that a killed agent left running
 *   fds.log          when it exists: one line a call, "NAME: FD..." the descriptors open when the
 *                    command started (tests/integration/test-spawn-fds.sh)
 * Modelled, as CentOS 7's versions behave (systemd 219, firewalld 0.6, util-linux 2.23):
 *  - systemctl is-enabled, is-active, enable, disable, mask, start, restart, stop UNIT..., daemon-reload.
 *    Several units per call: is-enabled prints one state line per unit and exits 0 if any is enabled
 *    (or static), but stops at the first unit without a unit file state (no file, not masked: a swap
 *    unit from the fstab generator), with the error on stderr and exit status 1; is-active likewise one
 *    line per unit, 0 if any is active, 3 if none; enable checks every unit before changing any (a
 *    missing or masked one fails the call, nothing enabled); mask masks each. `--now` (systemd 220) is
 *    refused as systemd 219 refuses it: "unrecognized option".
 *  - firewall-cmd --state, --reload, [--permanent] --list-ports, [--permanent] --add-port=P... (a
 *    sequence: each item parsed as firewall-cmd does, an item already there is "Warning:
 *    ALREADY_ENABLED" on stderr and counts as success; exit 0 when any item succeeded, else the one
 *    error code, or UNKNOWN_ERROR 254 for several; "success" once). NOT_RUNNING (252) for everything
 *    but --state when firewalld is stopped; stand-alone options mixed with others are refused (exit 2),
 *    and so is --list-ports mixed with --add-port (firewall-cmd would list and silently skip the adds).
 *  - firewall-cmd [--permanent] --direct --get-all-rules and --add-rule ipv4|ipv6|eb TABLE CHAIN PRIORITY
 *    ARGS... (state/firewalld.direct.permanent, .runtime: the rule lines as --get-all-rules prints them); an
 *    existing rule is ALREADY_ENABLED (a warning, exit 0); INVALID_IPV (111), INVALID_TABLE (108), a chain
 *    that is not built in COMMAND_FAILED (13), and at run time whatever iptables refuses (below) is
 *    COMMAND_FAILED too.
 *  - iptables [-w] -C|-I|-A|-D CHAIN RULE... of the filter table (state/iptables.CHAIN, one rule a line):
 *    no such chain, -C or -D of a rule that is not there ("Bad rule"), and the owner match outside OUTPUT
 *    and POSTROUTING (the kernel's "Invalid argument") fail with exit status 1.
 *  - systemctl --root=DIR enable|disable|mask|is-enabled act on a unit state of their own (state/root-units;
 *    a unit file in DIR's /etc/systemd/system or /usr/lib/systemd/system is installed); --root with any
 *    other verb is refused. Without --root, a unit file the agent wrote under the model's root is installed
 *    too, and start, restart and stop of such a oneshot run its ExecStart=/ExecStop= iptables lines.
 *  - modprobe NAME or -a NAME... (creates sys/module/NAME; br_netfilter also the bridge sysctls, set to 0
 *    as CentOS 7's /usr/lib/sysctl.d/00-system.conf leaves them; a module that lib/modules/RELEASE/
 *    modules.dep, when the tree has one, does not list is kmod's "not found", exit status 1), swapoff PATH... (drops each from proc/swaps; any
 *    not active: "Invalid argument", exit 255, the others still done), ip (addr show/replace, link
 *    show/set up/set down (which drops the default route through it, as the kernel does)/set mtu/set name (refused
 *    with the kernel's "Device or resource busy" while the link is up, and for a name taken; moves
 *    sys/class/net/DEV and the model's state), route show/replace default, route show/replace NET/PREFIX via
 *    GATEWAY dev DEV (refused, as by the kernel, when no address of DEV has GATEWAY in its subnet)), link add
 *    NAME type bond|bridge [OPTION VALUE]... and link add link DEV name NAME type vlan id ID (iproute2's
 *    options and values, checked as it checks them; creates sys/class/net/NAME with bonding/ or bridge/, or
 *    proc/net/vlan/NAME; a name taken is "File exists"), link set DEV master NAME (state/ip.DEV.master,
 *    shown by link show; the bonding driver of CentOS 7's kernel refuses a DEV that is up, and a bridge
 *    refuses a bridge), and link show of a device that does not exist fails as ip does; udevadm settle
 *    (state/udev-pending/DEV: a NIC that appears under sys/class/net once udev has settled). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static char bin[PATH_MAX], root[PATH_MAX] = "/nonexistent";
static const char *name;
static int rc;

static void die(const char *what) {
        fprintf(stderr, "host-model: %s: %s\n", what, strerror(errno));
        exit(99);
}

static const char *pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *pathf(char *buf, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        if (vsnprintf(buf, PATH_MAX, fmt, ap) >= PATH_MAX) {
                errno = ENAMETOOLONG;
                die(fmt);
        }
        va_end(ap);
        return buf;
}

static char *slurp(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0, cap = 0;
        int c;

        if (!f)
                return NULL;
        buf = malloc(cap = 4096);
        if (!buf)
                die("malloc");
        while ((c = getc(f)) != EOF) {
                if (n + 2 > cap && !(buf = realloc(buf, cap *= 2)))
                        die("realloc");
                buf[n++] = (char) c;
        }
        buf[n] = 0;
        fclose(f);
        return buf;
}

static void write_text(const char *path, const char *text, const char *mode) {
        FILE *f = fopen(path, mode);
        if (!f || fputs(text, f) < 0 || fclose(f) != 0)
                die(path);
}

static bool exists(const char *path) {
        return access(path, F_OK) == 0;
}

static void touch(const char *path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                die(path);
        close(fd);
}

static void mkdir_p(const char *path) {
        char buf[PATH_MAX];
        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1;; p++)
                if (*p == '/' || !*p) {
                        char saved = *p;
                        *p = 0;
                        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                                die(buf);
                        if (!(*p = saved))
                                break;
                }
}

static long read_long(const char *path, long def) {
        char *t = slurp(path);
        long v = t ? strtol(t, NULL, 10) : def;
        free(t);
        return v;
}

static void print_file(const char *path) {
        char *t = slurp(path);
        if (t)
                fputs(t, stdout);
        free(t);
}

/* ---- systemctl ---- */

static const char *units_dir = "units", *unit_root; /* systemctl --root=DIR: "root-units", DIR */

static void unit_path(char *buf, const char *unit, const char *what) {
        pathf(buf, "%s/state/%s/%s%s.%s", bin, units_dir, unit, strchr(unit, '.') ? "" : ".service", what);
}

/* A unit file in the tree's /etc/systemd/system or /usr/lib/systemd/system. */
static bool unit_file_in(const char *dir, const char *unit) {
        char p[PATH_MAX];
        const char *suffix = strchr(unit, '.') ? "" : ".service";
        return exists(pathf(p, "%s/etc/systemd/system/%s%s", dir, unit, suffix)) ||
               exists(pathf(p, "%s/usr/lib/systemd/system/%s%s", dir, unit, suffix));
}

static bool unit_has(const char *unit, const char *what) {
        char p[PATH_MAX];
        unit_path(p, unit, what);
        if (exists(p))
                return true;
        return strcmp(what, "installed") == 0 && unit_file_in(unit_root ? unit_root : root, unit);
}

static void unit_set(const char *unit, const char *what, bool on) {
        char p[PATH_MAX];
        unit_path(p, unit, what);
        if (on)
                touch(p);
        else
                (void) unlink(p);
}

static const char *unit_full(char *buf, size_t size, const char *unit) {
        snprintf(buf, size, "%s%s", unit, strchr(unit, '.') ? "" : ".service");
        return buf;
}

/* ---- iptables (the filter table) ---- */

static bool chain_known(const char *chain) {
        return !strcmp(chain, "INPUT") || !strcmp(chain, "FORWARD") || !strcmp(chain, "OUTPUT");
}

/* What the kernel refuses of a rule: 0, or 1 with iptables' message on stderr. */
static int iptables_refused(const char *chain, int argc, char **argv) {
        if (!chain_known(chain)) {
                fputs("iptables: No chain/target/match by that name.\n", stderr);
                return 1;
        }
        for (int i = 0; i + 1 < argc; i++)
                if (!strcmp(argv[i], "-m") && !strcmp(argv[i + 1], "owner") && strcmp(chain, "OUTPUT")) {
                        /* xt_owner: only valid in OUTPUT and POSTROUTING */
                        fputs("iptables: Invalid argument. Run `dmesg' for more information.\n", stderr);
                        return 1;
                }
        return 0;
}

static void rule_text(char *buf, size_t size, int argc, char **argv) {
        size_t n = 0;
        buf[0] = 0;
        for (int i = 0; i < argc && n < size; i++)
                n += (size_t) snprintf(buf + n, size - n, "%s%s", i ? " " : "", argv[i]);
}

/* Removes the line want from the file; whether it was there. */
static bool list_remove(const char *path, const char *want) {
        char *t = slurp(path), *save = NULL;
        char *out = calloc(1, t ? strlen(t) + 2 : 1);
        bool found = false;

        if (!out)
                die("calloc");
        for (char *w = t ? strtok_r(t, "\n", &save) : NULL; w; w = strtok_r(NULL, "\n", &save)) {
                if (!found && strcmp(w, want) == 0) {
                        found = true;
                        continue;
                }
                strcat(out, w);
                strcat(out, "\n");
        }
        write_text(path, out, "we");
        free(out);
        free(t);
        return found;
}

static bool list_has(const char *path, const char *word);

/* iptables [-w] -C|-I|-A|-D CHAIN RULE...: the exit status. */
static int iptables_run(int argc, char **argv) {
        char state[PATH_MAX], rule[2048], line[2100];
        const char *op, *chain;
        int i = 1;

        while (i < argc && !strcmp(argv[i], "-w"))
                i++;
        if (i + 1 >= argc || (strcmp(argv[i], "-C") && strcmp(argv[i], "-I") && strcmp(argv[i], "-A") &&
                              strcmp(argv[i], "-D"))) {
                fputs("iptables model: unmodelled command line\n", stderr);
                return 2;
        }
        op = argv[i];
        chain = argv[i + 1];
        i += 2;
        if (iptables_refused(chain, argc - i, argv + i))
                return 1;
        pathf(state, "%s/state/iptables.%s", bin, chain);
        rule_text(rule, sizeof(rule), argc - i, argv + i);
        if (!strcmp(op, "-C") || !strcmp(op, "-D")) {
                bool there = !strcmp(op, "-C") ? list_has(state, rule) : list_remove(state, rule);
                if (!there) {
                        fputs("iptables: Bad rule (does a matching rule exist in that chain?).\n", stderr);
                        return 1;
                }
                return 0;
        }
        if (!strcmp(op, "-I")) {
                char *t = slurp(state);
                snprintf(line, sizeof(line), "%s\n", rule);
                write_text(state, line, "we");
                if (t)
                        write_text(state, t, "ae");
                free(t);
        } else {
                snprintf(line, sizeof(line), "%s\n", rule);
                write_text(state, line, "ae");
        }
        return 0;
}

static void model_iptables(int argc, char **argv) {
        rc = iptables_run(argc, argv);
}

/* Runs a unit's ExecStart= or ExecStop= lines that call iptables, as systemd would ("-" ignores a
 * failure). 0, or the first failing line's status. */
static int unit_exec(const char *unit, const char *key) {
        char p[PATH_MAX], *t, *save = NULL;
        int status = 0;

        t = slurp(pathf(p, "%s/etc/systemd/system/%s%s", root, unit, strchr(unit, '.') ? "" : ".service"));
        for (char *line = t ? strtok_r(t, "\n", &save) : NULL; line && status == 0; line = strtok_r(NULL, "\n", &save)) {
                char *words[64], *wsave = NULL, *cmd;
                bool ignore;
                int n = 0, r;

                if (strncmp(line, key, strlen(key)) != 0)
                        continue;
                cmd = line + strlen(key);
                ignore = *cmd == '-';
                cmd += ignore;
                for (char *w = strtok_r(cmd, " ", &wsave); w && n < 63; w = strtok_r(NULL, " ", &wsave))
                        words[n++] = w;
                words[n] = NULL;
                if (n == 0 || strcmp(words[0], "/usr/sbin/iptables") != 0)
                        continue;
                r = iptables_run(n, words);
                if (r != 0 && !ignore)
                        status = r;
        }
        free(t);
        return status;
}

static void model_systemctl(int argc, char **argv) {
        const char *verb;
        char full[256], p[PATH_MAX];
        int first = 2;

        if (argc > 1 && strncmp(argv[1], "--root=", 7) == 0) {
                unit_root = argv[1] + 7;
                units_dir = "root-units";
                mkdir_p(pathf(p, "%s/state/root-units", bin));
                argv++, argc--;
        }
        verb = argc > 1 ? argv[1] : "";
        if (unit_root && strcmp(verb, "enable") && strcmp(verb, "disable") && strcmp(verb, "mask") &&
            strcmp(verb, "unmask") && strcmp(verb, "is-enabled")) {
                printf("systemctl model: --root with %s: that verb talks to the running systemd, not the tree's\n", verb);
                rc = 1;
                return;
        }
        for (int i = 1; i < argc; i++)
                if (strncmp(argv[i], "--", 2) == 0) {
                        /* systemd 219 knows no --now (220): getopt refuses it before anything is done */
                        fprintf(stderr, "systemctl: unrecognized option '%s'\n", argv[i]);
                        rc = 1;
                        return;
                }
        if (strcmp(verb, "daemon-reload") == 0 || first >= argc)
                return;

        if (strcmp(verb, "is-enabled") == 0) {
                bool enabled = false;
                for (int i = first; i < argc; i++) {
                        const char *unit = argv[i];
                        if (unit_has(unit, "masked"))
                                puts("masked");
                        else if (unit_has(unit, "enabled"))
                                puts("enabled"), enabled = true;
                        else if (unit_has(unit, "installed"))
                                puts("disabled");
                        else {
                                /* systemctl's stdout is a full buffer on a pipe, its stderr is not */
                                fprintf(stderr, "Failed to get unit file state for %s: No such file or directory\n",
                                        unit_full(full, sizeof(full), unit));
                                rc = 1;
                                return;
                        }
                }
                rc = enabled ? 0 : 1;
        } else if (strcmp(verb, "is-active") == 0) {
                rc = 3;
                for (int i = first; i < argc; i++)
                        if (unit_has(argv[i], "active"))
                                puts("active"), rc = 0;
                        else
                                puts("inactive");
        } else if (!strcmp(verb, "enable") || !strcmp(verb, "start") || !strcmp(verb, "restart")) {
                for (int i = first; i < argc; i++) {
                        unit_full(full, sizeof(full), argv[i]);
                        if (unit_has(argv[i], "masked")) {
                                printf("Failed to %s unit: Unit file %s is masked.\n", verb, full), rc = 1;
                                return;
                        }
                        if (!unit_has(argv[i], "installed")) {
                                printf("Failed to %s unit: Unit file %s does not exist.\n", verb, full), rc = 1;
                                return;
                        }
                }
                for (int i = first; i < argc; i++) {
                        unit_full(full, sizeof(full), argv[i]);
                        if (strcmp(verb, "enable") == 0) {
                                unit_set(argv[i], "enabled", true);
                                printf("Created symlink from /etc/systemd/system/multi-user.target.wants/%s to "
                                       "/usr/lib/systemd/system/%s.\n", full, full);
                        } else {
                                if (!strcmp(verb, "restart") && unit_has(argv[i], "active") && unit_exec(argv[i], "ExecStop=") != 0)
                                        return;
                                if ((!strcmp(verb, "restart") || !unit_has(argv[i], "active")) &&
                                    unit_exec(argv[i], "ExecStart=") != 0) {
                                        printf("Job for %s failed. See \"journalctl -xe\" for details.\n", full), rc = 1;
                                        return;
                                }
                                unit_set(argv[i], "active", true);
                        }
                }
        } else if (!strcmp(verb, "disable") || !strcmp(verb, "stop")) {
                for (int i = first; i < argc; i++) {
                        if (!strcmp(verb, "stop") && unit_has(argv[i], "active"))
                                (void) unit_exec(argv[i], "ExecStop=");
                        unit_set(argv[i], strcmp(verb, "disable") == 0 ? "enabled" : "active", false);
                }
        } else if (strcmp(verb, "mask") == 0) {
                for (int i = first; i < argc; i++) {
                        unit_set(argv[i], "masked", true);
                        unit_set(argv[i], "enabled", false);
                        printf("Created symlink from /etc/systemd/system/%s to /dev/null.\n",
                               unit_full(full, sizeof(full), argv[i]));
                }
        } else {
                printf("systemctl model: unmodelled verb %s\n", verb);
                rc = 1;
        }
}

/* ---- firewall-cmd ---- */

static bool list_has(const char *path, const char *word) {
        char *t = slurp(path), *save = NULL;
        bool found = false;
        for (char *w = t ? strtok_r(t, "\n", &save) : NULL; w; w = strtok_r(NULL, "\n", &save))
                found = found || strcmp(w, word) == 0;
        free(t);
        return found;
}

/* firewall-cmd's parse_port(): "PORT[-PORT]/PROTO". 0, or its error code. */
static int parse_port(const char *item) {
        const char *slash = strchr(item, '/'), *proto;
        char *end;
        long a, b;

        if (!slash || strchr(slash + 1, '/'))
                return 102; /* INVALID_PORT: "bad port (most likely missing protocol)" */
        a = strtol(item, &end, 10);
        b = a;
        if (end != item && *end == '-')
                b = strtol(end + 1, &end, 10);
        if (end != slash || a < 1 || a > 65535 || b < a || b > 65535)
                return 102; /* INVALID_PORT */
        proto = slash + 1;
        if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp") && strcmp(proto, "dccp"))
                return 103; /* INVALID_PROTOCOL */
        return 0;
}

/* firewall-cmd [--permanent] --direct --get-all-rules | --add-rule IPV TABLE CHAIN PRIORITY ARGS... */
static void model_firewall_direct(int argc, char **argv, bool running) {
        char list[PATH_MAX], line[2048];
        bool permanent = false, get_all = false;
        int add = 0;

        for (int i = 1; i < argc && !add; i++) {
                if (!strcmp(argv[i], "--permanent"))
                        permanent = true;
                else if (!strcmp(argv[i], "--get-all-rules"))
                        get_all = true;
                else if (!strcmp(argv[i], "--add-rule"))
                        add = i + 1;
                else if (strcmp(argv[i], "--direct")) {
                        printf("firewall-cmd model: unmodelled option %s with --direct\n", argv[i]);
                        rc = 2;
                        return;
                }
        }
        if (get_all == (add != 0)) {
                fputs("usage: see firewall-cmd man page\n", stderr);
                rc = 2;
                return;
        }
        if (!running) {
                puts("FirewallD is not running");
                rc = 252;
                return;
        }
        pathf(list, "%s/state/firewalld.direct.%s", bin, permanent ? "permanent" : "runtime");
        if (get_all) {
                print_file(list);
                return;
        }
        if (argc - add < 5) {
                fputs("usage: --direct --add-rule { ipv4 | ipv6 | eb } <table> <chain> <priority> <args>\n", stderr);
                rc = 2;
                return;
        }
        if (strcmp(argv[add], "ipv4") && strcmp(argv[add], "ipv6") && strcmp(argv[add], "eb")) {
                fprintf(stderr, "Error: INVALID_IPV: %s\n", argv[add]);
                rc = 111;
                return;
        }
        if (strcmp(argv[add + 1], "filter") && strcmp(argv[add + 1], "nat") && strcmp(argv[add + 1], "mangle") &&
            strcmp(argv[add + 1], "raw") && strcmp(argv[add + 1], "security")) {
                fprintf(stderr, "Error: INVALID_TABLE: %s\n", argv[add + 1]);
                rc = 108;
                return;
        }
        if (!permanent && (!chain_known(argv[add + 2]) || iptables_refused(argv[add + 2], argc - add - 4, argv + add + 4))) {
                fprintf(stderr, "Error: COMMAND_FAILED: '/usr/sbin/iptables -w2 -t %s -I %s_direct ...' failed\n",
                        argv[add + 1], argv[add + 2]);
                rc = 13;
                return;
        }
        rule_text(line, sizeof(line) - 1, argc - add, argv + add);
        if (list_has(list, line)) {
                fprintf(stderr, "Warning: ALREADY_ENABLED: rule '%s' already is in '%s:%s:%s'\n", line, argv[add],
                        argv[add + 1], argv[add + 2]);
                puts("success");
                return;
        }
        strcat(line, "\n");
        write_text(list, line, "ae");
        puts("success");
}

static void model_firewall_cmd(int argc, char **argv) {
        char running[PATH_MAX], perm[PATH_MAX], now[PATH_MAX];
        const char *list;
        bool permanent = false, state = false, reload = false, list_ports = false;
        int n_add = 0, n_ok = 0, codes[2] = { 0, 0 }, n_codes = 0;

        pathf(running, "%s/state/firewalld.running", bin);
        pathf(perm, "%s/state/firewalld.permanent", bin);
        pathf(now, "%s/state/firewalld.runtime", bin);
        for (int i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--direct")) {
                        model_firewall_direct(argc, argv, exists(running));
                        return;
                }
        /* argparse: options in any order, --permanent applies to the whole call */
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--permanent") == 0)
                        permanent = true;
                else if (strcmp(argv[i], "--state") == 0)
                        state = true;
                else if (strcmp(argv[i], "--reload") == 0)
                        reload = true;
                else if (strcmp(argv[i], "--list-ports") == 0)
                        list_ports = true;
                else if (strncmp(argv[i], "--add-port=", 11) == 0)
                        n_add++;
                else {
                        printf("firewall-cmd model: unmodelled option %s\n", argv[i]);
                        rc = 2;
                        return;
                }
        }
        if ((state || reload) && (permanent || list_ports || n_add > 0 || (state && reload))) {
                fputs("usage: see firewall-cmd man page\nCan't use stand-alone options with other options.\n", stderr);
                rc = 2;
                return;
        }
        if (list_ports && n_add > 0) {
                printf("firewall-cmd model: --list-ports with --add-port: firewall-cmd 0.6 lists and skips the adds\n");
                rc = 2;
                return;
        }
        if (!state && !reload && !list_ports && n_add == 0) {
                fputs("usage: see firewall-cmd man page\nNo option specified.\n", stderr);
                rc = 2;
                return;
        }
        if (state) {
                if (exists(running))
                        puts("running");
                else
                        puts("not running"), rc = 252;
                return;
        }
        if (!exists(running)) {
                puts("FirewallD is not running");
                rc = 252;
                return;
        }
        if (reload) {
                char *t = slurp(perm);
                write_text(now, t ? t : "", "we");
                free(t);
                puts("success");
                return;
        }
        list = permanent ? perm : now;
        if (list_ports) {
                char *t = slurp(list), *save = NULL;
                bool first = true;
                for (char *w = t ? strtok_r(t, "\n", &save) : NULL; w; w = strtok_r(NULL, "\n", &save)) {
                        printf("%s%s", first ? "" : " ", w);
                        first = false;
                }
                putchar('\n');
                free(t);
                return;
        }
        /* the add sequence: parse every item first (a bad one is fatal only when it is the only one) */
        for (int i = 1; i < argc; i++) {
                const char *port;
                int code;

                if (strncmp(argv[i], "--add-port=", 11) != 0)
                        continue;
                port = argv[i] + 11;
                code = parse_port(port);
                if (code == 0 && list_has(list, port)) {
                        /* ALREADY_ENABLED: a warning, and counted as success */
                        fprintf(stderr, "Warning: ALREADY_ENABLED: '%.*s:%s'\n", (int) strcspn(port, "/"), port,
                                strchr(port, '/') + 1);
                        n_ok++;
                        continue;
                }
                if (code != 0) {
                        if (n_add == 1) {
                                fprintf(stderr, "Error: %s: %s\n", code == 102 ? "INVALID_PORT" : "INVALID_PROTOCOL",
                                        port);
                                rc = code;
                                return;
                        }
                        fprintf(stderr, "Warning: %s: %s\n", code == 102 ? "INVALID_PORT" : "INVALID_PROTOCOL", port);
                        if (n_codes == 0 || (codes[0] != code && n_codes < 2))
                                codes[n_codes++] = code;
                        continue;
                }
                {
                        char line[128];
                        snprintf(line, sizeof(line), "%s\n", port);
                        write_text(list, line, "ae");
                }
                n_ok++;
        }
        if (n_ok == 0) {
                rc = n_codes == 1 ? codes[0] : 254; /* UNKNOWN_ERROR for several error codes */
                return;
        }
        puts("success");
}

/* ---- modprobe, swapoff ---- */

/* Whether the tree's lib/modules/RELEASE (the running kernel's release) has the module, as kmod finds it:
 * in modules.dep (its file NAME.ko..., '-' and '_' alike) or modules.builtin. A tree without modules.dep
 * has every module (the fixture has none): the one leniency of this model. */
static bool module_available(const char *module) {
        const char *lists[] = { "modules.dep", "modules.builtin" };
        struct utsname u;
        char p[PATH_MAX];

        if (uname(&u) < 0 || !exists(pathf(p, "%s/lib/modules/%s/modules.dep", root, u.release)))
                return true;
        for (size_t l = 0; l < 2; l++) {
                char *t = slurp(pathf(p, "%s/lib/modules/%s/%s", root, u.release, lists[l])), *line, *next;
                bool found = false;

                for (line = t; !found && line && *line; line = next) {
                        char *colon, *base, *nl = strchr(line, '\n');
                        size_t i, n = strlen(module);

                        next = nl ? nl + 1 : NULL;
                        if (nl)
                                *nl = 0;
                        colon = strchr(line, ':');
                        if (colon)
                                *colon = 0;
                        base = strrchr(line, '/');
                        base = base ? base + 1 : line;
                        if (strlen(base) < n + 3 || strncmp(base + n, ".ko", 3) != 0)
                                continue;
                        for (i = 0; i < n; i++)
                                if (base[i] != module[i] && !(strchr("-_", base[i]) && strchr("-_", module[i])))
                                        break;
                        found = i == n;
                }
                free(t);
                if (found)
                        return true;
        }
        return false;
}

/* Loads the module (false: kmod's message given, as a warning among several of -a). */
static bool model_modprobe_one(const char *module, bool several) {
        static const char *const bridge[] = { "bridge-nf-call-iptables", "bridge-nf-call-ip6tables",
                                              "bridge-nf-call-arptables" };
        char p[PATH_MAX];
        struct utsname u;

        if (!module_available(module)) {
                fprintf(stderr, "modprobe: %s: Module %s not found in directory /lib/modules/%s\n",
                        several ? "WARNING" : "FATAL", module, uname(&u) < 0 ? "?" : u.release);
                rc = 1;
                return false;
        }
        mkdir_p(pathf(p, "%s/sys/module/%s", root, module));
        if (strcmp(module, "br_netfilter") != 0)
                return true;
        mkdir_p(pathf(p, "%s/proc/sys/net/bridge", root));
        for (size_t i = 0; i < 3; i++)
                if (!exists(pathf(p, "%s/proc/sys/net/bridge/%s", root, bridge[i])))
                        write_text(p, "0\n", "we");
        return true;
}

/* modprobe NAME [PARAMS] loads one module; modprobe -a NAME... (kmod) loads each it finds, and fails
 * (exit status 1) when it did not find them all. */
static void model_modprobe(int argc, char **argv) {
        if (argc < 2)
                return;
        if (strcmp(argv[1], "-a") != 0) {
                model_modprobe_one(argv[1], false);
                return;
        }
        for (int i = 2; i < argc; i++)
                model_modprobe_one(argv[i], true);
}

static void model_swapoff(int argc, char **argv) {
        char p[PATH_MAX];

        pathf(p, "%s/proc/swaps", root);
        if (argc < 2) {
                fputs("swapoff: bad usage\n", stderr);
                rc = 1;
                return;
        }
        /* util-linux 2.23: every device is tried; any failure makes the exit status 255 */
        for (int a = 1; a < argc; a++) {
                char *t = slurp(p), *out, *line, *next;
                size_t n = 0;
                bool found = false;

                if (!t) {
                        printf("swapoff: %s: swapoff failed: Invalid argument\n", argv[a]);
                        rc = 255;
                        continue;
                }
                out = malloc(strlen(t) + 1);
                if (!out)
                        die("malloc");
                for (line = t; *line; line = next) {
                        size_t len = strcspn(line, "\n"), first = strcspn(line, " \t\n");
                        next = line + len + (line[len] ? 1 : 0);
                        if (line != t && first == strlen(argv[a]) && strncmp(line, argv[a], first) == 0) {
                                found = true;
                                continue;
                        }
                        memcpy(out + n, line, next - line);
                        n += next - line;
                }
                out[n] = 0;
                if (!found) {
                        printf("swapoff: %s: swapoff failed: Invalid argument\n", argv[a]);
                        rc = 255;
                } else
                        write_text(p, out, "we"); /* in place, as the kernel's file has no temp copies */
                free(out);
                free(t);
        }
}

/* ---- ip ---- */

/* Whether value is one of the space-separated words. */
static bool word_of(const char *value, const char *words) {
        size_t len = strlen(value);
        for (const char *p = words; *p;) {
                size_t w = strcspn(p, " ");
                if (w == len && strncmp(p, value, w) == 0)
                        return true;
                p += w;
                p += *p == ' ';
        }
        return false;
}

static bool is_uint(const char *s) {
        return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 10;
}

/* iproute2's get_addr32(): a dotted IPv4 address of four numbers up to 255 */
static bool is_ipv4(const char *s) {
        unsigned a, b, c, d;
        char end;
        return sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) == 4 && a < 256 && b < 256 && c < 256 && d < 256 &&
               strspn(s, "0123456789.") == strlen(s);
}

/* arp_ip_target's value: IPv4 addresses separated by commas; ip stops at the bonding driver's 16th */
static const char *bad_arp_target(const char *value) {
        static char word[64];
        const char *p = value;
        for (int i = 0; i < 16 && *p; i++) {
                size_t n = strcspn(p, ",");
                snprintf(word, sizeof(word), "%.*s", (int) (n < sizeof(word) ? n : sizeof(word) - 1), p);
                if (!is_ipv4(word))
                        return word;
                p += n;
                p += *p == ',';
        }
        return NULL;
}

/* ip link add NAME type bond|bridge OPTIONS, ip link add link DEV name NAME type vlan id ID: what iproute2
 * checks of the options (unknown ones: its usage and exit status 1; a bad value: exit 255), then the kernel. */
static void model_ip_link_add(int argc, char **argv) {
        static const struct {
                const char *type, *option, *values; /* values: words, or NULL for a number */
        } options[] = {
                { "bond", "mode", "balance-rr active-backup balance-xor broadcast 802.3ad balance-tlb balance-alb" },
                { "bond", "miimon", NULL },
                { "bond", "updelay", NULL },
                { "bond", "downdelay", NULL },
                { "bond", "min_links", NULL },
                { "bond", "lacp_rate", "slow fast" },
                { "bond", "xmit_hash_policy", "layer2 layer2+3 layer3+4 encap2+3 encap3+4 vlan+srcmac" },
                { "bond", "ad_select", "stable bandwidth count" },
                { "bond", "primary", "" },
                { "bond", "arp_interval", NULL },
                { "bond", "arp_ip_target", "" },
                { "bond", "arp_validate", "none active backup all filter filter_active filter_backup" },
                { "bond", "arp_all_targets", "any all" },
                { "bond", "num_grat_arp", NULL },
                { "bond", "fail_over_mac", "none active follow" },
                { "bond", "primary_reselect", "always better failure" },
                { "bond", "all_slaves_active", NULL },
                { "bond", "packets_per_slave", NULL },
                { "bond", "lp_interval", NULL },
                { "bridge", "stp_state", NULL },
                { "bridge", "forward_delay", NULL },
                { "bridge", "hello_time", NULL },
                { "bridge", "max_age", NULL },
                { "bridge", "ageing_time", NULL },
                { "bridge", "priority", NULL },
        };
        /* numbers ip parses narrower than get_u32 (max), and the range of those the kernel takes */
        static const struct {
                const char *option;
                unsigned long max, kernel_min, kernel_max;
        } ranges[] = {
                { "arp_interval", 4294967295ul, 0, 2147483647ul },
                { "num_grat_arp", 255, 0, 255 },
                { "all_slaves_active", 255, 0, 1 },
                { "packets_per_slave", 4294967295ul, 0, 65535 },
                { "lp_interval", 4294967295ul, 1, 2147483647ul },
        };
        char p[PATH_MAX], mac[32];
        const char *name = NULL, *link = NULL, *type = NULL;
        int a = 3;

        if (argc > 5 && strcmp(argv[3], "link") == 0 && strcmp(argv[5], "name") == 0 && argc > 6) {
                link = argv[4];
                name = argv[6];
                a = 7;
        } else if (argc > 3) {
                name = argv[3];
                a = 4;
        }
        if (!name || a + 1 >= argc || strcmp(argv[a], "type") != 0) {
                printf("ip model: unmodelled: link add without NAME type TYPE\n");
                rc = 1;
                return;
        }
        type = argv[a + 1];
        a += 2;
        if (strcmp(type, "vlan") == 0) {
                if (argc != a + 2 || strcmp(argv[a], "id") != 0 || !is_uint(argv[a + 1])) {
                        printf("vlan: unknown command \"%s\"?\n", a < argc ? argv[a] : "");
                        rc = 1;
                        return;
                }
                if (!link || !exists(pathf(p, "%s/sys/class/net/%s", root, link))) {
                        printf("Cannot find device \"%s\"\n", link ? link : "");
                        rc = 1;
                        return;
                }
                if (atoi(argv[a + 1]) > 4094) {
                        printf("RTNETLINK answers: Numerical result out of range\n");
                        rc = 2;
                        return;
                }
        } else if (strcmp(type, "bond") == 0 || strcmp(type, "bridge") == 0) {
                if (link) {
                        printf("ip model: unmodelled: link add link for a %s\n", type);
                        rc = 1;
                        return;
                }
                for (; a < argc; a += 2) {
                        size_t i;
                        for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
                                if (strcmp(options[i].type, type) == 0 && strcmp(options[i].option, argv[a]) == 0)
                                        break;
                        if (i == sizeof(options) / sizeof(options[0])) {
                                printf("%s: unknown command \"%s\"?\n", type, argv[a]);
                                rc = 1;
                                return;
                        }
                        if (a + 1 < argc && strcmp(argv[a], "arp_ip_target") == 0 && bad_arp_target(argv[a + 1])) {
                                printf("Error: an IP address is expected rather than \"%s\"\n",
                                       bad_arp_target(argv[a + 1]));
                                rc = 1;
                                return;
                        }
                        unsigned long max = 0, kernel_min = 0, kernel_max = 0;
                        for (size_t k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++)
                                if (strcmp(ranges[k].option, argv[a]) == 0) {
                                        max = ranges[k].max;
                                        kernel_min = ranges[k].kernel_min;
                                        kernel_max = ranges[k].kernel_max;
                                }
                        if (a + 1 >= argc || (options[i].values ? (options[i].values[0] && !word_of(argv[a + 1], options[i].values))
                                                                 : !is_uint(argv[a + 1]) ||
                                                                           (max && strtoul(argv[a + 1], NULL, 10) > max))) {
                                printf("Error: argument \"%s\" is wrong: invalid %s\n", a + 1 < argc ? argv[a + 1] : "",
                                       strcmp(argv[a], "num_grat_arp") == 0 ? "num_grat_arp|num_unsol_na" : argv[a]);
                                rc = 255;
                                return;
                        }
                        if (kernel_max && (strtoul(argv[a + 1], NULL, 10) < kernel_min ||
                                           strtoul(argv[a + 1], NULL, 10) > kernel_max)) {
                                printf("RTNETLINK answers: Invalid argument\n");
                                rc = 2;
                                return;
                        }
                }
        } else {
                printf("ip model: unmodelled: link add of type %s\n", type);
                rc = 1;
                return;
        }
        if (exists(pathf(p, "%s/sys/class/net/%s", root, name))) {
                printf("RTNETLINK answers: File exists\n");
                rc = 2;
                return;
        }
        mkdir_p(pathf(p, "%s/sys/class/net/%s", root, name));
        /* a VLAN has its link's MAC; a bond or bridge one of its own until a member gives it one */
        snprintf(mac, sizeof(mac), "02:00:00:00:00:%02x\n", (unsigned) strlen(name));
        if (link) {
                char *t = slurp(pathf(p, "%s/sys/class/net/%s/address", root, link));
                if (t)
                        snprintf(mac, sizeof(mac), "%s", t);
                free(t);
        }
        write_text(pathf(p, "%s/sys/class/net/%s/address", root, name), mac, "we");
        if (strcmp(type, "vlan") == 0) {
                mkdir_p(pathf(p, "%s/proc/net/vlan", root));
                touch(pathf(p, "%s/proc/net/vlan/%s", root, name));
        } else
                mkdir_p(pathf(p, "%s/sys/class/net/%s/%s", root, name, strcmp(type, "bond") == 0 ? "bonding" : "bridge"));
}

/* ip link set DEV master NAME */
static void model_ip_link_master(const char *dev, const char *master) {
        char p[PATH_MAX], line[64];

        if (!exists(pathf(p, "%s/sys/class/net/%s", root, dev))) {
                printf("Cannot find device \"%s\"\n", dev);
                rc = 1;
        } else if (!exists(pathf(p, "%s/sys/class/net/%s", root, master))) {
                printf("Error: argument \"%s\" is wrong: Device does not exist\n\n", master);
                rc = 255;
        } else if (exists(pathf(p, "%s/sys/class/net/%s/bonding", root, master)) &&
                   exists(pathf(p, "%s/state/ip.%s.up", bin, dev))) {
                printf("RTNETLINK answers: Operation not permitted\n");
                rc = 2;
        } else if (exists(pathf(p, "%s/sys/class/net/%s/bridge", root, master)) &&
                   exists(pathf(p, "%s/sys/class/net/%s/bridge", root, dev))) {
                printf("Error: Can not enslave a bridge to a bridge.\n");
                rc = 2;
        } else {
                snprintf(line, sizeof(line), "%s\n", master);
                write_text(pathf(p, "%s/state/ip.%s.master", bin, dev), line, "we");
        }
}


static void model_ip(int argc, char **argv) {
        char args[1024] = "", p[PATH_MAX];
        const char *dev = argv[argc - 1];
        size_t n = 0;

        for (int i = 1; i < argc; i++)
                n += (size_t) snprintf(args + n, sizeof(args) - n, "%s%s", i > 1 ? " " : "", argv[i]);

        if (strncmp(args, "-o -4 addr show dev ", 20) == 0) {
                char *t = slurp(pathf(p, "%s/state/ip.%s.addrs", bin, dev)), *save = NULL;
                for (char *a = t ? strtok_r(t, "\n", &save) : NULL; a; a = strtok_r(NULL, "\n", &save))
                        printf("2: %s    inet %s scope global %s\\       valid_lft forever preferred_lft forever\n", dev,
                               a, dev);
                free(t);
        } else if (strncmp(args, "-o link show dev ", 17) == 0 && !exists(pathf(p, "%s/sys/class/net/%s", root, dev))) {
                printf("Device \"%s\" does not exist.\n", dev);
                rc = 1;
        } else if (strncmp(args, "-o link show dev ", 17) == 0) {
                char *mac = slurp(pathf(p, "%s/sys/class/net/%s/address", root, dev));
                bool up = exists(pathf(p, "%s/state/ip.%s.up", bin, dev));
                char *mtu = slurp(pathf(p, "%s/state/ip.%s.mtu", bin, dev));
                char *master = slurp(pathf(p, "%s/state/ip.%s.master", bin, dev)), master_words[64] = "";
                if (mac)
                        mac[strcspn(mac, "\n")] = 0;
                if (mtu)
                        mtu[strcspn(mtu, "\n")] = 0;
                if (master)
                        snprintf(master_words, sizeof(master_words), " master %.*s", (int) strcspn(master, "\n"),
                                 master);
                printf("2: %s: %s mtu %s qdisc pfifo_fast%s state UP mode DEFAULT group default qlen 1000\\    "
                       "link/ether %s brd ff:ff:ff:ff:ff:ff\n",
                       dev, up ? "<BROADCAST,MULTICAST,UP,LOWER_UP>" : "<BROADCAST,MULTICAST>", mtu ? mtu : "1500",
                       master_words, mac ? mac : "");
                free(mac);
                free(mtu);
                free(master);
        } else if (strcmp(args, "route show default") == 0)
                print_file(pathf(p, "%s/state/ip.default", bin));
        else if (argc == 4 && strcmp(argv[1], "route") == 0 && strcmp(argv[2], "show") == 0) {
                char *t = slurp(pathf(p, "%s/state/ip.routes", bin)), *save = NULL;
                size_t len = strlen(argv[3]);
                for (char *l = t ? strtok_r(t, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
                        if (strncmp(l, argv[3], len) == 0 && l[len] == ' ')
                                printf("%s\n", l);
                free(t);
        } else if (argc == 8 && strcmp(argv[1], "route") == 0 && strcmp(argv[2], "replace") == 0 &&
                   strcmp(argv[3], "default") != 0 && strcmp(argv[4], "via") == 0 && strcmp(argv[6], "dev") == 0) {
                /* as the kernel: the gateway must be in a subnet of one of the device's addresses */
                char *addrs = slurp(pathf(p, "%s/state/ip.%s.addrs", bin, argv[7]));
                char *routes = slurp(pathf(p, "%s/state/ip.routes", bin)), *save = NULL, out[8192] = "", line[256];
                bool reachable = false;
                unsigned gw[4], a[4], bits;
                size_t n = 0, len = strlen(argv[3]);
                for (char *l = addrs ? strtok_r(addrs, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
                        if (sscanf(argv[5], "%u.%u.%u.%u", &gw[0], &gw[1], &gw[2], &gw[3]) == 4 &&
                            sscanf(l, "%u.%u.%u.%u/%u", &a[0], &a[1], &a[2], &a[3], &bits) == 5 && bits <= 32) {
                                unsigned g = gw[0] << 24 | gw[1] << 16 | gw[2] << 8 | gw[3];
                                unsigned x = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
                                unsigned mask = bits ? ~0u << (32 - bits) : 0;
                                reachable = reachable || (g & mask) == (x & mask);
                        }
                if (!reachable) {
                        printf("Error: Nexthop has invalid gateway.\n");
                        rc = 2;
                } else {
                        save = NULL;
                        for (char *l = routes ? strtok_r(routes, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
                                if (!(strncmp(l, argv[3], len) == 0 && l[len] == ' ') && n + strlen(l) + 2 < sizeof(out))
                                        n += (size_t) snprintf(out + n, sizeof(out) - n, "%s\n", l);
                        snprintf(line, sizeof(line), "%s via %s dev %s\n", argv[3], argv[5], argv[7]);
                        if (n + strlen(line) < sizeof(out))
                                memcpy(out + n, line, strlen(line) + 1);
                        write_text(pathf(p, "%s/state/ip.routes", bin), out, "we");
                }
                free(addrs);
                free(routes);
        }
        else if (argc == 6 && strcmp(argv[1], "addr") == 0 && strcmp(argv[2], "replace") == 0 &&
                 strcmp(argv[4], "dev") == 0) {
                pathf(p, "%s/state/ip.%s.addrs", bin, dev);
                if (!list_has(p, argv[3])) {
                        char line[128];
                        snprintf(line, sizeof(line), "%s\n", argv[3]);
                        write_text(p, line, "ae");
                }
        } else if (argc == 5 && strcmp(argv[1], "link") == 0 && strcmp(argv[2], "set") == 0 &&
                   strcmp(argv[4], "up") == 0)
                touch(pathf(p, "%s/state/ip.%s.up", bin, argv[3]));
        else if (argc == 5 && strcmp(argv[1], "link") == 0 && strcmp(argv[2], "set") == 0 &&
                   strcmp(argv[4], "down") == 0) {
                char *route = slurp(pathf(p, "%s/state/ip.default", bin)), tail[64];
                (void) unlink(pathf(p, "%s/state/ip.%s.up", bin, argv[3]));
                snprintf(tail, sizeof(tail), " dev %s", argv[3]);
                if (route && strstr(route, tail) && (strstr(route, tail)[strlen(tail)] == ' ' ||
                                                     strstr(route, tail)[strlen(tail)] == '\n'))
                        (void) unlink(pathf(p, "%s/state/ip.default", bin));
                free(route);
                route = slurp(pathf(p, "%s/state/ip.routes", bin));
                if (route) {
                        char out[8192] = "", *save = NULL;
                        size_t n = 0;
                        for (char *l = strtok_r(route, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                                size_t len = strlen(l);
                                if ((len >= strlen(tail) && strcmp(l + len - strlen(tail), tail) == 0) ||
                                    n + len + 2 >= sizeof(out))
                                        continue;
                                n += (size_t) snprintf(out + n, sizeof(out) - n, "%s\n", l);
                        }
                        write_text(pathf(p, "%s/state/ip.routes", bin), out, "we");
                        free(route);
                }
        } else if (argc == 6 && strcmp(argv[1], "link") == 0 && strcmp(argv[2], "set") == 0 &&
                   strcmp(argv[4], "mtu") == 0) {
                char line[32];
                if (strspn(argv[5], "0123456789") != strlen(argv[5]) || atoi(argv[5]) < 68 || atoi(argv[5]) > 65535) {
                        printf("Error: argument \"%s\" is wrong: Invalid \"mtu\" value\n", argv[5]);
                        rc = 1;
                } else {
                        snprintf(line, sizeof(line), "%s\n", argv[5]);
                        write_text(pathf(p, "%s/state/ip.%s.mtu", bin, argv[3]), line, "we");
                }
        } else if (argc == 6 && strcmp(argv[1], "link") == 0 && strcmp(argv[2], "set") == 0 &&
                   strcmp(argv[4], "name") == 0) {
                char from[PATH_MAX], to[PATH_MAX];
                if (!exists(pathf(from, "%s/sys/class/net/%s", root, argv[3]))) {
                        printf("Cannot find device \"%s\"\n", argv[3]);
                        rc = 1;
                } else if (exists(pathf(p, "%s/state/ip.%s.up", bin, argv[3]))) {
                        printf("RTNETLINK answers: Device or resource busy\n");
                        rc = 2;
                } else if (exists(pathf(to, "%s/sys/class/net/%s", root, argv[5]))) {
                        printf("RTNETLINK answers: File exists\n");
                        rc = 2;
                } else if (rename(from, to) < 0)
                        die("rename");
                else
                        for (int k = 0; k < 2; k++) {
                                const char *state = k ? "mtu" : "addrs";
                                if (exists(pathf(from, "%s/state/ip.%s.%s", bin, argv[3], state)) &&
                                    rename(from, pathf(to, "%s/state/ip.%s.%s", bin, argv[5], state)) < 0)
                                        die("rename");
                        }
        } else if (argc >= 3 && strcmp(argv[1], "link") == 0 && strcmp(argv[2], "add") == 0)
                model_ip_link_add(argc, argv);
        else if (argc == 6 && strcmp(argv[1], "link") == 0 && strcmp(argv[2], "set") == 0 &&
                 strcmp(argv[4], "master") == 0)
                model_ip_link_master(argv[3], argv[5]);
        else if (strncmp(args, "route replace default via ", 26) == 0) {
                char line[1100];
                snprintf(line, sizeof(line), "%s\n", args + strlen("route replace "));
                write_text(pathf(p, "%s/state/ip.default", bin), line, "we");
        } else {
                printf("ip model: unmodelled: %s\n", args);
                rc = 1;
        }
}

/* ---- the call ---- */

static void killat(long total, const char *when) {
        char p[PATH_MAX], *t = slurp(pathf(p, "%s/killat", bin));
        char w[16] = "";
        long n = 0;

        if (t && sscanf(t, "%ld %15s", &n, w) == 2 && n == total && strcmp(w, when) == 0) {
                fflush(stdout);
                kill(getppid(), SIGKILL);
                exit(137);
        }
        free(t);
}

/* The descriptors open now (the listing's own left out), in ascending order, as " 0 1 2". */
static void open_fds(char *ret, size_t size) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        bool open_fd[1024] = { false };
        size_t n = 0;

        ret[0] = 0;
        if (!d)
                die("/proc/self/fd");
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] != '.' && fd != dirfd(d))
                        open_fd[fd >= 0 && fd < 1024 ? fd : 1023] = true;
        }
        closedir(d);
        for (int fd = 0; fd < 1024 && n < size; fd++)
                if (open_fd[fd])
                        n += (size_t) snprintf(ret + n, size - n, " %d", fd);
}

/* udevadm settle [--timeout=SECONDS]: the network devices udev had yet to handle (state/udev-pending/DEV,
 * each holding the MAC of a NIC whose driver was still loading) appear under sys/class/net, as when udev
 * works through its queue. Any other subcommand or option is refused (exit 2), and a timeout that is not a
 * number as udevadm refuses it (exit 1). */
static void model_udevadm(int argc, char **argv) {
        char p[PATH_MAX], q[PATH_MAX];
        struct dirent *de;
        DIR *d;

        if (argc < 2 || strcmp(argv[1], "settle") != 0) {
                fprintf(stderr, "udevadm: this stand-in models only \"udevadm settle\"\n");
                rc = 2;
                return;
        }
        for (int a = 2; a < argc; a++) {
                char *end;

                if (strncmp(argv[a], "--timeout=", 10) != 0) {
                        fprintf(stderr, "udevadm: unrecognized option '%s'\n", argv[a]);
                        rc = 2;
                        return;
                }
                errno = 0;
                (void) strtoul(argv[a] + 10, &end, 10);
                if (errno || end == argv[a] + 10 || *end) {
                        fprintf(stderr, "Failed to parse timeout value '%s', ignoring: Invalid argument\n", argv[a] + 10);
                        rc = 1;
                        return;
                }
        }
        d = opendir(pathf(p, "%s/state/udev-pending", bin));
        if (!d)
                return;
        while ((de = readdir(d))) {
                char *mac;

                if (de->d_name[0] == '.')
                        continue;
                mac = slurp(pathf(p, "%s/state/udev-pending/%s", bin, de->d_name));
                if (!mac)
                        die(p);
                mkdir_p(pathf(q, "%s/sys/class/net/%s/device", root, de->d_name));
                write_text(pathf(q, "%s/sys/class/net/%s/address", root, de->d_name), mac, "we");
                free(mac);
                if (unlink(p) < 0)
                        die(p);
        }
        closedir(d);
}

int main(int argc, char **argv) {
        char p[PATH_MAX], line[4096], exe[PATH_MAX], fds[256], *t;
        const char *slash;
        long count, total;
        ssize_t len;
        size_t n;
        int lock;

        open_fds(fds, sizeof(fds)); /* before this program opens anything */

        /* argv[0] is the bare name the agent looked up; /proc/self/exe is the hard link it ran. */
        len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (len <= 0)
                die("/proc/self/exe");
        exe[len] = 0;
        slash = strrchr(exe, '/');
        snprintf(bin, sizeof(bin), "%.*s", (int) (slash - exe), exe);
        name = slash + 1;
        mkdir_p(pathf(p, "%s/state/units", bin));
        if (exists(pathf(p, "%s/fds.log", bin))) {
                snprintf(line, sizeof(line), "%s:%s\n", name, fds);
                write_text(p, line, "ae");
        }

        lock = open(pathf(p, "%s/lock", bin), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (lock < 0 || flock(lock, LOCK_EX) < 0)
                die("lock");

        n = (size_t) snprintf(line, sizeof(line), "%s", name);
        for (int i = 1; i < argc && n < sizeof(line); i++)
                n += (size_t) snprintf(line + n, sizeof(line) - n, " %s", argv[i]);
        if (n >= sizeof(line) - 1)
                n = sizeof(line) - 2;
        line[n++] = '\n';
        line[n] = 0;
        write_text(pathf(p, "%s/calls.log", bin), line, "ae");

        count = read_long(pathf(p, "%s/%s.count", bin, name), 0) + 1;
        snprintf(line, sizeof(line), "%ld\n", count);
        write_text(p, line, "we");
        total = read_long(pathf(p, "%s/state/ncalls", bin), 0) + 1;
        snprintf(line, sizeof(line), "%ld\n", total);
        write_text(p, line, "we");

        if ((t = slurp(pathf(p, "%s/delay", bin)))) {
                double d = strtod(t, NULL);
                struct timespec ts = { (time_t) d, (long) ((d - (double) (time_t) d) * 1e9) };
                nanosleep(&ts, NULL);
                free(t);
        }
        killat(total, "before");

        if ((t = slurp(pathf(p, "%s/%s.exit", bin, name)))) {
                long code = strtol(t, NULL, 10);
                char *colon = strchr(t, ':');
                if (colon)
                        code = count <= code ? strtol(colon + 1, NULL, 10) : 0;
                free(t);
                if (code != 0) {
                        print_file(pathf(p, "%s/%s.out", bin, name));
                        return (int) code;
                }
        }

        if ((t = slurp(pathf(p, "%s/root", bin)))) {
                t[strcspn(t, "\n")] = 0;
                snprintf(root, sizeof(root), "%s", t);
                free(t);
        }

        if (strcmp(name, "systemctl") == 0)
                model_systemctl(argc, argv);
        else if (strcmp(name, "firewall-cmd") == 0)
                model_firewall_cmd(argc, argv);
        else if (strcmp(name, "iptables") == 0)
                model_iptables(argc, argv);
        else if (strcmp(name, "modprobe") == 0)
                model_modprobe(argc, argv);
        else if (strcmp(name, "swapoff") == 0)
                model_swapoff(argc, argv);
        else if (strcmp(name, "ip") == 0 && argc > 1)
                model_ip(argc, argv);
        else if (strcmp(name, "udevadm") == 0)
                model_udevadm(argc, argv);
        else
                print_file(pathf(p, "%s/%s.out", bin, name));

        fflush(stdout);
        killat(total, "after");
        return rc;
}
