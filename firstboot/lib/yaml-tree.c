/* SPDX-License-Identifier: MIT */
/* libyaml event stream -> tree. Only the 0.1.4 event API is used (CentOS 7). */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "log.h"
#include "macro.h"
#include "yaml-tree.h"

struct frame {
        struct ynode *node;
        struct ynode *pending_key; /* mapping: key read, value not yet */
        size_t capacity;
        bool flow;                 /* written as { } or [ ] */
};

#define FLOW_COLON_PROBLEM "found unexpected ':' (in { } or [ ], quote values that contain ':')"

struct loader {
        const char *name;
        const char *data;
        size_t size;
        struct frame stack[YAML_MAX_DEPTH];
        unsigned depth;
        size_t n_nodes;
        unsigned n_documents;
        struct ynode *root;
};

const char *ynode_type_to_string(enum ynode_type t) {
        switch (t) {
        case YNODE_SCALAR:
                return "a scalar";
        case YNODE_SEQUENCE:
                return "a list";
        case YNODE_MAPPING:
                return "a mapping";
        }
        return "?";
}

void ytree_free(struct ynode *n) {
        if (!n)
                return;
        for (size_t i = 0; i < n->n_items; i++) {
                ytree_free(n->items[i]);
                if (n->keys)
                        ytree_free(n->keys[i]);
        }
        free(n->items);
        free(n->keys);
        free(n->value);
        free(n);
}

struct ynode *ynode_get(const struct ynode *map, const char *key) {
        if (!map || map->type != YNODE_MAPPING)
                return NULL;
        for (size_t i = 0; i < map->n_items; i++)
                if (streq(map->keys[i]->value, key))
                        return map->items[i];
        return NULL;
}

bool ynode_is_null(const struct ynode *n) {
        if (!n)
                return true;
        if (n->type != YNODE_SCALAR || !n->plain)
                return false;
        return n->length == 0 || streq(n->value, "~") || streq(n->value, "null") || streq(n->value, "Null") ||
               streq(n->value, "NULL");
}

static int loader_error(struct loader *l, int error, unsigned line, unsigned column, const char *fmt, ...)
        _printf_(5, 6);
static int loader_error(struct loader *l, int error, unsigned line, unsigned column, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return log_error_errno(error, "%s:%u:%u: %s", l->name, line, column, msg);
}

static int event_error(struct loader *l, int error, const yaml_event_t *e, const char *fmt, ...) _printf_(4, 5);
static int event_error(struct loader *l, int error, const yaml_event_t *e, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return loader_error(l, error, (unsigned) e->start_mark.line + 1, (unsigned) e->start_mark.column + 1, "%s",
                            msg);
}

/* Reader errors carry a byte offset, not a mark. */
static void offset_to_position(const struct loader *l, size_t offset, unsigned *line, unsigned *column) {
        *line = 1;
        *column = 1;
        for (size_t i = 0; i < offset && i < l->size; i++) {
                if (l->data[i] == '\n') {
                        (*line)++;
                        *column = 1;
                } else if (((unsigned char) l->data[i] & 0xc0) != 0x80)
                        (*column)++;
        }
}

static int parser_error(struct loader *l, const yaml_parser_t *p) {
        unsigned line, column;

        if (p->error == YAML_MEMORY_ERROR)
                return log_error_errno(-ENOMEM, "%s: out of memory while parsing YAML", l->name);
        if (p->error == YAML_READER_ERROR) {
                offset_to_position(l, p->problem_offset, &line, &column);
                return loader_error(l, -EINVAL, line, column, "not valid YAML: %s",
                                    p->problem ? p->problem : "unreadable input");
        }
        line = (unsigned) p->problem_mark.line + 1;
        column = (unsigned) p->problem_mark.column + 1;
        if (p->problem && streq(p->problem, "found unexpected ':'"))
                return loader_error(l, -EINVAL, line, column, "not valid YAML: " FLOW_COLON_PROBLEM);
        if (p->context)
                return loader_error(l, -EINVAL, line, column, "not valid YAML: %s (%s started at line %u column %u)",
                                    p->problem ? p->problem : "syntax error", p->context,
                                    (unsigned) p->context_mark.line + 1, (unsigned) p->context_mark.column + 1);
        return loader_error(l, -EINVAL, line, column, "not valid YAML: %s", p->problem ? p->problem : "syntax error");
}

