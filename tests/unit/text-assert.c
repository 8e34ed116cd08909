/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "text-assert.h"

void text_assert_(const char *text, const char *const *pieces, bool present, const char *file, int line) {
        if (!text) {
                print_error("expected a text, got NULL\n");
                _fail(file, line);
                return;
        }
        for (; *pieces; pieces++)
                if (!strstr(text, *pieces) == present) {
                        print_error("expected %s the text:\n  %s\nthe text was:\n%s\n", present ? "in" : "not in",
                                    *pieces, text);
                        _fail(file, line);
                }
}
