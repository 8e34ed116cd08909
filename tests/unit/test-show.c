/* SPDX-License-Identifier: MIT */
/* show-seed's output (config/show.c): every section, secrets masked in any form, and YAML that the
 * loader reads back. */
#include "config-test.h"
#include "text-assert.h"

/* config_show()'s output for c; the caller frees it. */
static char *show(const struct fb_config *c, const char *origin) {
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);

        assert_non_null(f);
        config_show(f, c, origin);
        assert_int_equal(fclose(f), 0);
        return out;
}

static void test_show(void **state) {
        struct fb_config c;
        char *out;

        expect_ok(&c, "instance-id: \"iid:1\"\nlocal-hostname: master\nrole: control-plane\n",
                  UD "  token: " TOKEN "\n  token_ttl: 90m\n" HOSTS "  host:\n    swap: keep\n    sysctls: {vm.swappiness: 10}\n",
                  NC_V1("192.168.220.104"));
        out = show(&c, "/dev/sr0");
        assert_contains_all(out, "origin: /dev/sr0\n", "  instance-id: \"iid:1\"\n", "  local-hostname: master\n  role: control-plane\n",
                            "    cluster_key: \"<redacted: 32 bytes>\"\n", "    token: \"<redacted: bootstrap token>\"\n",
                            "    token_ttl: \"1h30m\"\n", "      - name: node-1\n        address: 192.168.220.105\n",
                            "      control_plane: \"192.168.220.104:6443\"\n", "      pod_cidr: 10.244.0.0/16\n",
                            "      swap: keep\n", "        vm.swappiness: \"10\"\n",
                            "      address: 192.168.220.104/24\n      gateway: 192.168.220.1\n");
        /* never the secrets, in any form */
        assert_contains_none(out, KEY_B64, TOKEN, "0123456789abcdef", KEY_TEXT);
        free(out);
        config_done(&c);

        /* the output is YAML our own loader reads back */
        expect_ok(&c, MD, UD, NULL);
        out = show(&c, "o");
        {
                struct ynode *root = NULL;
                assert_int_equal(yload(out, &root), 0);
                assert_string_equal(ynode_get(ynode_get(root, "meta-data"), "role")->value, "control-plane");
                assert_true(ynode_is_null(ynode_get(root, "network-config")));
                ytree_free(root);
        }
        free(out);
        config_done(&c);
}

UNIT_TEST_MAIN(NULL, NULL, test_show)
