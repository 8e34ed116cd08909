/* SPDX-License-Identifier: MIT */
/* systemd units: the one place the host steps ask systemctl about a unit or change one. Every call is a
 * host command (the fixed search path, the agent log, its timeout), so `plan` and the tests' stand-ins
 * see exactly the systemctl lines a real host would. systemd 219 (CentOS 7): no `--now`, so enabling and
 * starting are two calls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

#define UNIT_STATE_MAX FB_RUN_UNIT_STATE_MAX /* "enabled", "masked", "inactive", ...: systemctl's state words are short */

enum unit_query { UNIT_IS_ENABLED, UNIT_IS_ACTIVE };

/* `systemctl is-enabled|is-active UNIT`: its exit status is the answer (0: enabled, static, ... / active).
 * ret_word gets the state word systemctl printed, or "unknown" when it printed an error instead. Returns 1
 * yes, 0 no; -ENOENT (not logged) when the unit does not exist, or when systemctl is not installed and
 * quiet_missing; another -errno (logged) when systemctl could not run. */
int unit_query(struct fb_run *run, enum unit_query q, const char *unit, bool quiet_missing, char ret_word[UNIT_STATE_MAX]);

/* `systemctl is-enabled|is-active UNIT...` in one call, for many units: states[i] is the state word of
 * units[i] as systemctl printed them in order; "" for those it printed none for (no such unit: its error
 * goes to the message stream). Returns systemctl's exit status, -ENOENT when systemctl is not installed
 * (not logged), another -errno (logged). */
int unit_query_many(struct fb_run *run, enum unit_query q, const char *const *units, size_t n,
                    char (*states)[UNIT_STATE_MAX]);

/* `systemctl VERB UNIT...` (units NULL-terminated). 0, or -EIO logged as "systemctl VERB UNIT... failed
 * (exit status N; HINT)", the hint by default pointing at the agent log and the unit's journal. */
int unit_run(struct fb_run *run, const char *verb, const char *const *units, const char *hint);

/* unit_run() for one unit, as an action of step: a line WHAT (before -> after) in plan, the command in run. */
int unit_action(struct fb_run *run, const char *step, const char *what, const char *before, const char *after,
                const char *verb, const char *unit);
