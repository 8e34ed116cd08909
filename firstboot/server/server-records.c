/* SPDX-License-Identifier: MIT */
/* The JSON bodies clients write: join records (checked, then kept byte for byte) and progress reports
 * (parsed, then served and stored in a canonical form). */
#include <json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-member.h"
#include "macro.h"
#include "parse.h"
#include "server-records.h"
#include "server-util.h"
#include "time-util.h"

static const char *const stages[] = { "seed", "host", "init", "cni", "publish", "wait-record", "join", "done" };
static const char *const statuses[] = { "running", "done", "failed" };

static void json_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

static int fail(char *err, size_t err_size, const char *what) {
        snprintf(err, err_size, "%s", what);
        return -EINVAL;
}

/* One JSON object and nothing but white space after it. */
static json_object *parse_object(const char *data, size_t size) {
        json_tokener *tok;
        json_object *o;

        if (size > INT_MAX)
                return NULL;
        tok = json_tokener_new_ex(8);
        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, data, (int) size);
        if (o) {
                bool ok = json_tokener_get_error(tok) == json_tokener_success && json_object_is_type(o, json_type_object);
                for (size_t i = (size_t) tok->char_offset; ok && i < size; i++)
                        ok = strchr(" \t\r\n", data[i]) && data[i] != 0;
                if (!ok) {
                        json_object_put(o);
                        o = NULL;
                }
        }
        json_tokener_free(tok);
        return o;
}

static bool base64_length_is(const char *s, size_t min, size_t max) {
        size_t len = strlen(s), n;
        _cleanup_free_ uint8_t *buf = NULL;

        if (len == 0 || len / 4 * 3 > max + 2)
                return false;
        buf = malloc(len / 4 * 3 + 3);
        if (!buf)
                return false;
        if (base64_decode(s, buf, len / 4 * 3 + 3, &n) < 0)
                return false;
        return n >= min && n <= max;
}

int record_check(const char *cluster, const char *data, size_t size, char *err, size_t err_size) {
        _cleanup_json_ json_object *o = NULL;
        const char *s;
        int64_t version;

        if (size > JOIN_RECORD_MAX)
                return fail(err, err_size, "record larger than 16 KiB");
        o = parse_object(data, size);
        if (!o)
                return fail(err, err_size, "record: not a JSON object");
        /* Version 2 only, what every agent of this release seals: a control plane running an older
         * release hears it here rather than its workers waiting on a record they refuse. */
        if (json_member_int64(o, "version", 2, 2, &version) < 0)
                return fail(err, err_size, "record: version must be 2");
        s = json_member_string(o, "cluster", 63);
        if (!s || !streq(s, cluster))
                return fail(err, err_size, "record: cluster does not match the path");
        s = json_member_string(o, "alg", 16);
        if (!s || !streq(s, "A256GCM"))
                return fail(err, err_size, "record: alg must be A256GCM");
        s = json_member_string(o, "nonce", 64);
        if (!s || !base64_length_is(s, 12, 12))
                return fail(err, err_size, "record: nonce must be 12 bytes in base64");
        s = json_member_string(o, "sealed", JOIN_RECORD_MAX);
        if (!s || !base64_length_is(s, 16, JOIN_RECORD_MAX))
                return fail(err, err_size, "record: sealed must be base64 of at least 16 bytes");
        if (json_object_object_length(o) != 5)
                return fail(err, err_size, "record: unexpected members");
        return 0;
}

void report_free(struct report *r) {
        if (!r)
                return;
        free(r->json);
        free(r);
}

static bool one_of(const char *s, const char *const *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq(s, list[i]))
                        return true;
        return false;
}

static bool role_is_valid(const char *s) {
        size_t len = strlen(s);

        if (len == 0 || len > 31)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
        return true;
}

static int report_serialize(struct report *r) {
        _cleanup_json_ json_object *o = json_object_new_object();
        const char *s;

        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "node", json_object_new_string(r->node));
        json_object_object_add(o, "role", json_object_new_string(r->role));
        json_object_object_add(o, "stage", json_object_new_string(r->stage));
        json_object_object_add(o, "status", json_object_new_string(r->status));
        json_object_object_add(o, "message", json_object_new_string(r->message));
        json_object_object_add(o, "time", json_object_new_int64(r->time));
        json_object_object_add(o, "received", json_object_new_int64(r->received));
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        if (!s)
                return -ENOMEM;
        r->json = strdup(s);
        if (!r->json)
                return -ENOMEM;
        r->json_size = strlen(r->json);
        return 0;
}

int report_parse(const char *node, const char *data, size_t size, bool stored, struct report **ret, char *err,
                 size_t err_size) {
        _cleanup_json_ json_object *o = NULL;
        struct report *r;
        const char *s;
        int64_t t;

        if (size > REPORT_MAX)
                return fail(err, err_size, "report larger than 4 KiB");
        o = parse_object(data, size);
        if (!o)
                return fail(err, err_size, "report: not a JSON object");
        s = json_member_string(o, "node", 63);
        if (!s || !streq(s, node))
                return fail(err, err_size, "report: node does not match the path");
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        strscpy(r->node, sizeof(r->node), node);

        s = json_member_string(o, "role", 31);
        if (!s || !role_is_valid(s)) {
                report_free(r);
                return fail(err, err_size, "report: role must match [a-z0-9-]{1,31}");
        }
        strscpy(r->role, sizeof(r->role), s);
        s = json_member_string(o, "stage", 15);
        if (!s || !one_of(s, stages, ELEMENTSOF(stages))) {
                report_free(r);
                return fail(err, err_size, "report: stage must be one of seed, host, init, cni, publish, "
                                           "wait-record, join, done");
        }
        strscpy(r->stage, sizeof(r->stage), s);
        s = json_member_string(o, "status", 15);
        if (!s || !one_of(s, statuses, ELEMENTSOF(statuses))) {
                report_free(r);
                return fail(err, err_size, "report: status must be one of running, done, failed");
        }
        strscpy(r->status, sizeof(r->status), s);
        s = json_member_string(o, "message", REPORT_MESSAGE_MAX);
        if (!s || !text_is_printable_utf8(s, strlen(s))) {
                report_free(r);
                return fail(err, err_size, "report: message must be printable UTF-8 of at most 256 bytes");
        }
        strscpy(r->message, sizeof(r->message), s);
        if (json_member_int64(o, "time", 0, (int64_t) 1 << 40, &r->time) < 0) {
                report_free(r);
                return fail(err, err_size, "report: time must be Unix seconds");
        }
        if (stored) {
                if (json_member_int64(o, "received", 0, (int64_t) 1 << 40, &t) < 0) {
                        report_free(r);
                        return fail(err, err_size, "report: received must be Unix seconds");
                }
                r->received = t;
        } else
                r->received = now_realtime_sec();

        if (report_serialize(r) < 0) {
                report_free(r);
                return -ENOMEM;
        }
        *ret = r;
        return 0;
}
