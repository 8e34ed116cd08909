/* SPDX-License-Identifier: MIT */
/* Paths resolved under a root directory descriptor (lib/path.c): links followed inside the root, never
 * out of it; a final link never written through; missing directories created only on the path's own
 * components. A tree under a fresh temporary directory:
 *   TMP/outside/secret                       a file outside the root
 *   TMP/root/etc/hostname                    a regular file
 *   TMP/root/run/x                           a regular file
 *   TMP/root/var/run -> ../run               relative, inside (CentOS 7 has it)
 *   TMP/root/etc/abs -> /etc                 absolute: the root's /etc
 *   TMP/root/etc/out -> TMP/outside/secret   absolute, naming a path outside: taken inside the root
 *   TMP/root/esc -> ../outside               climbs out of the root
 *   TMP/root/deep/esc -> ../../outside       the same, one level down
 *   TMP/root/loop1 -> loop2 -> loop1         a loop
 *   TMP/root/gone -> /nowhere/at-all         dangling */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit-test.h"

#include "fileio.h"
#include "macro.h"
#include "path.h"

static char tmp[64], root[128], outside[128];
static int rfd = -1;

static void make_file(const char *path, const char *content) {
        assert_true(write_file_atomic(path, content, strlen(content), 0644, WRITE_ATOMIC_MKDIR) >= 0);
}

static void make_link(const char *target, const char *under_root) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", root, under_root);
        assert_int_equal(symlink(target, path), 0);
}

static bool exists_real(const char *path) {
        struct stat st;
        return lstat(path, &st) == 0;
}

