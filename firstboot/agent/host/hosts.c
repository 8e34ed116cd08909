/* SPDX-License-Identifier: MIT */
/* /etc/hosts: one managed block between marker lines with every cluster node, replaced in place on
 * re-runs; every line outside it stays byte for byte. */
#include <limits.h>

#include "fileio.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"

#define STEP "hosts"

int hosts_render_block(const struct fb_config *c, char **ret, size_t *ret_size, unsigned *ret_n_nodes) {
        struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        char addr[16];
        bool self_listed = false;
        unsigned n = 0;
        int r;

        r = buffer_puts(&b, HOSTS_BLOCK_BEGIN "\n");
        for (size_t i = 0; r >= 0 && i < c->n_hosts; i++) {
                format_ipv4(c->hosts[i].address, addr);
                r = buffer_appendf(&b, "%s %s\n", addr, c->hosts[i].name);
                self_listed = self_listed || streq(c->hosts[i].name, c->hostname);
                n++;
        }
        if (r >= 0 && !self_listed && c->hostname[0]) {
                uint32_t self = config_node_address(c);
                if (self) {
                        format_ipv4(self, addr);
                        r = buffer_appendf(&b, "%s %s\n", addr, c->hostname);
                        n++;
                }
        }
        if (r >= 0)
                r = buffer_puts(&b, HOSTS_BLOCK_END "\n");
        if (r >= 0)
                r = buffer_steal(&b, ret, ret_size);
        buffer_free(&b);
        if (r >= 0 && ret_n_nodes)
                *ret_n_nodes = n;
        return r;
}

/* A marker line matches with trailing blanks or a CR (a file edited on another system). */
static bool line_is(const char *line, size_t len, const char *marker) {
        size_t m = strlen(marker);

        if (len < m || memcmp(line, marker, m) != 0)
                return false;
        for (size_t i = m; i < len; i++)
                if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
                        return false;
        return true;
}

int hosts_merge(const char *old, size_t old_size, const char *block, size_t block_size, const char *name,
                char **ret, size_t *ret_size) {
        const char *p = old, *end = old + old_size, *line;
        const char *block_start = NULL, *block_end = NULL;
        unsigned lineno = 0, begin_lineno = 0;
        struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        size_t len;
        int r;

        while (text_next_line(&p, end, &line, &len)) {
                lineno++;
                if (line_is(line, len, HOSTS_BLOCK_BEGIN)) {
                        if (block_start && !block_end) {
                                log_error("%s:%u: a second \"%s\" before the end of the block begun at line %u; "
                                          "fix the file by hand", name, lineno, HOSTS_BLOCK_BEGIN, begin_lineno);
                                return -EBADMSG;
                        }
                        if (block_end) {
                                log_error("%s:%u: a second kube-firstboot block (the first is at line %u); "
                                          "remove one by hand", name, lineno, begin_lineno);
                                return -EBADMSG;
                        }
                        block_start = line;
                        begin_lineno = lineno;
                } else if (line_is(line, len, HOSTS_BLOCK_END)) {
                        if (!block_start || block_end) {
                                log_error("%s:%u: \"%s\" without a \"%s\" line before it; fix the file by hand",
                                          name, lineno, HOSTS_BLOCK_END, HOSTS_BLOCK_BEGIN);
                                return -EBADMSG;
                        }
                        block_end = p; /* past the END line and its newline */
                }
        }
        if (block_start && !block_end) {
                log_error("%s:%u: \"%s\" without a \"%s\" line after it; fix the file by hand", name, begin_lineno,
                          HOSTS_BLOCK_BEGIN, HOSTS_BLOCK_END);
                return -EBADMSG;
        }

        if (block_start) {
                r = buffer_append(&b, old, block_start - old);
                if (r >= 0)
                        r = buffer_append(&b, block, block_size);
                if (r >= 0)
                        r = buffer_append(&b, block_end, end - block_end);
        } else {
                r = buffer_append(&b, old, old_size);
                if (r >= 0 && old_size > 0 && old[old_size - 1] != '\n')
                        r = buffer_puts(&b, "\n");
                if (r >= 0)
                        r = buffer_append(&b, block, block_size);
        }
        if (r >= 0)
                r = buffer_steal(&b, ret, ret_size);
        buffer_free(&b);
        if (r < 0)
                return log_error_errno(r, "%s: cannot build the new content: %m", name);
        return 0;
}

