/* SPDX-License-Identifier: MIT */
/* show-seed's output (config/show.c): every section, secrets masked in any form, and YAML that the
 * loader reads back. */
#include "config-test.h"

static void test_show(void **state) {
        struct fb_config c;
        char *out = NULL;
        size_t size = 0;
        FILE *f;

        expect_ok(&c, "instance-id: \"iid:1\"\nlocal-hostname: master\nrole: control-plane\n",
                  UD "  token: " TOKEN "\n  token_ttl: 90m\n" HOSTS "  host:\n    swap: keep\n    sysctls: {vm.swappiness: 10}\n",
                  NC_V1("192.168.220.104"));
        f = open_memstream(&out, &size);
        assert_non_null(f);
        config_show(f, &c, "/dev/sr0");
        fclose(f);
        assert_non_null(strstr(out, "origin: /dev/sr0\n"));
        assert_non_null(strstr(out, "  instance-id: \"iid:1\"\n"));
        assert_non_null(strstr(out, "  local-hostname: master\n  role: control-plane\n"));
        assert_non_null(strstr(out, "    cluster_key: \"<redacted: 32 bytes>\"\n"));
        assert_non_null(strstr(out, "    token: \"<redacted: bootstrap token>\"\n"));
        assert_non_null(strstr(out, "    token_ttl: \"1h30m\"\n"));
        assert_non_null(strstr(out, "      - name: node-1\n        address: 192.168.220.105\n"));
        assert_non_null(strstr(out, "      control_plane: \"192.168.220.104:6443\"\n"));
        assert_non_null(strstr(out, "      pod_cidr: 10.244.0.0/16\n"));
        assert_non_null(strstr(out, "      swap: keep\n"));
        assert_non_null(strstr(out, "        vm.swappiness: \"10\"\n"));
        assert_non_null(strstr(out, "      address: 192.168.220.104/24\n      gateway: 192.168.220.1\n"));
        /* never the secrets, in any form */
        assert_null(strstr(out, KEY_B64));
        assert_null(strstr(out, TOKEN));
        assert_null(strstr(out, "0123456789abcdef"));
        assert_null(strstr(out, KEY_TEXT));
        free(out);
        config_done(&c);

        /* the output is YAML our own loader reads back */
        expect_ok(&c, MD, UD, NULL);
        out = NULL;
        f = open_memstream(&out, &size);
        config_show(f, &c, "o");
        fclose(f);
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_show),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
