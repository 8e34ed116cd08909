/* SPDX-License-Identifier: MIT */
/* The first-boot state (firstboot/agent/state.c): stage marks and the current instance on disk. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit-test.h"

#include "fileio.h"
#include "macro.h"
#include "state.h"

static char base[] = "/tmp/kfb-state.XXXXXX";

static int setup(void **state) {
        assert_non_null(mkdtemp(base));
        return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int teardown(void **state) {
        return nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_stages(const char *iid, const char *text, size_t size) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s/stages", base, iid);
        assert_true(write_file_atomic(path, text, size, 0600, WRITE_ATOMIC_MKDIR) >= 0);
}

static uint64_t now_usec(void) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        return (uint64_t) tv.tv_sec * 1000000 + (uint64_t) tv.tv_usec;
}

static void test_fresh_instance(void **unused) {
        struct state s;
        char path[PATH_MAX];

        /* without create nothing is made; an instance without a stages file has nothing done */
        assert_int_equal(state_open(base, "iid-fresh", false, &s), 0);
        assert_int_equal(s.n_done, 0);
        snprintf(path, sizeof(path), "%s/iid-fresh", base);
        assert_false(file_exists(path));
        assert_false(state_stage_done(&s, "seed", NULL));

        assert_int_equal(state_open(base, "iid-fresh", true, &s), 0);
        assert_string_equal(s.dir, path);
        assert_true(file_exists(path));
}

static void test_mark_and_reopen(void **unused) {
        struct state s, again;
        struct stat st;
        char path[PATH_MAX];
        uint64_t before = now_usec(), usec = 0;

        assert_int_equal(state_open(base, "iid-mark", true, &s), 0);
        assert_int_equal(state_mark_done(&s, "seed"), 1);
        assert_int_equal(state_mark_done(&s, "host"), 1);
        assert_int_equal(state_mark_done(&s, "host"), 0); /* once only: nothing written */
        assert_int_equal(s.n_done, 2);

        /* what a later run (or one after a crash) reads back */
        assert_int_equal(state_open(base, "iid-mark", false, &again), 0);
        assert_int_equal(again.n_done, 2);
        assert_true(state_stage_done(&again, "seed", &usec));
        assert_true(usec >= before && usec <= now_usec());
        assert_true(state_stage_done(&again, "host", NULL));
        assert_false(state_stage_done(&again, "role", NULL));

        /* the instance's state is private */
        snprintf(path, sizeof(path), "%s/iid-mark", base);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        snprintf(path, sizeof(path), "%s/iid-mark/stages", base);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_reset(void **unused) {
        struct state s;

        assert_int_equal(state_open(base, "iid-reset", true, &s), 0);
        assert_int_equal(state_mark_done(&s, "seed"), 1);
        assert_int_equal(state_reset(&s), 1);
        assert_int_equal(s.n_done, 0);
        assert_int_equal(state_open(base, "iid-reset", false, &s), 0);
        assert_int_equal(s.n_done, 0);
        assert_false(state_stage_done(&s, "seed", NULL));
}

static void test_file_format(void **unused) {
        static const char text[] = "seed 1764355200000000\nhost 1764355260000000\n";
        struct state s;
        uint64_t usec;

        write_stages("iid-format", text, strlen(text));
        assert_int_equal(state_open(base, "iid-format", false, &s), 0);
        assert_int_equal(s.n_done, 2);
        assert_true(state_stage_done(&s, "host", &usec));
        assert_true(usec == UINT64_C(1764355260000000));

        /* without the last newline too */
        write_stages("iid-format", text, strlen(text) - 1);
        assert_int_equal(state_open(base, "iid-format", false, &s), 0);
        assert_int_equal(s.n_done, 2);
}

static void test_damaged_file(void **unused) {
        static const char *const bad[] = {
                "seed\n",                     /* no time */
                "seed 12x\n",                 /* trailing garbage */
                "Seed 12\n",                  /* not a stage name */
                "seed 12\n\n",                /* empty line */
        };
        static const char with_nul[] = "seed 12\n\0host 13\n";
        char many[STATE_MAX_STAGES * 16 + 64];
        struct state s;
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                write_stages("iid-bad", bad[i], strlen(bad[i]));
                assert_int_equal(state_open(base, "iid-bad", false, &s), -EBADMSG);
        }
        write_stages("iid-bad", with_nul, sizeof(with_nul) - 1);
        assert_int_equal(state_open(base, "iid-bad", false, &s), -EBADMSG);

        for (int i = 0; i <= STATE_MAX_STAGES; i++)
                n += (size_t) snprintf(many + n, sizeof(many) - n, "s-%c %d\n", 'a' + i, i);
        write_stages("iid-bad", many, n);
        assert_int_equal(state_open(base, "iid-bad", false, &s), -EBADMSG);
}

static void test_limits(void **unused) {
        char iid[5000], name[64];
        struct state s;

        memset(iid, 'a', sizeof(iid) - 1);
        iid[sizeof(iid) - 1] = 0;
        assert_int_equal(state_open(base, iid, false, &s), -ENAMETOOLONG);

        assert_int_equal(state_open(base, "iid-limits", true, &s), 0);
        memset(name, 'x', sizeof(name) - 1);
        name[sizeof(name) - 1] = 0;
        assert_int_equal(state_mark_done(&s, name), -E2BIG);
        for (int i = 0; i < STATE_MAX_STAGES; i++) {
                snprintf(name, sizeof(name), "stage-%c", 'a' + i);
                assert_int_equal(state_mark_done(&s, name), 1);
        }
        assert_int_equal(state_mark_done(&s, "one-more"), -E2BIG);
}

static void test_current_instance(void **unused) {
        char iid[256], path[PATH_MAX];

        assert_int_equal(state_read_current_instance(base, iid, sizeof(iid)), -ENOENT);
        assert_int_equal(state_write_current_instance(base, "lab-master-1"), 1);
        assert_int_equal(state_read_current_instance(base, iid, sizeof(iid)), 0);
        assert_string_equal(iid, "lab-master-1");
        assert_int_equal(state_write_current_instance(base, "lab-master-2"), 1);
        assert_int_equal(state_read_current_instance(base, iid, sizeof(iid)), 0);
        assert_string_equal(iid, "lab-master-2");
        assert_int_equal(state_read_current_instance(base, iid, 5), -ENAMETOOLONG);

        /* a file that could point elsewhere, or names nothing, is refused */
        snprintf(path, sizeof(path), "%s/instance", base);
        assert_true(write_file_atomic(path, "../etc\n", 7, 0644, 0) >= 0);
        assert_int_equal(state_read_current_instance(base, iid, sizeof(iid)), -EBADMSG);
        assert_true(write_file_atomic(path, "\n", 1, 0644, 0) >= 0);
        assert_int_equal(state_read_current_instance(base, iid, sizeof(iid)), -EBADMSG);
        assert_true(write_file_atomic(path, "a\nb\n", 4, 0644, 0) >= 0);
        assert_int_equal(state_read_current_instance(base, iid, sizeof(iid)), -EBADMSG);
}

UNIT_TEST_MAIN(setup, teardown, test_fresh_instance, test_mark_and_reopen, test_reset, test_file_format,
               test_damaged_file, test_limits, test_current_instance)
