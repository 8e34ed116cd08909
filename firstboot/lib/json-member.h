/* SPDX-License-Identifier: MIT */
#pragma once

#include <json.h>
#include <stddef.h>
#include <stdint.h>

/* Readers of one member of a JSON object that came from outside (json-c 0.11). */

/* The member's string value, or NULL when missing, not a string, longer than max or holding a NUL. */
const char *json_member_string(json_object *o, const char *key, size_t max);
/* The member's integer value within [min, max]: 0, or -EINVAL when missing, not an integer or out of range. */
int json_member_int64(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret);
