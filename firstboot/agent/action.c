/* SPDX-License-Identifier: MIT */
#include "action.h"
#include "host/hostedit.h"
#include "log.h"

static int action_perform(struct fb_run *run, const struct action *a) {
        int r;

        switch (a->kind) {
        case ACTION_NONE:
                return 0;
        case ACTION_WRITE_FILE:
                r = host_write_file(a->path, a->data, a->size, a->mode, a->flags);
                return r < 0 ? r : 0;
        case ACTION_KERNEL_VALUE:
                return host_write_kernel_value(a->path, a->value);
        case ACTION_COMMAND:
                return host_command_ok(run, a->argv, "%s", a->failed);
        case ACTION_CALL:
                return a->perform(run, a->userdata);
        }
        return log_error_errno(-EINVAL, "%s: unknown action kind %d", a->step, (int) a->kind);
}

int action_take(struct fb_run *run, const struct action *a) {
        int r;

        if (a->live && run->offline) {
                if (a->what)
                        run_left_out(run, a->step, a->what);
                return 0;
        }
        if (a->what)
                run_action(run, a->step, a->what, a->before, a->after);
        if (run->dry_run)
                return 1;
        r = action_perform(run, a);
        if (r >= 0 && a->verify)
                r = a->verify(run, a->userdata);
        return r < 0 ? r : 1;
}
