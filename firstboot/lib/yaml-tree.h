/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

/* A small YAML loader on top of libyaml's event API (0.1.4): one document into a tree of scalars,
 * sequences and mappings, every node with its 1-based line and column. It refuses what a seed never
 * needs and an attacker would use: anchors and aliases (billion laughs), more than one document,
 * duplicate or non-scalar mapping keys, non-standard tags, NUL characters in scalars, and anything
 * beyond the depth, node count and scalar length limits. Scalars stay raw strings: `off` is "off". */

/* Limits on what the loader accepts: a seed file or an inventory is a few kilobytes. */
#define YAML_MAX_SCALAR (64 * 1024)
#define YAML_MAX_DEPTH 16
#define YAML_MAX_NODES 8192

/* Where a value came from, for error messages: "meta-data:3:17". */
struct yaml_pos {
        const char *file; /* static or owned by the caller; NULL when the value is a default */
        unsigned line, column;
};

enum ynode_type {
        YNODE_SCALAR,
        YNODE_SEQUENCE,
        YNODE_MAPPING,
};

struct ynode {
        enum ynode_type type;
        unsigned line, column; /* 1-based */

        /* scalar */
        char *value;  /* NUL-terminated; never contains NUL */
        size_t length;
        bool plain;   /* unquoted and untagged: only then can it mean null ("", "~", "null") */

        /* sequence: items[0..n_items); mapping: keys[i] (scalars) -> items[i], in document order */
        struct ynode **items;
        struct ynode **keys;
        size_t n_items;
};

/* Parses data (size bytes, need not be NUL-terminated). *ret is the root node, or NULL when the
 * document is empty (only comments or nothing). Errors are logged as "NAME:LINE:COLUMN: message";
 * returns -EINVAL for bad or refused YAML, -E2BIG when a limit is exceeded, -ENOMEM. */
int ytree_load(const char *data, size_t size, const char *name, struct ynode **ret);
void ytree_free(struct ynode *n);
static inline void ytree_freep(struct ynode **n) {
        ytree_free(*n);
}

/* The value of key in a mapping, or NULL (also when n is not a mapping). */
struct ynode *ynode_get(const struct ynode *map, const char *key);
/* A scalar that means null: plain "", "~", "null", "Null" or "NULL". */
bool ynode_is_null(const struct ynode *n);
const char *ynode_type_to_string(enum ynode_type t);

/* s made safe for a log message: quotes, backslashes, control and non-ASCII bytes escaped, cut after
 * 64 characters with "...". size must be at least 8. */
void ytree_escape(const char *s, char *buf, size_t size);

/* Writes s as a YAML 1.1 scalar: plain when the caller found its characters plain-safe (plain) and it is
 * no word a reader takes as a boolean or null ("yes", "off", "~", ...); else double-quoted, with quotes,
 * backslashes, control bytes and DEL escaped, and bytes from 0x80 too when escape_non_ascii. */
void yaml_write_scalar(FILE *f, const char *s, bool plain, bool escape_non_ascii);
