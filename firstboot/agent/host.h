/* SPDX-License-Identifier: MIT */
#pragma once

#include "run.h"

/* The host stage: every host step of the reference procedure, in order (host.c holds the table). */
extern const struct fb_step host_steps[];
extern const size_t host_steps_count;
