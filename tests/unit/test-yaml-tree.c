/* SPDX-License-Identifier: MIT */
/* The YAML loader (lib/yaml-tree.c): the tree with positions, empty documents, what it refuses
 * (anchors, aliases, several documents, duplicate and non-scalar keys, tags, NUL, bad YAML) and its
 * limits (depth, nodes, scalar length), and escaping for messages. */
#include "config-test.h"

static void test_yaml_tree_and_positions(void **state) {
        struct ynode *root = NULL, *list, *map;
        const char *doc = "# comment\na: 1\nlist:\n  - x\n  - 'y'\nmap: {k: v, e: }\nq: \"\"\nn: ~\n";

        assert_int_equal(yload(doc, &root), 0);
        assert_non_null(root);
        assert_int_equal(root->type, YNODE_MAPPING);
        assert_int_equal(root->n_items, 5);
        assert_string_equal(root->keys[0]->value, "a");
        assert_int_equal(root->keys[0]->line, 2);
        assert_int_equal(root->keys[0]->column, 1);
        assert_int_equal(root->items[0]->line, 2);
        assert_int_equal(root->items[0]->column, 4);
        list = ynode_get(root, "list");
        assert_non_null(list);
        assert_int_equal(list->type, YNODE_SEQUENCE);
        assert_int_equal(list->n_items, 2);
        assert_string_equal(list->items[1]->value, "y");
        assert_false(list->items[1]->plain);
        assert_int_equal(list->items[1]->line, 5);
        assert_int_equal(list->items[1]->column, 5);
        map = ynode_get(root, "map");
        assert_int_equal(map->type, YNODE_MAPPING);
        assert_string_equal(ynode_get(map, "k")->value, "v");
        assert_true(ynode_is_null(ynode_get(map, "e")));
        assert_false(ynode_is_null(ynode_get(root, "q"))); /* "" quoted is a string */
        assert_true(ynode_is_null(ynode_get(root, "n")));
        assert_null(ynode_get(root, "missing"));
        assert_null(ynode_get(list, "x")); /* not a mapping */
        ytree_free(root);
}

static void test_yaml_empty(void **state) {
        struct ynode *root = (struct ynode *) 1;

        assert_int_equal(yload("", &root), 0);
        assert_null(root);
        assert_int_equal(yload("# only a comment\n", &root), 0);
        assert_null(root);
        assert_int_equal(yload("---\n", &root), 0);
        assert_true(ynode_is_null(root)); /* an explicit empty document: a null scalar */
        ytree_free(root);
}

static void expect_yaml_error(const char *doc, int expected, const char *needle) {
        struct ynode *root = NULL;
        int r = yload(doc, &root);
        if (r != expected)
                fail_msg("expected %d, got %d; log:\n%s", expected, r, logged);
        assert_null(root);
        assert_logged(logged, needle);
}

