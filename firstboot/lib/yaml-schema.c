/* SPDX-License-Identifier: MIT */
/* Checking a YAML tree against a schema: see yaml-schema.h. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "macro.h"
#include "parse.h"
#include "yaml-schema.h"

#define MAX_LOGGED_ERRORS 20

bool schema_count_error(struct schema_ctx *x) {
        if (x->error == 0)
                x->error = -EINVAL;
        if (++x->n_errors > MAX_LOGGED_ERRORS) {
                if (x->n_errors == MAX_LOGGED_ERRORS + 1)
                        log_error("%s: more than %d errors; the rest are not shown", x->name, MAX_LOGGED_ERRORS);
                return false;
        }
        return true;
}

int schema_error_vpos(struct schema_ctx *x, unsigned line, unsigned column, const char *field, const char *fmt,
                      va_list ap) {
        char msg[1024];

        if (!schema_count_error(x))
                return -EINVAL;
        vsnprintf(msg, sizeof(msg), fmt, ap);
        if (field)
                log_error("%s:%u:%u: %s: %s", x->name, line, column, field, msg);
        else
                log_error("%s:%u:%u: %s", x->name, line, column, msg);
        return -EINVAL;
}

int schema_error_at_internal(struct schema_ctx *x, const struct ynode *n, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        schema_error_vpos(x, n ? n->line : 1, n ? n->column : 1, x->path_len > 0 ? x->path : NULL, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* ---- field paths ------------------------------------------------------------------------------ */

size_t schema_path_append(struct schema_ctx *x, const char *fmt, ...) {
        size_t old = x->path_len;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(x->path + old, sizeof(x->path) - old, fmt, ap);
        va_end(ap);
        if (n < 0)
                n = 0;
        x->path_len = old + (size_t) n < sizeof(x->path) ? old + (size_t) n : sizeof(x->path) - 1;
        return old;
}

size_t schema_path_key(struct schema_ctx *x, const char *key) {
        escaped_t e;
        return schema_path_append(x, "%s%s", x->path_len ? "." : "", esc(key, e));
}

size_t schema_path_index(struct schema_ctx *x, size_t i) {
        return schema_path_append(x, "[%zu]", i);
}

void schema_path_restore(struct schema_ctx *x, size_t len) {
        x->path_len = len;
        x->path[len] = 0;
}

/* ---- suggestions ------------------------------------------------------------------------------ */

/* Optimal string alignment distance (a transposition counts as one edit). */
static unsigned edit_distance(const char *a, const char *b) {
        enum { MAX = 64 };
        unsigned d[MAX + 1][MAX + 1];
        size_t la = strlen(a), lb = strlen(b);

        if (la > MAX || lb > MAX)
                return MAX * 2;
        for (size_t i = 0; i <= la; i++)
                d[i][0] = (unsigned) i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = (unsigned) j;
        for (size_t i = 1; i <= la; i++)
                for (size_t j = 1; j <= lb; j++) {
                        unsigned cost = a[i - 1] != b[j - 1];
                        unsigned best = d[i - 1][j] + 1;
                        if (d[i][j - 1] + 1 < best)
                                best = d[i][j - 1] + 1;
                        if (d[i - 1][j - 1] + cost < best)
                                best = d[i - 1][j - 1] + cost;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                            d[i - 2][j - 2] + 1 < best)
                                best = d[i - 2][j - 2] + 1;
                        d[i][j] = best;
                }
        return d[la][lb];
}

const char *schema_closest(const char *s, const void *names, size_t n, size_t stride) {
        const char *best = NULL;
        unsigned best_distance = ~0u;

        for (size_t i = 0; i < n; i++) {
                const char *name = *(const char *const *) (const void *) ((const char *) names + i * stride);
                size_t len = strlen(name);
                unsigned d = edit_distance(s, name);
                unsigned limit = len / 3 > 2 ? (unsigned) (len / 3) : 2;

                /* an abbreviation: image_repo for image_repository */
                if (strlen(s) >= 4 && strncmp(s, name, strlen(s)) == 0)
                        d = 1;
                if (d <= limit && d < best_distance && d < strlen(s)) {
                        best = name;
                        best_distance = d;
                }
        }
        return best;
}

void schema_list_names(const void *names, size_t n, size_t stride, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = 0;
        for (size_t i = 0; i < n; i++) {
                const char *name = *(const char *const *) (const void *) ((const char *) names + i * stride);
                int k = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", name);
                if (k < 0 || (size_t) k >= size - len)
                        break;
                len += (size_t) k;
        }
}

