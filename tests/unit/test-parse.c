/* SPDX-License-Identifier: MIT */
/* firstboot/lib/parse.c: the strict parsers for values from outside, at their edges and on bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "parse.h"

static void test_ipv4(void **state) {
        static const char *const bad[] = {
                "", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1..3.4",
                ".1.2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "0x1.2.3.4", "1.2.3.4/24", "a.b.c.d", "4294967296",
        };
        uint32_t a = 7;
        char buf[16];

        assert_int_equal(parse_ipv4("192.168.220.104", &a), 0);
        assert_int_equal(a, 0xc0a8dc68u);
        format_ipv4(a, buf);
        assert_string_equal(buf, "192.168.220.104");
        assert_int_equal(parse_ipv4("0.0.0.0", &a), 0);
        assert_int_equal(a, 0);
        assert_int_equal(parse_ipv4("255.255.255.255", &a), 0);
        assert_int_equal(a, 0xffffffffu);
        format_ipv4(a, buf);
        assert_string_equal(buf, "255.255.255.255");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                a = 7;
                if (parse_ipv4(bad[i], &a) != -EINVAL)
                        fail_msg("\"%s\" accepted", bad[i]);
                assert_int_equal(a, 7); /* untouched on error */
        }
}

static void test_prefix_and_cidr(void **state) {
        uint32_t a;
        unsigned p;

        assert_int_equal(prefix_mask(0), 0);
        assert_int_equal(prefix_mask(1), 0x80000000u);
        assert_int_equal(prefix_mask(24), 0xffffff00u);
        assert_int_equal(prefix_mask(32), 0xffffffffu);

        assert_int_equal(parse_ipv4_prefix("192.168.220.104/24", &a, &p), 0);
        assert_int_equal(a, 0xc0a8dc68u);
        assert_int_equal(p, 24);
        assert_int_equal(parse_ipv4_prefix("10.0.0.1/0", &a, &p), 0);
        assert_int_equal(p, 0);
        assert_int_equal(parse_ipv4_prefix("10.0.0.1/32", &a, &p), 0);
        assert_int_equal(parse_ipv4_prefix("10.0.0.1/33", &a, &p), -EINVAL);
        assert_int_equal(parse_ipv4_prefix("10.0.0.1/", &a, &p), -EINVAL);
        assert_int_equal(parse_ipv4_prefix("10.0.0.1/024", &a, &p), -EINVAL);
        assert_int_equal(parse_ipv4_prefix("10.0.0.1", &a, &p), -EINVAL);
        assert_int_equal(parse_ipv4_prefix("/24", &a, &p), -EINVAL);
        assert_int_equal(parse_ipv4_prefix("10.0.0.1/24/1", &a, &p), -EINVAL);
        assert_int_equal(parse_ipv4_prefix("1111111111111111111111111111111111/8", &a, &p), -EINVAL);

        /* a network: no host bits */
        assert_int_equal(parse_cidr4("10.244.0.0/16", &a, &p), 0);
        assert_int_equal(a, 0x0af40000u);
        assert_int_equal(p, 16);
        assert_int_equal(parse_cidr4("10.244.0.1/16", &a, &p), -EINVAL);
        assert_int_equal(parse_cidr4("0.0.0.0/0", &a, &p), 0);
        assert_int_equal(parse_cidr4("1.0.0.0/0", &a, &p), -EINVAL);
        assert_int_equal(parse_cidr4("10.1.2.3/32", &a, &p), 0);

        assert_true(cidr4_overlap(0x0af40000u, 16, 0x0af40100u, 24)); /* 10.244/16 holds 10.244.1/24 */
        assert_true(cidr4_overlap(0x0af40100u, 24, 0x0af40000u, 16));
        assert_false(cidr4_overlap(0x0a010000u, 16, 0x0af40000u, 16));
        assert_true(cidr4_overlap(0, 0, 0xc0a80000u, 16)); /* /0 holds everything */
        assert_false(cidr4_overlap(0xc0a8dc00u, 24, 0xc0a8dd00u, 24)); /* neighbours */
}