static void test_yaml_refusals(void **state) {
        static const struct {
                const char *doc;
                int expected;
                const char *needle;
        } cases[] = {
                { "a: &x 1\nb: 2\n", -EINVAL, "t.yaml:1:4: anchors (&name) are not allowed" },
                { "a: [1]\nb: *x\n", -EINVAL, "t.yaml:2:4: aliases (*name) are not allowed" },
                { "a: &x [1]\nb: *x\n", -EINVAL, "t.yaml:1:4: anchors (&name) are not allowed" },
                { "a: 1\n---\nb: 2\n", -EINVAL, "t.yaml:2:1: more than one YAML document" },
                { "a: 1\nb: 2\na: 3\n", -EINVAL, "t.yaml:3:1: duplicate key \"a\" (first at line 1 column 1)" },
                { "{\"a\": 1, \"a\": 2}", -EINVAL, "t.yaml:1:10: duplicate key \"a\"" },
                { "? [a, b]\n: c\n", -EINVAL, "t.yaml:1:3: mapping key is a list; keys must be strings" },
                { "? {a: b}\n: c\n", -EINVAL, "t.yaml:1:3: mapping key is a mapping" },
                { "a: !foo bar\n", -EINVAL, "t.yaml:1:4: only the standard tags" },
                { "a: !!binary aGVsbG8=\n", -EINVAL, "t.yaml:1:4: only the standard tags" },
                { "a: \"x\\0y\"\n", -EINVAL, "t.yaml:1:4: value contains a NUL character" },
                { "a: b: c\n", -EINVAL, "t.yaml:1:5: not valid YAML: mapping values are not allowed in this context" },
                { "a:\n  - 1\n b: 2\n", -EINVAL, "t.yaml:3:2: not valid YAML" },
                /* libyaml 0.1.4 (CentOS 7) refuses ':' in plain scalars inside flow collections; say what to do */
                { "a: {b: c:d, e: f}\n", -EINVAL,
                  "t.yaml:1:9: not valid YAML: found unexpected ':' (in { } or [ ], quote values that contain ':')" },
                { "a: [x, \xc3\xa9:d]\n", -EINVAL, "t.yaml:1:9: not valid YAML: found unexpected ':'" },
                { "a: {b:c: d}\n", -EINVAL, "t.yaml:1:6: not valid YAML: found unexpected ':'" },
                { "a: \"\xff\"\n", -EINVAL, "t.yaml:1:5: not valid YAML: invalid leading UTF-8 octet" },
                { "a: [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]\n", -E2BIG, "nested deeper than 16 levels" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_yaml_error(cases[i].doc, cases[i].expected, cases[i].needle);

        char *big;

        /* the node limit */
        big = malloc(YAML_MAX_NODES * 3 + 16);
        assert_non_null(big);
        strcpy(big, "[");
        for (int i = 0; i < YAML_MAX_NODES; i++)
                strcat(big, "1,");
        strcat(big, "1]");
        expect_yaml_error(big, -E2BIG, "more than 8192 YAML nodes");
        free(big);

        /* the scalar limit */
        big = malloc(YAML_MAX_SCALAR + 16);
        assert_non_null(big);
        strcpy(big, "a: ");
        memset(big + 3, 'x', YAML_MAX_SCALAR + 1);
        big[YAML_MAX_SCALAR + 4] = 0;
        expect_yaml_error(big, -E2BIG, "t.yaml:1:4: value longer than 65536 bytes");
        free(big);
}

static void test_yaml_standard_tags_and_depth_ok(void **state) {
        struct ynode *root = NULL;
        assert_int_equal(yload("a: !!str 1\nb: !!int 2\n", &root), 0);
        assert_false(ynode_get(root, "a")->plain);
        ytree_free(root);
        root = NULL;
        assert_int_equal(yload("a: [[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]\n", &root), 0); /* 16 levels */
        ytree_free(root);
}

/* The limits are exact: at the limit is accepted, one more is refused. */
static void test_yaml_limits_exact(void **state) {
        struct ynode *root = NULL;
        char *doc;

        /* a list and YAML_MAX_NODES - 1 items: YAML_MAX_NODES nodes */
        doc = malloc(YAML_MAX_NODES * 2 + 8);
        assert_non_null(doc);
        strcpy(doc, "[1");
        for (int i = 1; i < YAML_MAX_NODES - 1; i++)
                strcat(doc, ",1");
        strcat(doc, "]");
        assert_int_equal(yload(doc, &root), 0);
        assert_int_equal(root->n_items, YAML_MAX_NODES - 1);
        ytree_free(root);
        root = NULL;
        strcpy(doc + strlen(doc) - 1, ",1]");
        expect_yaml_error(doc, -E2BIG, "more than 8192 YAML nodes");
        free(doc);

        /* a scalar of YAML_MAX_SCALAR bytes */
        doc = malloc(YAML_MAX_SCALAR + 8);
        assert_non_null(doc);
        strcpy(doc, "a: ");
        memset(doc + 3, 'x', YAML_MAX_SCALAR);
        doc[YAML_MAX_SCALAR + 3] = 0;
        assert_int_equal(yload(doc, &root), 0);
        assert_int_equal(ynode_get(root, "a")->length, YAML_MAX_SCALAR);
        ytree_free(root);
        free(doc);
}

static void test_yaml_escape(void **state) {
        char buf[80];
        ytree_escape("a\"b\\c\n\x01\xc3\xa9", buf, sizeof(buf));
        assert_string_equal(buf, "a\\\"b\\\\c\\x0a\\x01\\xc3\\xa9");
        ytree_escape("0123456789012345678901234567890123456789012345678901234567890123456789", buf, sizeof(buf));
        assert_string_equal(buf, "0123456789012345678901234567890123456789012345678901234567890123...");
}

UNIT_TEST_MAIN(NULL, NULL, test_yaml_tree_and_positions, test_yaml_empty, test_yaml_refusals,
               test_yaml_standard_tags_and_depth_ok, test_yaml_limits_exact, test_yaml_escape)
