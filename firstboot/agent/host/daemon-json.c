/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json.h>
#include <printbuf.h>

#include "host/daemon-json.h"
#include "log.h"
#include "macro.h"

static void json_object_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}
static void json_tokener_freep(struct json_tokener **t) {
        if (*t)
                json_tokener_free(*t);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

/* json_object_to_json_string_ext(): escaping "/" as "\/" is legal JSON but makes paths unreadable for the
 * operator who opens the file next; json-c 0.13 and later can leave it out, 0.11 always escapes. */
#ifdef JSON_C_TO_STRING_NOSLASHESCAPE
#define JSON_FLAGS_EXTRA JSON_C_TO_STRING_NOSLASHESCAPE
#else
#define JSON_FLAGS_EXTRA 0
#endif

/* What json-c 0.11 (CentOS 7's) wrote, as later ones write it: each "\/" as "/". A "\\" is copied as it is,
 * and so is what follows it. Harmless where JSON_FLAGS_EXTRA left no "\/" to find. */
static void unescape_slashes(char *s) {
        char *w = s;

        for (const char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] == '/') {
                        *w++ = '/';
                        r++;
                        continue;
                }
                if (r[0] == '\\' && r[1])
                        *w++ = *r++;
                *w++ = *r;
        }
        *w = '\0';
}

void daemon_json_change_done(struct daemon_json_change *c) {
        free(c->content);
        free(c->exec_opts_before);
        free(c->exec_opts_after);
        memset(c, 0, sizeof(*c));
}

static void offset_to_position(const char *text, size_t size, size_t offset, unsigned *line, unsigned *column) {
        size_t line_start = 0;

        *line = 1;
        if (offset > size)
                offset = size;
        for (size_t i = 0; i < offset; i++)
                if (text[i] == '\n') {
                        (*line)++;
                        line_start = i + 1;
                }
        *column = (unsigned) (offset - line_start) + 1;
}

/* Where the parser stopped. json_tokener_get_parse_end() would be the accessor, but it came in json-c
 * 0.15 and CentOS 7 has 0.11; the field it reads is public in 0.11 and still in today's versions, so one
 * code path serves both and what runs on Debian is what runs on CentOS 7 (tests/abi/check-abi.py). */
static size_t tokener_parse_end(const struct json_tokener *tok) {
        return (size_t) tok->char_offset;
}

static bool only_whitespace(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!isspace((unsigned char) s[i]))
                        return false;
        return true;
}

static const char *type_name(struct json_object *o) {
        switch (json_object_get_type(o)) {
        case json_type_null:
                return "null";
        case json_type_boolean:
                return "boolean";
        case json_type_double:
        case json_type_int:
                return "number";
        case json_type_object:
                return "object";
        case json_type_array:
                return "array";
        case json_type_string:
                return "string";
        default:
                return "value";
        }
}

/* json-c 0.11 prints doubles with "%f" (1e-9 becomes 0.000000): print the shortest form that reads back as
 * the same double, so a value we merely carry over is never changed. */