/* A list of strings for check_predicate(), NULL-terminated. */
#define STRINGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A predicate on strings: true for every one of valid, false for every one of invalid (both end in NULL). */
static void check_predicate(const char *name, bool (*is_valid)(const char *), const char *const *valid,
                            const char *const *invalid) {
        for (; *valid; valid++)
                if (!is_valid(*valid))
                        fail_msg("%s(\"%s\") is false", name, *valid);
        for (; *invalid; invalid++)
                if (is_valid(*invalid))
                        fail_msg("%s(\"%s\") is true", name, *invalid);
}

/* is_valid takes a string of max characters, and not one of max + 1. */
static void check_max_length(const char *name, bool (*is_valid)(const char *), size_t max) {
        char s[256];

        assert_true(max + 2 <= sizeof(s));
        memset(s, 'a', max);
        s[max] = 0;
        if (!is_valid(s))
                fail_msg("%s: %zu characters refused", name, max);
        s[max] = 'a';
        s[max + 1] = 0;
        if (is_valid(s))
                fail_msg("%s: %zu characters taken", name, max + 1);
}

static void test_hostname(void **state) {
        check_predicate("hostname_is_valid", hostname_is_valid,
                        STRINGS("master", "node-1", "a", "1", "node-1.lab.example"),
                        STRINGS("", "-node", "node-", "Node", "node_1", "node 1", ".node", "node.", "a..b", "a-.b",
                                "a.-b"));
        check_max_length("hostname_is_valid", hostname_is_valid, 63);
}

static void test_bootstrap_token(void **state) {
        check_predicate("bootstrap_token_is_valid", bootstrap_token_is_valid,
                        STRINGS("abcdef.0123456789abcdef", "000000.0000000000000000"),
                        STRINGS("ABCDEF.0123456789abcdef", "abcdef0123456789abcdef", "abcdef.0123456789abcde",
                                "abcdef.0123456789abcdefa", "abcde.f0123456789abcdef", "abcdef.0123456789abcd.f",
                                "abcdef-0123456789abcdef", ""));
}

static void test_mac(void **state) {
        static const char *const bad[] = {
                "52:54:00:fb:00", "52:54:00:fb:00:6a:", "52-54-00-fb-00-6a", "52:54:00:fb:00:6g",
                "525:4:00:fb:00:6a", "",
        };
        char m[18];

        assert_int_equal(parse_mac("52:54:00:FB:00:6a", m), 0);
        assert_string_equal(m, "52:54:00:fb:00:6a");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (parse_mac(bad[i], m) != -EINVAL)
                        fail_msg("\"%s\" accepted", bad[i]);
}

static void test_uuid(void **state) {
        static const char *const bad[] = {
                "5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6", "5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f0",
                "5f3c1a2e8d4b-4c6a-9e1f-0a2b3c4d5e6f0", "5f3c1a2e-8d4b-4c6a-9e1f:0a2b3c4d5e6f",
                "5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6g", "{5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6}", "",
        };
        char u[37];

        assert_int_equal(parse_uuid("5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6f", u), 0);
        assert_string_equal(u, "5f3c1a2e-8d4b-4c6a-9e1f-0a2b3c4d5e6f");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (parse_uuid(bad[i], u) != -EINVAL)
                        fail_msg("\"%s\" accepted", bad[i]);
}

