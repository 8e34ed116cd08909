/* SPDX-License-Identifier: MIT */
/* The schema engine (lib/yaml-schema.c) on its own, with a small schema of its own rather than the
 * seed's: typo suggestions, field paths in messages, required and unknown keys, lists, typed values,
 * the cap on logged errors, and the target and user pointers that reach the field functions. */
#include "config-test.h"
#include "yaml-schema.h"

/* ---- a small schema: mode, on, items: [{name, flag}] ------------------------------------------ */

struct item {
        char name[16];
        bool flag;
};

struct doc {
        size_t mode;
        bool on;
        struct item items[2];
        size_t n_items;
};

static const char *const modes[] = { "fast", "careful", "off" };

static int f_mode(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct doc *d = x->target;
        return schema_choice(x, v, modes, ELEMENTSOF(modes), &d->mode);
}

static int f_on(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct doc *d = x->target;
        unsigned *calls = x->user;

        ++*calls;
        return schema_bool(x, v, &d->on);
}

static int item_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct item *it = userdata;
        const char *s;

        if (schema_text(x, v, sizeof(it->name), &s) < 0)
                return -EINVAL;
        strscpy(it->name, sizeof(it->name), s);
        return 0;
}

static int item_flag(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct item *it = userdata;
        return schema_bool(x, v, &it->flag);
}

static const struct schema_field item_fields[] = {
        { "name", item_name, "every item has a name" },
        { "flag", item_flag, NULL },
};

static int item_parse(struct schema_ctx *x, const struct ynode *v, size_t index, void *userdata) {
        struct doc *d = x->target;
        struct item *it;

        if (d->n_items >= ELEMENTSOF(d->items)) {
                schema_error_at(x, v, "more than %zu items", ELEMENTSOF(d->items));
                return -E2BIG;
        }
        it = &d->items[d->n_items++];
        return schema_mapping(x, NULL, v, item_fields, ELEMENTSOF(item_fields), SCHEMA_UNKNOWN_ERROR, it, NULL);
}

static int f_items(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "{name, flag} mappings", false, item_parse, NULL);
}

static const struct schema_field doc_fields[] = {
        { "mode", f_mode, "say how: fast, careful or off" },
        { "on", f_on, NULL },
        { "items", f_items, NULL },
};

/* Loads yaml and reads it with the schema; the log is in `logged`. Returns the context's error. */
static int parse_doc(const char *yaml, enum schema_unknown_keys unknown, struct doc *d, unsigned *calls,
                     bool seen[ELEMENTSOF(doc_fields)]) {
        struct schema_ctx x = { .name = "t.yaml", .target = d, .user = calls };
        struct ynode *root = NULL;

        memset(d, 0, sizeof(*d));
        log_capture_start();
        if (ytree_load(yaml, strlen(yaml), x.name, &root) == 0)
                (void) schema_mapping(&x, NULL, root, doc_fields, ELEMENTSOF(doc_fields), unknown, NULL, seen);
        else
                x.error = -EBADMSG;
        logged = log_capture_end();
        ytree_free(root);
        return x.error;
}

static void expect_doc_error(const char *yaml, const char *needle) {
        struct doc d;
        unsigned calls = 0;

        if (parse_doc(yaml, SCHEMA_UNKNOWN_ERROR, &d, &calls, NULL) != -EINVAL)
                fail_msg("expected -EINVAL for:\n%slog:\n%s", yaml, logged);
        assert_logged(logged, needle);
}

/* ---- suggestions ------------------------------------------------------------------------------ */

static void test_schema_closest(void **state) {
        static const char *const keys[] = { "cluster", "endpoint", "image_repository", "control_plane" };
        static const char *const roles[] = { "control-plane", "worker" };
        char buf[64];

        assert_string_equal(schema_closest("clustr", keys, ELEMENTSOF(keys), sizeof(keys[0])), "cluster");
        assert_string_equal(schema_closest("endpiont", keys, ELEMENTSOF(keys), sizeof(keys[0])), "endpoint");
        assert_string_equal(schema_closest("image_repo", keys, ELEMENTSOF(keys), sizeof(keys[0])), "image_repository");
        assert_string_equal(schema_closest("control-plane", keys, ELEMENTSOF(keys), sizeof(keys[0])), "control_plane");
        assert_string_equal(schema_closest("wroker", roles, ELEMENTSOF(roles), sizeof(roles[0])), "worker");
        assert_null(schema_closest("boss", roles, ELEMENTSOF(roles), sizeof(roles[0])));
        assert_null(schema_closest("colour", keys, ELEMENTSOF(keys), sizeof(keys[0])));
        /* a table of fields works as well as an array of strings */
        assert_string_equal(schema_closest("itmes", doc_fields, ELEMENTSOF(doc_fields), sizeof(doc_fields[0])), "items");

        schema_list_names(roles, ELEMENTSOF(roles), sizeof(roles[0]), buf, sizeof(buf));
        assert_string_equal(buf, "control-plane, worker");
        schema_list_names(doc_fields, ELEMENTSOF(doc_fields), sizeof(doc_fields[0]), buf, sizeof(buf));
        assert_string_equal(buf, "mode, on, items");
        /* a list that does not fit stays within the buffer, the names that fit first */
        schema_list_names(keys, ELEMENTSOF(keys), sizeof(keys[0]), buf, 20);
        assert_true(strncmp(buf, "cluster, endpoint", 17) == 0);
        assert_true(strlen(buf) < 20);
}

