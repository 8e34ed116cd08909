/* SPDX-License-Identifier: MIT */
/* dl_library_load() (firstboot/lib/dlfcn-util.c) on a real library, libm: every symbol resolved, or
 * none (a missing symbol leaves no pointer set); a library that is not there; sonames tried in order;
 * the outcome remembered, and a failure logged once. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit-test.h"

#include "dlfcn-util.h"
#include "log-capture.h"
#include "log.h"
#include "macro.h"

/* the prototypes of libm's own header, as the real tables take them */
DLSYM_DEFINE(cos)
DLSYM_DEFINE(sqrt)
/* a name libm does not have; its pointer type does not matter, it is never called */
static void *sym_kfb_no_such_function;

static const char *const libm_sonames[] = { "libm.so.6" };
static const char *const later_sonames[] = { "libkfb-not-there.so.0", "libm.so.6" };
static const char *const missing_sonames[] = { "libkfb-not-there.so.0", "libkfb-not-there-either.so.1" };
static const struct dlsym_entry libm_symbols[] = { DLSYM_ENTRY(cos) DLSYM_ENTRY(sqrt) };
static const struct dlsym_entry partial_symbols[] = {
        DLSYM_ENTRY(cos) DLSYM_ENTRY(sqrt) { "kfb_no_such_function", &sym_kfb_no_such_function },
};

static void reset(void) {
        sym_cos = NULL;
        sym_sqrt = NULL;
        sym_kfb_no_such_function = NULL;
}

static void test_loads_every_symbol(void **state) {
        struct dl_library lib = { "libm", libm_sonames, ELEMENTSOF(libm_sonames), libm_symbols,
                                  ELEMENTSOF(libm_symbols), 0 };
        const char *log;

        reset();
        log_capture_start();
        assert_int_equal(dl_library_load(&lib), 0);
        assert_int_equal(lib.state, 1);
        assert_non_null(sym_cos);
        assert_non_null(sym_sqrt);
        assert_true(sym_cos(0.0) == 1.0);
        assert_true(sym_sqrt(16.0) == 4.0);
        assert_int_equal(dl_library_load(&lib), 0); /* loaded once, then remembered */
        log = log_capture_end();
        assert_string_equal(log, "");
}

/* Loads lib, which must fail, and again, which must fail at once: no pointer left set; the log. */
static const char *refused(struct dl_library *lib) {
        reset();
        log_capture_start();
        assert_int_equal(dl_library_load(lib), -EOPNOTSUPP);
        assert_int_equal(lib->state, -1);
        /* symbols found before the missing one are unset again: no caller can use half a library */
        assert_null(sym_cos);
        assert_null(sym_sqrt);
        assert_null(sym_kfb_no_such_function);
        assert_int_equal(dl_library_load(lib), -EOPNOTSUPP); /* not tried again, not logged again */
        return log_capture_end();
}

static void test_missing_symbol_refuses_all(void **state) {
        struct dl_library lib = { "libm", libm_sonames, ELEMENTSOF(libm_sonames), partial_symbols,
                                  ELEMENTSOF(partial_symbols), 0 };

        assert_string_equal(refused(&lib), "kube-firstboot: error: libm lacks kfb_no_such_function\n");
}

static void test_missing_library(void **state) {
        struct dl_library lib = { "libkfb", missing_sonames, ELEMENTSOF(missing_sonames), libm_symbols,
                                  ELEMENTSOF(libm_symbols), 0 };
        const char *log = refused(&lib);

        /* the first soname's dlerror(), once */
        assert_logged(log, "kube-firstboot: error: cannot load libkfb (libkfb-not-there.so.0: ");
        assert_null(strstr(strchr(log, '\n') + 1, "cannot load"));
}

static void test_later_soname(void **state) {
        struct dl_library lib = { "libm", later_sonames, ELEMENTSOF(later_sonames), libm_symbols,
                                  ELEMENTSOF(libm_symbols), 0 };

        reset();
        log_capture_start();
        assert_int_equal(dl_library_load(&lib), 0);
        assert_string_equal(log_capture_end(), "");
        assert_true(sym_cos(0.0) == 1.0);
}

UNIT_TEST_MAIN(NULL, NULL, test_loads_every_symbol, test_missing_symbol_refuses_all, test_missing_library,
               test_later_soname)
