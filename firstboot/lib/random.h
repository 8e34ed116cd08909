/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Cryptographic random bytes from /dev/urandom (CentOS 7's kernel 3.10 has no getrandom(2)). */
int random_bytes(void *buf, size_t n);