/* ---- typed values ----------------------------------------------------------------------------- */

int schema_scalar(struct schema_ctx *x, const struct ynode *v, const char **ret) {
        if (v->type != YNODE_SCALAR)
                return schema_error_at(x, v, "expected a single value, got %s", ynode_type_to_string(v->type));
        if (ynode_is_null(v))
                return schema_error_at(x, v, "has no value");
        *ret = v->value;
        return 0;
}

int schema_text(struct schema_ctx *x, const struct ynode *v, size_t size, const char **ret) {
        const char *s;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (v->length >= size)
                return schema_error_at(x, v, "longer than %zu characters", size - 1);
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
                        return schema_error_at(x, v, "contains a control or non-ASCII character");
        *ret = s;
        return 0;
}

int schema_choice(struct schema_ctx *x, const struct ynode *v, const char *const *choices, size_t n, size_t *ret) {
        const char *s, *suggestion;
        char list[256];
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (streq(s, choices[i])) {
                        *ret = i;
                        return 0;
                }
        schema_list_names(choices, n, sizeof(choices[0]), list, sizeof(list));
        suggestion = schema_closest(s, choices, n, sizeof(choices[0]));
        if (suggestion)
                return schema_error_at(x, v, "\"%s\" is not one of: %s; did you mean %s?", esc(s, e), list, suggestion);
        return schema_error_at(x, v, "\"%s\" is not one of: %s", esc(s, e), list);
}

int schema_bool(struct schema_ctx *x, const struct ynode *v, bool *ret) {
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
                *ret = true;
        else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
                *ret = false;
        else
                return schema_error_at(x, v, "\"%s\" is not a boolean (true, false, yes or no)", esc(s, e));
        return 0;
}

const char *ipv4_reserved(uint32_t net, unsigned prefix) {
        static const struct {
                const char *text;
                uint32_t net;
                unsigned prefix;
        } reserved[] = {
                { "0.0.0.0/8", 0x00000000u, 8 },
                { "127.0.0.0/8 (loopback)", 0x7f000000u, 8 },
                { "169.254.0.0/16 (link-local)", 0xa9fe0000u, 16 },
                { "224.0.0.0/3 (multicast and reserved)", 0xe0000000u, 3 },
        };
        for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
                if (cidr4_overlap(net, prefix, reserved[i].net, reserved[i].prefix))
                        return reserved[i].text;
        return NULL;
}

int schema_address(struct schema_ctx *x, const struct ynode *v, uint32_t *ret) {
        const char *s, *reserved;
        uint32_t a;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (strchr(s, ':'))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        if (parse_ipv4(s, &a) < 0)
                return schema_error_at(x, v, "\"%s\" is not an IPv4 address like 192.168.220.104", esc(s, e));
        reserved = ipv4_reserved(a, 32);
        if (reserved)
                return schema_error_at(x, v, "%s is in %s", s, reserved);
        *ret = a;
        return 0;
}

int schema_cidr(struct schema_ctx *x, const struct ynode *v, unsigned min_prefix, unsigned max_prefix, const char *why,
                uint32_t *ret_net, unsigned *ret_prefix) {
        const char *s, *reserved;
        uint32_t addr;
        unsigned prefix;
        char net[16];
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (strchr(s, ':'))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        if (parse_ipv4_prefix(s, &addr, &prefix) < 0)
                return schema_error_at(x, v, "\"%s\" is not an IPv4 CIDR like 10.244.0.0/16", esc(s, e));
        if (addr & ~prefix_mask(prefix)) {
                format_ipv4(addr & prefix_mask(prefix), net);
                return schema_error_at(x, v, "\"%s\" has host bits set; did you mean %s/%u?", s, net, prefix);
        }
        if (prefix < min_prefix || prefix > max_prefix)
                return schema_error_at(x, v, "%s: the prefix must be /%u to /%u (%s)", s, min_prefix, max_prefix, why);
        reserved = ipv4_reserved(addr, prefix);
        if (reserved)
                return schema_error_at(x, v, "%s overlaps %s", s, reserved);
        *ret_net = addr;
        *ret_prefix = prefix;
        return 0;
}

int schema_duration(struct schema_ctx *x, const struct ynode *v, unsigned long long min_s, unsigned long long max_s,
                    const char *range, unsigned long long *ret) {
        unsigned long long d;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_duration_s(s, &d) < 0)
                return schema_error_at(x, v, "\"%s\" is not a duration like 24h, 90m, 2h30m or 45s", esc(s, e));
        if (d < min_s || d > max_s)
                return schema_error_at(x, v, "\"%s\" is out of range (%s)", esc(s, e), range);
        *ret = d;
        return 0;
}

