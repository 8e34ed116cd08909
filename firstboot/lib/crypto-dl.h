/* SPDX-License-Identifier: MIT */
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "dl-symbols.h"
#include "dlfcn-util.h"

/* libcrypto is loaded with dlopen() when the join protocol first needs it (seal, open, bearer, CA pin):
 * mapping and relocating it costs about 1.6 MiB and a few milliseconds that show-seed, plan, status and a
 * worker's host stage do not need. The functions are listed in dl-symbols.h. */
LIBCRYPTO_SYMBOLS(DLSYM_DECLARE)

/* Loads libcrypto and resolves the functions above once: 0, or -EOPNOTSUPP (logged). */
int dlopen_crypto(void);
