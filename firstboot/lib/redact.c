/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "macro.h"
#include "redact.h"
#include "secret.h"

struct out {
        char *p;
        size_t size, len;
};

static void put(struct out *o, const char *s, size_t n) {
        size_t room = o->size - 1 - o->len;

        if (n > room)
                n = room;
        memcpy(o->p + o->len, s, n);
        o->len += n;
}

static void put_str(struct out *o, const char *s) {
        put(o, s, strlen(s));
}

static bool is_token_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c) {
        return is_token_char(c) || (c >= 'A' && c <= 'Z');
}

static bool is_base64_char(char c) {
        return is_alnum(c) || c == '+' || c == '/';
}

static bool is_ident_char(char c) {
        return is_alnum(c) || c == '_' || c == '-';
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool is_space(char c) {
        return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* What a secret (token, key, password, URL) may be made of: a line is never cut inside a run of these. */
static bool is_secret_char(char c) {
        return is_alnum(c) || (c != 0 && strchr("._~+/=-:@%", c));
}

/* [a-z0-9]{6}.[a-z0-9]{16} at t[i], not inside a longer run of [a-z0-9] */
static bool token_at(const char *t, size_t len, size_t i) {
        if (i + 23 > len || (i > 0 && is_token_char(t[i - 1])) || (i + 23 < len && is_token_char(t[i + 23])))
                return false;
        for (size_t k = 0; k < 23; k++)
                if (k == 6 ? t[i + k] != '.' : !is_token_char(t[i + k]))
                        return false;
        return true;
}

/* 32 bytes in base64: 43 characters and one "=", not inside a longer run */
static bool key_at(const char *t, size_t len, size_t i) {
        if (i + 44 > len || (i > 0 && is_base64_char(t[i - 1])))
                return false;
        for (size_t k = 0; k < 43; k++)
                if (!is_base64_char(t[i + k]))
                        return false;
        return t[i + 43] == '=' && (i + 44 == len || !(is_base64_char(t[i + 44]) || t[i + 44] == '='));
}

static bool ends_with_secret_name(const char *name, size_t n) {
        static const char *const suffixes[] = { "token", "key", "password", "passwd", "secret", "bearer" };

        for (size_t k = 0; k < ELEMENTSOF(suffixes); k++) {
                size_t sl = strlen(suffixes[k]);
                if (n >= sl && strncasecmp(name + n - sl, suffixes[k], sl) == 0)
                        return true;
        }
        return false;
}

/* scheme://user:password@: the userinfo of the authority that starts at t[a]. Returns where to go on
 * (after the '@'), or 0 when there is no userinfo. */
static size_t userinfo(const char *t, size_t len, size_t a, struct out *o) {
        size_t e = a, at = 0, colon = 0;

        while (e < len && !is_space(t[e]) && !strchr("/?#\"'<>`", t[e]))
                e++;
        for (size_t k = a; k < e; k++)
                if (t[k] == '@')
                        at = k;
        if (!at)
                return 0;
        for (size_t k = a; k < at; k++)
                if (t[k] == ':') {
                        colon = k;
                        break;
                }
        if (!colon) {
                put(o, t + a, at + 1 - a); /* a user name only: not a secret */
                return at + 1;
        }
        put(o, t + a, colon + 1 - a);
        put_str(o, REDACTED);
        put(o, "@", 1);
        return at + 1;
}

/* A word in capitals, as help and error texts name a value (key: PATH, token: TOKEN): no secret. */
static bool is_placeholder(const char *v, size_t n) {
        for (size_t k = 0; k < n; k++)
                if (!((v[k] >= 'A' && v[k] <= 'Z') || v[k] == '_'))
                        return false;
        return true;
}

/* After a name ending in token/key/...: its value. i is the name's start, j its end. Returns where to go
 * on, or 0 when nothing is redacted here (also for a well-formed token: the scan keeps its id). */
static size_t named_value(const char *t, size_t len, size_t i, size_t j, struct out *o) {
        size_t k = j, v;

        if (j - i > 2 && t[i] == '-' && t[i + 1] == '-') {
                /* a flag: --token X, --certificate-key=X */
                if (k >= len || (t[k] != '=' && t[k] != ' ') || token_at(t, len, k + 1))
                        return 0;
                for (v = k + 1; v < len && !is_space(t[v]); v++)
                        ;
                if (v == k + 1)
                        return 0;
                put(o, t + i, k + 1 - i);
                put_str(o, REDACTED);
                return v;
        }

        /* kubeadm: the bootstrap token "X" was not of the form ... */
        if (j - i >= 5 && strncasecmp(t + j - 5, "token", 5) == 0 && k + 1 < len && t[k] == ' ' && t[k + 1] == '"') {
                for (v = k + 2; v < len && t[v] != '"' && t[v] != '\n'; v++)
                        ;
                if (v < len && t[v] == '"' && v > k + 2 && !token_at(t, len, k + 2)) {
                        put(o, t + i, k + 2 - i);
                        put_str(o, REDACTED);
                        return v;
                }
        }

        /* a key of YAML or JSON: token: X, "token": "X", cluster_key=X */
        if (k < len && (t[k] == '"' || t[k] == '\''))
                k++;
        while (k < len && is_blank(t[k]))
                k++;
        if (k >= len || (t[k] != ':' && t[k] != '='))
                return 0;
        k++;
        while (k < len && is_blank(t[k]))
                k++;
        if (k < len && (t[k] == '"' || t[k] == '\'')) {
                char q = t[k];
                for (v = k + 1; v < len && t[v] != q && t[v] != '\n'; v++)
                        ;
                if (v >= len || t[v] != q || v == k + 1 || token_at(t, len, k + 1))
                        return 0;
                put(o, t + i, k + 1 - i);
                put_str(o, REDACTED);
                return v;
        }
        for (v = k; v < len && !is_space(t[v]) && !strchr(",}])", t[v]); v++)
                ;
        if (v == k || token_at(t, len, k) || is_placeholder(t + k, v - k))
                return 0;
        /* only the last word before the end of the line, a comma or a bracket: not a sentence */
        for (j = v; j < len && is_blank(t[j]); j++)
                ;
        if (j < len && !strchr("\r\n,}]", t[j]))
                return 0;
        put(o, t + i, k - i);
        put_str(o, REDACTED);
        return v;
}

/* Bearer X */
static size_t bearer_value(const char *t, size_t len, size_t i, size_t j, struct out *o) {
        size_t v;

        if (j - i != 6 || strncmp(t + i, "Bearer", 6) != 0 || j >= len || t[j] != ' ')
                return 0;
        for (v = j + 1; v < len && (is_alnum(t[v]) || strchr("._~+/=-", t[v])) && t[v]; v++)
                ;
        if (v - (j + 1) < 8)
                return 0;
        put(o, t + i, j + 1 - i);
        put_str(o, REDACTED);
        return v;
}

size_t redact(const char *t, size_t len, char *out, size_t size) {
        struct out o = { out, size, 0 };
        size_t i = 0;

        if (size == 0)
                return 0;
        while (i < len && o.len < size - 1) {
                size_t next = 0;

                if (t[i] == ':' && i + 2 < len && t[i + 1] == '/' && t[i + 2] == '/') {
                        put(&o, "://", 3);
                        next = userinfo(t, len, i + 3, &o);
                        i = next ? next : i + 3;
                        continue;
                }
                if (token_at(t, len, i)) {
                        put(&o, t + i, 7);
                        put_str(&o, REDACTED);
                        i += 23;
                        continue;
                }
                if (key_at(t, len, i)) {
                        put_str(&o, REDACTED);
                        i += 44;
                        continue;
                }
                if (is_ident_char(t[i]) && (i == 0 || !is_ident_char(t[i - 1]))) {
                        size_t j = i;
                        while (j < len && is_ident_char(t[j]))
                                j++;
                        if (ends_with_secret_name(t + i, j - i))
                                next = named_value(t, len, i, j, &o);
                        if (!next)
                                next = bearer_value(t, len, i, j, &o);
                        if (next) {
                                i = next;
                                continue;
                        }
                }
                put(&o, t + i, 1);
                i++;
        }
        out[o.len] = 0;
        return o.len;
}

static void write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return; /* a log that cannot be written is not a reason to stop the command */
                p += k;
                n -= (size_t) k;
        }
}

