/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "log.h"
#include "engine.h"

void run_action(struct fb_run *run, const char *step, const char *what, const char *before, const char *after) {
        run->n_changed++;
        if (run->dry_run) {
                printf("  %-10s would %s", step, what);
                if (before || after)
                        printf(" (%s -> %s)", before ? before : "absent", after ? after : "absent");
                printf("\n");
                return;
        }
        if (before || after)
                log_info("%s: %s (%s -> %s)", step, what, before ? before : "absent", after ? after : "absent");
        else
                log_info("%s: %s", step, what);
}

void run_unchanged(struct fb_run *run, const char *step, const char *what) {
        run->n_unchanged++;
        if (run->dry_run)
                printf("  %-10s ok    %s\n", step, what);
        else
                log_info("%s: unchanged: %s", step, what);
}

int run_steps(struct fb_run *run, const struct fb_step *steps, size_t n_steps) {
        int changed = 0;

        for (size_t i = 0; i < n_steps; i++) {
                int r = steps[i].run(run);
                if (r < 0)
                        return r; /* the step logged what failed */
                if (r > 0)
                        changed = 1;
        }
        return changed;
}