/* ---- mappings, field paths, lists ------------------------------------------------------------- */

static void test_schema_mapping(void **state) {
        bool seen[ELEMENTSOF(doc_fields)];
        unsigned calls = 0;
        struct doc d;

        assert_int_equal(parse_doc("mode: careful\non: yes\nitems:\n  - {name: a}\n  - name: b\n    flag: true\n",
                                   SCHEMA_UNKNOWN_ERROR, &d, &calls, seen),
                         0);
        assert_int_equal(d.mode, 1);
        assert_true(d.on);
        assert_int_equal(calls, 1); /* the user pointer reached the field function */
        assert_int_equal(d.n_items, 2);
        assert_string_equal(d.items[0].name, "a");
        assert_false(d.items[0].flag);
        assert_string_equal(d.items[1].name, "b");
        assert_true(d.items[1].flag);
        assert_true(seen[0] && seen[1] && seen[2]);

        assert_int_equal(parse_doc("mode: fast\n", SCHEMA_UNKNOWN_ERROR, &d, &calls, seen), 0);
        assert_true(seen[0]);
        assert_false(seen[1]);
        assert_false(seen[2]);
        /* null values: an empty mapping, an empty list */
        assert_int_equal(parse_doc("mode: off\nitems:\n", SCHEMA_UNKNOWN_ERROR, &d, &calls, NULL), 0);
        assert_int_equal(d.n_items, 0);
}

static void test_schema_field_paths(void **state) {
        struct schema_ctx x = { .name = "p" };
        size_t a, b;

        a = schema_path_key(&x, "kube_firstboot");
        b = schema_path_key(&x, "hosts");
        assert_int_equal(a, 0);
        (void) schema_path_index(&x, 2);
        (void) schema_path_key(&x, "name");
        assert_string_equal(x.path, "kube_firstboot.hosts[2].name");
        schema_path_restore(&x, b);
        assert_string_equal(x.path, "kube_firstboot");
        (void) schema_path_key(&x, "a\"b");
        assert_string_equal(x.path, "kube_firstboot.a\\\"b"); /* keys are escaped for the log */
        schema_path_restore(&x, a);
        assert_string_equal(x.path, "");

        /* errors name the file, the position and the path of the value */
        expect_doc_error("mode: fast\nitems:\n  - {name: a}\n  - {name: b, flagg: yes}\n",
                         "t.yaml:4:15: items[1].flagg: unknown key; did you mean flag?");
        expect_doc_error("items:\n  - {flag: no}\nmode: fast\n",
                         "t.yaml:2:5: items[0].name: required but missing; every item has a name");
        expect_doc_error("on: true\n", "t.yaml:1:1: mode: required but missing; say how: fast, careful or off");
        expect_doc_error("mode: fast\ncolour: red\n", "t.yaml:2:1: colour: unknown key (known keys: mode, on, items)");
        expect_doc_error("mode: fast\nitems: {name: a}\n",
                         "t.yaml:2:8: items: expected a list of {name, flag} mappings, got a mapping");
        expect_doc_error("- mode\n", "t.yaml:1:1: expected a mapping (key: value), got a list");
        /* an item parser's -E2BIG stops the list after one message */
        expect_doc_error("mode: fast\nitems: [{name: a}, {name: b}, {name: c}, {name: d}]\n",
                         "t.yaml:2:31: items[2]: more than 2 items");
        assert_null(strstr(logged, "items[3]"));
}

static void test_schema_unknown_keys(void **state) {
        unsigned calls = 0;
        struct doc d;

        assert_int_equal(parse_doc("mode: fast\npackages: [a]\n", SCHEMA_UNKNOWN_IGNORE, &d, &calls, NULL), 0);
        assert_null(strstr(logged, "packages"));
        assert_int_equal(parse_doc("mode: fast\npackages: [a]\nruncmd: []\n", SCHEMA_UNKNOWN_NOTICE, &d, &calls, NULL), 0);
        assert_logged(logged, "notice: t.yaml: ignoring cloud-config keys that kube-firstboot does not use: "
                              "packages (line 2), runcmd (line 3)");
}

