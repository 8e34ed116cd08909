/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "join/ca-file.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "pem.h"

int ca_file_install(const char *pem, size_t size, const char *name, char **ret_path) {
        _cleanup_free_ char *abs_path = NULL;
        const char *reason = NULL;
        int r;

        r = pem_certificates_check(pem, size, &reason);
        if (r < 0)
                return log_error_errno(r, "%s: not a PEM CA certificate: %s", name, reason);
        if (asprintf(&abs_path, CA_FILE_DIR "/%s", name) < 0)
                return log_error_errno(-ENOMEM, "out of memory");
        r = root_mkdir_p(CA_FILE_DIR, 0700);
        if (r >= 0)
                r = root_write_file(abs_path, pem, size, 0600, WRITE_ATOMIC_SECRET);
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot write: %s", root_get(), abs_path, chase_strerror(r));
        *ret_path = root_path(abs_path);
        if (!*ret_path)
                return log_error_errno(-ENOMEM, "out of memory");
        return 0;
}

int ca_file_for_seed(char **ret_path) {
        _cleanup_free_ char *pem = NULL;
        size_t size = 0;
        int r;

        r = root_read_file(SEED_CA_PATH, PEM_CA_MAX, &pem, &size);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG)
                return log_error_errno(r, "%s%s: larger than %d bytes", root_get(), SEED_CA_PATH, PEM_CA_MAX);
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot read: %s", root_get(), SEED_CA_PATH, chase_strerror(r));
        r = ca_file_install(pem, size, "seed-ca.pem", ret_path);
        if (r < 0)
                return r;
        log_debug("https seed: trusting only the CA in %s%s", root_get(), SEED_CA_PATH);
        return 1;
}
