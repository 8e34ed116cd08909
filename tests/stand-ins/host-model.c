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
 *                    ip.DEV.addrs, ip.DEV.up, ip.default; ncalls (calls so far, all commands)
 *   NAME.exit        as for the recorder: exit code, or "N:M" = exit M for the first N calls; the
 *                    command then does nothing but print NAME.out
 *   NAME.out         output of an unmodelled command (or of an injected failure)
 *   delay            seconds to sleep before acting
 *   killat           "N before|after": SIGKILL the agent (our parent) at the N-th call, before or
 *                    after the command acts
 *   lock             held while a call runs: one call at a time, and a test waits on it for a command
 *                    that a killed agent left running
 * Modelled: systemctl (is-enabled, is-active, enable, disable [--now], mask, start, restart, stop,
 * daemon-reload), firewall-cmd (--state, [--permanent] --list-ports / --add-port=P, --reload),
 * modprobe NAME (creates sys/module/NAME; br_netfilter also the bridge sysctls, set to 0 as CentOS 7's
 * /usr/lib/sysctl.d/00-system.conf leaves them), swapoff PATH (drops PATH from proc/swaps), ip (addr
 * show/replace, link show/set up, route show/replace default). */
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

static void unit_path(char *buf, const char *unit, const char *what) {
        pathf(buf, "%s/state/units/%s%s.%s", bin, unit, strchr(unit, '.') ? "" : ".service", what);
}

static bool unit_has(const char *unit, const char *what) {
        char p[PATH_MAX];
        unit_path(p, unit, what);
        return exists(p);
}

static void unit_set(const char *unit, const char *what, bool on) {
        char p[PATH_MAX];
        unit_path(p, unit, what);
        if (on)
                touch(p);
        else
                (void) unlink(p);
}

