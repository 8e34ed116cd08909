/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "exit-status.h"
#include "macro.h"

enum fb_exit_status fb_exit_status(enum fb_failure failure) {
        switch (failure) {
        case FB_SUCCESS:
                return FB_EXIT_OK;
        case FB_FAILURE_USAGE:
        case FB_FAILURE_BAD_INPUT:
                return FB_EXIT_BAD_INPUT;
        case FB_FAILURE_NO_SEED:
                return FB_EXIT_NO_SEED;
        case FB_FAILURE_REFUSED: /* the seed is right, this host cannot take it (as cloud-init's runtime errors) */
        case FB_FAILURE_TRANSIENT:
        case FB_FAILURE_HOST:
        case FB_FAILURE_INTERNAL:
        case _FB_FAILURE_MAX:
                break;
        }
        return FB_EXIT_RUNTIME; /* an unknown class never passes for success or for "nothing changed" */
}

static const char *const failure_names[_FB_FAILURE_MAX] = {
        [FB_SUCCESS] = "success",
        [FB_FAILURE_USAGE] = "usage",
        [FB_FAILURE_BAD_INPUT] = "bad-input",
        [FB_FAILURE_NO_SEED] = "no-seed",
        [FB_FAILURE_REFUSED] = "refused",
        [FB_FAILURE_TRANSIENT] = "transient",
        [FB_FAILURE_HOST] = "host",
        [FB_FAILURE_INTERNAL] = "internal",
};

const char *fb_failure_to_string(enum fb_failure failure) {
        return (unsigned) failure < ELEMENTSOF(failure_names) ? failure_names[failure] : NULL;
}
