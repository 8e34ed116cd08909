/* SPDX-License-Identifier: MIT */
#pragma once

/* The exit statuses of all three programs: the agent (kube-firstboot(8)), its seed generator
 * (`kube-firstboot seed`, docs/seed-generator.md) and the server (kube-firstboot-server(8)). Their values are
 * documented and scripts test them: never renumber. */
enum fb_exit_status {
        FB_EXIT_OK = 0,
        FB_EXIT_RUNTIME = 1,     /* a step, the network or the system failed, or this host cannot take the seed
                                  * (refused before any change); a later run may succeed */
        FB_EXIT_BAD_INPUT = 2,   /* bad usage, seed, inventory or configuration: nothing changed */
        FB_EXIT_NO_SEED = 3,     /* agent: no seed anywhere */
        FB_EXIT_IN_PROGRESS = 4, /* agent's status --endpoint: nodes are still working */
};

/* Why something failed, decided where the failure is understood and carried back with it; the exit status
 * follows from the class alone (fb_exit_status()). */
enum fb_failure {
        FB_SUCCESS = 0,
        FB_FAILURE_USAGE,     /* the command line */
        FB_FAILURE_BAD_INPUT, /* seed, configuration or inventory rejected */
        FB_FAILURE_NO_SEED,   /* no seed anywhere */
        FB_FAILURE_REFUSED,   /* this host does not fit the seed: refused before any change */
        FB_FAILURE_TRANSIENT, /* network, endpoint or a busy lock: may pass on the next run */
        FB_FAILURE_HOST,      /* a step failed on the host; what was done is recorded */
        FB_FAILURE_INTERNAL,  /* the program's own state or resources: memory, state files, writing output */
        _FB_FAILURE_MAX,
};

enum fb_exit_status fb_exit_status(enum fb_failure failure);
const char *fb_failure_to_string(enum fb_failure failure);
