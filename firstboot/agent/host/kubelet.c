/* SPDX-License-Identifier: MIT */
/* kubelet enabled, as the reference guide does; never started here: kubeadm init/join starts it once
 * its configuration exists (before that it only crash-loops). */
#include <stdio.h>

#include "action.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"

#define STEP "kubelet"

static int kubelet_state(struct fb_run *run, char *ret, size_t size) {
        const char *argv[] = { "systemctl", "is-enabled", "kubelet", NULL };
        _cleanup_free_ char *out = NULL;
        size_t len;
        int r;

        r = host_command(run, argv, false, &out);
        if (r < 0)
                return r;
        len = strcspn(out, " \t\r\n");
        snprintf(ret, size, "%.*s", (int) (len >= size ? size - 1 : len), out);
        if (!ret[0] || strchr(ret, ':'))
                snprintf(ret, size, "unknown"); /* an error message, e.g. no such unit */
        return 0;
}

static int kubelet_enable(struct fb_run *run, void *userdata) {
        const char *enable[] = { "systemctl", "enable", "kubelet", NULL };
        int r;

        r = host_command(run, enable, false, NULL);
        if (r < 0)
                return r;
        if (r != 0)
                return log_error_errno(-EIO, "systemctl enable kubelet failed (exit status %d; is kubelet installed, "
                                       "or masked? see the agent log)", r);
        return 0;
}

static int kubelet_enabled(struct fb_run *run, void *userdata) {
        char state[32];
        int r;

        r = kubelet_state(run, state, sizeof(state));
        if (r < 0)
                return r;
        if (!streq(state, "enabled"))
                return log_error_errno(-EIO, "kubelet.service is \"%s\" after systemctl enable kubelet", state);
        return 0;
}

int step_kubelet(struct fb_run *run) {
        char state[32];
        int r;

        r = kubelet_state(run, state, sizeof(state));
        if (r < 0)
                return r;
        if (streq(state, "enabled")) {
                run_unchanged(run, STEP, "enable kubelet.service");
                return 0;
        }
        return action_take(run, &(struct action) { .step = STEP, .what = "enable kubelet.service", .before = state,
                                                   .after = "enabled", .kind = ACTION_CALL, .perform = kubelet_enable,
                                                   .verify = kubelet_enabled });
}