static void test_base64(void **state) {
        static const struct {
                const char *plain, *encoded;
        } vectors[] = { /* RFC 4648, section 10 */
                        { "", "" },           { "f", "Zg==" },          { "fo", "Zm8=" },
                        { "foo", "Zm9v" },    { "foob", "Zm9vYg==" },   { "fooba", "Zm9vYmE=" },
                        { "foobar", "Zm9vYmFy" } };
        static const char *const bad[] = { "Zg=", "Zg", "Z===", "====", "Zg==Zg==", "Z=g=", "Zm9v\n", "Zm9v YmFy",
                                           "Zm-v", "Zm_v", "Zm9v=" };
        uint8_t out[16], all[256];
        char enc[400];
        size_t n;

        for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
                size_t len = strlen(vectors[i].plain);
                assert_int_equal(base64_encode((const uint8_t *) vectors[i].plain, len, enc, sizeof(enc)),
                                 (int) strlen(vectors[i].encoded));
                assert_string_equal(enc, vectors[i].encoded);
                assert_int_equal(base64_decode(vectors[i].encoded, out, sizeof(out), &n), 0);
                assert_int_equal(n, len);
                assert_memory_equal(out, vectors[i].plain, len);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (base64_decode(bad[i], out, sizeof(out), &n) != -EINVAL)
                        fail_msg("\"%s\" decoded", bad[i]);

        /* every byte value, and "+/" */
        for (int i = 0; i < 256; i++)
                all[i] = (uint8_t) i;
        assert_int_equal(base64_encode(all, sizeof(all), enc, sizeof(enc)), 344);
        assert_non_null(strchr(enc, '+'));
        assert_non_null(strchr(enc, '/'));
        {
                uint8_t back[256];
                assert_int_equal(base64_decode(enc, back, sizeof(back), &n), 0);
                assert_int_equal(n, 256);
                assert_memory_equal(back, all, 256);
                assert_int_equal(base64_decode(enc, back, 255, &n), -ENOBUFS);
        }

        /* output buffers: exactly enough, one short */
        assert_int_equal(base64_encode((const uint8_t *) "foo", 3, enc, 5), 4);
        assert_int_equal(base64_encode((const uint8_t *) "foo", 3, enc, 4), -ENOBUFS);
        assert_int_equal(base64_decode("Zm9vYg==", out, 4, &n), 0);
        assert_int_equal(base64_decode("Zm9vYg==", out, 3, &n), -ENOBUFS);
}

static void test_uint(void **state) {
        unsigned long long v = 7;

        assert_int_equal(parse_uint("0", 0, 10, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_uint("10", 0, 10, &v), 0);
        assert_int_equal(v, 10);
        assert_int_equal(parse_uint("18446744073709551609", 0, ~0ULL, &v), 0);
        assert_true(v == ~0ULL - 6);
        v = 7;
        assert_int_equal(parse_uint("18446744073709551615", 0, ~0ULL, &v), 0);
        assert_true(v == ~0ULL);
        v = 7; /* a refused value leaves the result alone */
        assert_int_equal(parse_uint("18446744073709551616", 0, ~0ULL, &v), -ERANGE);
        assert_int_equal(parse_uint("18446744073709551620", 0, ~0ULL, &v), -ERANGE);
        assert_int_equal(parse_uint("99999999999999999999999", 0, ~0ULL, &v), -ERANGE);
        assert_int_equal(parse_uint("11", 0, 10, &v), -ERANGE);
        assert_int_equal(parse_uint("4", 5, 10, &v), -ERANGE);
        assert_int_equal(v, 7);
        assert_int_equal(parse_uint("", 0, 10, &v), -EINVAL);
        assert_int_equal(parse_uint("01", 0, 10, &v), -EINVAL);
        assert_int_equal(parse_uint("+1", 0, 10, &v), -EINVAL);
        assert_int_equal(parse_uint("-1", 0, 10, &v), -EINVAL);
        assert_int_equal(parse_uint(" 1", 0, 10, &v), -EINVAL);
        assert_int_equal(parse_uint("1 ", 0, 10, &v), -EINVAL);
        assert_int_equal(parse_uint("1e3", 0, 10000, &v), -EINVAL);
        assert_int_equal(parse_uint("0x10", 0, 100, &v), -EINVAL);
        assert_int_equal(v, 7);
}

static void test_duration(void **state) {
        static const struct {
                const char *text;
                unsigned long long seconds;
        } ok[] = {
                { "24h", 86400 },   { "90m", 5400 },    { "45s", 45 }, { "2h30m", 9000 },
                { "1h1m1s", 3661 }, { "3600", 3600 },   { "0", 0 },
                { "87600h", 315360000 }, /* at most ten years */
        };
        static const struct {
                const char *text;
                int r;
        } refused[] = {
                { "87601h", -ERANGE },
                { "315360001", -EINVAL }, /* too many seconds, and no unit */
                { "9999999999h", -ERANGE }, { "1d", -EINVAL },  { "h", -EINVAL },   { "1h ", -EINVAL },
                { "-1h", -EINVAL },         { "1.5h", -EINVAL }, { "", -EINVAL },
        };
        unsigned long long s = 7;

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                if (parse_duration_s(ok[i].text, &s) != 0)
                        fail_msg("\"%s\" refused", ok[i].text);
                assert_int_equal(s, ok[i].seconds);
        }
        s = 7;
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
                if (parse_duration_s(refused[i].text, &s) != refused[i].r)
                        fail_msg("\"%s\": expected %d", refused[i].text, refused[i].r);
        assert_int_equal(s, 7); /* a refused value leaves the result alone */
}

