/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "dlfcn-util.h"
#include "log.h"

int dl_library_load(struct dl_library *lib) {
        void *handle = NULL;
        char error[512] = "";

        if (lib->state)
                return lib->state > 0 ? 0 : -EOPNOTSUPP;
        lib->state = -1;
        for (size_t i = 0; i < lib->n_sonames && !handle; i++) {
                /* RTLD_NODELETE: the resolved pointers stay valid for the life of the process. */
                handle = dlopen(lib->sonames[i], RTLD_NOW | RTLD_NODELETE);
                /* copied: the next dlopen() that fails frees the text dlerror() returned */
                if (!handle && i == 0)
                        snprintf(error, sizeof(error), "%s", dlerror());
        }
        if (!handle)
                return log_error_errno(-EOPNOTSUPP, "cannot load %s (%s)", lib->what, error[0] ? error : "not found");
        for (size_t i = 0; i < lib->n_symbols; i++) {
                *lib->symbols[i].sym = dlsym(handle, lib->symbols[i].name);
                if (!*lib->symbols[i].sym) {
                        /* Not all or nothing would leave some pointers NULL for a later caller. */
                        for (size_t j = 0; j < i; j++)
                                *lib->symbols[j].sym = NULL;
                        return log_error_errno(-EOPNOTSUPP, "%s lacks %s", lib->what, lib->symbols[i].name);
                }
        }
        lib->state = 1;
        return 0;
}