static int name_item(struct schema_ctx *x, const struct ynode *v, size_t index, void *userdata) {
        struct doc *d = x->target;
        return item_name(x, NULL, v, &d->items[d->n_items++]);
}

static int load_list(const char *yaml, bool single, struct doc *d) {
        struct schema_ctx x = { .name = "t.yaml", .target = d };
        struct ynode *root = NULL;
        int r;

        memset(d, 0, sizeof(*d));
        log_capture_start();
        assert_int_equal(ytree_load(yaml, strlen(yaml), x.name, &root), 0);
        r = schema_list(&x, ynode_get(root, "a"), "names", single, name_item, NULL);
        logged = log_capture_end();
        ytree_free(root);
        return r;
}

static void test_schema_list_single(void **state) {
        struct doc d;

        assert_int_equal(load_list("a: [x, y]\n", true, &d), 0);
        assert_int_equal(d.n_items, 2);
        assert_string_equal(d.items[1].name, "y");
        /* single: one value stands for a list of one, as cloud-init allows */
        assert_int_equal(load_list("a: solo\n", true, &d), 0);
        assert_int_equal(d.n_items, 1);
        assert_string_equal(d.items[0].name, "solo");
        assert_int_equal(load_list("a:\n", true, &d), 0);
        assert_int_equal(d.n_items, 0);
        assert_int_equal(load_list("a: solo\n", false, &d), -EINVAL);
        assert_logged(logged, "t.yaml:1:4: expected a list of names, got a scalar");
        assert_int_equal(d.n_items, 0);
}

/* ---- typed values ----------------------------------------------------------------------------- */

/* The value of key v in yaml, read by one of the typed-value functions: call with the loaded tree. */
struct value_case {
        struct schema_ctx x;
        struct ynode *root;
        const struct ynode *v;
};

static void value_load(struct value_case *c, const char *yaml) {
        memset(c, 0, sizeof(*c));
        c->x.name = "v.yaml";
        log_capture_start();
        assert_int_equal(ytree_load(yaml, strlen(yaml), c->x.name, &c->root), 0);
        c->v = ynode_get(c->root, "v");
        assert_non_null(c->v);
}

static void value_done(struct value_case *c, int r, int expected, const char *needle) {
        logged = log_capture_end();
        ytree_free(c->root);
        if (r != expected)
                fail_msg("expected %d, got %d; log:\n%s", expected, r, logged);
        if (needle)
                assert_logged(logged, needle);
        assert_int_equal(c->x.error, expected < 0 ? -EINVAL : 0);
}

