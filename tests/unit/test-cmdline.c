/* SPDX-License-Identifier: MIT */
/* The seed location on the kernel command line (cmdline.c), as cloud-init's NoCloud reads it. */
#include <setjmp.h>
#include <stdbool.h>
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
        /* h=, i= and their long names would set meta-data over the seed's in cloud-init: refused, with
         * or without a location; only the last ds=nocloud word counts, as for s=. */
        expect_result("ds=nocloud;h=node-1;i=iid-1;s=https://seed.example/lab/", -EINVAL);
        expect_result("ro ds=nocloud;h=node-1", -EINVAL);
        expect_result("ds=nocloud;i=iid-1", -EINVAL);
        expect_result("ds=nocloud-net;local-hostname=node-1;s=http://h/", -EINVAL);
        expect_result("ds=nocloud;instance-id=iid-1;s=/x", -EINVAL);
        expect_result("ds=nocloud;role=worker;s=/x", -EINVAL);
        expect_location("ds=nocloud;h=node-1;s=/first ds=nocloud;s=/second", "/second");
        /* keys cloud-init has no use for in meta-data stay ignored, as our meta-data ignores them */
        expect_location("ds=nocloud;dsmode=net;s=/x", "/x");
        /* kube_firstboot.seed= decides; the ds= word is not read */
        expect_location("ds=nocloud;h=node-1 kube_firstboot.seed=/ours", "/ours");
}

/* The same parser for the SMBIOS system serial: ds= only, kube_firstboot.seed= is not read there. */
static void test_line(void **state) {
        char location[4096];
        bool ours = true;

        assert_int_equal(line_find_seed("ds=nocloud;s=http://10.0.2.2:8000/", "serial", false, location,
                                        sizeof(location), &ours), 1);
        assert_string_equal(location, "http://10.0.2.2:8000/");
        assert_false(ours);
        assert_int_equal(line_find_seed("kube_firstboot.seed=/x", "serial", false, location, sizeof(location), NULL), 0);
        assert_int_equal(line_find_seed("kube_firstboot.seed=/x", "cmdline", true, location, sizeof(location), &ours), 1);
        assert_true(ours);
        /* an ordinary serial number is no line configuration */
        assert_int_equal(line_find_seed("VMware-56 4d 1a 2b", "serial", false, location, sizeof(location), NULL), 0);
        assert_int_equal(line_find_seed("ds=nocloud;i=x;s=/y", "serial", false, location, sizeof(location), NULL),
                         -EINVAL);
}

static void expect_network_config(const char *cmdline, int want, const char *text) {
        char *data = (char *) "unchanged";
        size_t size = 99;
        int r = cmdline_network_config(cmdline, &data, &size);

        if (r != want)
                fail_msg("\"%s\": expected %d, got %d", cmdline, want, r);
        if (text) {
                assert_non_null(data);
                assert_string_equal(data, text);
                assert_int_equal(size, strlen(text));
        } else {
                assert_null(data);
                assert_int_equal(size, 0);
        }
        free(data);
}

static void test_network_config(void **state) {
        expect_network_config("", 0, NULL);
        expect_network_config("ro network-config=", 0, NULL);
        expect_network_config("ro xnetwork-config=dmVyc2lvbjogMgo=", 0, NULL);
        expect_network_config("network-config=dmVyc2lvbjogMgo=", 1, "version: 2\n");
        /* the last one counts, as in cloud-init */
        expect_network_config("network-config=disabled network-config=dmVyc2lvbjogMgo=", 1, "version: 2\n");
        expect_network_config("network-config=dmVyc2lvbjogMgo= network-config=disabled",
                              CMDLINE_NETWORK_CONFIG_DISABLED, NULL);
        expect_network_config("\"network-config=dmVyc2lvbjogMQ==\"", 1, "version: 1");
        /* the base64 of its gzip (1f 8b ...), as cloud-init also reads it */
        expect_network_config("network-config=H4sIAAAAAAAAAytLLSrOzM+zUjDiAgCXBaTdCwAAAA==", 1, "version: 2\n");
        /* not base64, a gzip cut short, binary */
        expect_network_config("network-config=version:2", -EINVAL, NULL);
        expect_network_config("network-config=dmVyc2lvbjogMgo", -EINVAL, NULL);
        expect_network_config("network-config=H4sIAAAAAAAAAytLLSrOzM+zUjDiAgCXBaTd", -EINVAL, NULL);
        expect_network_config("network-config=AAAA", -EINVAL, NULL);
        expect_network_config("network-config=\"dmVy", -EINVAL, NULL);
}

static void expect_dmi(const char *data, size_t size, int want, const char *value) {
        char v[64] = "unchanged";
        int r = dmi_value_clean(data, size, v, sizeof(v));

        if (r != want)
                fail_msg("\"%.*s\": expected %d, got %d", (int) size, data, want, r);
        if (value)
                assert_string_equal(v, value);
}

static void test_dmi_values(void **state) {
        expect_dmi("5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F\n", 37, 1, "5F3C1A2E-8D4B-4C6A-9E1F-0A2B3C4D5E6F");
        expect_dmi("  Standard PC (i440FX + PIIX, 1996) \n", 37, 1, "Standard PC (i440FX + PIIX, 1996)");
        expect_dmi("\n", 1, 0, "");
        expect_dmi("", 0, 0, "");
        /* firmware that never set the field: all 0xff, then sysfs's newline */
        expect_dmi("\xff\xff\xff\xff\n", 5, 0, "");
        expect_dmi("\xff\xff\xff\xff" "A\n", 6, 1, "\xff\xff\xff\xff" "A");
        expect_dmi("a\x01b\n", 4, -EBADMSG, NULL);
        expect_dmi("0123456789012345678901234567890123456789012345678901234567890123456789", 70, -ENAMETOOLONG,
                   NULL);
        assert_string_equal(dmi_key_file("system-uuid", 11), "product_uuid");
        assert_string_equal(dmi_key_file("system-serial-number", 20), "product_serial");
        assert_string_equal(dmi_key_file("chassis-serial-number", 21), "chassis_serial");
        assert_null(dmi_key_file("system-uuidx", 12));
        assert_null(dmi_key_file("product_uuid", 12));
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
                cmocka_unit_test(test_line),
                cmocka_unit_test(test_network_config),
                cmocka_unit_test(test_dmi_values),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_small_buffer),
        };
        log_set_max_level(LOG_CRIT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
