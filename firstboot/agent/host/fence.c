/* SPDX-License-Identifier: MIT */
/* The fence around the metadata endpoint, as clouds fence their metadata service: the endpoint serves
 * seeds and join records to nodes, and with flannel's masquerading every pod could reach it too. The
 * rules reject, for the endpoint's address and port:
 *  - FORWARD: connections from the pod network (before the masquerade in POSTROUTING rewrites them);
 *  - INPUT: the same, for the node that is the endpoint itself;
 *  - OUTPUT: connections of any local user but root (xt_owner matches only locally generated packets).
 *
 * Where they are kept:
 *  - firewalld running (CentOS 7's default, host.firewall open or keep): direct rules, added permanently
 *    and at run time with firewall-cmd, so that a reload or a reboot keeps them. Their own chains
 *    (FORWARD_direct, ...) come before firewalld's zones.
 *  - otherwise (host.firewall: disable, no firewalld, or an offline --root tree): the unit
 *    kube-firstboot-fence.service, enabled, inserts them with iptables at every boot (after firewalld,
 *    should one start) and deletes them when stopped; a restart after a change swaps old rules for new.
 *
 * A host name as endpoint is resolved when the step runs; its IPv4 addresses then are fenced.
 *
 * With kubernetes.cni host-gw the same rules also let the pod network through FORWARD (fence.h), after the
 * rejects: no flannel is there to add those, and pods on other nodes are reached by routing. */
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "action.h"
#include "buffer.h"
#include "fileio.h"
#include "host/fence.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "host/unit.h"
#include "log.h"
#include "macro.h"
#include "parse.h"

#define STEP "fence"
#define FIREWALLD_NOT_RUNNING 252 /* firewall-cmd's NOT_RUNNING exit status */

int fence_endpoint(const char *url, char *ret_host, size_t host_size, unsigned *ret_port) {
        unsigned long long port;
        const char *p, *end, *colon;
        char digits[8];
        size_t len;

        if (strncmp(url, "http://", 7) == 0) {
                p = url + 7;
                *ret_port = 80;
        } else if (strncmp(url, "https://", 8) == 0) {
                p = url + 8;
                *ret_port = 443;
        } else
                return -EINVAL;
        if (*p == '[')
                return -EAFNOSUPPORT;
        end = p + strcspn(p, "/?#");
        if (memchr(p, '@', end - p))
                return -EINVAL;
        colon = memchr(p, ':', end - p);
        len = (size_t) ((colon ? colon : end) - p);
        if (len == 0 || len >= host_size)
                return -EINVAL;
        memcpy(ret_host, p, len);
        ret_host[len] = 0;
        if (colon) {
                size_t n = (size_t) (end - colon - 1);
                if (n == 0 || n >= sizeof(digits))
                        return -EINVAL;
                memcpy(digits, colon + 1, n);
                digits[n] = 0;
                if (parse_uint(digits, 1, 65535, &port) < 0)
                        return -EINVAL;
                *ret_port = (unsigned) port;
        }
        return 0;
}

