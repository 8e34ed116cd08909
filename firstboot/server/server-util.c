/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server-util.h"

void format_utc(int64_t t, char *buf, size_t size) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
                snprintf(buf, size, "-");
}

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool name_is_valid(const char *s) {
        size_t len = strlen(s);

        if (len == 0 || len > 63)
                return false;
        if (!is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
                return false;
        for (size_t i = 1; i + 1 < len; i++)
                if (!is_lower_alnum(s[i]) && s[i] != '.' && s[i] != '-')
                        return false;
        return true;
}

bool bearer_is_valid(const char *s) {
        size_t len = strlen(s);

        if (len != 64)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

bool secret_equal(const char *expected, const char *given) {
        size_t n = strlen(expected), given_len = strlen(given);
        volatile unsigned char diff = given_len != n;

        /* Reads given only up to its end; past it, compares against expected itself so the loop
         * always runs n times. */
        for (size_t i = 0; i < n; i++) {
                unsigned char g = i < given_len ? (unsigned char) given[i] : (unsigned char) ~expected[i];
                diff |= (unsigned char) expected[i] ^ g;
        }
        return diff == 0;
}

bool text_is_printable_utf8(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *) s, *end = p + len;

        while (p < end) {
                unsigned char c = *p;
                size_t n;
                uint32_t cp;

                if (c < 0x80) {
                        if (c < 0x20 || c == 0x7f)
                                return false;
                        p++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 1;
                        cp = c & 0x1f;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        cp = c & 0x0f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        cp = c & 0x07;
                } else
                        return false;
                if ((size_t) (end - p) <= n)
                        return false;
                for (size_t i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (p[i] & 0x3f);
                }
                /* overlong forms, surrogates, beyond U+10FFFF, C1 controls */
                if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
                    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
                        return false;
                p += n + 1;
        }
        return true;
}

void buffer_put_html(struct buffer *b, const char *s) {
        const char *run = s;

        for (; *s; s++) {
                const char *entity;
                switch (*s) {
                case '&':
                        entity = "&amp;";
                        break;
                case '<':
                        entity = "&lt;";
                        break;
                case '>':
                        entity = "&gt;";
                        break;
                case '"':
                        entity = "&quot;";
                        break;
                case '\'':
                        entity = "&#39;";
                        break;
                default:
                        continue;
                }
                buffer_append(b, run, (size_t) (s - run));
                buffer_puts(b, entity);
                run = s + 1;
        }
        buffer_append(b, run, (size_t) (s - run));
}

static bool log_safe(unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("/._-~+:@,", (char) c) != NULL;
}

void escape_for_log(const char *s, char *buf, size_t size) {
        static const char hex[] = "0123456789ABCDEF";
        size_t n = 0;

        if (size < 8) {
                if (size > 0)
                        buf[0] = 0;
                return;
        }
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                size_t need = log_safe(c) ? 1 : 3;

                if (n + need > size - 4) {
                        memcpy(buf + n, "...", 3);
                        n += 3;
                        break;
                }
                if (need == 1)
                        buf[n++] = (char) c;
                else {
                        buf[n++] = '%';
                        buf[n++] = hex[c >> 4];
                        buf[n++] = hex[c & 15];
                }
        }
        buf[n] = 0;
}
