/* SPDX-License-Identifier: MIT */
/* firstboot/lib/fileio.c: the atomic write (content, mode, replace, "nothing to do", failures that leave
 * the old file), bounded reads, mkdir_p and unlink_durable. The fsyncs cannot be observed from here and
 * are not tested. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"
#include "macro.h"

struct tmp {
        char dir[64], path[128];
};

static int setup(void **state) {
        struct tmp *t = calloc(1, sizeof(*t));

        if (!t)
                return -1;
        snprintf(t->dir, sizeof(t->dir), "/tmp/test-fileio-XXXXXX");
        if (!mkdtemp(t->dir))
                return -1;
        snprintf(t->path, sizeof(t->path), "%s/file", t->dir);
        umask(022);
        *state = t;
        return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int teardown(void **state) {
        struct tmp *t = *state;

        nftw(t->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(t);
        return 0;
}

static void assert_content(const char *path, const char *want) {
        _cleanup_free_ char *data = NULL;
        size_t size;

        assert_int_equal(read_file_limited(path, 1 << 20, &data, &size), 0);
        assert_int_equal(size, strlen(want));
        assert_memory_equal(data, want, size);
}

static mode_t mode_of(const char *path) {
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        return st.st_mode & 07777;
}

static ino_t inode_of(const char *path) {
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        return st.st_ino;
}

/* The names in dir, sorted, joined by spaces. */
static void dir_entries(const char *dir, char *ret, size_t size) {
        struct dirent **names;
        int n = scandir(dir, &names, NULL, alphasort);

        assert_true(n >= 0);
        ret[0] = 0;
        for (int i = 0; i < n; i++) {
                if (!streq(names[i]->d_name, ".") && !streq(names[i]->d_name, ".."))
                        snprintf(ret + strlen(ret), size - strlen(ret), "%s%s", ret[0] ? " " : "", names[i]->d_name);
                free(names[i]);
        }
        free(names);
}

static void test_new_file(void **state) {
        struct tmp *t = *state;
        char entries[256];

        assert_int_equal(write_file_atomic(t->path, "hello\n", 6, 0640, 0), 1);
        assert_content(t->path, "hello\n");
        assert_int_equal(mode_of(t->path), 0640); /* new_mode, whatever the umask */
        /* no temporary file left next to it */
        dir_entries(t->dir, entries, sizeof(entries));
        assert_string_equal(entries, "file");

        /* empty content is a file too */
        snprintf(t->path, sizeof(t->path), "%s/empty", t->dir);
        assert_int_equal(write_file_atomic(t->path, "", 0, 0644, 0), 1);
        assert_content(t->path, "");
}

static void test_same_content_is_nothing(void **state) {
        struct tmp *t = *state;
        struct stat before, after;

        assert_int_equal(write_file_atomic(t->path, "same", 4, 0644, 0), 1);
        assert_int_equal(lstat(t->path, &before), 0);
        assert_int_equal(write_file_atomic(t->path, "same", 4, 0600, 0), 0);
        assert_int_equal(lstat(t->path, &after), 0);
        assert_int_equal(before.st_ino, after.st_ino);
        assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
        assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
        assert_int_equal(mode_of(t->path), 0644); /* new_mode is for new files only */
}

static void test_replace_keeps_mode(void **state) {
        struct tmp *t = *state;
        ino_t old;

        assert_int_equal(write_file_atomic(t->path, "one", 3, 0644, 0), 1);
        assert_int_equal(chmod(t->path, 0604), 0);
        old = inode_of(t->path);
        assert_int_equal(write_file_atomic(t->path, "two, longer", 11, 0600, 0), 1);
        assert_content(t->path, "two, longer");
        assert_int_equal(mode_of(t->path), 0604);
        /* replaced by rename, not rewritten in place: a reader never sees half a file */
        assert_true(inode_of(t->path) != old);
        /* shorter again */
        assert_int_equal(write_file_atomic(t->path, "3", 1, 0600, 0), 1);
        assert_content(t->path, "3");
}

static void test_secret_forces_0600(void **state) {
        struct tmp *t = *state;

        assert_int_equal(write_file_atomic(t->path, "key", 3, 0644, 0), 1);
        assert_int_equal(mode_of(t->path), 0644);
        /* same content, wrong mode: written again */
        assert_int_equal(write_file_atomic(t->path, "key", 3, 0644, WRITE_ATOMIC_SECRET), 1);
        assert_int_equal(mode_of(t->path), 0600);
        assert_int_equal(write_file_atomic(t->path, "key", 3, 0644, WRITE_ATOMIC_SECRET), 0);
}

static void test_mkdir_flag(void **state) {
        struct tmp *t = *state;
        char path[192];

        snprintf(path, sizeof(path), "%s/a/b/c", t->dir);
        assert_int_equal(write_file_atomic(path, "x", 1, 0644, 0), -ENOENT);
        assert_int_equal(write_file_atomic(path, "x", 1, 0644, WRITE_ATOMIC_MKDIR), 1);
        assert_content(path, "x");
        snprintf(path, sizeof(path), "%s/a/b", t->dir);
        assert_int_equal(mode_of(path), 0755);
}