static int rule_set(struct fence_rule *rule, const char *chain, const char *fmt, ...) _printf_(3, 4);
static int rule_set(struct fence_rule *rule, const char *chain, const char *fmt, ...) {
        va_list ap;
        char *save = NULL;
        int n;

        rule->chain = chain;
        rule->accept = false;
        va_start(ap, fmt);
        n = vsnprintf(rule->text, sizeof(rule->text), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(rule->text))
                return -E2BIG;
        memcpy(rule->words, rule->text, (size_t) n + 1);
        rule->n_args = 0;
        for (char *w = strtok_r(rule->words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                if (rule->n_args >= FENCE_RULE_ARGS - 1)
                        return -E2BIG;
                rule->argv[rule->n_args++] = w;
        }
        rule->argv[rule->n_args] = NULL;
        return 0;
}

int fence_rules(const struct fb_config *c, const uint32_t *addrs, size_t n_addrs, unsigned port,
                struct fence_rule *ret, size_t max) {
        char pods[16], ep[16];
        size_t n = 0;

        format_ipv4(c->k8s.pod_net, pods);
        if (config_cni_host_gw(c)) {
                if (max < 2)
                        return -E2BIG;
                if (rule_set(&ret[n], "FORWARD", "-s %s/%u -j ACCEPT", pods, c->k8s.pod_prefix) < 0 ||
                    rule_set(&ret[n + 1], "FORWARD", "-d %s/%u -j ACCEPT", pods, c->k8s.pod_prefix) < 0)
                        return -E2BIG;
                ret[n].accept = ret[n + 1].accept = true;
                n += 2;
        }
        for (size_t i = 0; i < n_addrs; i++) {
                if (n + 3 > max)
                        return -E2BIG;
                format_ipv4(addrs[i], ep);
                if (rule_set(&ret[n++], "FORWARD", "-s %s/%u -d %s/32 -p tcp --dport %u -j REJECT", pods,
                             c->k8s.pod_prefix, ep, port) < 0 ||
                    rule_set(&ret[n++], "INPUT", "-s %s/%u -d %s/32 -p tcp --dport %u -j REJECT", pods,
                             c->k8s.pod_prefix, ep, port) < 0 ||
                    rule_set(&ret[n++], "OUTPUT", "-d %s/32 -p tcp --dport %u -m owner ! --uid-owner 0 -j REJECT", ep,
                             port) < 0)
                        return -E2BIG;
        }
        return (int) n;
}

void fence_direct_line(const struct fence_rule *rule, char *ret, size_t size) {
        snprintf(ret, size, "ipv4 filter %s %d %s", rule->chain, rule->accept ? 1 : 0, rule->text);
}

int fence_unit_render(const struct fence_rule *rules, size_t n, char **ret, size_t *ret_size) {
        struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        int r;

        r = buffer_puts(&b, "# kube-firstboot: keeps pods and non-root users away from the metadata endpoint,\n"
                            "# where firewalld does not hold the rules (kube-firstboot(8), the fence step).\n"
                            "[Unit]\n"
                            "Description=kube-firstboot fence around the metadata endpoint\n"
                            "After=firewalld.service\n"
                            "Before=docker.service kubelet.service\n"
                            "\n"
                            "[Service]\n"
                            "Type=oneshot\n"
                            "RemainAfterExit=yes\n");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = buffer_appendf(&b, "ExecStart=" FENCE_IPTABLES " -w -I %s %s\n", rules[i].chain, rules[i].text);
        /* "-": a rule someone removed already must not keep the others in place */
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = buffer_appendf(&b, "ExecStop=-" FENCE_IPTABLES " -w -D %s %s\n", rules[i].chain, rules[i].text);
        if (r >= 0)
                r = buffer_puts(&b, "\n[Install]\nWantedBy=multi-user.target\n");
        if (r >= 0)
                r = buffer_steal(&b, ret, ret_size);
        buffer_free(&b);
        return r;
}

/* The endpoint's IPv4 addresses: the literal, or what the name resolves to now. */
static int endpoint_addresses(const char *host, uint32_t *ret, size_t max, size_t *ret_n) {
        struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *list = NULL;
        size_t n = 0;
        int r;

        if (parse_ipv4(host, &ret[0]) == 0) {
                *ret_n = 1;
                return 0;
        }
        r = getaddrinfo(host, NULL, &hints, &list);
        if (r != 0)
                return log_error_errno(-EADDRNOTAVAIL, "kube_firstboot.endpoint: cannot resolve \"%s\" (%s): the fence "
                                       "needs its address; give the endpoint as an IPv4 address", host,
                                       gai_strerror(r));
        for (struct addrinfo *a = list; a && n < max; a = a->ai_next) {
                uint32_t addr = ntohl(((const struct sockaddr_in *) a->ai_addr)->sin_addr.s_addr);
                bool seen = false;
                for (size_t i = 0; i < n; i++)
                        seen = seen || ret[i] == addr;
                if (!seen)
                        ret[n++] = addr;
        }
        freeaddrinfo(list);
        *ret_n = n;
        return n > 0 ? 0 : log_error_errno(-EADDRNOTAVAIL, "kube_firstboot.endpoint: \"%s\" has no IPv4 address", host);
}

/* ---- firewalld ---- */

/* `firewall-cmd [--permanent] --direct --get-all-rules`: its exit status (NOT_RUNNING: 252), or -errno
 * (-ENOENT, not logged: no firewall-cmd). */
static int direct_rules(struct fb_run *run, bool permanent, char **ret) {
        const char *argv_perm[] = { "firewall-cmd", "--permanent", "--direct", "--get-all-rules", NULL };
        const char *argv_now[] = { "firewall-cmd", "--direct", "--get-all-rules", NULL };

        return host_command(run, permanent ? argv_perm : argv_now, true, ret);
}

static bool line_listed(const char *text, const char *want) {
        const char *p = text, *end = text + strlen(text), *line;
        size_t len, wl = strlen(want);

        while (text_next_line(&p, end, &line, &len)) {
                while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r'))
                        len--;
                if (len == wl && memcmp(line, want, wl) == 0)
                        return true;
        }
        return false;
}

struct fence_rules {
        const struct fence_rule *rules;
        size_t n;
};

/* After adding: firewalld lists every rule, permanently and at run time. */
static int direct_rules_listed(struct fb_run *run, void *userdata) {
        const struct fence_rules *f = userdata;

        for (int permanent = 1; permanent >= 0; permanent--) {
                _cleanup_free_ char *out = NULL;
                int r = direct_rules(run, permanent, &out);
                if (r < 0)
                        return r == -ENOENT ? log_error_errno(r, "firewall-cmd vanished while the fence was added") : r;
                if (r != 0)
                        return log_error_errno(-EIO, "firewall-cmd %s--direct --get-all-rules failed (exit status %d; "
                                               "see the agent log)", permanent ? "--permanent " : "", r);
                for (size_t i = 0; i < f->n; i++) {
                        char line[FENCE_RULE_TEXT + 64];
                        fence_direct_line(&f->rules[i], line, sizeof(line));
                        if (!line_listed(out, line))
                                return log_error_errno(-EIO, "firewalld does not list the direct rule \"%s\" %s after "
                                                       "adding it", line, permanent ? "permanently" : "at run time");
                }
        }
        return 0;
}

static int fence_firewalld(struct fb_run *run, const struct fence_rule *rules, size_t n, const char *permanent_rules,
                           const char *runtime_rules) {
        int r, changed = 0;

        for (int permanent = 1; permanent >= 0; permanent--) {
                const char *listed = permanent ? permanent_rules : runtime_rules;

                for (size_t i = 0; i < n; i++) {
                        const char *argv[FENCE_RULE_ARGS + 10];
                        char line[FENCE_RULE_TEXT + 64], what[FENCE_RULE_TEXT + 96];
                        size_t k = 0;

                        fence_direct_line(&rules[i], line, sizeof(line));
                        snprintf(what, sizeof(what), "%s %s %s (firewalld direct rule, %s)",
                                 rules[i].accept ? "accept" : "reject", rules[i].chain, rules[i].text,
                                 permanent ? "permanent" : "now");
                        if (line_listed(listed, line)) {
                                run_unchanged(run, STEP, what);
                                continue;
                        }
                        argv[k++] = "firewall-cmd";
                        if (permanent)
                                argv[k++] = "--permanent";
                        argv[k++] = "--direct";
                        argv[k++] = "--add-rule";
                        argv[k++] = "ipv4";
                        argv[k++] = "filter";
                        argv[k++] = rules[i].chain;
                        argv[k++] = rules[i].accept ? "1" : "0";
                        for (size_t j = 0; j < rules[i].n_args; j++)
                                argv[k++] = rules[i].argv[j];
                        argv[k] = NULL;
                        r = action_take(run, &(struct action) { .step = STEP, .what = what, .before = "absent",
                                                                .after = "present", .kind = ACTION_COMMAND, .argv = argv,
                                                                .failed = "firewall-cmd --direct --add-rule",
                                                                .live = true });
                        if (r < 0)
                                return r;
                        changed |= r > 0;
                }
        }
        if (!changed)
                return 0;
        /* no line of its own: firewalld's own view after the additions */
        r = action_take(run, &(struct action) { .step = STEP, .verify = direct_rules_listed, .live = true,
                                                .userdata = &(struct fence_rules) { rules, n } });
        return r < 0 ? r : 1;
}

/* ---- the unit, for a host without a running firewalld ---- */

/* `iptables -w -C CHAIN RULE` for each: 1 all present, 0 one is missing, -errno (logged). */
static int iptables_has_rules(struct fb_run *run, const struct fence_rule *rules, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const char *argv[FENCE_RULE_ARGS + 5];
                size_t k = 0;
                int r;

                argv[k++] = "iptables";
                argv[k++] = "-w";
                argv[k++] = "-C";
                argv[k++] = rules[i].chain;
                for (size_t j = 0; j < rules[i].n_args; j++)
                        argv[k++] = rules[i].argv[j];
                argv[k] = NULL;
                r = host_command(run, argv, false, NULL);
                if (r < 0)
                        return r;
                if (r != 0)
                        return 0;
        }
        return 1;
}