/* The core schema's tags, which say nothing we do not already handle; everything else (!!binary,
 * !!set, local tags such as !foo) is refused rather than silently misread. */
static bool tag_is_standard(const yaml_char_t *tag) {
        static const char *const known[] = {
                "tag:yaml.org,2002:str", "tag:yaml.org,2002:int",   "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:null", "tag:yaml.org,2002:float", "tag:yaml.org,2002:seq",
                "tag:yaml.org,2002:map",
        };
        if (!tag)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (streq((const char *) tag, known[i]))
                        return true;
        return false;
}

static int node_new(struct loader *l, const yaml_event_t *e, enum ynode_type type, struct ynode **ret) {
        struct ynode *n;

        if (l->n_nodes >= YAML_MAX_NODES) {
                (void) event_error(l, -E2BIG, e, "more than %d YAML nodes", YAML_MAX_NODES);
                return -E2BIG;
        }
        n = calloc(1, sizeof(*n));
        if (!n)
                return log_error_errno(-ENOMEM, "%s: out of memory while parsing YAML", l->name);
        n->type = type;
        n->line = (unsigned) e->start_mark.line + 1;
        n->column = (unsigned) e->start_mark.column + 1;
        l->n_nodes++;
        *ret = n;
        return 0;
}

static int collection_append(struct loader *l, struct frame *f, struct ynode *key, struct ynode *value) {
        struct ynode *n = f->node;

        if (n->n_items == f->capacity) {
                size_t capacity = f->capacity ? f->capacity * 2 : 8;
                struct ynode **items, **keys;

                /* bounded by YAML_MAX_NODES, so no overflow */
                items = realloc(n->items, capacity * sizeof(*items));
                if (!items)
                        return log_error_errno(-ENOMEM, "%s: out of memory while parsing YAML", l->name);
                n->items = items;
                if (n->type == YNODE_MAPPING) {
                        keys = realloc(n->keys, capacity * sizeof(*keys));
                        if (!keys)
                                return log_error_errno(-ENOMEM, "%s: out of memory while parsing YAML", l->name);
                        n->keys = keys;
                }
                f->capacity = capacity;
        }
        if (n->type == YNODE_MAPPING)
                n->keys[n->n_items] = key;
        n->items[n->n_items++] = value;
        return 0;
}

/* Hands a finished node to its parent (or makes it the root). Takes ownership in every case. */
static int node_attach(struct loader *l, struct ynode *n) {
        struct frame *f;
        int r;

        if (l->depth == 0) {
                l->root = n;
                return 0;
        }
        f = &l->stack[l->depth - 1];
        if (f->node->type == YNODE_SEQUENCE) {
                r = collection_append(l, f, NULL, n);
                if (r < 0)
                        ytree_free(n);
                return r;
        }

        if (!f->pending_key) {
                /* a key: the caller made sure it is a scalar */
                for (size_t i = 0; i < f->node->n_items; i++) {
                        const struct ynode *k = f->node->keys[i];
                        if (k->length == n->length && memcmp(k->value, n->value, n->length) == 0) {
                                char escaped[80];
                                ytree_escape(n->value, escaped, sizeof(escaped));
                                r = loader_error(l, -EINVAL, n->line, n->column,
                                                 "duplicate key \"%s\" (first at line %u column %u)", escaped,
                                                 k->line, k->column);
                                ytree_free(n);
                                return r;
                        }
                }
                f->pending_key = n;
                return 0;
        }
        r = collection_append(l, f, f->pending_key, n);
        if (r < 0) {
                ytree_free(n);
                return r; /* pending_key is freed with the loader's stack */
        }
        f->pending_key = NULL;
        return 0;
}