/* A line outside the block that gives a cluster node another address wins over the block for glibc's
 * files backend (first match): say so, since the lines outside are the user's and stay as they are.
 * Debian's "127.0.1.1 HOSTNAME" is the usual case. */
static void warn_conflicts(const char *text, size_t size, const char *name, const struct fb_config *c) {
        const char *p = text, *end = text + size, *line;
        bool in_block = false;
        unsigned lineno = 0;
        size_t len;

        while (text_next_line(&p, end, &line, &len)) {
                char buf[1024], *save = NULL, *addr, *host;

                lineno++;
                if (line_is(line, len, HOSTS_BLOCK_BEGIN) || line_is(line, len, HOSTS_BLOCK_END)) {
                        in_block = line_is(line, len, HOSTS_BLOCK_BEGIN);
                        continue;
                }
                if (in_block || len >= sizeof(buf))
                        continue;
                memcpy(buf, line, len);
                buf[len] = 0;
                buf[strcspn(buf, "#")] = 0;
                addr = strtok_r(buf, " \t\r", &save);
                if (!addr)
                        continue;
                while ((host = strtok_r(NULL, " \t\r", &save))) {
                        char want[16];
                        uint32_t a = 0;

                        for (size_t i = 0; i < c->n_hosts && !a; i++)
                                if (streq(c->hosts[i].name, host))
                                        a = c->hosts[i].address;
                        if (!a && streq(host, c->hostname))
                                a = config_node_address(c);
                        if (!a)
                                continue;
                        format_ipv4(a, want);
                        if (!streq(addr, want))
                                log_warning("%s:%u: gives %s the address %s, not %s as the managed block does; this "
                                            "line is not ours to change, but lookups may find it first",
                                            name, lineno, host, addr, want);
                }
        }
}

/* /etc/hosts must be one the step can edit: a managed block it can find the end of, or none. */
int check_hosts(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        _cleanup_free_ char *block = NULL, *path = NULL;
        size_t block_size;
        int r;

        r = hosts_render_block(run->config, &block, &block_size, &f->hosts_n_nodes);
        if (r < 0)
                return log_error_errno(r, "/etc/hosts: cannot build the managed block: %m");
        if (f->hosts_n_nodes == 0)
                return 0;

        free(f->hosts_old);
        f->hosts_old = NULL;
        r = host_read_file("/etc/hosts", HOST_FILE_MAX, &f->hosts_old, &f->hosts_old_size);
        if (r < 0 && r != -ENOENT)
                return r;

        path = root_path("/etc/hosts");
        if (!path)
                return log_error_errno(-ENOMEM, "/etc/hosts: %m");
        free(f->hosts_new);
        f->hosts_new = NULL;
        r = hosts_merge(f->hosts_old ? f->hosts_old : "", f->hosts_old_size, block, block_size, path, &f->hosts_new,
                        &f->hosts_new_size);
        if (r < 0)
                return r;
        warn_conflicts(f->hosts_new, f->hosts_new_size, path, run->config);
        return 0;
}

int step_hosts(struct fb_run *run) {
        const struct fb_host_facts *f = &run->facts;
        const char *old;
        char after[64];

        if (f->hosts_n_nodes == 0) {
                run_unchanged(run, STEP, "/etc/hosts: no cluster nodes to list (no hosts and no own address)");
                return 0;
        }

        old = f->hosts_old;
        snprintf(after, sizeof(after), "managed block of %u node(s)", f->hosts_n_nodes);
        return host_update_file(run, STEP, "/etc/hosts", old, f->hosts_old_size, f->hosts_new, f->hosts_new_size,
                                0644, WRITE_ATOMIC_MKDIR, "write the managed block of /etc/hosts",
                                !old ? "absent" : strstr(old, HOSTS_BLOCK_BEGIN) ? "other block" : "no block",
                                after);
}
