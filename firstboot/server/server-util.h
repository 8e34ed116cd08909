/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Small helpers shared by the server's modules. */

/* "2025-11-28 18:40:00Z"; buf of at least 24 bytes. */
void format_utc(int64_t t, char *buf, size_t size);

/* Cluster and node names in URLs, as docs/join-protocol.md fixes them:
 * [a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])? */
bool name_is_valid(const char *s);

/* A bearer as the config holds it: 64 lower-case hex digits. */
bool bearer_is_valid(const char *s);

/* Compares in time that depends only on the length of expected, so a client learns nothing from how
 * long a wrong bearer takes to be refused. */
bool secret_equal(const char *expected, const char *given);

/* Well-formed UTF-8 without control characters (tab, newline and DEL included). */
bool text_is_printable_utf8(const char *s, size_t len);

/* A growable NUL-terminated buffer. On allocation failure it remembers the error and drops further
 * appends; strbuf_finish() then returns -ENOMEM. */
struct strbuf {
        char *data;
        size_t len, alloc;
        bool failed;
};
void strbuf_append(struct strbuf *b, const char *s, size_t len);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
/* Appends s with & < > " ' replaced by entities. */
void strbuf_put_html(struct strbuf *b, const char *s);
int strbuf_finish(struct strbuf *b, char **ret, size_t *ret_size);
void strbuf_done(struct strbuf *b);

/* Copies s into buf for a log line: bytes outside a safe set become %XX, and a long value is cut with
 * "..." so one line stays one line. */
void escape_for_log(const char *s, char *buf, size_t size);