static void test_schema_typed_values(void **state) {
        struct value_case c;
        unsigned long long ull = 0;
        const char *s = NULL;
        uint32_t a = 0, net = 0;
        unsigned prefix = 0;
        size_t i = 9;
        bool b = false;
        int r;

        value_load(&c, "v: Yes\n");
        value_done(&c, schema_bool(&c.x, c.v, &b), 0, NULL);
        assert_true(b);
        value_load(&c, "v: FALSE\n");
        value_done(&c, schema_bool(&c.x, c.v, &b), 0, NULL);
        assert_false(b);
        value_load(&c, "v: 1\n");
        value_done(&c, schema_bool(&c.x, c.v, &b), -EINVAL, "v.yaml:1:4: \"1\" is not a boolean (true, false, yes or no)");

        value_load(&c, "v: careful\n");
        value_done(&c, schema_choice(&c.x, c.v, modes, ELEMENTSOF(modes), &i), 0, NULL);
        assert_int_equal(i, 1);
        value_load(&c, "v: carefull\n");
        value_done(&c, schema_choice(&c.x, c.v, modes, ELEMENTSOF(modes), &i), -EINVAL,
                   "\"carefull\" is not one of: fast, careful, off; did you mean careful?");

        value_load(&c, "v: [a]\n");
        value_done(&c, schema_scalar(&c.x, c.v, &s), -EINVAL, "v.yaml:1:4: expected a single value, got a list");
        value_load(&c, "v: ~\n");
        value_done(&c, schema_scalar(&c.x, c.v, &s), -EINVAL, "v.yaml:1:4: has no value");
        value_load(&c, "v: \"\"\n");
        r = schema_scalar(&c.x, c.v, &s);
        assert_string_equal(s, ""); /* quoted: an empty string, not null (s lives in the tree) */
        value_done(&c, r, 0, NULL);
        value_load(&c, "v: abcdefgh\n");
        value_done(&c, schema_text(&c.x, c.v, 8, &s), -EINVAL, "longer than 7 characters");
        value_load(&c, "v: \"a\\tb\"\n");
        value_done(&c, schema_text(&c.x, c.v, 8, &s), -EINVAL, "contains a control or non-ASCII character");

        value_load(&c, "v: 192.168.220.104\n");
        value_done(&c, schema_address(&c.x, c.v, &a), 0, NULL);
        assert_int_equal(a, 0xc0a8dc68u);
        value_load(&c, "v: 169.254.1.1\n");
        value_done(&c, schema_address(&c.x, c.v, &a), -EINVAL, "169.254.1.1 is in 169.254.0.0/16 (link-local)");
        value_load(&c, "v: \"::1\"\n");
        value_done(&c, schema_address(&c.x, c.v, &a), -EINVAL, "\"::1\": IPv6 is not supported, only IPv4");

        value_load(&c, "v: 10.244.0.0/16\n");
        value_done(&c, schema_cidr(&c.x, c.v, 8, 23, "why", &net, &prefix), 0, NULL);
        assert_int_equal(net, 0x0af40000u);
        assert_int_equal(prefix, 16);
        value_load(&c, "v: 10.244.1.0/16\n");
        value_done(&c, schema_cidr(&c.x, c.v, 8, 23, "why", &net, &prefix), -EINVAL,
                   "\"10.244.1.0/16\" has host bits set; did you mean 10.244.0.0/16?");
        value_load(&c, "v: 10.0.0.0/24\n");
        value_done(&c, schema_cidr(&c.x, c.v, 8, 23, "every node gets a /24", &net, &prefix), -EINVAL,
                   "10.0.0.0/24: the prefix must be /8 to /23 (every node gets a /24)");

        value_load(&c, "v: 2h30m\n");
        value_done(&c, schema_duration(&c.x, c.v, 60, 86400, "1m to 24h", &ull), 0, NULL);
        assert_int_equal(ull, 9000);
        value_load(&c, "v: 25h\n");
        value_done(&c, schema_duration(&c.x, c.v, 60, 86400, "1m to 24h", &ull), -EINVAL,
                   "\"25h\" is out of range (1m to 24h)");
        value_load(&c, "v: 1d\n");
        value_done(&c, schema_duration(&c.x, c.v, 60, 86400, "1m to 24h", &ull), -EINVAL,
                   "\"1d\" is not a duration like 24h, 90m, 2h30m or 45s");
}

static void test_schema_names_and_ranges(void **state) {
        assert_true(dns_name_is_valid("node-1.lab.example"));
        assert_true(dns_name_is_valid("Meta.Example.COM"));
        assert_false(dns_name_is_valid(""));
        assert_false(dns_name_is_valid("-a"));
        assert_false(dns_name_is_valid("a-.b"));
        assert_false(dns_name_is_valid("a..b"));
        assert_false(dns_name_is_valid("ho_st"));
        assert_false(dns_name_is_valid("192.168.1")); /* a mistyped address is not a name */

        assert_string_equal(ipv4_reserved(0x7f000001u, 32), "127.0.0.0/8 (loopback)");
        assert_string_equal(ipv4_reserved(0xe0000000u, 4), "224.0.0.0/3 (multicast and reserved)");
        assert_string_equal(ipv4_reserved(0x00000000u, 0), "0.0.0.0/8"); /* 0/0 overlaps them all: the first */
        assert_null(ipv4_reserved(0xc0a8dc00u, 24));
}

/* ---- the cap on logged errors ----------------------------------------------------------------- */

static void test_schema_error_cap(void **state) {
        struct schema_ctx x = { .name = "cap.yaml" };
        unsigned n = 0;
        const char *p;

        log_capture_start();
        for (int i = 0; i < 25; i++)
                assert_int_equal(schema_error_at(&x, NULL, "error %d", i), -EINVAL);
        logged = log_capture_end();
        assert_int_equal(x.error, -EINVAL);
        assert_int_equal(x.n_errors, 25);
        for (p = logged; (p = strstr(p, "cap.yaml:1:1: error ")); p++)
                n++;
        assert_int_equal(n, 20);
        assert_logged(logged, "cap.yaml: more than 20 errors; the rest are not shown");
        assert_null(strstr(logged, "error 20"));
}

UNIT_TEST_MAIN(NULL, NULL, test_schema_closest, test_schema_mapping, test_schema_field_paths, test_schema_unknown_keys,
               test_schema_list_single, test_schema_typed_values, test_schema_names_and_ranges, test_schema_error_cap)
