/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict parsers for values that come from outside. All return 0 or -EINVAL/-ERANGE. */

/* Dotted quad only ("192.168.220.104"); no octal, no short forms. Host byte order. */
int parse_ipv4(const char *s, uint32_t *ret);
void format_ipv4(uint32_t addr, char buf[static 16]);

/* "10.244.0.0/16": the address must be the network address (no host bits). */
int parse_cidr4(const char *s, uint32_t *ret_net, unsigned *ret_prefix);
/* "192.168.220.104/24": an address with a prefix; host bits allowed. */
int parse_ipv4_prefix(const char *s, uint32_t *ret_addr, unsigned *ret_prefix);
uint32_t prefix_mask(unsigned prefix);
bool cidr4_overlap(uint32_t a, unsigned a_prefix, uint32_t b, unsigned b_prefix);

/* RFC 1123 hostname, as Kubernetes node names want it: lower-case labels of [a-z0-9-], no leading
 * or trailing '-', labels of at most 63, total at most 63 (we also use it as the node name). */
bool hostname_is_valid(const char *s);

/* Kubernetes bootstrap token: [a-z0-9]{6}.[a-z0-9]{16} */
bool bootstrap_token_is_valid(const char *s);

/* The value of one hexadecimal digit of either case, or -1. */
int hexval(char c);

/* "aa:bb:cc:dd:ee:ff", case-insensitive; normalised to lower case in ret. */
int parse_mac(const char *s, char ret[static 18]);
/* An SMBIOS/RFC 4122 UUID in its 8-4-4-4-12 hex form, either case; ret gets it in lower case. */
int parse_uuid(const char *s, char ret[static 37]);

/* Standard base64 with padding; whitespace is not allowed. */
int base64_decode(const char *s, uint8_t *out, size_t out_size, size_t *ret_len);
/* Returns the number of characters written (without NUL) or -ENOBUFS. */
int base64_encode(const uint8_t *in, size_t len, char *out, size_t out_size);

/* Unsigned decimal, no sign, no leading whitespace, within [min, max]. */
int parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *ret);

/* Durations: "24h", "90m", "45s", "2h30m", or plain seconds. */
int parse_duration_s(const char *s, unsigned long long *ret);

/* "v1.23.6" or "1.23.6" -> "v1.23.6" */
int parse_k8s_version(const char *s, char ret[static 32]);

/* sysctl key: dotted or slashed, [a-zA-Z0-9_.-/], no "..", at most 127 chars. */
bool sysctl_key_is_valid(const char *s);

/* No C0 control character and no DEL, up to max bytes. Bytes from 0x80 pass, so that UTF-8 text does;
 * a caller that shows the text on a terminal refuses C1 controls itself (status-remote.c). */
bool string_is_safe(const char *s, size_t max);

/* parse_uint() of the len bytes at s, which need not end there (a field inside a line). */
int parse_uint_n(const char *s, size_t len, unsigned long long min, unsigned long long max, unsigned long long *ret);

/* The numbers of a version parse_k8s_version() accepts: "v1.23.6" -> {1, 23, 6}. */
int parse_k8s_version_numbers(const char *s, unsigned *ret_major, unsigned *ret_minor, unsigned *ret_patch);

/* A device number "MAJOR:MINOR", as /proc/self/mountinfo and /sys/class/block/X/dev write it (one
 * trailing newline allowed). */
int parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor);

/* Splits s in place at blanks (spaces, tabs, newlines) into at most max words; returns their number,
 * or max + 1 when there are more. */
size_t split_words(char *s, char *ret[], size_t max);
