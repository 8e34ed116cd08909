/* SPDX-License-Identifier: MIT */
/* The pieces of seed access (firstboot/server/server-seed-access.c) that need no network: which files
 * are secret, the neighbour table lookup, the instance-id of meta-data, the served marks and --rearm,
 * and the bounded list of warnings with its JSON. tests/integration/test-server-seed-access.sh drives
 * them over HTTP from network namespaces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit-test.h"

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "server-seed-access.h"

static void test_secret_files(void **state) {
        assert_true(seed_file_is_secret("user-data"));
        assert_true(seed_file_is_secret("vendor-data"));
        assert_false(seed_file_is_secret("meta-data"));
        assert_false(seed_file_is_secret("network-config"));
        assert_true(seed_file_is_once("user-data"));
        assert_false(seed_file_is_once("vendor-data"));
        assert_false(seed_file_is_once("meta-data"));
}

static void test_neighbour_mac(void **state) {
        char path[] = "/tmp/test-server-seed-access.XXXXXX", mac[18];
        int fd = mkstemp(path);
        static const char table[] =
                "IP address       HW type     Flags       HW address            Mask     Device\n"
                "192.168.220.104  0x1         0x2         52:54:00:FB:00:68     *        eth0\n"
                "192.168.220.105  0x1         0x0         00:00:00:00:00:00     *        eth0\n"
                "192.168.220.106  0x1         0x6         52:54:00:fb:00:6a     *        eth0\n"
                "192.168.220.10   0x1         0x2         52:54:00:fb:00:0a     *        eth0\n";

        assert_true(fd >= 0);
        assert_int_equal(write(fd, table, sizeof(table) - 1), (ssize_t) sizeof(table) - 1);
        close(fd);
        assert_int_equal(neighbour_mac(path, 0xc0a8dc68u, mac), 0);
        assert_string_equal(mac, "52:54:00:fb:00:68");
        assert_int_equal(neighbour_mac(path, 0xc0a8dc6au, mac), 0); /* complete and permanent */
        assert_string_equal(mac, "52:54:00:fb:00:6a");
        /* an incomplete entry (no reply to ARP yet) holds no MAC */
        assert_int_equal(neighbour_mac(path, 0xc0a8dc69u, mac), -ENOENT);
        /* .1 is not .10: whole addresses compare */
        assert_int_equal(neighbour_mac(path, 0xc0a8dc01u, mac), -ENOENT);
        unlink(path);
        assert_int_equal(neighbour_mac(path, 0xc0a8dc68u, mac), -ENOENT);
}

static void test_instance_id(void **state) {
        static const char yaml[] = "instance-id: iid-master-1\nlocal-hostname: master\n";
        static const char json[] = "{\"local-hostname\": \"master\", \"instance-id\": \"iid-2\"}";
        char id[64];

        assert_int_equal(meta_data_instance_id(yaml, strlen(yaml), id, sizeof(id)), 0);
        assert_string_equal(id, "iid-master-1");
        assert_int_equal(meta_data_instance_id(json, strlen(json), id, sizeof(id)), 0);
        assert_string_equal(id, "iid-2");
        log_set_max_level(LOG_CRIT);
        assert_int_equal(meta_data_instance_id("local-hostname: x\n", 18, id, sizeof(id)), -EBADMSG);
        assert_int_equal(meta_data_instance_id("instance-id: [a]\n", 17, id, sizeof(id)), -EBADMSG);
        assert_int_equal(meta_data_instance_id("instance-id: \"a\\tb\"\n", 20, id, sizeof(id)), -EBADMSG);
        assert_int_equal(meta_data_instance_id("instance-id: [\n", 15, id, sizeof(id)), -EBADMSG);
        assert_int_equal(meta_data_instance_id("instance-id: iid-master-1\n", 26, id, 5), -EBADMSG);
        log_set_max_level(LOG_INFO);
}

static void test_served_marks(void **state) {
        char dir[] = "/tmp/test-server-seed-access.XXXXXX", id[64], path[128];
        struct stat st;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(seed_served_get(dir, "master", id, sizeof(id)), 0);
        assert_int_equal(seed_served_set(dir, "master", "iid-1"), 1);
        assert_int_equal(seed_served_get(dir, "master", id, sizeof(id)), 1);
        assert_string_equal(id, "iid-1");
        snprintf(path, sizeof(path), "%s/" SEED_SERVED_DIR "/master", dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(seed_served_get(dir, "node-1", id, sizeof(id)), 0);
        assert_int_equal(seed_served_set(dir, "master", "iid-2"), 1);
        assert_int_equal(seed_served_get(dir, "master", id, sizeof(id)), 1);
        assert_string_equal(id, "iid-2");
        /* a name that could leave the directory is refused */
        assert_int_equal(seed_served_set(dir, "../x", "iid"), -EINVAL);
        assert_int_equal(seed_rearm(dir, "../x"), -EINVAL);

        assert_int_equal(seed_rearm(dir, "master"), 1);
        assert_int_equal(seed_served_get(dir, "master", id, sizeof(id)), 0);
        assert_int_equal(seed_rearm(dir, "master"), 0);
        snprintf(path, sizeof(path), "%s/" SEED_SERVED_DIR, dir);
        assert_int_equal(rmdir(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_warnings(void **state) {
        struct seed_warnings *w = calloc(1, sizeof(*w));
        char *json, reason[32], expected[256];
        size_t size;

        assert_non_null(w);
        assert_int_equal(seed_warnings_json(w, &json, &size), 0);
        assert_string_equal(json, "{\"total\":0,\"warnings\":[]}\n");
        free(json);

        /* bounded: the oldest go first */
        for (int i = 0; i < SEED_WARNINGS_MAX + 5; i++) {
                snprintf(reason, sizeof(reason), "reason %d", i);
                seed_warning_add(w, 1000 + i, "master", "user-data", "192.168.220.9", reason);
        }
        assert_int_equal(w->count, SEED_WARNINGS_MAX);
        assert_int_equal(w->total, SEED_WARNINGS_MAX + 5);
        snprintf(expected, sizeof(expected), "reason %d", SEED_WARNINGS_MAX + 4);
        assert_string_equal(seed_warning_nth(w, 0)->reason, expected);
        assert_string_equal(seed_warning_nth(w, SEED_WARNINGS_MAX - 1)->reason, "reason 5");

        /* what JSON cannot hold as it is gets escaped */
        seed_warning_add(w, 7, "node-1", "vendor-data", "-", "id \"a\\b\"\n");
        assert_int_equal(seed_warnings_json(w, &json, &size), 0);
        snprintf(expected, sizeof(expected),
                 "{\"total\":%d,\"warnings\":[{\"time\":7,\"node\":\"node-1\",\"file\":\"vendor-data\",\"client\":\"-\","
                 "\"reason\":\"id \\\"a\\\\b\\\"\\u000a\"},",
                 SEED_WARNINGS_MAX + 6);
        assert_memory_equal(json, expected, strlen(expected));
        assert_int_equal(size, strlen(json));
        free(json);
        free(w);
}

UNIT_TEST_MAIN(NULL, NULL, test_secret_files, test_neighbour_mac, test_instance_id, test_served_marks, test_warnings)