static void model_systemctl(int argc, char **argv) {
        const char *verb = argc > 1 ? argv[1] : "", *unit;
        char full[256];
        bool now = false;
        int i = 2;

        if (i < argc && strcmp(argv[i], "--now") == 0) {
                now = true;
                i++;
        }
        if (strcmp(verb, "daemon-reload") == 0 || i >= argc)
                return;
        unit = argv[i];
        snprintf(full, sizeof(full), "%s%s", unit, strchr(unit, '.') ? "" : ".service");

        if (strcmp(verb, "is-enabled") == 0) {
                if (unit_has(unit, "masked"))
                        puts("masked"), rc = 1;
                else if (unit_has(unit, "enabled"))
                        puts("enabled");
                else if (unit_has(unit, "installed"))
                        puts("disabled"), rc = 1;
                else
                        printf("Failed to get unit file state for %s: No such file or directory\n", full), rc = 1;
        } else if (strcmp(verb, "is-active") == 0) {
                if (unit_has(unit, "active"))
                        puts("active");
                else
                        puts("inactive"), rc = 3;
        } else if (!strcmp(verb, "enable") || !strcmp(verb, "start") || !strcmp(verb, "restart")) {
                if (unit_has(unit, "masked"))
                        printf("Failed to %s unit: Unit file %s is masked.\n", verb, full), rc = 1;
                else if (!unit_has(unit, "installed"))
                        printf("Failed to %s unit: Unit file %s does not exist.\n", verb, full), rc = 1;
                else if (strcmp(verb, "enable") == 0) {
                        unit_set(unit, "enabled", true);
                        printf("Created symlink /etc/systemd/system/multi-user.target.wants/%s -> "
                               "/usr/lib/systemd/system/%s.\n", full, full);
                        if (now)
                                unit_set(unit, "active", true);
                } else
                        unit_set(unit, "active", true);
        } else if (!strcmp(verb, "disable") || !strcmp(verb, "stop")) {
                if (strcmp(verb, "disable") == 0)
                        unit_set(unit, "enabled", false);
                if (strcmp(verb, "stop") == 0 || now)
                        unit_set(unit, "active", false);
        } else if (strcmp(verb, "mask") == 0) {
                unit_set(unit, "masked", true);
                unit_set(unit, "enabled", false);
                printf("Created symlink /etc/systemd/system/%s -> /dev/null.\n", full);
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

static void model_firewall_cmd(int argc, char **argv) {
        char running[PATH_MAX], perm[PATH_MAX], now[PATH_MAX];
        bool permanent = false;

        pathf(running, "%s/state/firewalld.running", bin);
        pathf(perm, "%s/state/firewalld.permanent", bin);
        pathf(now, "%s/state/firewalld.runtime", bin);
        if (argc > 1 && strcmp(argv[1], "--state") == 0) {
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
        for (int i = 1; i < argc; i++) {
                const char *list = permanent ? perm : now;
                if (strcmp(argv[i], "--permanent") == 0)
                        permanent = true;
                else if (strcmp(argv[i], "--list-ports") == 0) {
                        char *t = slurp(list), *save = NULL;
                        bool first = true;
                        for (char *w = t ? strtok_r(t, "\n", &save) : NULL; w; w = strtok_r(NULL, "\n", &save)) {
                                printf("%s%s", first ? "" : " ", w);
                                first = false;
                        }
                        putchar('\n');
                        free(t);
                } else if (strncmp(argv[i], "--add-port=", 11) == 0) {
                        const char *port = argv[i] + 11;
                        if (!list_has(list, port)) {
                                char line[128];
                                snprintf(line, sizeof(line), "%s\n", port);
                                write_text(list, line, "ae");
                        }
                        puts("success");
                } else if (strcmp(argv[i], "--reload") == 0) {
                        char *t = slurp(perm);
                        write_text(now, t ? t : "", "we");
                        free(t);
                        puts("success");
                } else {
                        printf("unmodelled option %s\n", argv[i]);
                        rc = 2;
                }
        }
}

/* ---- modprobe, swapoff ---- */

static void model_modprobe(int argc, char **argv) {
        static const char *const bridge[] = { "bridge-nf-call-iptables", "bridge-nf-call-ip6tables",
                                              "bridge-nf-call-arptables" };
        char p[PATH_MAX];

        if (argc < 2)
                return;
        mkdir_p(pathf(p, "%s/sys/module/%s", root, argv[1]));
        if (strcmp(argv[1], "br_netfilter") != 0)
                return;
        mkdir_p(pathf(p, "%s/proc/sys/net/bridge", root));
        for (size_t i = 0; i < 3; i++)
                if (!exists(pathf(p, "%s/proc/sys/net/bridge/%s", root, bridge[i])))
                        write_text(p, "0\n", "we");
}

static void model_swapoff(int argc, char **argv) {
        char p[PATH_MAX], *t, *out, *line, *next;
        size_t n = 0;
        bool found = false;

        pathf(p, "%s/proc/swaps", root);
        t = slurp(p);
        if (argc < 2 || !t) {
                free(t);
                printf("swapoff: %s: swapoff failed: Invalid argument\n", argc > 1 ? argv[1] : "");
                rc = 255;
                return;
        }
        out = malloc(strlen(t) + 1);
        if (!out)
                die("malloc");
        for (line = t; *line; line = next) {
                size_t len = strcspn(line, "\n"), first = strcspn(line, " \t\n");
                next = line + len + (line[len] ? 1 : 0);
                if (line != t && first == strlen(argv[1]) && strncmp(line, argv[1], first) == 0) {
                        found = true;
                        continue;
                }
                memcpy(out + n, line, next - line);
                n += next - line;
        }
        out[n] = 0;
        if (!found) {
                printf("swapoff: %s: swapoff failed: Invalid argument\n", argv[1]);
                rc = 255;
        } else
                write_text(p, out, "we"); /* in place, as the kernel's file has no temp copies */
        free(out);
        free(t);
}

/* ---- ip ---- */

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
        } else if (strncmp(args, "-o link show dev ", 17) == 0) {
                char *mac = slurp(pathf(p, "%s/sys/class/net/%s/address", root, dev));
                bool up = exists(pathf(p, "%s/state/ip.%s.up", bin, dev));
                if (mac)
                        mac[strcspn(mac, "\n")] = 0;
                printf("2: %s: %s mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\\    "
                       "link/ether %s brd ff:ff:ff:ff:ff:ff\n",
                       dev, up ? "<BROADCAST,MULTICAST,UP,LOWER_UP>" : "<BROADCAST,MULTICAST>", mac ? mac : "");
                free(mac);
        } else if (strcmp(args, "route show default") == 0)
                print_file(pathf(p, "%s/state/ip.default", bin));
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

int main(int argc, char **argv) {
        char p[PATH_MAX], line[4096], exe[PATH_MAX], *t;
        const char *slash;
        long count, total;
        ssize_t len;
        size_t n;
        int lock;

        /* argv[0] is the bare name the agent looked up; /proc/self/exe is the hard link it ran. */
        len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (len <= 0)
                die("/proc/self/exe");
        exe[len] = 0;
        slash = strrchr(exe, '/');
        snprintf(bin, sizeof(bin), "%.*s", (int) (slash - exe), exe);
        name = slash + 1;
        mkdir_p(pathf(p, "%s/state/units", bin));

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
        else if (strcmp(name, "modprobe") == 0)
                model_modprobe(argc, argv);
        else if (strcmp(name, "swapoff") == 0)
                model_swapoff(argc, argv);
        else if (strcmp(name, "ip") == 0 && argc > 1)
                model_ip(argc, argv);
        else
                print_file(pathf(p, "%s/%s.out", bin, name));

        fflush(stdout);
        killat(total, "after");
        return rc;
}