static int double_to_json(struct json_object *o, struct printbuf *pb, int level, int flags) {
        double d = json_object_get_double(o);
        char buf[64], *e;

        for (int precision = 1; precision <= 17; precision++) {
                snprintf(buf, sizeof(buf), "%.*g", precision, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        e = strchr(buf, 'e');
        if (e) { /* "1e-09" -> "1e-9", as people write it */
                char *digits = e + 1 + (e[1] == '-' || e[1] == '+'), *nonzero = digits;
                while (nonzero[0] == '0' && nonzero[1])
                        nonzero++;
                memmove(digits, nonzero, strlen(nonzero) + 1);
        } else if (!strchr(buf, '.'))
                strscpy(buf + strlen(buf), sizeof(buf) - strlen(buf), ".0"); /* still a fraction when read back, as it was written */
        return printbuf_memappend(pb, buf, (int) strlen(buf));
}

static int prepare_numbers(struct json_object *o) {
        switch (json_object_get_type(o)) {
        case json_type_double:
                if (!isfinite(json_object_get_double(o)))
                        return -EINVAL;
                json_object_set_serializer(o, double_to_json, NULL, NULL);
                return 0;
        case json_type_object: {
                struct json_object_iter iter;
                json_object_object_foreachC(o, iter) {
                        if (iter.val) {
                                int r = prepare_numbers(iter.val);
                                if (r < 0)
                                        return r;
                        }
                }
                return 0;
        }
        case json_type_array: {
                size_t n = (size_t) json_object_array_length(o);
                for (size_t i = 0; i < n; i++) {
                        struct json_object *child = json_object_array_get_idx(o, i);
                        if (child) {
                                int r = prepare_numbers(child);
                                if (r < 0)
                                        return r;
                        }
                }
                return 0;
        }
        default:
                return 0;
        }
}

static size_t trim(const char **s, size_t n) {
        while (n > 0 && isspace((unsigned char) **s)) {
                (*s)++;
                n--;
        }
        while (n > 0 && isspace((unsigned char) (*s)[n - 1]))
                n--;
        return n;
}

/* dockerd splits each exec-opt at the first '=', trims both sides and compares the key case-insensitively;
 * the first native.cgroupdriver entry wins. Returns whether s is such an entry and whether it says systemd. */
static bool cgroup_driver_entry(struct json_object *entry, bool *is_systemd) {
        const char *s = json_object_get_string(entry), *eq, *key, *value;
        size_t len = (size_t) json_object_get_string_len(entry), key_len, value_len;

        if (!s || strlen(s) != len) /* an embedded NUL: not an option dockerd could match */
                return false;
        eq = strchr(s, '=');
        if (!eq)
                return false;
        key = s;
        key_len = trim(&key, (size_t) (eq - s));
        if (key_len != strlen(DAEMON_JSON_CGROUP_KEY) || strncasecmp(key, DAEMON_JSON_CGROUP_KEY, key_len) != 0)
                return false;
        value = eq + 1;
        value_len = trim(&value, len - (size_t) (eq + 1 - s));
        *is_systemd = value_len == strlen("systemd") && memcmp(value, "systemd", value_len) == 0;
        return true;
}

static char *describe_exec_opts(struct json_object *opts) {
        const char *json = json_object_to_json_string_ext(opts, JSON_C_TO_STRING_PLAIN | JSON_FLAGS_EXTRA);
        char *s = NULL;

        if (!json || asprintf(&s, "exec-opts %s", json) < 0)
                return NULL;
        unescape_slashes(s);
        return s;
}

static struct json_object *parse_object(const char *name, const char *text, size_t size) {
        _cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
        struct json_object *root;
        enum json_tokener_error err;
        const char *nul;
        unsigned line, column;
        size_t end;

        nul = memchr(text, 0, size);
        if (nul) {
                offset_to_position(text, size, (size_t) (nul - text), &line, &column);
                log_error("%s:%u:%u: a NUL byte: not a JSON file; left as it is", name, line, column);
                return NULL;
        }

        tok = json_tokener_new();
        if (!tok) {
                log_error("%s: out of memory", name);
                return NULL;
        }
        /* Strict: no trailing commas (and, from json-c 0.12 on, no comments or single quotes): docker's
         * Go decoder refuses them, and a file docker refuses is not ours to "fix". */
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        /* The terminating NUL goes in too, as json_tokener_parse() does: it ends a top-level number. */
        root = json_tokener_parse_ex(tok, text, (int) size + 1);
        err = json_tokener_get_error(tok);
        end = tokener_parse_end(tok);
        if (end > size)
                end = size;
        if (!root && err == json_tokener_success)
                root = NULL; /* the JSON null: reported below as a top level that is not an object */
        else if (!root || err != json_tokener_success) {
                const char *why = err == json_tokener_continue ? "unexpected end of file" : json_tokener_error_desc(err);
                if (root)
                        json_object_put(root);
                offset_to_position(text, size, err == json_tokener_continue ? size : end, &line, &column);
                log_error("%s:%u:%u: not valid JSON (%s); left as it is", name, line, column, why);
                return NULL;
        }
        while (end < size && isspace((unsigned char) text[end]))
                end++;
        if (end < size) {
                if (root)
                        json_object_put(root);
                offset_to_position(text, size, end, &line, &column);
                log_error("%s:%u:%u: not valid JSON (more data after the top-level value); left as it is", name, line,
                          column);
                return NULL;
        }
        if (!root || !json_object_is_type(root, json_type_object)) {
                size_t first = 0;
                while (first < size && isspace((unsigned char) text[first]))
                        first++;
                offset_to_position(text, size, first, &line, &column);
                log_error("%s:%u:%u: the top level is a JSON %s, docker wants an object; left as it is", name, line,
                          column, root ? type_name(root) : "null");
                if (root)
                        json_object_put(root);
                return NULL;
        }
        return root;
}

int daemon_json_merge(const char *name, const char *text, size_t size, struct daemon_json_change *ret) {
        _cleanup_json_ struct json_object *root = NULL, *new_opts = NULL;
        struct json_object *opts = NULL;
        bool have_opts, placed = false, changed = false;
        const char *json;
        size_t n = 0;

        memset(ret, 0, sizeof(*ret));

        if (!text || only_whitespace(text, size))
                /* current dockerd reads an empty file as "no settings" (older ones refuse it): so do we, and
                 * what we write is valid for both */
                root = json_object_new_object();
        else {
                root = parse_object(name, text, size);
                if (!root)
                        return -EINVAL;
        }
        if (!root)
                return log_error_errno(-ENOMEM, "%s: out of memory", name);

        have_opts = json_object_object_get_ex(root, "exec-opts", &opts);
        if (have_opts && opts) {
                if (!json_object_is_type(opts, json_type_array)) {
                        log_error("%s: \"exec-opts\" is a JSON %s, docker wants an array of strings; left as it is", name,
                                  type_name(opts));
                        return -EINVAL;
                }
                n = (size_t) json_object_array_length(opts);
                ret->exec_opts_before = describe_exec_opts(opts);
        } else if (have_opts)
                ret->exec_opts_before = strdup("exec-opts null"); /* docker reads null as "none" */
        else
                ret->exec_opts_before = text ? strdup("no exec-opts") : NULL;
        if (text && !ret->exec_opts_before)
                return log_error_errno(-ENOMEM, "%s: out of memory", name);

        new_opts = json_object_new_array();
        if (!new_opts)
                return log_error_errno(-ENOMEM, "%s: out of memory", name);
        for (size_t i = 0; i < n; i++) {
                struct json_object *entry = json_object_array_get_idx(opts, i);
                bool is_systemd = false;

                if (!entry || !json_object_is_type(entry, json_type_string)) {
                        log_error("%s: \"exec-opts\" entry %zu is a JSON %s, docker wants a string; left as it is", name,
                                  i + 1, entry ? type_name(entry) : "null");
                        return -EINVAL;
                }
                if (cgroup_driver_entry(entry, &is_systemd)) {
                        /* One driver entry, where the first one was: dockerd reads only the first, and a second
                         * one saying cgroupfs would only mislead whoever reads the file. */
                        if (!placed && is_systemd)
                                json_object_array_add(new_opts, json_object_get(entry));
                        else if (!placed)
                                json_object_array_add(new_opts, json_object_new_string(DAEMON_JSON_CGROUP_OPT));
                        changed = changed || placed || !is_systemd;
                        placed = true;
                        continue;
                }
                json_object_array_add(new_opts, json_object_get(entry));
        }
        if (!placed) {
                json_object_array_add(new_opts, json_object_new_string(DAEMON_JSON_CGROUP_OPT));
                changed = true;
        }

        ret->exec_opts_after = describe_exec_opts(new_opts);
        if (!ret->exec_opts_after)
                return log_error_errno(-ENOMEM, "%s: out of memory", name);
        if (!changed)
                return 0;

        /* Replaces the old value in place, so the keys keep their order. */
        json_object_object_add(root, "exec-opts", TAKE_PTR(new_opts));
        if (prepare_numbers(root) < 0) {
                log_error("%s: a number that is not finite; left as it is", name);
                return -EINVAL;
        }
        json = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_FLAGS_EXTRA);
        if (!json || asprintf(&ret->content, "%s\n", json) < 0) {
                ret->content = NULL;
                return log_error_errno(-ENOMEM, "%s: out of memory", name);
        }
        unescape_slashes(ret->content);
        ret->size = strlen(ret->content);
        return 1;
}
