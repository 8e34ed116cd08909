/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "config/config.h"
#include "seed/seed.h"

/* What a stage or step needs: the configuration, whether it only plans, and where to log. */
struct fb_run {
        const struct fb_config *config;
        const struct seed *seed;
        bool dry_run;          /* plan: describe every action, change nothing */
        int log_fd;            /* 0600 agent log for command output, or -1 */
        const char *state_dir; /* real (rooted) path of this instance's state directory */
        unsigned n_changed, n_unchanged;
};

/* A step of a stage: checks the host, applies only what differs (unless dry_run), verifies.
 * Returns 0 when nothing needed doing, >0 when it changed something (or would, in dry_run), -errno on
 * failure (logged by the step). Steps report each action with run_action()/run_unchanged(). */
struct fb_step {
        const char *name;
        const char *why;
        int (*run)(struct fb_run *run);
};

/* Records one action: printed by plan ("would"), logged by run. before/after may be NULL. */
void run_action(struct fb_run *run, const char *step, const char *what, const char *before, const char *after);
void run_unchanged(struct fb_run *run, const char *step, const char *what);

/* Runs a table of steps in order; stops at the first failure. Returns >0 if any changed. */
int run_steps(struct fb_run *run, const struct fb_step *steps, size_t n_steps);
