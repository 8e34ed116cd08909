/* SPDX-License-Identifier: MIT */
/* The seed sources (seed/seed.c): the table in its search order, and seed_find() over a --root tree
 * that holds seeds for several sources at once, the first in the order winning. The sources' own
 * reading: test-cmdline.c, test-images.c, test-seed-http.c; block devices: test-seed-device.sh. */
#include <ftw.h>
#include <limits.h>
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

#include "log.h"
#include "macro.h"
#include "path.h"
#include "seed/seed.h"

#include "log-capture.h"

static const char *logged = ""; /* the log of the last capture */

#define MD "instance-id: i-1\nlocal-hostname: master\nrole: control-plane\n"
#define UD "#cloud-config\n"

static void test_search_order(void **state) {
        static const char *const expected[] = { "--seed", "cmdline", "device", "nocloud-dir" };
        const struct seed_source *const *order;
        size_t n = 0;

        order = seed_search_order(&n);
        assert_int_equal(n, ELEMENTSOF(expected));
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(order[i]->name, expected[i]);
                assert_non_null(order[i]->probe);
        }
        assert_ptr_equal(order[0], &seed_source_option);
        assert_ptr_equal(order[1], &seed_source_cmdline);
        assert_ptr_equal(order[2], &seed_source_device);
        assert_ptr_equal(order[3], &seed_source_dirs);
}

/* ---- a --root tree ---------------------------------------------------------------------------- */

static char root[] = "/tmp/test-seed-XXXXXX";

