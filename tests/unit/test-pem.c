/* SPDX-License-Identifier: MIT */
/* firstboot/lib/pem.c: the form of a PEM CA file (blocks, base64, one DER SEQUENCE each), on good
 * input, on each way it can be wrong, and at its limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "pem.h"

/* A lab CA as the seed generator writes it (certificate only, public). */
static const char CA[] = "-----BEGIN CERTIFICATE-----\n"
                         "MIIBgzCCASmgAwIBAgIIL/uEf5PuR00wCgYIKoZIzj0EAwIwJDEiMCAGA1UEAwwZ\n"
                         "a3ViZS1maXJzdGJvb3QgbGFiIENBIGxhYjAeFw0yNjEyMDUyMzA2NTVaFw0zNjEy\n"
                         "MDIyMzA2NTVaMCQxIjAgBgNVBAMMGWt1YmUtZmlyc3Rib290IGxhYiBDQSBsYWIw\n"
                         "WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQjgirX9lLICFk8gd8AFFuE/NN91Hoa\n"
                         "U4UUQe9fwIW3GCkigLU5AlBq1OBys9O61CerCeGhXCFduubg/Vgi+szJo0UwQzAS\n"
                         "BgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUualQ\n"
                         "E86JGjC39Rf8SjPN5O5BsO8wCgYIKoZIzj0EAwIDSAAwRQIgEw5PpUlW9LxKqt59\n"
                         "9TWSGPIUoeppWgXQ1c2FsFhShVoCIQDLEDOHtDs6i3o1Dj/J6MHYKyLZ6x9Dc6D4\n"
                         "uW0orjV2aQ==\n"
                         "-----END CERTIFICATE-----\n";

static int check(const char *s, const char **reason) {
        return pem_certificates_check(s, strlen(s), reason);
}

static void test_good(void **state) {
        const char *reason = "unset";
        char buf[4096];

        assert_int_equal(check(CA, &reason), 1);
        assert_null(reason);
        /* white space around and CRLF line ends, as an editor may leave them */
        snprintf(buf, sizeof(buf), "\n\n  %s\r\n", CA);
        assert_int_equal(check(buf, &reason), 1);
        /* a chain of two */
        snprintf(buf, sizeof(buf), "%s%s", CA, CA);
        assert_int_equal(check(buf, &reason), 2);
}

static void test_bad(void **state) {
        static const struct {
                const char *text, *reason;
        } cases[] = {
                { "", "holds no certificate" },
                { "  \n\t", "holds no certificate" },
                { "hello", "does not start with -----BEGIN CERTIFICATE-----" },
                { "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
                  "does not start with -----BEGIN CERTIFICATE-----" },
                { "-----BEGIN CERTIFICATE-----\nMIIB\n", "a certificate block has no -----END CERTIFICATE-----" },
                { "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", "a certificate block is empty" },
                { "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
                  "a certificate block is not valid base64" },
                /* base64 of "hello world!": not a DER SEQUENCE */
                { "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQh\n-----END CERTIFICATE-----\n",
                  "a certificate block does not hold one DER certificate" },
                /* 30 05 01 02: a SEQUENCE announcing more than it has */
                { "-----BEGIN CERTIFICATE-----\nMAUBAg==\n-----END CERTIFICATE-----\n",
                  "a certificate block does not hold one DER certificate" },
        };
        const char *reason;
        char buf[4096];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                reason = NULL;
                assert_int_equal(check(cases[i].text, &reason), -EINVAL);
                assert_non_null(reason);
                assert_string_equal(reason, cases[i].reason);
        }
        snprintf(buf, sizeof(buf), "%sgarbage\n", CA);
        assert_int_equal(check(buf, &reason), -EINVAL);
        assert_string_equal(reason, "has something other than certificates between or after them");
        /* a NUL inside */
        memcpy(buf, CA, sizeof(CA));
        assert_int_equal(pem_certificates_check(buf, sizeof(CA), &reason), -EINVAL);
        assert_string_equal(reason, "contains a NUL byte");
}

static void test_limits(void **state) {
        size_t n = PEM_CA_MAX_CERTS + 1, len = strlen(CA);
        char *many = malloc(n * len + 1), *big = malloc(PEM_CA_MAX + 2);
        const char *reason;

        assert_non_null(many);
        assert_non_null(big);
        for (size_t i = 0; i < n; i++)
                memcpy(many + i * len, CA, len);
        many[PEM_CA_MAX_CERTS * len] = 0;
        assert_int_equal(check(many, &reason), PEM_CA_MAX_CERTS);
        many[PEM_CA_MAX_CERTS * len] = CA[0];
        many[n * len] = 0;
        assert_int_equal(check(many, &reason), -EINVAL);
        assert_string_equal(reason, "holds more than 8 certificates");
        memset(big, ' ', PEM_CA_MAX + 1);
        big[PEM_CA_MAX + 1] = 0;
        assert_int_equal(check(big, &reason), -E2BIG);
        free(many);
        free(big);
}

UNIT_TEST_MAIN(NULL, NULL, test_good, test_bad, test_limits)