static bool expecting_key(const struct loader *l) {
        const struct frame *f;

        if (l->depth == 0)
                return false;
        f = &l->stack[l->depth - 1];
        return f->node->type == YNODE_MAPPING && !f->pending_key;
}

static int on_scalar(struct loader *l, const yaml_event_t *e) {
        struct ynode *n;
        size_t length = e->data.scalar.length;
        int r;

        if (e->data.scalar.anchor)
                return event_error(l, -EINVAL, e, "anchors (&name) are not allowed");
        if (!tag_is_standard(e->data.scalar.tag))
                return event_error(l, -EINVAL, e, "only the standard tags (!!str, !!int, ...) are allowed");
        if (length > YAML_MAX_SCALAR)
                return event_error(l, -E2BIG, e, "value longer than %d bytes", YAML_MAX_SCALAR);
        if (memchr(e->data.scalar.value, 0, length))
                return event_error(l, -EINVAL, e, "value contains a NUL character");

        /* libyaml 0.1.4 (CentOS 7) refuses ':' in an unquoted value inside { } or [ ] (URLs, host:port)
         * where 0.2 takes it: refuse it everywhere, at the ':' as 0.1.4 does, so that a seed checked on
         * any machine behaves the same on the target. */
        if (l->depth > 0 && l->stack[l->depth - 1].flow && e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                const char *colon = memchr(e->data.scalar.value, ':', length);
                if (colon) {
                        unsigned column = (unsigned) e->start_mark.column + 1;
                        if (e->end_mark.line == e->start_mark.line)
                                for (const char *p = (const char *) e->data.scalar.value; p < colon; p++)
                                        column += ((unsigned char) *p & 0xc0) != 0x80;
                        return loader_error(l, -EINVAL, (unsigned) e->start_mark.line + 1, column,
                                            "not valid YAML: " FLOW_COLON_PROBLEM);
                }
        }

        r = node_new(l, e, YNODE_SCALAR, &n);
        if (r < 0)
                return r;
        n->value = malloc(length + 1);
        if (!n->value) {
                ytree_free(n);
                return log_error_errno(-ENOMEM, "%s: out of memory while parsing YAML", l->name);
        }
        memcpy(n->value, e->data.scalar.value, length);
        n->value[length] = 0;
        n->length = length;
        n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !e->data.scalar.tag;
        return node_attach(l, n);
}

static int on_collection_start(struct loader *l, const yaml_event_t *e, enum ynode_type type) {
        const yaml_char_t *anchor, *tag;
        struct ynode *n;
        int r;

        if (type == YNODE_MAPPING) {
                anchor = e->data.mapping_start.anchor;
                tag = e->data.mapping_start.tag;
        } else {
                anchor = e->data.sequence_start.anchor;
                tag = e->data.sequence_start.tag;
        }
        if (anchor)
                return event_error(l, -EINVAL, e, "anchors (&name) are not allowed");
        if (!tag_is_standard(tag))
                return event_error(l, -EINVAL, e, "only the standard tags (!!str, !!int, ...) are allowed");
        if (expecting_key(l))
                return event_error(l, -EINVAL, e, "mapping key is %s; keys must be strings",
                                   ynode_type_to_string(type));
        if (l->depth >= YAML_MAX_DEPTH)
                return event_error(l, -E2BIG, e, "nested deeper than %d levels", YAML_MAX_DEPTH);

        r = node_new(l, e, type, &n);
        if (r < 0)
                return r;
        l->stack[l->depth++] = (struct frame) {
                .node = n,
                .flow = type == YNODE_MAPPING ? e->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                                              : e->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE,
        };
        return 0;
}

