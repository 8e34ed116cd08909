/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* Assertions on a text that the code under test produced (a rendered file, a request, show-seed's output,
 * a log). Linked into every unit test, like log-capture.c.
 *
 *   assert_contains_all(out, "origin: /dev/sr0\n", "  role: worker\n");   every piece is in out
 *   assert_contains_none(out, KEY_B64, TOKEN);                            none of them is
 *
 * A failure names the piece and shows the whole text. */

#define assert_contains_all(text, ...)                                                                                 \
        text_assert_((text), (const char *const[]){ __VA_ARGS__, NULL }, true, __FILE__, __LINE__)
#define assert_contains_none(text, ...)                                                                                \
        text_assert_((text), (const char *const[]){ __VA_ARGS__, NULL }, false, __FILE__, __LINE__)

void text_assert_(const char *text, const char *const *pieces, bool present, const char *file, int line);
