/* SPDX-License-Identifier: MIT */
/* The copy of user-data fetched over the network (seed/seed-keep.c): its file format, the instance-id of
 * meta-data, and keeping, reading back and dropping the copy under a --root tree. The agent using it
 * against an endpoint that serves user-data once: tests/integration/test-seed-http-once.sh. */
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


#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "seed/seed.h"

#include "log-capture.h"

#define LOCATION "http://192.168.220.1:8780/v1/seeds/master/"
#define MD "instance-id: lab-master-1\nlocal-hostname: master\nrole: control-plane\n"
/* bytes a text format could lose: NUL, CR, a line that looks like a header */
static const char user_data[] = "#cloud-config\nkube_firstboot:\n  cluster_key: \"x\"\r\nsize 3\n\n\0tail";
#define USER_DATA_SIZE (sizeof(user_data) - 1)

static void test_format_parse(void **state) {
        char header[256];
        struct seed_kept kept;
        char *text = NULL;
        size_t size = 0;

        assert_int_equal(seed_keep_format(LOCATION, "lab-master-1", user_data, USER_DATA_SIZE, &text, &size), 0);
        snprintf(header, sizeof(header),
                 "kube-firstboot user-data copy v1\nlocation " LOCATION "\ninstance-id lab-master-1\nsize %zu\n\n",
                 USER_DATA_SIZE);
        assert_int_equal(size, strlen(header) + USER_DATA_SIZE);
        assert_memory_equal(text, header, strlen(header));
        assert_int_equal(seed_keep_parse(text, size, &kept), 0);
        assert_int_equal(kept.location_len, strlen(LOCATION));
        assert_memory_equal(kept.location, LOCATION, kept.location_len);
        assert_int_equal(kept.instance_id_len, strlen("lab-master-1"));
        assert_memory_equal(kept.instance_id, "lab-master-1", kept.instance_id_len);
        assert_int_equal(kept.size, USER_DATA_SIZE);
        assert_memory_equal(kept.data, user_data, USER_DATA_SIZE);
        free(text);

        /* empty user-data is a size of 0, not a damaged file */
        assert_int_equal(seed_keep_format(LOCATION, "i", "", 0, &text, &size), 0);
        assert_int_equal(seed_keep_parse(text, size, &kept), 0);
        assert_int_equal(kept.size, 0);
        free(text);

        /* what cannot be a header line is refused before anything is written */
        assert_int_equal(seed_keep_format("http://h/\nsize 1", "i", "x", 1, &text, &size), -EINVAL);
        assert_int_equal(seed_keep_format(LOCATION, "i\n", "x", 1, &text, &size), -EINVAL);
}

static void test_parse_refuses(void **state) {
        static const char *const bad[] = {
                "",
                "kube-firstboot user-data copy v2\nlocation h\ninstance-id i\nsize 1\n\nx",
                "kube-firstboot user-data copy v1\ninstance-id i\nlocation h\nsize 1\n\nx", /* order */
                "kube-firstboot user-data copy v1\nlocation h\nsize 1\n\nx",                 /* no instance-id */
                "kube-firstboot user-data copy v1\nlocation h\ninstance-id i\nsize 2\n\nx",  /* cut short */
                "kube-firstboot user-data copy v1\nlocation h\ninstance-id i\nsize 1\n\nxy", /* more */
                "kube-firstboot user-data copy v1\nlocation h\ninstance-id i\nsize 1\nx",    /* no empty line */
                "kube-firstboot user-data copy v1\nlocation h\ninstance-id i\nsize -1\n\n",
                "kube-firstboot user-data copy v1\nlocation h\ninstance-id i\nsize 1x\n\nx",
                "kube-firstboot user-data copy v1\nlocation h\ninstance-id i\nsize 262145\n\n", /* over the limit */
                "kube-firstboot user-data copy v1\nlocation\ninstance-id i\nsize 1\n\nx",   /* no value */
                "kube-firstboot user-data copy v1\nlocation h\ninstance-id i\nsize 1",       /* ends in the header */
        };
        struct seed_kept kept;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (seed_keep_parse(bad[i], strlen(bad[i]), &kept) != -EBADMSG)
                        fail_msg("accepted: %s", bad[i]);
        }
        /* a NUL inside a header value */
        {
                static const char nul[] = "kube-firstboot user-data copy v1\nlocation h\0h\ninstance-id i\nsize 0\n\n";
                assert_int_equal(seed_keep_parse(nul, sizeof(nul) - 1, &kept), -EBADMSG);
        }
}

static void test_instance_id(void **state) {
        char iid[256];
        int level = log_get_max_level();

        assert_int_equal(seed_keep_instance_id(MD, strlen(MD), "meta-data", iid, sizeof(iid)), 0);
        assert_string_equal(iid, "lab-master-1");
        log_capture_start();
        assert_true(seed_keep_instance_id("local-hostname: master\n", 23, "meta-data", iid, sizeof(iid)) < 0);
        assert_true(seed_keep_instance_id("instance-id: [a\n", 16, "meta-data", iid, sizeof(iid)) < 0);
        assert_true(seed_keep_instance_id("instance-id: ../x\nlocal-hostname: m\nrole: worker\n", 48, "meta-data", iid,
                                          sizeof(iid)) < 0);
        (void) log_capture_end();
        /* the parse is quiet (the config stage reports), and leaves the level as it was */
        assert_int_equal(log_get_max_level(), level);
}

/* ---- the copy under a --root tree ------------------------------------------------------------- */

