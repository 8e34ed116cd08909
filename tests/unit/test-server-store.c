/* SPDX-License-Identifier: MIT */
/* kube-firstboot-server's store: join records and progress reports checked, written to the state
 * directory and kept in memory, loaded back at the next start (unparsable files skipped), the size
 * and node-count limits, and the JSON served for GET .../nodes. */
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "server-store.h"

#define BEARER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* nonce: 12 bytes, sealed: 16 bytes, in base64 */
#define RECORD(cluster) \
        "{\"version\":2,\"cluster\":\"" cluster "\",\"alg\":\"A256GCM\",\"nonce\":\"AAAAAAAAAAAAAAAA\"," \
        "\"sealed\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}"
#define REPORT(node, stage, status) \
        "{\"node\":\"" node "\",\"role\":\"worker\",\"stage\":\"" stage "\",\"status\":\"" status "\"," \
        "\"message\":\"kubeadm join \\u00e9\",\"time\":1764355200}"

struct fixture {
        char dir[64];
        struct server_config config;
        struct store store;
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-server-store.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        server_config_init(&f->config);
        assert_int_equal(config_set_string(&f->config.state_dir, f->dir), 0);
        f->config.clusters = calloc(2, sizeof(*f->config.clusters));
        assert_non_null(f->config.clusters);
        strscpy(f->config.clusters[0].name, sizeof(f->config.clusters[0].name), "lab");
        strscpy(f->config.clusters[0].bearer, sizeof(f->config.clusters[0].bearer), BEARER);
        strscpy(f->config.clusters[1].name, sizeof(f->config.clusters[1].name), "other");
        strscpy(f->config.clusters[1].bearer, sizeof(f->config.clusters[1].bearer), BEARER);
        f->config.n_clusters = 2;
        f->config.limits.max_nodes = 3;
        log_set_max_level(LOG_CRIT);
        assert_int_equal(store_open(&f->store, &f->config), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        store_close(&f->store);
        server_config_done(&f->config);
        nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static void reopen(struct fixture *f) {
        store_close(&f->store);
        assert_int_equal(store_open(&f->store, &f->config), 0);
}

static void state_file(struct fixture *f, const char *rest, char *buf, size_t size) {
        assert_true((size_t) snprintf(buf, size, "%s/clusters/%s", f->dir, rest) < size);
}

static void test_open_creates_state_dirs(void **state) {
        struct fixture *f = *state;
        char path[PATH_MAX];

        state_file(f, "lab/nodes", path, sizeof(path));
        assert_true(file_exists(path));
        state_file(f, "other/nodes", path, sizeof(path));
        assert_true(file_exists(path));
        assert_ptr_equal(store_find(&f->store, "lab"), &f->store.clusters[0]);
        assert_string_equal(store_find(&f->store, "other")->bearer, BEARER);
        assert_null(store_find(&f->store, "la"));
        assert_null(store_find(&f->store, "lab2"));
        assert_null(f->store.clusters[0].record);
}

static void test_record_written_and_loaded(void **state) {
        struct fixture *f = *state;
        struct cluster *c = store_find(&f->store, "lab");
        const char *record = RECORD("lab");
        char err[192], path[PATH_MAX];
        _cleanup_free_ char *data = NULL;
        size_t size;

        assert_int_equal(store_put_record(&f->store, c, record, strlen(record), err, sizeof(err)), 1);
        assert_string_equal(c->record, record);
        assert_int_equal(c->record_size, strlen(record));
        /* a second PUT replaces it */
        assert_int_equal(store_put_record(&f->store, c, record, strlen(record), err, sizeof(err)), 0);

        state_file(f, "lab/join.json", path, sizeof(path));
        assert_int_equal(read_file_limited(path, JOIN_RECORD_MAX, &data, &size), 0);
        assert_int_equal(size, strlen(record));
        assert_memory_equal(data, record, size);

        reopen(f);
        c = store_find(&f->store, "lab");
        assert_non_null(c->record);
        assert_string_equal(c->record, record);
        assert_null(store_find(&f->store, "other")->record);
}

static void expect_record_refused(struct fixture *f, const char *cluster, const char *data, size_t size,
                                  const char *reason) {
        struct cluster *c = store_find(&f->store, cluster);
        char err[192] = "";

        assert_int_equal(store_put_record(&f->store, c, data, size, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, reason);
        assert_null(c->record);
}

static void test_record_refusals(void **state) {
        struct fixture *f = *state;
        const char *record = RECORD("lab");
        char *big;
        char path[PATH_MAX];

        expect_record_refused(f, "other", record, strlen(record), "record: cluster does not match the path");
        expect_record_refused(f, "lab", "", 0, "record: not a JSON object");
        expect_record_refused(f, "lab", "[]", 2, "record: not a JSON object");
        expect_record_refused(f, "lab", record, strlen(record) - 1, "record: not a JSON object");
        expect_record_refused(f, "lab", "{\"version\":1}", 13, "record: version must be 2");

        big = malloc(JOIN_RECORD_MAX + 1);
        assert_non_null(big);
        memset(big, ' ', JOIN_RECORD_MAX + 1);
        memcpy(big, record, strlen(record));
        /* white space after the object is fine, up to the limit */
        assert_int_equal(record_check("lab", big, JOIN_RECORD_MAX, path, sizeof(path)), 0);
        expect_record_refused(f, "lab", big, JOIN_RECORD_MAX + 1, "record larger than 16 KiB");
        free(big);

        /* nothing refused reached the disk */
        state_file(f, "lab/join.json", path, sizeof(path));
        assert_false(file_exists(path));
}

static void put_report(struct fixture *f, const char *node, const char *data, int expected) {
        char err[192] = "";
        int r = store_put_report(&f->store, store_find(&f->store, "lab"), node, data, strlen(data), err, sizeof(err));

        if (r != expected)
                fail_msg("%s: %d (%s), expected %d", node, r, err, expected);
}

static void test_reports_written_and_loaded(void **state) {
        struct fixture *f = *state;
        struct cluster *c = store_find(&f->store, "lab");
        _cleanup_free_ char *json = NULL, *again = NULL;
        size_t size;
        char path[PATH_MAX];

        put_report(f, "node-2", REPORT("node-2", "join", "running"), 1);
        put_report(f, "master", REPORT("master", "init", "done"), 1);
        put_report(f, "node-2", REPORT("node-2", "done", "done"), 0);
        assert_int_equal(c->n_reports, 2);
        /* sorted by node name */
        assert_string_equal(c->reports[0]->node, "master");
        assert_string_equal(c->reports[1]->node, "node-2");
        assert_string_equal(c->reports[1]->stage, "done");
        assert_string_equal(c->reports[1]->message, "kubeadm join \xc3\xa9");
        assert_int_equal(c->reports[1]->time, 1764355200);

        assert_int_equal(store_reports_json(c, &json, &size), 0);
        assert_int_equal(size, strlen(json));
        assert_true(size > 2 && json[0] == '{' && streq(json + size - 2, "}\n"));
        assert_non_null(strstr(json, "\"master\":{\"node\":\"master\",\"role\":\"worker\",\"stage\":\"init\""));
        assert_non_null(strstr(json, "\"node-2\":{\"node\":\"node-2\""));
        assert_true(strstr(json, "\"master\"") < strstr(json, "\"node-2\""));

        state_file(f, "lab/nodes/node-2.json", path, sizeof(path));
        assert_true(file_exists(path));

        reopen(f);
        c = store_find(&f->store, "lab");
        assert_int_equal(c->n_reports, 2);
        assert_int_equal(store_reports_json(c, &again, &size), 0);
        assert_string_equal(again, json);
}

static void test_report_refusals(void **state) {
        struct fixture *f = *state;
        static const char control[] = "{\"node\":\"node-1\",\"role\":\"worker\",\"stage\":\"join\","
                                      "\"status\":\"running\",\"message\":\"a\\u0007b\",\"time\":1}";
        const char *wrong_node = REPORT("node-2", "join", "running");
        char err[192] = "";
        struct report *r = NULL;
        char big[REPORT_MAX + 2];

        put_report(f, "node-1", REPORT("node-2", "join", "running"), -EINVAL);
        put_report(f, "node-1", REPORT("node-1", "reboot", "running"), -EINVAL);
        put_report(f, "node-1", REPORT("node-1", "join", "waiting"), -EINVAL);
        put_report(f, "node-1", "{\"node\":\"node-1\"}", -EINVAL);
        put_report(f, "node-1", "not json", -EINVAL);
        assert_int_equal(store_find(&f->store, "lab")->n_reports, 0);

        assert_int_equal(report_parse("node-1", wrong_node, strlen(wrong_node), false, &r, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "report: node does not match the path");
        assert_int_equal(report_parse("node-1", control, strlen(control), false, &r, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "report: message must be printable UTF-8 of at most 256 bytes");
        memset(big, ' ', sizeof(big));
        big[sizeof(big) - 1] = 0;
        assert_int_equal(report_parse("node-1", big, REPORT_MAX + 1, false, &r, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "report larger than 4 KiB");
        assert_null(r);
}

static void test_max_nodes(void **state) {
        struct fixture *f = *state;
        char err[192] = "", path[PATH_MAX];
        const char *extra = REPORT("node-4", "join", "running");

        put_report(f, "node-1", REPORT("node-1", "join", "running"), 1);
        put_report(f, "node-2", REPORT("node-2", "join", "running"), 1);
        put_report(f, "node-3", REPORT("node-3", "join", "running"), 1);
        assert_int_equal(store_put_report(&f->store, store_find(&f->store, "lab"), "node-4", extra, strlen(extra), err,
                                          sizeof(err)), -ENOSPC);
        assert_string_equal(err, "cluster has reports from 3 nodes already");
        state_file(f, "lab/nodes/node-4.json", path, sizeof(path));
        assert_false(file_exists(path));
        /* a node already there may still report */
        put_report(f, "node-3", REPORT("node-3", "done", "done"), 0);
}

static void test_load_skips_bad_files(void **state) {
        struct fixture *f = *state;
        static const char garbage[] = "{\"node\":";
        const char *wrong_node = REPORT("node-9", "join", "running");
        char path[PATH_MAX];

        put_report(f, "node-1", REPORT("node-1", "join", "running"), 1);
        state_file(f, "lab/nodes/node-2.json", path, sizeof(path));
        assert_int_equal(write_file_atomic(path, garbage, sizeof(garbage) - 1, 0600, 0), 1);
        state_file(f, "lab/nodes/node-3.json", path, sizeof(path));  /* names another node */
        assert_int_equal(write_file_atomic(path, wrong_node, strlen(wrong_node), 0600, 0), 1);
        state_file(f, "lab/join.json", path, sizeof(path));
        assert_int_equal(write_file_atomic(path, garbage, sizeof(garbage) - 1, 0600, 0), 1);

        reopen(f);
        assert_int_equal(store_find(&f->store, "lab")->n_reports, 1);
        assert_string_equal(store_find(&f->store, "lab")->reports[0]->node, "node-1");
        assert_null(store_find(&f->store, "lab")->record);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_open_creates_state_dirs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_record_written_and_loaded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_record_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reports_written_and_loaded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_report_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_max_nodes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_load_skips_bad_files, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