static int on_collection_end(struct loader *l) {
        struct frame *f = &l->stack[l->depth - 1];
        struct ynode *n = f->node;

        /* libyaml guarantees balanced events and a value for every key */
        ytree_free(f->pending_key);
        *f = (struct frame) {};
        l->depth--;
        return node_attach(l, n);
}

static void loader_done(struct loader *l) {
        while (l->depth > 0) {
                struct frame *f = &l->stack[--l->depth];
                ytree_free(f->pending_key);
                ytree_free(f->node);
        }
        ytree_free(l->root);
        l->root = NULL;
}

static int handle_event(struct loader *l, const yaml_event_t *e) {
        switch (e->type) {
        case YAML_DOCUMENT_START_EVENT:
                if (++l->n_documents > 1)
                        return event_error(l, -EINVAL, e, "more than one YAML document (---); a seed file holds one");
                return 0;
        case YAML_ALIAS_EVENT:
                return event_error(l, -EINVAL, e, "aliases (*name) are not allowed");
        case YAML_SCALAR_EVENT:
                return on_scalar(l, e);
        case YAML_SEQUENCE_START_EVENT:
                return on_collection_start(l, e, YNODE_SEQUENCE);
        case YAML_MAPPING_START_EVENT:
                return on_collection_start(l, e, YNODE_MAPPING);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                return on_collection_end(l);
        default:
                return 0;
        }
}

int ytree_load(const char *data, size_t size, const char *name, struct ynode **ret) {
        struct loader l = { .name = name, .data = data, .size = size };
        yaml_parser_t parser;
        bool done = false;
        int r = 0;

        if (!yaml_parser_initialize(&parser))
                return log_error_errno(-ENOMEM, "%s: out of memory while parsing YAML", name);
        yaml_parser_set_input_string(&parser, (const unsigned char *) data, size);

        while (!done) {
                yaml_event_t event;

                if (!yaml_parser_parse(&parser, &event)) {
                        r = parser_error(&l, &parser);
                        break;
                }
                done = event.type == YAML_STREAM_END_EVENT;
                r = handle_event(&l, &event);
                yaml_event_delete(&event);
                if (r < 0)
                        break;
        }
        yaml_parser_delete(&parser);
        if (r < 0) {
                loader_done(&l);
                return r;
        }
        *ret = TAKE_PTR(l.root);
        return 0;
}

void ytree_escape(const char *s, char *buf, size_t size) {
        static const size_t max_shown = 64;
        size_t n = 0, shown = 0;

        for (; *s && shown < max_shown; s++, shown++) {
                unsigned char c = (unsigned char) *s;
                char tmp[5];
                size_t len;

                if (c == '"' || c == '\\')
                        len = (size_t) snprintf(tmp, sizeof(tmp), "\\%c", c);
                else if (c < 0x20 || c >= 0x7f)
                        len = (size_t) snprintf(tmp, sizeof(tmp), "\\x%02x", c);
                else
                        len = (size_t) snprintf(tmp, sizeof(tmp), "%c", c);
                if (n + len + 4 > size)
                        break;
                memcpy(buf + n, tmp, len);
                n += len;
        }
        if (*s && n + 4 <= size) {
                memcpy(buf + n, "...", 3);
                n += 3;
        }
        buf[n] = 0;
}

void yaml_write_scalar(FILE *f, const char *s, bool plain, bool escape_non_ascii) {
        static const char *const special[] = { "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~" };

        for (size_t i = 0; i < ELEMENTSOF(special) && plain; i++)
                if (strcasecmp(s, special[i]) == 0)
                        plain = false;
        if (plain) {
                fputs(s, f);
                return;
        }
        fputc('"', f);
        for (const char *p = s; *p; p++) {
                unsigned char ch = (unsigned char) *p;
                if (ch == '"' || ch == '\\')
                        fprintf(f, "\\%c", ch);
                else if (ch < 0x20 || ch == 0x7f || (escape_non_ascii && ch > 0x7f))
                        fprintf(f, "\\x%02x", ch);
                else
                        fputc(ch, f);
        }
        fputc('"', f);
}