static int unit_rules_in_place(struct fb_run *run, void *userdata) {
        const struct fence_rules *f = userdata;
        int r = iptables_has_rules(run, f->rules, f->n);

        if (r == 0)
                return log_error_errno(-EIO, FENCE_UNIT " is active but iptables does not list every rule it inserts "
                                       "(see journalctl -u " FENCE_UNIT ")");
        return r < 0 ? r : 0;
}

static int fence_unit(struct fb_run *run, const struct fence_rule *rules, size_t n) {
        static const char *const daemon_reload[] = { "systemctl", "daemon-reload", NULL };
        static const char *const start[] = { "systemctl", "start", FENCE_UNIT, NULL };
        static const char *const restart[] = { "systemctl", "restart", FENCE_UNIT, NULL };
        _cleanup_free_ char *old = NULL, *content = NULL;
        struct fence_rules f = { rules, n };
        char word[UNIT_STATE_MAX], after[64];
        size_t old_size = 0, size;
        bool file_changed, active;
        int r, changed = 0;

        r = fence_unit_render(rules, n, &content, &size);
        if (r < 0)
                return log_error_errno(r, FENCE_UNIT_PATH ": cannot build the content: %m");
        r = host_read_file(FENCE_UNIT_PATH, HOST_FILE_MAX, &old, &old_size);
        if (r < 0 && r != -ENOENT)
                return r;
        snprintf(after, sizeof(after), "%zu iptables rule(s)", n);
        r = host_update_file(run, STEP, FENCE_UNIT_PATH, old, old_size, content, size, 0644, WRITE_ATOMIC_MKDIR,
                             "write " FENCE_UNIT_PATH, old ? "other rules" : "absent", after);
        if (r < 0)
                return r;
        file_changed = r > 0;
        changed |= file_changed;
        if (file_changed) {
                r = action_take(run, &(struct action) { .step = STEP, .what = "reload systemd's units", .kind = ACTION_COMMAND,
                                                        .argv = daemon_reload, .failed = "systemctl daemon-reload",
                                                        .live = true });
                if (r < 0)
                        return r;
        }

        r = unit_query(run, UNIT_IS_ENABLED, FENCE_UNIT, false, word);
        if (r < 0 && !(r == -ENOENT && run->dry_run && file_changed)) /* plan: the file is not there yet */
                return r;
        if (r > 0)
                run_unchanged(run, STEP, "enable " FENCE_UNIT);
        else {
                r = unit_action(run, STEP, "enable " FENCE_UNIT, r == -ENOENT ? "absent" : word, "enabled", "enable",
                                FENCE_UNIT);
                if (r < 0)
                        return r;
                changed = 1;
        }

        r = unit_query(run, UNIT_IS_ACTIVE, FENCE_UNIT, false, word);
        if (r < 0 && r != -ENOENT)
                return r;
        active = r > 0;
        if (active && !file_changed) {
                r = iptables_has_rules(run, rules, n);
                if (r < 0)
                        return r;
                if (r > 0) {
                        run_unchanged(run, STEP, FENCE_UNIT " active, its iptables rules in place");
                        return changed;
                }
        }
        /* a restart runs ExecStop= (the old rules out) before ExecStart= */
        r = action_take(run, &(struct action) { .step = STEP,
                                                .what = active ? "restart " FENCE_UNIT " for its rules" : "start " FENCE_UNIT,
                                                .before = active ? "active" : "inactive", .after = "active, rules in place",
                                                .kind = ACTION_COMMAND, .argv = active ? restart : start,
                                                .failed = active ? "systemctl restart " FENCE_UNIT : "systemctl start " FENCE_UNIT,
                                                .verify = unit_rules_in_place, .userdata = &f, .live = true });
        if (r < 0)
                return r;
        return changed | (r > 0);
}