static char root[] = "/tmp/test-seed-keep-XXXXXX";
static char kept_path[PATH_MAX]; /* the copy as the test sees it: <root>/var/lib/kube-firstboot/... */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int root_setup(void **state) {
        strcpy(root, "/tmp/test-seed-keep-XXXXXX");
        if (!mkdtemp(root))
                return -1;
        snprintf(kept_path, sizeof(kept_path), "%s/var/lib/kube-firstboot/" SEED_KEEP_FILE, root);
        return root_set(root) < 0 ? -1 : 0;
}

static int root_teardown(void **state) {
        (void) root_set(NULL);
        return nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const struct seed_keep run_keep = { .path = "/var/lib/kube-firstboot/" SEED_KEEP_FILE, .write = true };
static const struct seed_keep dry_keep = { .path = "/var/lib/kube-firstboot/" SEED_KEEP_FILE, .write = false };

static int load(const struct seed_keep *k, const char *location, const char *iid, char **data, size_t *size) {
        int r;

        log_capture_start();
        r = seed_keep_load(k, location, iid, data, size);
        (void) log_capture_end();
        return r;
}

static void test_save_load(void **state) {
        char *data = NULL;
        size_t size = 0;
        struct stat st;

        /* nothing kept yet; a dry run writes nothing */
        assert_int_equal(load(&run_keep, LOCATION, "lab-master-1", &data, &size), 0);
        assert_int_equal(seed_keep_save(&dry_keep, LOCATION, "lab-master-1", user_data, USER_DATA_SIZE), 0);
        assert_false(file_exists(kept_path));

        /* a run keeps it, 0600, atomically (no temporary file left), directories made */
        assert_int_equal(seed_keep_save(&run_keep, LOCATION, "lab-master-1", user_data, USER_DATA_SIZE), 1);
        assert_int_equal(stat(kept_path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_uid, geteuid());
        {
                char tmp[PATH_MAX];
                snprintf(tmp, sizeof(tmp), "%s/var/lib/kube-firstboot/.#kfb." SEED_KEEP_FILE, root);
                assert_false(file_exists(tmp));
        }

        /* read back by a run and by a dry run, byte for byte */
        assert_int_equal(load(&dry_keep, LOCATION, "lab-master-1", &data, &size), 1);
        assert_int_equal(size, USER_DATA_SIZE);
        assert_memory_equal(data, user_data, USER_DATA_SIZE);
        assert_int_equal(data[size], 0);
        free(data);
        data = NULL;
        assert_int_equal(load(&run_keep, LOCATION, "lab-master-1", &data, &size), 1);
        free(data);
        data = NULL;

        /* another location or instance: not used; a dry run leaves the file, a run removes it */
        assert_int_equal(load(&dry_keep, "http://192.168.220.1:8780/v1/seeds/node-1/", "lab-master-1", &data, &size),
                         0);
        assert_int_equal(load(&dry_keep, LOCATION, "lab-master-2", &data, &size), 0);
        assert_true(file_exists(kept_path));
        assert_null(data);
        assert_int_equal(load(&run_keep, LOCATION, "lab-master-2", &data, &size), 0);
        assert_false(file_exists(kept_path));
        assert_int_equal(load(&run_keep, LOCATION, "lab-master-1", &data, &size), 0);
}

static void test_refused_copies(void **state) {
        char *data = NULL;
        size_t size = 0;

        /* readable by others: never used, removed by a run */
        assert_int_equal(seed_keep_save(&run_keep, LOCATION, "lab-master-1", user_data, USER_DATA_SIZE), 1);
        assert_int_equal(chmod(kept_path, 0640), 0);
        assert_int_equal(load(&dry_keep, LOCATION, "lab-master-1", &data, &size), 0);
        assert_true(file_exists(kept_path));
        assert_int_equal(load(&run_keep, LOCATION, "lab-master-1", &data, &size), 0);
        assert_false(file_exists(kept_path));

        /* damaged (cut short): not used, removed by a run */
        assert_int_equal(seed_keep_save(&run_keep, LOCATION, "lab-master-1", user_data, USER_DATA_SIZE), 1);
        assert_int_equal(truncate(kept_path, 100), 0);
        assert_int_equal(load(&run_keep, LOCATION, "lab-master-1", &data, &size), 0);
        assert_false(file_exists(kept_path));

        /* a symbolic link is not followed, not even to a good copy */
        {
                char good[PATH_MAX];
                snprintf(good, sizeof(good), "%s/good", root);
                assert_int_equal(seed_keep_save(&run_keep, LOCATION, "lab-master-1", user_data, USER_DATA_SIZE), 1);
                assert_int_equal(rename(kept_path, good), 0);
                assert_int_equal(symlink(good, kept_path), 0);
                assert_int_equal(load(&dry_keep, LOCATION, "lab-master-1", &data, &size), 0);
                assert_null(data);
                assert_int_equal(unlink(kept_path), 0);
        }

        /* a copy a run cannot write: logged as a warning, the run goes on */
        assert_int_equal(mkdir(kept_path, 0700), 0);
        log_capture_start();
        assert_true(seed_keep_save(&run_keep, LOCATION, "lab-master-1", user_data, USER_DATA_SIZE) < 0);
        assert_logged(log_capture_end(), "cannot keep user-data");
        assert_int_equal(rmdir(kept_path), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format_parse),
                cmocka_unit_test(test_parse_refuses),
                cmocka_unit_test(test_instance_id),
                cmocka_unit_test_setup_teardown(test_save_load, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_refused_copies, root_setup, root_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
