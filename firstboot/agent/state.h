/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* First-boot state: /var/lib/kube-firstboot/<instance-id>/stages holds one line per finished stage,
 * "NAME EPOCH_USEC", rewritten atomically after each stage. /var/lib/kube-firstboot/instance names the
 * instance seen last, so `status` works without reading the seed. */

#define STATE_MAX_STAGES 16

struct state {
        char dir[4096];               /* the instance's directory as messages name it (--root prefix) */
        char abs_dir[4096];           /* the same under the root, for path.h's root_*() */
        struct {
                char name[32];
                uint64_t usec;
        } done[STATE_MAX_STAGES];
        unsigned n_done;
};

/* state_base is the base directory under the root (default /var/lib/kube-firstboot). */
int state_open(const char *state_base, const char *instance_id, bool create, struct state *ret);
bool state_stage_done(const struct state *s, const char *stage, uint64_t *ret_usec);
int state_mark_done(struct state *s, const char *stage);
int state_reset(struct state *s);
int state_write_current_instance(const char *state_base, const char *instance_id);
int state_read_current_instance(const char *state_base, char *ret, size_t size);