/* Whether firewalld holds the rules, and the direct rules it lists: asked before the first change, so that
 * a firewall-cmd that fails stops the run before any step changed the host. */
static int check_firewalld(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        int r;

        free(f->fence_rules_permanent);
        free(f->fence_rules_now);
        f->fence_rules_permanent = f->fence_rules_now = NULL;
        f->fence_firewalld = false;
        if (run->offline || run->config->host.firewall == FB_FIREWALL_DISABLE)
                return 0;
        /* the first query also tells whether firewalld runs */
        r = direct_rules(run, true, &f->fence_rules_permanent);
        if (r == -ENOENT || r == FIREWALLD_NOT_RUNNING)
                return 0;
        if (r < 0)
                return r;
        if (r > 0)
                return log_error_errno(-EIO, "firewall-cmd --permanent --direct --get-all-rules failed (exit status "
                                       "%d; see the agent log)", r);
        r = direct_rules(run, false, &f->fence_rules_now);
        if (r < 0)
                return r == -ENOENT ? log_error_errno(r, "firewall-cmd vanished") : r;
        if (r != 0)
                return log_error_errno(-EIO, "firewall-cmd --direct --get-all-rules failed (exit status %d; see the "
                                       "agent log)", r);
        f->fence_firewalld = true;
        return 0;
}

