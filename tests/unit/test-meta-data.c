/* SPDX-License-Identifier: MIT */
/* meta-data (config/meta-data.c): JSON and YAML forms, unknown keys ignored, the value rules and
 * their messages, and ConfigDrive's meta_data.json. */
#include "config-test.h"

static void test_metadata_json(void **state) {
        struct fb_config c;

        /* what cloud-localds writes without a meta-data file (plus -H and our role) */
        expect_ok(&c, "{\n\"instance-id\": \"iid-local01\",\n\"local-hostname\": \"master\",\n\"role\": \"control-plane\"\n}\n",
                  UD, NULL);
        assert_string_equal(c.instance_id, "iid-local01");
        assert_string_equal(c.hostname, "master");
        assert_int_equal(c.instance_id_pos.line, 2);
        assert_int_equal(c.instance_id_pos.column, 16);
        config_done(&c);

        /* cloud-localds' exact default: readable, but incomplete */
        assert_logged(load_error("{\n\"instance-id\": \"iid-local01\"\n}\n", UD, NULL, -EINVAL),
                      "/seed/meta-data:1:1: local-hostname: required but missing");
        assert_logged(logged, "/seed/meta-data:1:1: role: required but missing; add \"role: control-plane\" or \"role: worker\"");
}

static void test_metadata_other_keys_ignored(void **state) {
        struct fb_config c;

        expect_ok(&c, MD "dsmode: local\npublic-keys: [a, b]\ninterfaces: |\n  auto eth0\n", UD, NULL);
        assert_null(strstr(logged, "dsmode"));
        config_done(&c);
}

static void test_metadata_errors(void **state) {
        static const struct {
                const char *md; /* with UD and no network-config */
                const char *needle;
        } cases[] = {
                { "", "/seed/meta-data:1:1: meta-data is empty" },
                { "- a\n", "/seed/meta-data:1:1: expected a mapping (key: value), got a list" },
                { "instance-id: a/b\nlocal-hostname: m\nrole: worker\n",
                  "/seed/meta-data:1:14: instance-id: \"a/b\" may only contain letters, digits" },
                { "instance-id: ..\nlocal-hostname: m\nrole: worker\n",
                  "/seed/meta-data:1:14: instance-id: \"..\" cannot name a state directory" },
                { "instance-id:\nlocal-hostname: m\nrole: worker\n", "/seed/meta-data:1:13: instance-id: has no value" },
                { "instance-id: [a]\nlocal-hostname: m\nrole: worker\n",
                  "/seed/meta-data:1:14: instance-id: expected a single value, got a list" },
                { "instance-id: "
                  "a12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345"
                  "678901234567890123456789012345678\nlocal-hostname: m\nrole: worker\n",
                  "instance-id: longer than 128 characters" },
                { "instance-id: i\nlocal-hostname: Master\nrole: worker\n",
                  "/seed/meta-data:2:17: local-hostname: \"Master\" must be lower case" },
                { "instance-id: i\nlocal-hostname: node_1\nrole: worker\n",
                  "/seed/meta-data:2:17: local-hostname: \"node_1\" is not a valid host name (RFC 1123" },
                { "instance-id: i\nlocal-hostname: -a\nrole: worker\n", "local-hostname: \"-a\" is not a valid host name" },
                { "instance-id: i\nlocal-hostname: m\nrole: master\n",
                  "/seed/meta-data:3:7: role: \"master\" is not one of: control-plane, worker; did you mean control-plane?" },
                { "instance-id: i\nlocal-hostname: m\nrole: wroker\n",
                  "/seed/meta-data:3:7: role: \"wroker\" is not one of: control-plane, worker; did you mean worker?" },
                { "instance-id: i\nlocal-hostname: m\nrole: boss\n",
                  "role: \"boss\" is not one of: control-plane, worker\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                expect_error(cases[i].md, UD, NULL, cases[i].needle);
}

static void test_configdrive(void **state) {
        static const char md2[] = "{\"uuid\": \"u\", \"hostname\": \"h\"}";
        static const char md[] = "{\"uuid\": \"83679162-1378-4288-a2d4-70e13ec132aa\", \"hostname\": \"node-1\", "
                                 "\"name\": \"node-1\", \"meta\": {\"role\": \"worker\", \"other\": \"x\"}}";
        struct seed s = {};
        struct fb_config c;
        int r;

        assert_int_equal(seed_set_file(&s, SEED_META_DATA, "/cd/openstack/latest/meta_data.json", md, strlen(md)), 0);
        assert_int_equal(seed_set_file(&s, SEED_USER_DATA, "/cd/openstack/latest/user_data", UD HOSTS, strlen(UD HOSTS)), 0);
        s.config_drive = true;
        config_init(&c);
        log_capture_start();
        r = config_load(&s, &c);
        logged = log_capture_end();
        if (r != 0)
                fail_msg("%s", logged);
        assert_string_equal(c.instance_id, "83679162-1378-4288-a2d4-70e13ec132aa");
        assert_string_equal(c.hostname, "node-1");
        assert_int_equal(c.role, FB_ROLE_WORKER);
        config_done(&c);

        assert_int_equal(seed_set_file(&s, SEED_META_DATA, "/cd/meta_data.json", md2, strlen(md2)), 0);
        config_init(&c);
        log_capture_start();
        assert_int_equal(config_load(&s, &c), -EINVAL);
        logged = log_capture_end();
        assert_logged(logged, "/cd/meta_data.json:1:1: meta: required but missing");
        config_done(&c);
        seed_done(&s);
}

UNIT_TEST_MAIN(NULL, NULL, test_metadata_json, test_metadata_other_keys_ignored, test_metadata_errors, test_configdrive)