static void emit(struct redact_stream *s, size_t n) {
        char out[2 * REDACT_LINE_MAX + 16];
        size_t m = redact(s->line, n, out, sizeof(out));

        write_all(s->fd, out, m);
        memmove(s->line, s->line + n, s->len - n);
        s->len -= n;
        secure_erase(s->line + s->len, n);
}

void redact_stream_init(struct redact_stream *s, int fd) {
        s->fd = fd;
        s->len = 0;
}

void redact_stream_write(struct redact_stream *s, const char *data, size_t n) {
        while (n > 0) {
                size_t take = sizeof(s->line) - s->len, cut;

                if (take > n)
                        take = n;
                memcpy(s->line + s->len, data, take);
                s->len += take;
                data += take;
                n -= take;

                for (cut = s->len; cut > 0 && s->line[cut - 1] != '\n'; cut--)
                        ;
                if (cut == 0 && s->len == sizeof(s->line)) {
                        /* a line longer than the buffer: cut at its last blank, else before the run of
                         * characters that could be part of a secret, else anywhere */
                        for (cut = s->len; cut > 0 && !is_blank(s->line[cut - 1]); cut--)
                                ;
                        if (cut == 0)
                                for (cut = s->len; cut > 0 && is_secret_char(s->line[cut - 1]); cut--)
                                        ;
                        if (cut == 0)
                                cut = s->len;
                }
                if (cut > 0)
                        emit(s, cut);
        }
}

void redact_stream_done(struct redact_stream *s) {
        if (s->len > 0)
                emit(s, s->len);
        secure_erase(s->line, sizeof(s->line));
}