/* Writes <root>/path (making its directories) with data. */
static void put(const char *path, const char *data) {
        char full[PATH_MAX];
        FILE *f;

        snprintf(full, sizeof(full), "%s%s", root, path);
        for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
                *p = 0;
                if (mkdir(full, 0755) < 0 && errno != EEXIST)
                        fail_msg("mkdir %s: %s", full, strerror(errno));
                *p = '/';
        }
        f = fopen(full, "w");
        assert_non_null(f);
        assert_int_equal(fputs(data, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

/* A seed directory at path under the root. */
static void put_seed(const char *dir) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/meta-data", dir);
        put(path, MD);
        snprintf(path, sizeof(path), "%s/user-data", dir);
        put(path, UD);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int root_setup(void **state) {
        strcpy(root, "/tmp/test-seed-XXXXXX");
        if (!mkdtemp(root))
                return -1;
        return root_set(root) < 0 ? -1 : 0;
}

static int root_teardown(void **state) {
        (void) root_set(NULL);
        return nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs seed_find() with opts; returns its result, the seed in *s (seed_done() it), the log in `logged`. */
static int find(const char *explicit_source, struct seed *s) {
        struct seed_options opts = { .explicit_source = explicit_source, .device_wait_ms = 0, .http_deadline_ms = 1000 };
        enum fb_failure failure;
        int r;

        memset(s, 0, sizeof(*s));
        log_capture_start();
        r = seed_find(&opts, s, &failure);
        logged = log_capture_end();
        /* The failure class travels with the result: no seed anywhere is its own class (exit 3). */
        if (r == 0)
                assert_int_equal(failure, FB_SUCCESS);
        else if (r == -ENOENT)
                assert_int_equal(failure, FB_FAILURE_NO_SEED);
        else
                assert_int_not_equal(failure, FB_SUCCESS);
        return r;
}

static void expect_origin(const char *explicit_source, const char *suffix) {
        struct seed s;
        int r = find(explicit_source, &s);
        size_t n = strlen(s.origin), k = strlen(suffix);

        if (r != 0)
                fail_msg("expected a seed from ...%s, got %d; log:\n%s", suffix, r, logged);
        if (n < k || !streq(s.origin + n - k, suffix))
                fail_msg("expected the seed from ...%s, got it from %s", suffix, s.origin);
        assert_non_null(s.data[SEED_META_DATA]);
        assert_string_equal(s.data[SEED_META_DATA], MD);
        seed_done(&s);
}

/* The tree gains a seed for each source in turn, from the last in the order to the first; each time the
 * new one wins. There is no /proc/partitions or /sys/class/block under the root: no block devices. */
static void test_first_source_wins(void **state) {
        char explicit_dir[PATH_MAX];
        struct seed s;

        assert_int_equal(find(NULL, &s), -ENOENT);
        assert_logged(logged, "no seed found: no --seed, no ds=nocloud on the kernel command line");
        seed_done(&s);

        put_seed("/var/lib/cloud/seed/nocloud-net");
        expect_origin(NULL, "/var/lib/cloud/seed/nocloud-net");
        put_seed("/var/lib/cloud/seed/nocloud");
        expect_origin(NULL, "/var/lib/cloud/seed/nocloud");

        /* a kernel command line without a seed location leaves it to the next sources */
        put("/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro ds=nocloud\n");
        expect_origin(NULL, "/var/lib/cloud/seed/nocloud");
        put_seed("/seeds/from-cmdline");
        put("/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro ds=nocloud;s=/seeds/from-cmdline/\n");
        expect_origin(NULL, "/seeds/from-cmdline");

        /* --seed is the operator's own path, not under the root */
        snprintf(explicit_dir, sizeof(explicit_dir), "%s/seeds/explicit", root);
        put_seed("/seeds/explicit");
        expect_origin(explicit_dir, "/seeds/explicit");
}

/* A source that names or holds a seed it cannot use ends the search: the next source is not asked. */
static void test_source_error_ends_search(void **state) {
        struct seed s;

        put_seed("/var/lib/cloud/seed/nocloud");
        put("/proc/cmdline", "ds=nocloud;s=/seeds/missing\n");
        assert_int_equal(find(NULL, &s), -ENOENT);
        assert_logged(logged, "/seeds/missing");
        assert_null(strstr(logged, "no seed found"));
        seed_done(&s);

        put("/proc/cmdline", "ds=nocloud;s=relative/path\n");
        assert_int_equal(find(NULL, &s), -EINVAL);
        assert_logged(logged, "is neither an http(s) URL nor an absolute path");
        seed_done(&s);

        /* --seed that does not exist is an error, not "no seed" (-ENOENT) */
        assert_int_equal(find("/nonexistent/seed-dir", &s), -EINVAL);
        assert_logged(logged, "/nonexistent/seed-dir");
        assert_null(strstr(logged, "no seed found"));
        seed_done(&s);
}

/* A seed without user-data is refused, whichever source found it. */
static void test_incomplete_seed(void **state) {
        struct seed s;

        put("/var/lib/cloud/seed/nocloud/meta-data", MD);
        assert_int_equal(find(NULL, &s), -EINVAL);
        assert_logged(logged, "seed has no user-data (NoCloud needs meta-data and user-data)");
        seed_done(&s);
}

/* Each source's probe on its own: 0 when it has nothing, 1 and the seed when it has one. */
static void test_probes(void **state) {
        struct seed_options opts = { .device_wait_ms = 0, .http_deadline_ms = 1000 };
        struct seed s = {};

        log_capture_start();
        assert_int_equal(seed_source_option.probe(&opts, &s), 0);
        assert_int_equal(seed_source_cmdline.probe(&opts, &s), 0);
        assert_int_equal(seed_source_device.probe(&opts, &s), 0);
        assert_int_equal(seed_source_dirs.probe(&opts, &s), 0);
        logged = log_capture_end();
        assert_null(s.data[SEED_META_DATA]);

        put_seed("/var/lib/cloud/seed/nocloud");
        log_capture_start();
        assert_int_equal(seed_source_dirs.probe(&opts, &s), 1);
        logged = log_capture_end();
        assert_string_equal(s.data[SEED_META_DATA], MD);
        seed_done(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_search_order),
                cmocka_unit_test_setup_teardown(test_first_source_wins, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_source_error_ends_search, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_incomplete_seed, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_probes, root_setup, root_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
