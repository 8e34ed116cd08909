/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
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

/* Generated responses (status page, reports): far above any lab's, low enough to bound memory. */
#define SERVER_RESPONSE_MAX (16 * 1024 * 1024)

/* Appends s with & < > " ' replaced by entities. */
void buffer_put_html(struct buffer *b, const char *s);

/* Copies s into buf for a log line: bytes outside a safe set become %XX, and a long value is cut with
 * "..." so one line stays one line. */
void escape_for_log(const char *s, char *buf, size_t size);
