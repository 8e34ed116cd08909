/* SPDX-License-Identifier: MIT */
/* kubelet enabled, as the reference guide does; never started here: kubeadm init/join starts it once
 * its configuration exists (before that it only crash-loops). */
#include <stdio.h>

#include "action.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "host/unit.h"
#include "log.h"
#include "macro.h"

#define STEP "kubelet"

/* kubelet.service's is-enabled word; "unknown" when systemctl knows no such unit. */
static int kubelet_state(struct fb_run *run, char ret[UNIT_STATE_MAX]) {
        int r = unit_query(run, UNIT_IS_ENABLED, "kubelet", false, ret);
        if (r == -ENOENT)
                snprintf(ret, UNIT_STATE_MAX, "unknown");
        else if (r < 0)
                return r;
        return 0;
}

static int kubelet_enable(struct fb_run *run, void *userdata) {
        return unit_run(run, "enable", (const char *const[]) { "kubelet", NULL },
                        "is kubelet installed, or masked? see the agent log");
}

static int kubelet_enabled(struct fb_run *run, void *userdata) {
        char state[UNIT_STATE_MAX];
        int r;

        r = kubelet_state(run, state);
        if (r < 0)
                return r;
        if (!streq(state, "enabled"))
                return log_error_errno(-EIO, "kubelet.service is \"%s\" after systemctl enable kubelet", state);
        return 0;
}

/* kubelet.service must exist: systemctl enable cannot make it (the kubelet package installs it). */
int check_kubelet(struct fb_run *run) {
        char *state = run->facts.kubelet_enabled_word;
        int r;

        r = kubelet_state(run, state);
        if (r < 0)
                return r;
        if (streq(state, "unknown"))
                return log_error_errno(-ENOENT, "kubelet.service does not exist: is kubelet installed? (the image or "
                                       "kickstart installs it)");
        return 0;
}

int step_kubelet(struct fb_run *run) {
        const char *state = run->facts.kubelet_enabled_word;

        if (streq(state, "enabled")) {
                run_unchanged(run, STEP, "enable kubelet.service");
                return 0;
        }
        return action_take(run, &(struct action) { .step = STEP, .what = "enable kubelet.service", .before = state,
                                                   .after = "enabled", .kind = ACTION_CALL, .perform = kubelet_enable,
                                                   .verify = kubelet_enabled });
}