/* The endpoint's addresses (a name resolved now, by this host's resolver) and port, for the rules; and
 * whether firewalld holds them. */
int check_fence(struct fb_run *run) {
        const struct fb_config *c = run->config;
        struct fb_host_facts *f = &run->facts;
        char host[256];
        int r;

        if (!c->endpoint[0])
                return 0;
        r = fence_endpoint(c->endpoint, host, sizeof(host), &f->fence_port);
        if (r == -EAFNOSUPPORT)
                return log_error_errno(r, "kube_firstboot.endpoint \"%s\": the fence covers IPv4 endpoints only", c->endpoint);
        if (r < 0)
                return log_error_errno(r, "kube_firstboot.endpoint \"%s\": not http(s)://HOST[:PORT]/", c->endpoint);
        r = endpoint_addresses(host, f->fence_addrs, ELEMENTSOF(f->fence_addrs), &f->fence_n_addrs);
        if (r < 0)
                return r;
        return check_firewalld(run);
}

int step_fence(struct fb_run *run) {
        const struct fb_config *c = run->config;
        const struct fb_host_facts *f = &run->facts;
        struct fence_rule rules[FENCE_MAX_RULES];
        int n;

        if (!c->endpoint[0]) {
                run_unchanged(run, STEP, "no kube_firstboot.endpoint in the seed: nothing to fence");
                return 0;
        }
        n = fence_rules(c, f->fence_addrs, f->fence_n_addrs, f->fence_port, rules, ELEMENTSOF(rules));
        if (n < 0)
                return log_error_errno(n, "the fence's rules do not fit");

        if (f->fence_firewalld)
                return fence_firewalld(run, rules, (size_t) n, f->fence_rules_permanent, f->fence_rules_now);
        return fence_unit(run, rules, (size_t) n);
}
