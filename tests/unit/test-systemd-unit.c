/* SPDX-License-Identifier: MIT */
/* The systemd unit helper (firstboot/agent/host/unit.c) against a stand-in systemctl that answers as
 * systemd 219 does: the state word on stdout, the exit status as the answer, "Failed to get unit file
 * state ... No such file or directory" for a unit that does not exist. The stand-in records its command
 * lines, so the tests see exactly which systemctl calls were made. */
#include <errno.h>
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

#include "engine.h"
#include "host/unit.h"
#include "log-capture.h"
#include "spawn.h"

static char dir[64];

/* The stand-in's answer: what it prints, and its exit status. */
static void answer(const char *output, int status) {
        char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/output", dir);
        assert_non_null(f = fopen(path, "we"));
        fputs(output, f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/status", dir);
        assert_non_null(f = fopen(path, "we"));
        fprintf(f, "%d\n", status);
        fclose(f);
}

/* What the stand-in was called with, one line per call; then forgotten. */
static const char *calls(void) {
        static char text[1024];
        char path[128];
        FILE *f;
        size_t n = 0;

        snprintf(path, sizeof(path), "%s/calls", dir);
        f = fopen(path, "re");
        if (f) {
                n = fread(text, 1, sizeof(text) - 1, f);
                fclose(f);
                unlink(path);
        }
        text[n] = 0;
        return text;
}

static int setup(void **state) {
        char path[128];
        FILE *f;

        snprintf(dir, sizeof(dir), "/tmp/kfb-unit-XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/systemctl", dir);
        assert_non_null(f = fopen(path, "we"));
        /* absolute paths: the command runs with the agent's search path, which is only this directory */
        fprintf(f, "#!/bin/sh\necho \"$*\" >>%s/calls\n/bin/cat %s/output\nexit $(/bin/cat %s/status)\n", dir, dir, dir);
        fclose(f);
        assert_int_equal(chmod(path, 0755), 0);
        assert_int_equal(setenv(SPAWN_PATH_ENV, dir, 1), 0);
        return log_capture_setup(state);
}

static int teardown(void **state) {
        const char *names[] = { "systemctl", "output", "status", "calls" };
        char path[128];

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                unlink(path);
        }
        rmdir(dir);
        unsetenv(SPAWN_PATH_ENV);
        return log_capture_teardown(state);
}

static void test_query_answers(void **state) {
        struct fb_run run = { .log_fd = -1 };
        char word[UNIT_STATE_MAX];

        answer("enabled\n", 0);
        assert_int_equal(unit_query(&run, UNIT_IS_ENABLED, "kubelet", false, word), 1);
        assert_string_equal(word, "enabled");
        assert_string_equal(calls(), "is-enabled kubelet\n");

        answer("disabled\n", 1);
        assert_int_equal(unit_query(&run, UNIT_IS_ENABLED, "docker", false, word), 0);
        assert_string_equal(word, "disabled");

        answer("masked\n", 1);
        assert_int_equal(unit_query(&run, UNIT_IS_ENABLED, "docker", false, word), 0);
        assert_string_equal(word, "masked");

        answer("inactive\n", 3);
        assert_int_equal(unit_query(&run, UNIT_IS_ACTIVE, "firewalld", true, word), 0);
        assert_string_equal(word, "inactive");
        assert_string_equal(calls(), "is-enabled docker\nis-enabled docker\nis-active firewalld\n");

        /* a SysV service: chkconfig's chatter first, the answer on the last line */
        answer("network.service is not a native service, redirecting to /sbin/chkconfig.\n"
               "Executing /sbin/chkconfig network --level=5\nenabled\n", 0);
        assert_int_equal(unit_query(&run, UNIT_IS_ENABLED, "network", false, word), 1);
        assert_string_equal(word, "enabled");
        (void) calls();
}

static void test_query_missing(void **state) {
        struct fb_run run = { .log_fd = -1 };
        char word[UNIT_STATE_MAX];
        char path[128];

        answer("Failed to get unit file state for nosuch.service: No such file or directory\n", 1);
        assert_int_equal(unit_query(&run, UNIT_IS_ENABLED, "nosuch", false, word), -ENOENT);
        /* an error message is not a state word */
        answer("Failed to get unit file state for x.service: Access denied\n", 1);
        assert_int_equal(unit_query(&run, UNIT_IS_ENABLED, "x", false, word), 0);
        assert_string_equal(word, "unknown");
        (void) calls();

        /* no systemctl at all: quiet when asked to be */
        snprintf(path, sizeof(path), "%s/systemctl", dir);
        assert_int_equal(unlink(path), 0);
        (void) log_capture_take();
        assert_int_equal(unit_query(&run, UNIT_IS_ACTIVE, "firewalld", true, word), -ENOENT);
        assert_null(strstr(log_capture_take(), "not found"));
        assert_int_equal(unit_query(&run, UNIT_IS_ACTIVE, "firewalld", false, word), -ENOENT);
        assert_logged(log_capture_take(), "systemctl: command not found");
        /* the next test's stand-in */
        assert_int_equal(teardown(state), 0);
        assert_int_equal(setup(state), 0);
}

static void test_query_many(void **state) {
        struct fb_run run = { .log_fd = -1 };
        const char *units[] = { "a.swap", "b.swap", "c.swap" };
        char states[3][UNIT_STATE_MAX];

        /* the error for the unit without a state goes to the message stream, not in its place */
        answer("masked\nFailed to get unit file state for c.swap: No such file or directory\ngenerated\n", 1);
        assert_int_equal(unit_query_many(&run, UNIT_IS_ENABLED, units, 3, states), 1);
        assert_string_equal(states[0], "masked");
        assert_string_equal(states[1], "generated");
        assert_string_equal(states[2], "");
        assert_string_equal(calls(), "is-enabled a.swap b.swap c.swap\n");
}

static void test_run_and_action(void **state) {
        struct fb_run run = { .log_fd = -1 };

        answer("", 0);
        assert_int_equal(unit_run(&run, "enable", (const char *const[]) { "kubelet", NULL }, NULL), 0);
        assert_string_equal(calls(), "enable kubelet\n");

        answer("Failed to start docker.service: Unit not found.\n", 5);
        (void) log_capture_take();
        assert_int_equal(unit_run(&run, "start", (const char *const[]) { "docker", NULL }, NULL), -EIO);
        assert_logged(log_capture_take(), "systemctl start docker failed (exit status 5; see the agent log and "
                                          "journalctl -u docker)");
        assert_int_equal(unit_run(&run, "enable", (const char *const[]) { "kubelet", NULL }, "is kubelet installed?"),
                         -EIO);
        assert_logged(log_capture_take(), "systemctl enable kubelet failed (exit status 5; is kubelet installed?)");
        (void) calls();

        /* plan: the line, never the command */
        run.dry_run = true;
        answer("", 0);
        assert_true(unit_action(&run, "docker", "start docker.service", "inactive", "active", "start", "docker") > 0);
        assert_string_equal(calls(), "");
        /* run: the command */
        run.dry_run = false;
        assert_true(unit_action(&run, "docker", "start docker.service", "inactive", "active", "start", "docker") > 0);
        assert_string_equal(calls(), "start docker\n");
}

UNIT_TEST_MAIN(setup, teardown, test_query_answers, test_query_missing, test_query_many, test_run_and_action)
