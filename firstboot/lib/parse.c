/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "parse.h"

int parse_ipv4(const char *s, uint32_t *ret) {
        uint32_t addr = 0;
        int parts = 0;

        for (;;) {
                unsigned v = 0;
                int digits = 0;

                while (*s >= '0' && *s <= '9') {
                        if (digits > 0 && v == 0)
                                return -EINVAL; /* leading zero: ambiguous (octal in inet_aton) */
                        v = v * 10 + (unsigned) (*s - '0');
                        if (v > 255)
                                return -EINVAL;
                        digits++;
                        s++;
                }
                if (digits == 0)
                        return -EINVAL;
                addr = (addr << 8) | v;
                parts++;
                if (parts == 4)
                        break;
                if (*s != '.')
                        return -EINVAL;
                s++;
        }
        if (*s != 0)
                return -EINVAL;
        *ret = addr;
        return 0;
}

void format_ipv4(uint32_t addr, char buf[static 16]) {
        snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
}

uint32_t prefix_mask(unsigned prefix) {
        return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int parse_ipv4_prefix(const char *s, uint32_t *ret_addr, unsigned *ret_prefix) {
        char buf[32];
        const char *slash = strchr(s, '/');
        unsigned long long prefix;
        size_t n;

        if (!slash)
                return -EINVAL;
        n = (size_t) (slash - s);
        if (n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = 0;
        if (parse_ipv4(buf, ret_addr) < 0)
                return -EINVAL;
        if (parse_uint(slash + 1, 0, 32, &prefix) < 0)
                return -EINVAL;
        *ret_prefix = (unsigned) prefix;
        return 0;
}

int parse_cidr4(const char *s, uint32_t *ret_net, unsigned *ret_prefix) {
        uint32_t addr;
        unsigned prefix;

        if (parse_ipv4_prefix(s, &addr, &prefix) < 0)
                return -EINVAL;
        if (addr & ~prefix_mask(prefix))
                return -EINVAL;
        *ret_net = addr;
        *ret_prefix = prefix;
        return 0;
}

bool cidr4_overlap(uint32_t a, unsigned a_prefix, uint32_t b, unsigned b_prefix) {
        unsigned p = a_prefix < b_prefix ? a_prefix : b_prefix;
        return ((a ^ b) & prefix_mask(p)) == 0;
}

bool hostname_is_valid(const char *s) {
        size_t len = strlen(s), label = 0;

        if (len == 0 || len > 63)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                        return false;
                if (c == '-' && label == 0)
                        return false;
                label++;
        }
        return label > 0 && s[len - 1] != '-';
}

static bool is_token_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool bootstrap_token_is_valid(const char *s) {
        if (strlen(s) != 23 || s[6] != '.')
                return false;
        for (int i = 0; i < 23; i++)
                if (i != 6 && !is_token_char(s[i]))
                        return false;
        return true;
}

int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* s in the form given, where 'x' stands for a hex digit of either case and every other character for
 * itself; ret gets it with the digits in lower case. */
static int parse_hex_form(const char *s, const char *form, char *ret) {
        size_t len = strlen(form);

        if (strlen(s) != len)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (form[i] == 'x') {
                        int v = hexval(s[i]);
                        if (v < 0)
                                return -EINVAL;
                        ret[i] = "0123456789abcdef"[v];
                } else if (s[i] != form[i])
                        return -EINVAL;
                else
                        ret[i] = form[i];
        }
        ret[len] = 0;
        return 0;
}

int parse_mac(const char *s, char ret[static 18]) {
        return parse_hex_form(s, "xx:xx:xx:xx:xx:xx", ret);
}

int parse_uuid(const char *s, char ret[static 37]) {
        return parse_hex_form(s, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", ret);
}

static int b64val(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

int base64_decode(const char *s, uint8_t *out, size_t out_size, size_t *ret_len) {
        size_t len = strlen(s), n = 0;

        if (len % 4 != 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i += 4) {
                int v[4];
                int pad = 0;
                for (int j = 0; j < 4; j++) {
                        if (s[i + j] == '=') {
                                /* padding only at the very end, in the last two positions */
                                if (i + 4 != len || j < 2)
                                        return -EINVAL;
                                v[j] = 0;
                                pad++;
                        } else {
                                if (pad)
                                        return -EINVAL;
                                v[j] = b64val(s[i + j]);
                                if (v[j] < 0)
                                        return -EINVAL;
                        }
                }
                uint32_t triple = (uint32_t) v[0] << 18 | (uint32_t) v[1] << 12 | (uint32_t) v[2] << 6 | (uint32_t) v[3];
                if (n + 3 - pad > out_size)
                        return -ENOBUFS;
                out[n++] = triple >> 16;
                if (pad < 2)
                        out[n++] = (triple >> 8) & 255;
                if (pad < 1)
                        out[n++] = triple & 255;
        }
        *ret_len = n;
        return 0;
}

int base64_encode(const uint8_t *in, size_t len, char *out, size_t out_size) {
        static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t need = (len + 2) / 3 * 4, n = 0;

        if (need + 1 > out_size)
                return -ENOBUFS;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t) in[i] << 16;
                if (i + 1 < len)
                        v |= (uint32_t) in[i + 1] << 8;
                if (i + 2 < len)
                        v |= in[i + 2];
                out[n++] = table[v >> 18];
                out[n++] = table[(v >> 12) & 63];
                out[n++] = i + 1 < len ? table[(v >> 6) & 63] : '=';
                out[n++] = i + 2 < len ? table[v & 63] : '=';
        }
        out[n] = 0;
        return (int) n;
}

int parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *ret) {
        unsigned long long v = 0;

        if (!*s)
                return -EINVAL;
        if (s[0] == '0' && s[1] != 0)
                return -EINVAL;
        for (; *s; s++) {
                unsigned digit;

                if (*s < '0' || *s > '9')
                        return -EINVAL;
                digit = (unsigned) (*s - '0');
                if (v > (~0ULL - digit) / 10)
                        return -ERANGE;
                v = v * 10 + digit;
        }
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_duration_s(const char *s, unsigned long long *ret) {
        unsigned long long total = 0;
        bool any = false;

        if (!*s)
                return -EINVAL;
        if (parse_uint(s, 0, 10ULL * 365 * 86400, ret) == 0)
                return 0;
        while (*s) {
                unsigned long long v = 0, unit;
                int digits = 0;
                while (*s >= '0' && *s <= '9') {
                        v = v * 10 + (unsigned) (*s++ - '0');
                        if (++digits > 9)
                                return -ERANGE;
                }
                if (digits == 0)
                        return -EINVAL;
                switch (*s++) {
                case 'h':
                        unit = 3600;
                        break;
                case 'm':
                        unit = 60;
                        break;
                case 's':
                        unit = 1;
                        break;
                default:
                        return -EINVAL;
                }
                total += v * unit;
                any = true;
        }
        if (!any || total > 10ULL * 365 * 86400)
                return -ERANGE;
        *ret = total;
        return 0;
}

/* "1.23.6": digits, '.', digits, '.', digits, nothing after; within [1,99].[0,999].[0,999]. */
static int version_numbers(const char *s, unsigned long long ret[static 3]) {
        static const unsigned long long min[3] = { 1, 0, 0 }, max[3] = { 99, 999, 999 };

        for (int i = 0; i < 3; i++) {
                size_t len = strspn(s, "0123456789");
                if (s[len] != (i < 2 ? '.' : 0) || parse_uint_n(s, len, min[i], max[i], &ret[i]) < 0)
                        return -EINVAL;
                s += len + 1;
        }
        return 0;
}

int parse_k8s_version(const char *s, char ret[static 32]) {
        unsigned long long v[3];

        if (s[0] == 'v')
                s++;
        if (strlen(s) > 20 || version_numbers(s, v) < 0)
                return -EINVAL;
        if (snprintf(ret, 32, "v%llu.%llu.%llu", v[0], v[1], v[2]) >= 32)
                return -EINVAL;
        if (!streq(ret + 1, s))
                return -EINVAL; /* trailing garbage, e.g. "1.23.6-rc1" */
        return 0;
}

bool sysctl_key_is_valid(const char *s) {
        size_t len = strlen(s);

        if (len == 0 || len > 127 || s[0] == '.' || s[0] == '/' || strstr(s, "..") || strstr(s, "//"))
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '.' || c == '-' || c == '/'))
                        return false;
        }
        return s[len - 1] != '.' && s[len - 1] != '/';
}

bool string_is_safe(const char *s, size_t max) {
        size_t n = 0;
        for (; *s; s++, n++) {
                if (n >= max)
                        return false;
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return false;
        }
        return true;
}

int parse_uint_n(const char *s, size_t len, unsigned long long min, unsigned long long max, unsigned long long *ret) {
        char buf[24]; /* 20 digits at most, and parse_uint() refuses what is longer */

        if (len >= sizeof(buf))
                return -ERANGE;
        memcpy(buf, s, len);
        buf[len] = 0;
        if (strlen(buf) != len)
                return -EINVAL;
        return parse_uint(buf, min, max, ret);
}

int parse_k8s_version_numbers(const char *s, unsigned *ret_major, unsigned *ret_minor, unsigned *ret_patch) {
        unsigned long long v[3];
        char version[32];

        if (parse_k8s_version(s, version) < 0 || version_numbers(version + 1, v) < 0)
                return -EINVAL;
        *ret_major = (unsigned) v[0];
        *ret_minor = (unsigned) v[1];
        *ret_patch = (unsigned) v[2];
        return 0;
}

int parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor) {
        size_t len = strlen(s), major_len = strspn(s, "0123456789");
        unsigned long long major, minor;

        if (len > 0 && s[len - 1] == '\n')
                len--;
        if (major_len >= len || s[major_len] != ':' ||
            parse_uint_n(s, major_len, 0, UINT_MAX, &major) < 0 ||
            parse_uint_n(s + major_len + 1, len - major_len - 1, 0, UINT_MAX, &minor) < 0)
                return -EINVAL;
        *ret_major = (unsigned) major;
        *ret_minor = (unsigned) minor;
        return 0;
}

size_t split_words(char *s, char *ret[], size_t max) {
        size_t n = 0;

        for (;;) {
                s += strspn(s, " \t\n");
                if (!*s)
                        return n;
                if (n == max)
                        return max + 1;
                ret[n++] = s;
                s += strcspn(s, " \t\n");
                if (*s)
                        *s++ = 0;
        }
}
