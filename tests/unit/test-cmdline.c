/* SPDX-License-Identifier: MIT */
/* The seed location on the kernel command line (cmdline.c), as cloud-init's NoCloud reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "macro.h"
#include "seed/seed.h"

static void expect_location(const char *cmdline, const char *want) {
        char location[4096] = "unchanged";
        int r = cmdline_find_seed(cmdline, location, sizeof(location));

        if (r != 1)
                fail_msg("\"%s\": expected 1, got %d", cmdline, r);
        if (!streq(location, want))
                fail_msg("\"%s\": expected \"%s\", got \"%s\"", cmdline, want, location);
}

static void expect_result(const char *cmdline, int want) {
        char location[4096];
        int r = cmdline_find_seed(cmdline, location, sizeof(location));

        if (r != want)
                fail_msg("\"%s\": expected %d, got %d", cmdline, want, r);
}

static void test_none(void **state) {
        expect_result("", 0);
        expect_result("\n", 0);
        expect_result("BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet", 0);
        /* NoCloud without a location: the seed comes from a volume or a seed directory. */
        expect_result("ro ds=nocloud", 0);
        expect_result("ro ds=nocloud;h=node-1", 0);
        expect_result("ro ds=nocloud-net", 0);
        /* Other datasources, and words that only look alike. */
        expect_result("ds=ec2;s=http://h/", 0);
        expect_result("ds=nocloudx;s=http://h/", 0);
        expect_result("xds=nocloud;s=http://h/", 0);
        expect_result("kube_firstboot.seedx=http://h/", 0);
}

static void test_urls(void **state) {
        expect_location("ds=nocloud;s=http://192.168.220.1:8780/v1/seeds/master/",
                        "http://192.168.220.1:8780/v1/seeds/master/");
        /* Without the trailing slash, files would be looked up as ".../mastermeta-data". */
        expect_location("ds=nocloud;s=http://192.168.220.1:8780/v1/seeds/master",
                        "http://192.168.220.1:8780/v1/seeds/master/");
        expect_location("ds=nocloud-net;s=http://127.0.0.1:8000", "http://127.0.0.1:8000/");
        expect_location("ds=nocloud-net;s=https://seed.example/lab/", "https://seed.example/lab/");
        expect_location("ds=nocloud;seedfrom=http://h/x", "http://h/x/");
        expect_location("ds=NoCloud;s=http://h/x/", "http://h/x/");
        expect_location("ds=nocloud;;s=http://h/x/;", "http://h/x/");
        expect_location("ds=nocloud;s=http://[::1]:8080/x", "http://[::1]:8080/x/");
}

static void test_paths(void **state) {
        expect_location("ds=nocloud;s=/var/lib/seed/", "/var/lib/seed");
        expect_location("ds=nocloud;s=/var/lib/seed", "/var/lib/seed");
        expect_location("ds=nocloud;s=file:///srv/seed//", "/srv/seed");
        expect_location("ds=nocloud;s=/dev/sr0", "/dev/sr0");
        expect_location("ds=nocloud;s=/", "/");
        expect_location("ds=nocloud;s=file:///", "/");
}

static void test_quotes_and_spaces(void **state) {
        /* Quoted as GRUB needs it (';' would end a GRUB command), quotes removed as the kernel does. */
        expect_location("ro \"ds=nocloud;s=http://10.0.2.2:8000/seed\" console=ttyS0", "http://10.0.2.2:8000/seed/");
        expect_location("ds=\"nocloud;s=http://h/x/\"", "http://h/x/");
        expect_location("ds=nocloud;s=\"http://h/x/\"", "http://h/x/");
        expect_location("\tro\tds=nocloud;s=/x\n", "/x");
        expect_location("  ds=nocloud;s=/x  ", "/x");
        /* An empty quoted word is a word, not the end of the line. */
        expect_location("ro \"\" ds=nocloud;s=/x", "/x");
        /* An unterminated quote in another word swallows the rest of the line, as in the kernel. */
        expect_result("foo=\"bar ds=nocloud;s=/x", 0);
}

static void test_precedence(void **state) {
        /* kube_firstboot.seed wins over ds=, wherever it stands. */
        expect_location("kube_firstboot.seed=http://h/ours ds=nocloud;s=/theirs", "http://h/ours/");
        expect_location("ds=nocloud;s=/theirs kube_firstboot.seed=http://h/ours", "http://h/ours/");
        /* The last ds=nocloud word decides, as in cloud-init; one without s= means no location. */
        expect_location("ds=nocloud;s=/first ds=nocloud;s=/second", "/second");
        expect_result("ds=nocloud;s=/first ds=nocloud", 0);
        expect_location("ds=nocloud;s=/first ds=ec2", "/first");
        expect_location("ds=nocloud;s=/first;s=/second", "/second");
        expect_location("kube_firstboot.seed=/a kube_firstboot.seed=/b", "/b");
        /* h= and i= are accepted (with a warning) but do not override meta-data. */
        expect_location("ds=nocloud;h=node-1;i=iid-1;s=https://seed.example/lab/", "https://seed.example/lab/");
}

static void test_malformed(void **state) {
        char big[6000];

        expect_result("ds=nocloud;s=", -EINVAL);
        expect_result("ds=nocloud;s", -EINVAL);
        expect_result("kube_firstboot.seed=", -EINVAL);
        expect_result("ds=nocloud;s=ftp://h/seed/", -EINVAL);
        expect_result("ds=nocloud;s=relative/path", -EINVAL);
        expect_result("kube_firstboot.seed=relative", -EINVAL);
        expect_result("ds=nocloud;s=http://h/seed/%s", -EINVAL);
        expect_result("ds=nocloud;s=http://", -EINVAL);
        expect_result("ds=nocloud;s=http:///x", -EINVAL);
        expect_result("ds=nocloud;s=http://h/x?token=1", -EINVAL);
        expect_result("ds=nocloud;s=http://h/x#y", -EINVAL);
        expect_result("ds=nocloud;s=\"http://h/a b/\"", -EINVAL);
        expect_result("\"ds=nocloud;s=http://h/unterminated", -EINVAL);
        expect_result("ds=nocloud;s=/x\x01y", -EINVAL);

        /* A word longer than the parser's buffer. */
        memcpy(big, "ds=nocloud;s=http://h/", 22);
        memset(big + 22, 'a', sizeof(big) - 23);
        big[sizeof(big) - 1] = 0;
        expect_result(big, -EINVAL);
}

static void test_small_buffer(void **state) {
        char location[12];

        assert_int_equal(cmdline_find_seed("ds=nocloud;s=http://h/x", location, sizeof(location)), 1);
        assert_string_equal(location, "http://h/x/");
        /* One byte short for the added '/'. */
        assert_int_equal(cmdline_find_seed("ds=nocloud;s=http://h/xy", location, sizeof(location)), -EINVAL);
        assert_int_equal(cmdline_find_seed("ds=nocloud;s=/0123456789a", location, sizeof(location)), -EINVAL);
        assert_int_equal(cmdline_find_seed("ds=nocloud;s=/0123456789/", location, sizeof(location)), 1);
        assert_string_equal(location, "/0123456789");
        assert_int_equal(cmdline_find_seed("ds=nocloud;s=/x", location, 0), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_none),
                cmocka_unit_test(test_urls),
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_quotes_and_spaces),
                cmocka_unit_test(test_precedence),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_small_buffer),
        };
        log_set_max_level(LOG_CRIT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
