/* SPDX-License-Identifier: MIT */
/* The engine (firstboot/agent/engine.c): its stage table, --until, resuming from the state marks, the
 * failure classes and the exit statuses they give (firstboot/lib/exit-status.c). */
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "engine.h"
#include "exit-status.h"
#include "fileio.h"
#include "host/host.h"
#include "log.h"
#include "macro.h"
#include "state.h"

static char tmp[] = "/tmp/kfb-engine.XXXXXX";

static int setup(void **state) {
        assert_non_null(mkdtemp(tmp));
        log_set_max_level(LOG_CRIT); /* the failures below are expected; keep the output quiet */
        return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int teardown(void **state) {
        return nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *top(void) {
        const char *t = getenv("TOP");
        return t ? t : ".";
}

static const struct engine_stage *stage_named(const char *name) {
        for (size_t i = 0; i < engine_stages_count; i++)
                if (streq(engine_stages[i].name, name))
                        return &engine_stages[i];
        return NULL;
}

static void test_stage_table(void **unused) {
        static const char *const names[] = { "seed", "config", "plan", "host", "role", "report" };
        static const char *const marks[] = { NULL, NULL, "seed", "host", "role", NULL };

        assert_int_equal(engine_stages_count, ELEMENTSOF(names));
        for (size_t i = 0; i < engine_stages_count; i++) {
                const struct engine_stage *st = &engine_stages[i];

                assert_string_equal(st->name, names[i]);
                if (marks[i]) {
                        assert_non_null(st->mark);
                        assert_string_equal(st->mark, marks[i]);
                        assert_non_null(st->why); /* plan prints it */
                } else
                        assert_null(st->mark);
                assert_non_null(st->run);
                /* only the final report runs after --until stopped the run */
                assert_true(st->always == streq(st->name, "report"));
        }
        /* the step stages are the host and role stages */
        assert_non_null(stage_named("host")->steps);
        assert_non_null(stage_named("role")->steps);
        assert_null(stage_named("plan")->steps);
}

static void test_until(void **unused) {
        size_t n = 99;

        assert_ptr_equal(engine_until_find("seed", &n), stage_named("plan"));
        assert_int_equal(n, 0);
        assert_ptr_equal(engine_until_find("host", &n), stage_named("host"));
        assert_int_equal(n, 0);
        assert_ptr_equal(engine_until_find("role", &n), stage_named("role"));
        assert_int_equal(n, 0);

        /* every host step: the host stage, up to and including that step */
        assert_true(host_steps_count > 0);
        for (size_t i = 0; i < host_steps_count; i++) {
                n = 0;
                assert_ptr_equal(engine_until_find(host_steps[i].name, &n), stage_named("host"));
                assert_int_equal(n, i + 1);
        }
        assert_ptr_equal(engine_until_find("swap", &n), stage_named("host"));
        assert_string_equal(host_steps[n - 1].name, "swap");

        /* the engine's inner stages are not --until names, nor is anything else */
        static const char *const not_names[] = { "config", "plan", "report", "", "Host", "nosuch", "init" };
        for (size_t i = 0; i < ELEMENTSOF(not_names); i++) {
                n = 99;
                assert_null(engine_until_find(not_names[i], &n));
                assert_int_equal(n, 0);
        }
}

static void test_until_refused_before_anything(void **unused) {
        struct engine_options o = { .state_dir = tmp, .until = "nosuch", .seed_source = "/nonexistent" };

        /* refused as usage, before the seed is looked at (which would be bad input here) */
        assert_int_equal(engine_provision(&o, false), FB_FAILURE_USAGE);
        assert_int_equal(engine_provision(&o, true), FB_FAILURE_USAGE);
}

static void test_report_stage(void **unused) {
        struct fb_config c;

        config_init(&c);
        c.role = FB_ROLE_CONTROL_PLANE;
        assert_string_equal(engine_report_stage(stage_named("role"), &c), "init");
        assert_string_equal(engine_report_stage(stage_named("host"), &c), "host");
        assert_string_equal(engine_report_stage(stage_named("plan"), &c), "seed");
        c.role = FB_ROLE_WORKER;
        assert_string_equal(engine_report_stage(stage_named("role"), &c), "join");
        config_done(&c);
}

/* A run killed after the host stage: the next one reads the marks back and resumes at the role stage. */
static void test_resume_after_crash(void **unused) {
        char base[256], path[PATH_MAX];
        struct state s, after;

        snprintf(base, sizeof(base), "%s/state", tmp);
        assert_int_equal(state_open(base, "iid-crash", true, &s), 0);
        assert_ptr_equal(engine_first_pending(&s), stage_named("plan")); /* nothing done: from the seed mark */

        assert_int_equal(state_mark_done(&s, "seed"), 1);
        assert_int_equal(state_mark_done(&s, "host"), 1);
        /* the crash: a temporary file of a write that never got renamed is left beside the marks */
        snprintf(path, sizeof(path), "%s/iid-crash/.stages.XXXXXX", base);
        assert_true(write_file_atomic(path, "role 1\n", 7, 0600, 0) >= 0);

        assert_int_equal(state_open(base, "iid-crash", false, &after), 0);
        assert_ptr_equal(engine_first_pending(&after), stage_named("role"));

        assert_int_equal(state_mark_done(&after, "role"), 1);
        assert_int_equal(state_open(base, "iid-crash", false, &after), 0);
        assert_null(engine_first_pending(&after)); /* complete: a later run has nothing to do */

        /* marks are found by name, not by position */
        snprintf(path, sizeof(path), "%s/iid-order/stages", base);
        assert_true(write_file_atomic(path, "role 3\nseed 1\n", 14, 0600, WRITE_ATOMIC_MKDIR) >= 0);
        assert_int_equal(state_open(base, "iid-order", false, &s), 0);
        assert_ptr_equal(engine_first_pending(&s), stage_named("host"));
}

static void test_exit_status(void **unused) {
        static const struct {
                enum fb_failure failure;
                int exit_status;
        } table[] = {
                { FB_SUCCESS, 0 },           { FB_FAILURE_USAGE, 2 },     { FB_FAILURE_BAD_INPUT, 2 },
                { FB_FAILURE_NO_SEED, 3 },   { FB_FAILURE_REFUSED, 1 },   { FB_FAILURE_TRANSIENT, 1 },
                { FB_FAILURE_HOST, 1 },      { FB_FAILURE_INTERNAL, 1 },
        };

        /* the documented values (kube-firstboot(8), kube-firstboot-server(8), docs/seed-generator.md) */
        assert_int_equal(FB_EXIT_OK, 0);
        assert_int_equal(FB_EXIT_RUNTIME, 1);
        assert_int_equal(FB_EXIT_BAD_INPUT, 2);
        assert_int_equal(FB_EXIT_NO_SEED, 3);
        assert_int_equal(FB_EXIT_IN_PROGRESS, 4);

        assert_int_equal(ELEMENTSOF(table), _FB_FAILURE_MAX);
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                assert_int_equal(fb_exit_status(table[i].failure), table[i].exit_status);
                assert_non_null(fb_failure_to_string(table[i].failure));
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(fb_failure_to_string(table[i].failure),
                                                fb_failure_to_string(table[j].failure));
        }
        /* a value outside the enum never reads as success or as "nothing was changed" */
        assert_int_equal(fb_exit_status(_FB_FAILURE_MAX), FB_EXIT_RUNTIME);
        assert_int_equal(fb_exit_status((enum fb_failure) 1000), FB_EXIT_RUNTIME);
        assert_null(fb_failure_to_string(_FB_FAILURE_MAX));
}

/* The class travels from the stage that failed: the seed stage's and the config stage's. */
static void test_show_seed_failure_class(void **unused) {
        char seed_dir[PATH_MAX], path[PATH_MAX];
        struct engine_options o = { .state_dir = tmp };
        FILE *saved;

        snprintf(seed_dir, sizeof(seed_dir), "%s/tests/data/seeds/reference/node-1", top());
        o.seed_source = seed_dir;
        saved = stdout;
        stdout = fopen("/dev/null", "w");
        assert_non_null(stdout);
        assert_int_equal(engine_show_seed(&o), FB_SUCCESS);
        fclose(stdout);
        stdout = saved;

        /* --seed naming nothing: the seed stage's bad input */
        snprintf(path, sizeof(path), "%s/absent", tmp);
        o.seed_source = path;
        assert_int_equal(engine_show_seed(&o), FB_FAILURE_BAD_INPUT);

        /* a seed that is found but does not validate: the config stage's bad input */
        snprintf(path, sizeof(path), "%s/bad-seed/meta-data", tmp);
        assert_true(write_file_atomic(path, "instance-id: [\n", 15, 0644, WRITE_ATOMIC_MKDIR) >= 0);
        snprintf(path, sizeof(path), "%s/bad-seed/user-data", tmp);
        assert_true(write_file_atomic(path, "#cloud-config\n", 14, 0644, 0) >= 0);
        snprintf(path, sizeof(path), "%s/bad-seed", tmp);
        assert_int_equal(engine_show_seed(&o), FB_FAILURE_BAD_INPUT);
        assert_int_equal(fb_exit_status(engine_show_seed(&o)), 2);
}

UNIT_TEST_MAIN(setup, teardown, test_stage_table, test_until, test_until_refused_before_anything, test_report_stage,
               test_resume_after_crash, test_exit_status, test_show_seed_failure_class)