bool dns_name_is_valid(const char *s) {
        size_t len = strlen(s), label = 0;
        bool all_digits = true;

        if (len == 0 || len > 253)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        all_digits = true;
                        continue;
                }
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
                        return false;
                if ((c == '-' && label == 0) || ++label > 63)
                        return false;
                if (c < '0' || c > '9')
                        all_digits = false;
        }
        return label > 0 && s[len - 1] != '-' && !all_digits;
}

/* ---- mappings and lists ----------------------------------------------------------------------- */

static int unknown_key(struct schema_ctx *x, const struct ynode *key, const struct schema_field *fields, size_t n) {
        const char *suggestion = schema_closest(key->value, fields, n, sizeof(fields[0]));
        size_t old = schema_path_key(x, key->value);
        char list[512];

        if (suggestion)
                schema_error_at(x, key, "unknown key; did you mean %s?", suggestion);
        else {
                schema_list_names(fields, n, sizeof(fields[0]), list, sizeof(list));
                schema_error_at(x, key, "unknown key (known keys: %s)", list);
        }
        schema_path_restore(x, old);
        return -EINVAL;
}

int schema_mapping(struct schema_ctx *x, const struct ynode *owner, const struct ynode *map,
                   const struct schema_field *fields, size_t n_fields, enum schema_unknown_keys unknown,
                   void *userdata, bool *seen) {
        bool present[SCHEMA_MAX_FIELDS] = {};
        char notice[512] = "";
        size_t notice_len = 0;
        int r = 0;

        assert(n_fields <= SCHEMA_MAX_FIELDS);

        if (!ynode_is_null(map)) {
                if (map->type != YNODE_MAPPING)
                        return schema_error_at(x, map, "expected a mapping (key: value), got %s",
                                               ynode_type_to_string(map->type));
                for (size_t i = 0; i < map->n_items; i++) {
                        const struct ynode *key = map->keys[i];
                        size_t j, old;

                        for (j = 0; j < n_fields; j++)
                                if (streq(fields[j].key, key->value))
                                        break;
                        if (j == n_fields) {
                                if (unknown == SCHEMA_UNKNOWN_ERROR)
                                        r = unknown_key(x, key, fields, n_fields);
                                else if (unknown == SCHEMA_UNKNOWN_NOTICE && notice_len < sizeof(notice)) {
                                        escaped_t e;
                                        int k = snprintf(notice + notice_len, sizeof(notice) - notice_len,
                                                         "%s%s (line %u)", notice_len ? ", " : "", esc(key->value, e),
                                                         key->line);
                                        notice_len += k > 0 ? (size_t) k : 0;
                                }
                                continue;
                        }
                        present[j] = true;
                        old = schema_path_key(x, key->value);
                        if (fields[j].parse(x, key, map->items[i], userdata) < 0)
                                r = -EINVAL;
                        schema_path_restore(x, old);
                }
        }
        if (notice[0])
                log_notice("%s: ignoring cloud-config keys that kube-firstboot does not use: %s", x->name, notice);

        for (size_t j = 0; j < n_fields; j++) {
                if (seen)
                        seen[j] = present[j];
                if (fields[j].required && !present[j]) {
                        size_t old = schema_path_key(x, fields[j].key);
                        r = schema_error_at(x, owner ? owner : map, "required but missing; %s", fields[j].required);
                        schema_path_restore(x, old);
                }
        }
        return r;
}

int schema_list(struct schema_ctx *x, const struct ynode *v, const char *what, bool single, schema_item_parser parse,
                void *userdata) {
        int r = 0;

        if (ynode_is_null(v))
                return 0;
        if (single && v->type == YNODE_SCALAR)
                return parse(x, v, 0, userdata);
        if (v->type != YNODE_SEQUENCE)
                return schema_error_at(x, v, "expected a list of %s, got %s", what, ynode_type_to_string(v->type));
        for (size_t i = 0; i < v->n_items; i++) {
                size_t old = schema_path_index(x, i);
                int k = parse(x, v->items[i], i, userdata);
                schema_path_restore(x, old);
                if (k == -E2BIG)
                        return -EINVAL; /* too many items: said once */
                if (k < 0)
                        r = k;
        }
        return r;
}