static int setup(void **state) {
        char path[256], target[256];

        snprintf(tmp, sizeof(tmp), "/tmp/test-path.XXXXXX");
        assert_non_null(mkdtemp(tmp));
        snprintf(root, sizeof(root), "%s/root", tmp);
        snprintf(outside, sizeof(outside), "%s/outside", tmp);
        snprintf(path, sizeof(path), "%s/secret", outside);
        make_file(path, "outside\n");
        snprintf(path, sizeof(path), "%s/etc/hostname", root);
        make_file(path, "inside\n");
        snprintf(path, sizeof(path), "%s/run/x", root);
        make_file(path, "run\n");
        snprintf(path, sizeof(path), "%s/var", root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/deep", root);
        assert_int_equal(mkdir(path, 0755), 0);
        make_link("../run", "var/run");
        make_link("/etc", "etc/abs");
        snprintf(target, sizeof(target), "%s/secret", outside);
        make_link(target, "etc/out");
        make_link("../outside", "esc");
        make_link("../../outside", "deep/esc");
        make_link("loop2", "loop1");
        make_link("loop1", "loop2");
        make_link("/nowhere/at-all", "gone");
        rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(rfd >= 0);
        assert_int_equal(root_set(root), 0);
        return 0;
}

static int teardown(void **state) {
        char *argv[] = { (char *) "rm", (char *) "-rf", tmp, NULL };
        pid_t pid;

        close(rfd);
        pid = fork();
        if (pid == 0) {
                execv("/bin/rm", argv);
                _exit(127);
        }
        assert_true(pid > 0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        return 0;
}

/* chase_parent_at's directory, name and resolved path; the directory checked by what it holds. */
static int chase(const char *path, unsigned flags, char **ret_name, char **ret_resolved) {
        _cleanup_close_ int dir_fd = -1;
        int r = chase_parent_at(rfd, path, flags, &dir_fd, ret_name, ret_resolved);
        if (r >= 0)
                assert_true(dir_fd >= 0);
        return r;
}

static void check_resolves(const char *path, unsigned flags, const char *name, const char *resolved) {
        _cleanup_free_ char *n = NULL, *res = NULL;

        assert_int_equal(chase(path, flags, &n, &res), 0);
        assert_string_equal(n, name);
        assert_string_equal(res, resolved);
}

static void test_plain(void **state) {
        check_resolves("/etc/hostname", 0, "hostname", "/etc/hostname");
        check_resolves("etc/hostname", 0, "hostname", "/etc/hostname");
        check_resolves("//etc//./hostname", 0, "hostname", "/etc/hostname");
        check_resolves("/", 0, ".", "/");
        check_resolves("/etc/", 0, "etc", "/etc");
        check_resolves("/etc/.", 0, ".", "/etc");
        check_resolves("/etc/missing", 0, "missing", "/etc/missing"); /* the final component need not exist */
        /* the path's own ".." stops at the root, as "/.." is "/" */
        check_resolves("/../../etc/hostname", 0, "hostname", "/etc/hostname");
        check_resolves("/etc/../run/x", 0, "x", "/run/x");
}

static void test_links_inside(void **state) {
        check_resolves("/var/run/x", 0, "x", "/run/x");          /* relative intermediate link */
        check_resolves("/etc/abs/hostname", 0, "hostname", "/etc/hostname"); /* absolute: at the root */
        check_resolves("/var/run/../etc/hostname", 0, "hostname", "/etc/hostname"); /* ".." of /run */
        check_resolves("/var/run", 0, "run", "/run");             /* final link followed */
        check_resolves("/var/run", CHASE_NOFOLLOW, "run", "/var/run");
}

static void test_links_out(void **state) {
        _cleanup_free_ char *n = NULL, *res = NULL;

        /* an absolute target naming a host path outside the tree is that path INSIDE the root: absent */
        assert_int_equal(chase("/etc/out", 0, &n, &res), -ENOENT);
        /* a target climbing above the root is refused, at any depth */
        assert_int_equal(chase("/esc/secret", 0, &n, &res), -EXDEV);
        assert_int_equal(chase("/esc", 0, &n, &res), -EXDEV);
        assert_int_equal(chase("/deep/esc/secret", 0, &n, &res), -EXDEV);
        assert_int_equal(chase("/loop1/x", 0, &n, &res), -ELOOP);
        assert_int_equal(chase("/loop1", 0, &n, &res), -ELOOP);
        assert_int_equal(chase("/var/run/x", CHASE_NO_LINKS, &n, &res), -ELOOP);
        assert_int_equal(chase("/etc/hostname/x", 0, &n, &res), -ENOTDIR);
        assert_int_equal(chase("/nothere/x", 0, &n, &res), -ENOENT);
        assert_int_equal(chase("/gone/x", 0, &n, &res), -ENOENT);
        assert_int_equal(chase("/etc/out", CHASE_NO_LINKS, &n, &res), -ELOOP);
        assert_null(res);
}

static void test_open(void **state) {
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -1;
        char buf[16] = "";

        fd = chase_open_at(rfd, "/var/run/x", 0, O_RDONLY, 0, NULL);
        assert_true(fd >= 0);
        assert_int_equal(read(fd, buf, sizeof(buf) - 1), 4);
        assert_string_equal(buf, "run\n");
        assert_int_equal(chase_open_at(rfd, "/var/run", CHASE_NOFOLLOW, O_RDONLY, 0, NULL), -ELOOP);
        assert_int_equal(chase_open_at(rfd, "/etc/out", 0, O_RDONLY, 0, NULL), -ENOENT);
        assert_int_equal(root_read_file("/etc/abs/hostname", 64, &data, NULL), 0);
        assert_string_equal(data, "inside\n");
        assert_true(root_exists("/var/run/x"));
        assert_false(root_exists("/etc/out")); /* its target is not in the root */
        assert_false(root_exists("/esc/secret"));
}

static void test_write(void **state) {
        _cleanup_free_ char *data = NULL;
        char path[256];
        struct stat st;

        /* never through a final link, wherever it points */
        assert_int_equal(root_write_file("/etc/out", "x\n", 2, 0644, 0), -ELOOP);
        assert_int_equal(root_write_file("/var/run", "x\n", 2, 0644, 0), -ELOOP);
        assert_int_equal(root_write_file("/esc/secret", "x\n", 2, 0644, 0), -EXDEV);
        assert_int_equal(root_write_file("/esc/new", "x\n", 2, 0644, WRITE_ATOMIC_MKDIR), -EXDEV);
        snprintf(path, sizeof(path), "%s/secret", outside);
        assert_int_equal(read_file_limited(path, 64, &data, NULL), 0);
        assert_string_equal(data, "outside\n");
        snprintf(path, sizeof(path), "%s/new", outside);
        assert_false(exists_real(path));

        /* through an intermediate link inside the root: fine */
        assert_int_equal(root_write_file("/var/run/y", "y\n", 2, 0600, 0), 1);
        snprintf(path, sizeof(path), "%s/run/y", root);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(root_write_file("/var/run/y", "y\n", 2, 0600, 0), 0); /* same content: untouched */

        /* WRITE_ATOMIC_MKDIR creates the path's own directories, never a link's target's */
        assert_int_equal(root_write_file("/a/b/c", "c\n", 2, 0644, WRITE_ATOMIC_MKDIR), 1);
        snprintf(path, sizeof(path), "%s/a/b/c", root);
        assert_true(exists_real(path));
        assert_int_equal(root_write_file("/gone/x", "x\n", 2, 0644, WRITE_ATOMIC_MKDIR), -ENOENT);
        snprintf(path, sizeof(path), "%s/nowhere", root);
        assert_false(exists_real(path));
        assert_false(exists_real("/nowhere"));
}

static void test_mkdir_unlink(void **state) {
        char path[256];
        struct stat st;

        assert_int_equal(root_mkdir_p("/m/n", 0700), 1);
        snprintf(path, sizeof(path), "%s/m/n", root);
        assert_int_equal(stat(path, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(root_mkdir_p("/m/n", 0700), 0);
        assert_int_equal(root_mkdir_p("/var/run", 0755), 0);  /* a link to a directory inside: there */
        assert_int_equal(root_mkdir_p("/etc/hostname", 0755), -ENOTDIR);
        assert_int_equal(root_mkdir_p("/esc/x", 0755), -EXDEV);

        assert_int_equal(root_unlink("/var/run/x"), 1);
        assert_int_equal(root_unlink("/var/run/x"), 0);
        assert_int_equal(root_unlink("/nothere/x"), 0);
        /* a final link is removed itself, never its target */
        assert_int_equal(root_unlink("/etc/out"), 1);
        snprintf(path, sizeof(path), "%s/secret", outside);
        assert_true(exists_real(path));
}

static void test_display(void **state) {
        _cleanup_free_ char *p = root_path("/etc/hosts"), *q = root_pathf("/dev/%s", "vda");
        char expect[256];

        snprintf(expect, sizeof(expect), "%s/etc/hosts", root);
        assert_string_equal(p, expect);
        snprintf(expect, sizeof(expect), "%s/dev/vda", root);
        assert_string_equal(q, expect);
        assert_string_equal(root_get(), root);
        assert_int_equal(root_set("relative"), -EINVAL);
        assert_string_equal(root_get(), root); /* unchanged */
}

UNIT_TEST_MAIN(setup, teardown, test_plain, test_links_inside, test_links_out, test_open, test_write, test_mkdir_unlink,
               test_display)