static void test_never_replaces_a_symlink(void **state) {
        struct tmp *t = *state;
        char target[192], buf[192];

        snprintf(target, sizeof(target), "%s/target", t->dir);
        assert_int_equal(write_file_atomic(target, "target", 6, 0644, 0), 1);
        assert_int_equal(symlink(target, t->path), 0);
        assert_int_equal(write_file_atomic(t->path, "other", 5, 0644, 0), -ELOOP); /* never written through */
        assert_true(readlink(t->path, buf, sizeof(buf)) > 0);
        assert_content(target, "target");
        /* nor a directory */
        assert_int_equal(write_file_atomic(t->dir, "x", 1, 0644, 0), -EEXIST);
}

static void test_failed_write_leaves_old_file(void **state) {
        struct tmp *t = *state;
        struct rlimit old, small = { .rlim_cur = 1024 };
        char entries[256], *big;
        void (*old_handler)(int);
        int r;

        assert_int_equal(write_file_atomic(t->path, "old content", 11, 0644, 0), 1);
        big = malloc(4096);
        assert_non_null(big);
        memset(big, 'n', 4096);

        /* The write of the temp file fails (a file size limit): the old file stays, whole. */
        assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
        small.rlim_max = old.rlim_max;
        old_handler = signal(SIGXFSZ, SIG_IGN);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
        r = write_file_atomic(t->path, big, 4096, 0644, 0);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
        signal(SIGXFSZ, old_handler);
        free(big);

        assert_int_equal(r, -EFBIG);
        assert_content(t->path, "old content");
        dir_entries(t->dir, entries, sizeof(entries));
        assert_string_equal(entries, "file"); /* the temp file was removed */
}

static void test_temp_lives_next_to_the_file(void **state) {
        struct tmp *t = *state;
        char squat[192], entries[256];

        /* The temp file is in the same directory (one rename, one file system), named after the
         * target. A stale one from a killed run is replaced... */
        snprintf(squat, sizeof(squat), "%s/.#kfb.file", t->dir);
        assert_int_equal(write_file_atomic(squat, "stale", 5, 0600, 0), 1);
        assert_int_equal(write_file_atomic(t->path, "v1", 2, 0644, 0), 1);
        dir_entries(t->dir, entries, sizeof(entries));
        assert_string_equal(entries, "file");

        /* ...and when something that cannot be removed holds its name, the write fails and leaves
         * the old file. */
        assert_int_equal(mkdir(squat, 0700), 0);
        assert_true(write_file_atomic(t->path, "v2", 2, 0644, 0) < 0);
        assert_content(t->path, "v1");
}

static void test_read_limits(void **state) {
        struct tmp *t = *state;
        _cleanup_free_ char *data = NULL;
        char *none = NULL;
        size_t size = 0;
        char missing[192];

        assert_int_equal(write_file_atomic(t->path, "12345", 5, 0644, 0), 1);
        assert_int_equal(read_file_limited(t->path, 5, &data, &size), 0); /* exactly max */
        assert_int_equal(size, 5);
        assert_string_equal(data, "12345"); /* NUL-terminated */
        assert_int_equal(read_file_limited(t->path, 4, &none, &size), -EFBIG);
        assert_null(none);
        snprintf(missing, sizeof(missing), "%s/missing", t->dir);
        assert_int_equal(read_file_limited(missing, 5, &none, &size), -ENOENT);
        assert_null(none);
}

static void test_read_fd_larger_than_a_chunk(void **state) {
        struct tmp *t = *state;
        _cleanup_free_ char *data = NULL, *big = malloc(100000);
        _cleanup_close_ int fd = -1;
        size_t size = 0;

        assert_non_null(big);
        for (size_t i = 0; i < 100000; i++)
                big[i] = (char) ('a' + i % 23);
        assert_int_equal(write_file_atomic(t->path, big, 100000, 0644, 0), 1);
        fd = open(t->path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(read_fd_limited(fd, 100000, &data, &size), 0);
        assert_int_equal(size, 100000);
        assert_memory_equal(data, big, 100000);
}

static void test_mkdir_p_and_unlink(void **state) {
        struct tmp *t = *state;
        char path[192];

        snprintf(path, sizeof(path), "%s/x/y", t->dir);
        assert_int_equal(mkdir_p(path, 0700), 1);
        assert_int_equal(mkdir_p(path, 0700), 0);
        assert_int_equal(mode_of(path), 0700);
        snprintf(path, sizeof(path), "%s/p/q/file", t->dir);
        assert_int_equal(mkdir_parents(path, 0755), 1);
        assert_false(file_exists(path));

        assert_int_equal(write_file_atomic(t->path, "x", 1, 0644, 0), 1);
        assert_true(file_exists(t->path));
        assert_int_equal(unlink_durable(t->path), 1);
        assert_false(file_exists(t->path));
        assert_int_equal(unlink_durable(t->path), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_new_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_same_content_is_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_replace_keeps_mode, setup, teardown),
                cmocka_unit_test_setup_teardown(test_secret_forces_0600, setup, teardown),
                cmocka_unit_test_setup_teardown(test_mkdir_flag, setup, teardown),
                cmocka_unit_test_setup_teardown(test_never_replaces_a_symlink, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failed_write_leaves_old_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_temp_lives_next_to_the_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_fd_larger_than_a_chunk, setup, teardown),
                cmocka_unit_test_setup_teardown(test_mkdir_p_and_unlink, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
