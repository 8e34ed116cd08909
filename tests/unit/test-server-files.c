/* SPDX-License-Identifier: MIT */
/* kube-firstboot-server's static files: open_beneath() opens regular files below a root and nothing
 * else (no symbolic link below the root, no FIFO, device or directory), and the Content-Type by
 * suffix. */
#include <errno.h>
#include <fcntl.h>
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

#include "unit-test.h"

#include "fileio.h"
#include "server-files.h"

static char top[64], root[96], root_link[96];

static void make_file(const char *rel, const char *text) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", top, rel);
        assert_true(write_file_atomic(path, text, strlen(text), 0644, WRITE_ATOMIC_MKDIR) >= 0);
}

static void make_link(const char *target, const char *rel) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", top, rel);
        assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state) {
        char path[PATH_MAX];

        snprintf(top, sizeof(top), "/tmp/test-server-files.XXXXXX");
        assert_non_null(mkdtemp(top));
        snprintf(root, sizeof(root), "%s/ks", top);
        snprintf(root_link, sizeof(root_link), "%s/ks-link", top);
        make_file("ks/node-1.cfg", "install\n");
        make_file("ks/sub/deep/a.cfg", "deep\n");
        make_file("outside/secret", "secret\n");
        make_link("../outside/secret", "ks/evil");
        make_link("../outside", "ks/dir-link");
        make_link("node-1.cfg", "ks/inner-link");
        make_link("ks", "ks-link");                    /* the root itself may be a link */
        snprintf(path, sizeof(path), "%s/ks/fifo", top);
        assert_int_equal(mkfifo(path, 0644), 0);
        return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int teardown(void **state) {
        nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static void expect_file(const char *r, const char *rest, const char *content) {
        struct stat st;
        char buf[64];
        int fd = open_beneath(r, rest, &st);
        ssize_t n;

        if (fd < 0)
                fail_msg("%s/%s: %d", r, rest, fd);
        assert_true(S_ISREG(st.st_mode));
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        n = read(fd, buf, sizeof(buf) - 1);
        assert_true(n >= 0);
        buf[n] = 0;
        assert_string_equal(buf, content);
        close(fd);
}

static void expect_refused(const char *rest, int expected) {
        struct stat st;
        int fd = open_beneath(root, rest, &st);

        if (fd != expected)
                fail_msg("%s: %d, expected %d", rest, fd, expected);
}

static void test_regular_files(void **state) {
        expect_file(root, "node-1.cfg", "install\n");
        expect_file(root, "sub/deep/a.cfg", "deep\n");
        expect_file(root_link, "node-1.cfg", "install\n");
        expect_file(root_link, "sub/deep/a.cfg", "deep\n");
}

static void test_refusals(void **state) {
        expect_refused("evil", -ELOOP);                 /* a link to a file outside */
        expect_refused("inner-link", -ELOOP);           /* even one that stays inside */
        expect_refused("dir-link/secret", -ENOTDIR);    /* a link to a directory: not opened as one */
        expect_refused("fifo", -ENOENT);                /* opened without blocking, then refused */
        expect_refused("sub", -ENOENT);                 /* a directory */
        expect_refused("sub/deep", -ENOENT);
        expect_refused("missing.cfg", -ENOENT);
        expect_refused("missing/a.cfg", -ENOENT);
        expect_refused("node-1.cfg/x", -ENOTDIR);
}

static void test_content_types(void **state) {
        assert_string_equal(content_type_for("kubeadm-1.23.6.x86_64.rpm"), "application/x-rpm");
        assert_string_equal(content_type_for("repodata/repomd.xml"), "application/xml");
        assert_string_equal(content_type_for("repodata/primary.xml.gz"), "application/gzip");
        assert_string_equal(content_type_for("node-1.cfg"), "text/plain; charset=utf-8");
        assert_string_equal(content_type_for("NODE-1.KS"), "text/plain; charset=utf-8");
        assert_string_equal(content_type_for("primary.sqlite.bz2"), "application/x-bzip2");
        assert_string_equal(content_type_for("index.html"), "text/html; charset=utf-8");
        assert_string_equal(content_type_for("seed.iso"), "application/octet-stream");
        assert_string_equal(content_type_for("noext"), "application/octet-stream");
        assert_string_equal(content_type_for(".rpm"), "application/octet-stream"); /* a suffix, not a name */
}

UNIT_TEST_MAIN(setup, teardown, test_regular_files, test_refusals, test_content_types)
