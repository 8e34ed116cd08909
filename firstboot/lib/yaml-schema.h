/* SPDX-License-Identifier: MIT */
/* Checking a YAML tree against a schema, shared by the agent's seed parser (agent/config/) and the seed
 * generator's inventory (seedgen/inventory.c): the parse context with the field path, errors at
 * FILE:LINE:COLUMN that name the field, "did you mean" suggestions, typed values, and mappings read
 * through tables of fields. Errors do not stop parsing, so one run shows every mistake; the first
 * error code is kept in the context. It knows nothing of what the values mean: field functions get
 * the context's target and user pointers and know their types. */
#pragma once

#include <stdarg.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "yaml-tree.h"

struct schema_ctx {
        const char *name; /* the file, in every message */
        void *target;     /* what the parser fills in: its field functions know the type */
        void *user;       /* shared by a family of field functions (the agent's: its cluster settings) */
        char path[256];   /* field path of the value being parsed, e.g. kube_firstboot.hosts[2].name */
        size_t path_len;
        int error;
        unsigned n_errors;
};

typedef char escaped_t[80];

static inline const char *esc(const char *s, escaped_t buf) {
        ytree_escape(s, buf, sizeof(escaped_t));
        return buf;
}

static inline struct yaml_pos pos_of(const struct schema_ctx *x, const struct ynode *n) {
        return (struct yaml_pos) { .file = x->name, .line = n->line, .column = n->column };
}

/* Records an error; false when too many were logged already and this one is not to be shown. */
bool schema_count_error(struct schema_ctx *x);

/* At a YAML node (NULL: 1:1), with the current field path. Always -EINVAL: spelled out in the macro,
 * so that static analysers see that a value parser returning 0 has set its result. */
/* Counts the error, then logs "NAME:LINE:COLUMN: FIELD: message" (no FIELD part when it is NULL). */
int schema_error_vpos(struct schema_ctx *x, unsigned line, unsigned column, const char *field, const char *fmt,
                      va_list ap) _printf_(5, 0);
int schema_error_at_internal(struct schema_ctx *x, const struct ynode *n, const char *fmt, ...) _printf_(3, 4);
#define schema_error_at(x, n, ...) ({ schema_error_at_internal((x), (n), __VA_ARGS__); -EINVAL; })

/* The field path: each returns the old length, for schema_path_restore(). */
size_t schema_path_append(struct schema_ctx *x, const char *fmt, ...) _printf_(2, 3);
size_t schema_path_key(struct schema_ctx *x, const char *key);
size_t schema_path_index(struct schema_ctx *x, size_t i);
void schema_path_restore(struct schema_ctx *x, size_t len);

/* The known name closest to s, if close enough to be a likely typo. names is an array of n elements
 * of size stride, each starting with a const char * (a string array or a table of struct schema_field). */
const char *schema_closest(const char *s, const void *names, size_t n, size_t stride);
void schema_list_names(const void *names, size_t n, size_t stride, char *buf, size_t size);

/* Typed values: 0 and the value, or -EINVAL after an error at v. */
int schema_scalar(struct schema_ctx *x, const struct ynode *v, const char **ret);
/* A scalar of printable ASCII that fits into size bytes with its NUL. */
int schema_text(struct schema_ctx *x, const struct ynode *v, size_t size, const char **ret);
int schema_choice(struct schema_ctx *x, const struct ynode *v, const char *const *choices, size_t n, size_t *ret);
int schema_bool(struct schema_ctx *x, const struct ynode *v, bool *ret);
/* An IPv4 address, not in a reserved range. */
int schema_address(struct schema_ctx *x, const struct ynode *v, uint32_t *ret);
/* "10.244.0.0/16", within [min_prefix, max_prefix]; why explains the range. */
int schema_cidr(struct schema_ctx *x, const struct ynode *v, unsigned min_prefix, unsigned max_prefix, const char *why,
                uint32_t *ret_net, unsigned *ret_prefix);
int schema_duration(struct schema_ctx *x, const struct ynode *v, unsigned long long min_s, unsigned long long max_s,
                    const char *range, unsigned long long *ret);

/* The reserved range (as text) that net/prefix overlaps, or NULL. */
const char *ipv4_reserved(uint32_t net, unsigned prefix);
/* A DNS name (RFC 1123), any case, up to 253 characters; the last label not all digits, so that a
 * mistyped address like 192.168.1 is not taken for a name. */
bool dns_name_is_valid(const char *s);

/* ---- mappings and lists ----------------------------------------------------------------------- */

struct schema_field {
        const char *key; /* first member: schema_closest() and schema_list_names() read tables of fields */
        int (*parse)(struct schema_ctx *x, const struct ynode *key, const struct ynode *value, void *userdata);
        const char *required; /* NULL, or the hint shown when the key is missing */
};

enum schema_unknown_keys {
        SCHEMA_UNKNOWN_ERROR,  /* a typo must not pass */
        SCHEMA_UNKNOWN_IGNORE, /* meta-data: cloud-init has many keys we do not use */
        SCHEMA_UNKNOWN_NOTICE, /* top-level cloud-config: say what is ignored */
};

#define SCHEMA_MAX_FIELDS 16

/* Parses map with a table of fields. owner is the key whose value map is (for "missing" errors), or
 * NULL. A null value counts as an empty mapping. seen (optional, n_fields long) tells which keys were
 * present. */
int schema_mapping(struct schema_ctx *x, const struct ynode *owner, const struct ynode *map,
                   const struct schema_field *fields, size_t n_fields, enum schema_unknown_keys unknown,
                   void *userdata, bool *seen);

/* Calls parse on every item of a list, a null value being an empty list; or (when single is set) on
 * one value standing for a list of one, as cloud-init allows. An item parser returning -E2BIG (too
 * many items, said once) stops the list. */
typedef int (*schema_item_parser)(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata);
int schema_list(struct schema_ctx *x, const struct ynode *v, const char *what, bool single, schema_item_parser parse,
                void *userdata);
