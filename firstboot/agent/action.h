/* SPDX-License-Identifier: MIT */
#pragma once

/* A change to the host, described once: plan prints it ("  STEP would WHAT (BEFORE -> AFTER)"), run logs
 * the same line, performs it and, when the step gave one, checks that it took. This is the one place that
 * decides whether to change anything (run->dry_run), so that plan lists exactly what run does. The steps'
 * own run->dry_run tests left are about what plan cannot know yet (a file an earlier step would create, a
 * record from the network, a kernel key a module would bring), never about whether to act. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine.h"

enum action_kind {
        ACTION_NONE,         /* only the line: the change is made by a later action (a batched command) */
        ACTION_WRITE_FILE,   /* path gets data atomically (host_write_file(): mode for a new file, flags) */
        ACTION_KERNEL_VALUE, /* value written to the kernel file path (host_write_kernel_value()) */
        ACTION_COMMAND,      /* argv run, must exit 0; failure logged as "FAILED failed (exit status N ...)" */
        ACTION_CALL,         /* perform(run, userdata): a change no other kind covers (sethostname, chmod) */
};

struct action {
        const char *step, *what;   /* the line; what NULL: no line (the change was described before) */
        const char *before, *after; /* may be NULL */
        enum action_kind kind;
        const char *path;          /* WRITE_FILE, KERNEL_VALUE: a host path under the root */
        const void *data;          /* WRITE_FILE */
        size_t size;
        mode_t mode;
        unsigned flags;
        const char *value;         /* KERNEL_VALUE */
        const char *const *argv;   /* COMMAND */
        const char *failed;        /* COMMAND: what failed, for the error */
        int (*perform)(struct fb_run *run, void *userdata); /* CALL: 0 or -errno (logged) */
        int (*verify)(struct fb_run *run, void *userdata);  /* after performing (run only): 0 or -errno (logged) */
        void *userdata;
        bool live; /* acts on the running system (kernel, services, network): an offline --root leaves it out */
};

/* Describes and (run) performs and verifies the action. 1 (the change is planned or made), -errno (logged).
 * A live action of an offline run is only recorded as left out (no line when what is NULL): 0. */
int action_take(struct fb_run *run, const struct action *a);