static void test_k8s_version(void **state) {
        static const char *const bad[] = {
                "v0.23.6", "v100.1.1", "v1.1000.1", "v01.23.6", "v1.23", "v1.23.6-rc1", "v1.23.6.1", "vv1.23.6",
                "V1.23.6", "", "v",
        };
        char v[32];

        assert_int_equal(parse_k8s_version("v1.23.6", v), 0);
        assert_string_equal(v, "v1.23.6");
        assert_int_equal(parse_k8s_version("1.23.6", v), 0);
        assert_string_equal(v, "v1.23.6");
        assert_int_equal(parse_k8s_version("v1.0.0", v), 0);
        assert_int_equal(parse_k8s_version("v99.999.999", v), 0);
        assert_string_equal(v, "v99.999.999");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (parse_k8s_version(bad[i], v) != -EINVAL)
                        fail_msg("\"%s\" accepted", bad[i]);
}

static void test_sysctl_key(void **state) {
        /* the last valid key names a VLAN interface (eth0/1) */
        check_predicate("sysctl_key_is_valid", sysctl_key_is_valid,
                        STRINGS("net.ipv4.ip_forward", "net/bridge/bridge-nf-call-iptables", "kernel.pid_max",
                                "net.ipv4.conf.eth0/1.rp_filter"),
                        STRINGS("", ".net", "/net", "net.", "net/", "net..ipv4", "net//ipv4",
                                "net/../../etc/passwd", "net.ipv4 .x", "net.ipv4=1"));
        check_max_length("sysctl_key_is_valid", sysctl_key_is_valid, 127);
}

static void test_string_is_safe(void **state) {
        assert_true(string_is_safe("", 0));
        assert_true(string_is_safe("abc", 3));
        assert_false(string_is_safe("abcd", 3));
        assert_true(string_is_safe("with space ~!", 100));
        assert_false(string_is_safe("tab\there", 100));
        assert_false(string_is_safe("new\nline", 100));
        assert_false(string_is_safe("del\x7f", 100));
        assert_false(string_is_safe("\x1b[31m", 100));
        assert_true(string_is_safe("caf\xc3\xa9", 100)); /* UTF-8 passes; C1 controls are the caller's */
}

UNIT_TEST_MAIN(NULL, NULL, test_ipv4, test_prefix_and_cidr, test_hostname, test_bootstrap_token, test_mac, test_uuid, test_base64,
               test_uint, test_duration, test_k8s_version, test_sysctl_key, test_string_is_safe)
