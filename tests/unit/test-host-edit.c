/* SPDX-License-Identifier: MIT */
/* The text transformations of the host steps: systemd unit names, /proc/swaps, fstab, /etc/hosts block,
 * sysctl keys, SELinux config, authorized_keys merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "parse.h"

#define S(lit) lit, sizeof(lit) - 1

/* ---- unit names: expected values are `systemd-escape --path --suffix=swap` output (systemd 252) ---- */

static void check_unit(const char *path, const char *expected) {
        char buf[512];
        assert_int_equal(unit_name_from_path(path, "swap", buf, sizeof(buf)), 0);
        assert_string_equal(buf, expected);
}

static void test_unit_name(void **state) {
        char buf[512];

        check_unit("/dev/sda2", "dev-sda2.swap");
        check_unit("/dev/mapper/centos-swap", "dev-mapper-centos\\x2dswap.swap");
        check_unit("/dev/disk/by-uuid/ab-cd", "dev-disk-by\\x2duuid-ab\\x2dcd.swap");
        check_unit("/swapfile", "swapfile.swap");
        check_unit("/swap file", "swap\\x20file.swap");
        check_unit("/.swap", "\\x2eswap.swap");
        check_unit("/a/.hidden", "a-.hidden.swap");
        check_unit("//a//b/", "a-b.swap");
        check_unit("/a/./b", "a-b.swap");
        check_unit("/", "-.swap");
        check_unit("/x\\y", "x\\x5cy.swap");
        check_unit("/a-b:c_d.e", "a\\x2db:c_d.e.swap");
        check_unit("/a/\xc3\xbc", "a-\\xc3\\xbc.swap");
        check_unit("/x y/#", "x\\x20y-\\x23.swap");

        assert_int_equal(unit_name_from_path("/a/../b", "swap", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(unit_name_from_path("/a/..", "swap", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(unit_name_from_path("rel", "swap", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(unit_name_from_path("/dev/sda2", "swap", buf, 10), -ENAMETOOLONG);
        assert_int_equal(unit_name_from_path("/dev/sda2", "swap", buf, 14), 0); /* exactly fits */
        assert_string_equal(buf, "dev-sda2.swap");
        assert_int_equal(unit_name_from_path("/dev/sda2", "swap", buf, 13), -ENAMETOOLONG);
}

static void test_fstab_spec(void **state) {
        static const struct {
                const char *spec, *path;
        } cases[] = {
                { "/dev/sdb1", "/dev/sdb1" },
                { "UUID=1234-abcd", "/dev/disk/by-uuid/1234-abcd" },
                { "UUID=\"1234\"", "/dev/disk/by-uuid/1234" },
                { "LABEL=my swap", "/dev/disk/by-label/my\\x20swap" },
                { "PARTUUID=0a-01", "/dev/disk/by-partuuid/0a-01" },
                { "PARTLABEL=sw/ap", "/dev/disk/by-partlabel/sw\\x2fap" },
        };
        char buf[256];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_int_equal(fstab_spec_to_path(cases[i].spec, buf, sizeof(buf)), 0);
                assert_string_equal(buf, cases[i].path);
        }
        assert_int_equal(fstab_spec_to_path("tmpfs", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(fstab_spec_to_path("UUID=", buf, sizeof(buf)), -EINVAL);
}

/* ---- /proc/swaps and fstab ---- */

struct collected {
        char paths[8][256];
        size_t n;
};

static int collect(const char *path, void *userdata) {
        struct collected *c = userdata;
        assert_true(c->n < 8);
        strscpy(c->paths[c->n++], 256, path);
        return 0;
}

static void test_proc_swaps(void **state) {
        static const char text[] =
                "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                "/dev/sda2                               partition\t2097148\t\t0\t\t-2\n"
                "/swap\\040file                           file\t\t1048572\t\t0\t\t-3\n";
        struct collected c = {};

        assert_int_equal(proc_swaps_parse(S(text), collect, &c), 0);
        assert_int_equal(c.n, 2);
        assert_string_equal(c.paths[0], "/dev/sda2");
        assert_string_equal(c.paths[1], "/swap file");

        memset(&c, 0, sizeof(c));
        assert_int_equal(proc_swaps_parse(S("Filename\tType\tSize\tUsed\tPriority\n"), collect, &c), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(proc_swaps_parse(S(""), collect, &c), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(proc_swaps_parse(S("Filename\nnot-a-path partition 1 0 -2\n"), collect, &c), -EBADMSG);
}

static void test_fstab(void **state) {
        static const char in[] =
                "# /etc/fstab\n"
                "UUID=aaaa /     xfs  defaults 0 0\n"
                "\n"
                "/dev/mapper/centos-swap swap                    swap    defaults        0 0\n"
                "#/dev/sdc1 none swap sw 0 0\n"
                "   \tUUID=bbbb\tnone\tswap\tsw,pri=5\t0 0\n"
                "/dev/sdd1 /swapdata ext4 defaults 0 2\n"
                "/swap\\040file none swap sw 0 0";
        static const char expected[] =
                "# /etc/fstab\n"
                "UUID=aaaa /     xfs  defaults 0 0\n"
                "\n"
                FSTAB_SWAP_MARKER "/dev/mapper/centos-swap swap                    swap    defaults        0 0\n"
                "#/dev/sdc1 none swap sw 0 0\n"
                FSTAB_SWAP_MARKER "   \tUUID=bbbb\tnone\tswap\tsw,pri=5\t0 0\n"
                "/dev/sdd1 /swapdata ext4 defaults 0 2\n"
                FSTAB_SWAP_MARKER "/swap\\040file none swap sw 0 0";
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        struct collected c = {}, c2 = {};
        size_t size, size2;
        unsigned n;

        assert_int_equal(fstab_disable_swap(S(in), collect, &c, &out, &size, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(size, strlen(expected));
        assert_string_equal(out, expected);
        assert_int_equal(c.n, 3);
        assert_string_equal(c.paths[0], "/dev/mapper/centos-swap");
        assert_string_equal(c.paths[1], "/dev/disk/by-uuid/bbbb");
        assert_string_equal(c.paths[2], "/swap file");

        /* A second pass comments nothing more, changes no byte, and still names the devices (so a run
         * killed after the fstab write masks their units next time). */
        assert_int_equal(fstab_disable_swap(out, size, collect, &c2, &out2, &size2, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(size2, size);
        assert_memory_equal(out2, out, size);
        assert_int_equal(c2.n, 3);
        assert_string_equal(c2.paths[1], "/dev/disk/by-uuid/bbbb");

        free(out);
        out = NULL;
        assert_int_equal(fstab_disable_swap(S(""), NULL, NULL, &out, &size, &n), 0);
        assert_int_equal(size, 0);
        assert_int_equal(n, 0);
}

/* ---- /etc/hosts ---- */

static void lab_config(struct fb_config *c) {
        static const char *const names[] = { "master", "node-1", "node-2", "node-3" };

        config_init(c);
        strscpy(c->hostname, sizeof(c->hostname), "node-2");
        for (size_t i = 0; i < 4; i++) {
                strscpy(c->hosts[i].name, sizeof(c->hosts[i].name), names[i]);
                c->hosts[i].address = 0xc0a8dc68 + i; /* 192.168.220.104 + i */
        }
        c->n_hosts = 4;
}

#define LAB_BLOCK                                     \
        HOSTS_BLOCK_BEGIN "\n"                        \
        "192.168.220.104 master\n"                    \
        "192.168.220.105 node-1\n"                    \
        "192.168.220.106 node-2\n"                    \
        "192.168.220.107 node-3\n" HOSTS_BLOCK_END "\n"

static void test_hosts_block(void **state) {
        _cleanup_free_ char *block = NULL;
        struct fb_config c;
        size_t size;
        unsigned n;

        lab_config(&c);
        assert_int_equal(hosts_render_block(&c, &block, &size, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(block, LAB_BLOCK);

        /* this node is added when the list lacks it (its address from network-config) */
        free(block);
        block = NULL;
        strscpy(c.hostname, sizeof(c.hostname), "extra");
        c.ifaces[0].address = 0x0a000005;
        c.n_ifaces = 1;
        assert_int_equal(hosts_render_block(&c, &block, &size, &n), 0);
        assert_int_equal(n, 5);
        assert_non_null(strstr(block, "192.168.220.107 node-3\n10.0.0.5 extra\n" HOSTS_BLOCK_END "\n"));
}

static void check_merge(const char *old, const char *block, const char *expected) {
        _cleanup_free_ char *out = NULL, *again = NULL;
        size_t size, size2;

        assert_int_equal(hosts_merge(old, strlen(old), block, strlen(block), "hosts", &out, &size), 0);
        assert_int_equal(size, strlen(expected));
        assert_string_equal(out, expected);
        /* idempotent */
        assert_int_equal(hosts_merge(out, size, block, strlen(block), "hosts", &again, &size2), 0);
        assert_int_equal(size2, size);
        assert_memory_equal(again, out, size);
}

static void test_hosts_merge(void **state) {
        static const char user[] = "127.0.0.1   localhost localhost.localdomain\n"
                                   "::1         localhost6\n"
                                   "  # a comment with trailing blanks   \n"
                                   "10.9.9.9 nas\t# tab\n";
        static const char new_block[] = HOSTS_BLOCK_BEGIN "\n10.0.0.1 a\n" HOSTS_BLOCK_END "\n";
        _cleanup_free_ char *out = NULL;
        size_t size;

        /* absent or empty: only the block */
        check_merge("", LAB_BLOCK, LAB_BLOCK);
        /* appended after user lines */
        check_merge(user, LAB_BLOCK, "127.0.0.1   localhost localhost.localdomain\n"
                                     "::1         localhost6\n"
                                     "  # a comment with trailing blanks   \n"
                                     "10.9.9.9 nas\t# tab\n" LAB_BLOCK);
        /* a last line without newline gets one, its bytes unchanged */
        check_merge("127.0.0.1 localhost", LAB_BLOCK, "127.0.0.1 localhost\n" LAB_BLOCK);
        /* replaced in place, lines after the block kept */
        check_merge("1.1.1.1 before\n" LAB_BLOCK "2.2.2.2 after\n", new_block,
                    "1.1.1.1 before\n" HOSTS_BLOCK_BEGIN "\n10.0.0.1 a\n" HOSTS_BLOCK_END "\n2.2.2.2 after\n");
        /* markers with CRLF or trailing blanks are still markers */
        check_merge("x\n" HOSTS_BLOCK_BEGIN "\r\nold\n" HOSTS_BLOCK_END "  \ny", new_block, "x\n" HOSTS_BLOCK_BEGIN
                                                                                          "\n10.0.0.1 a\n" HOSTS_BLOCK_END
                                                                                          "\ny");
        /* END as the very last line without newline */
        check_merge("x\n" HOSTS_BLOCK_BEGIN "\nold\n" HOSTS_BLOCK_END, new_block, "x\n" HOSTS_BLOCK_BEGIN "\n10.0.0.1 a\n" HOSTS_BLOCK_END "\n");

        /* half blocks and doubled blocks are errors, not guesses */
        assert_int_equal(hosts_merge(S("a\n" HOSTS_BLOCK_BEGIN "\nb\n"), S(new_block), "hosts", &out, &size), -EBADMSG);
        assert_int_equal(hosts_merge(S("a\n" HOSTS_BLOCK_END "\n"), S(new_block), "hosts", &out, &size), -EBADMSG);
        assert_int_equal(hosts_merge(S(HOSTS_BLOCK_BEGIN "\n" HOSTS_BLOCK_BEGIN "\n" HOSTS_BLOCK_END "\n"), S(new_block),
                                     "hosts", &out, &size),
                         -EBADMSG);
        assert_int_equal(hosts_merge(S(LAB_BLOCK LAB_BLOCK), S(new_block), "hosts", &out, &size), -EBADMSG);
        assert_int_equal(hosts_merge(S(LAB_BLOCK HOSTS_BLOCK_END "\n"), S(new_block), "hosts", &out, &size), -EBADMSG);
        assert_null(out);
}

/* ---- sysctl ---- */

static void test_sysctl(void **state) {
        static const struct {
                const char *key, *path;
        } key_paths[] = {
                { "net.ipv4.ip_forward", "net/ipv4/ip_forward" },
                { "net/ipv4/conf/eth0.100/rp_filter", "net/ipv4/conf/eth0.100/rp_filter" },
                { "net.ipv4.conf.eth0/100.rp_filter", "net/ipv4/conf/eth0.100/rp_filter" },
                { "kernel", "kernel" },
        };
        /* what the kernel shows against what is wanted: white space differs, numbers do not */
        static const struct {
                const char *kernel, *wanted;
                bool equal;
        } values[] = {
                { "1", "1", true },
                { "32768\t60999", "32768 60999", true },
                { " 4096  87380 ", "4096 87380", true },
                { "1", "10", false },
                { "10", "1", false },
                { "1 2", "1", false },
                { "", "0", false },
        };
        struct sysctl_setting s[FB_MAX_SYSCTLS + 8];
        _cleanup_free_ char *text = NULL;
        struct fb_config c;
        char path[256];
        size_t n, size;

        for (size_t i = 0; i < ELEMENTSOF(key_paths); i++) {
                assert_int_equal(sysctl_key_to_path(key_paths[i].key, path, sizeof(path)), 0);
                assert_string_equal(path, key_paths[i].path);
        }

        config_init(&c);
        n = sysctl_settings(&c, s, ELEMENTSOF(s));
        assert_int_equal(n, 5);
        assert_int_equal(sysctl_render(s, n, &text, &size), 0);
        assert_non_null(strstr(text, "\nnet.bridge.bridge-nf-call-iptables = 1\n"
                                     "net.bridge.bridge-nf-call-ip6tables = 1\n"
                                     "net.ipv4.ip_forward = 1\n"
                                     "net.ipv4.ip_nonlocal_bind = 1\n"
                                     "vm.swappiness = 0\n"));
        assert_int_equal(text[size - 1], '\n');

        /* extras: a reference key (in either spelling) replaces its value in place; others append */
        strscpy(c.host.sysctls[0].key, 128, "vm/swappiness");
        strscpy(c.host.sysctls[0].value, 128, "1");
        strscpy(c.host.sysctls[1].key, 128, "net.ipv4.ip_local_port_range");
        strscpy(c.host.sysctls[1].value, 128, "32768 60999");
        c.host.n_sysctls = 2;
        n = sysctl_settings(&c, s, ELEMENTSOF(s));
        assert_int_equal(n, 6);
        assert_string_equal(s[4].key, "vm/swappiness");
        assert_string_equal(s[4].value, "1");
        assert_string_equal(s[5].key, "net.ipv4.ip_local_port_range");

        for (size_t i = 0; i < ELEMENTSOF(values); i++)
                if (kernel_value_equal(values[i].kernel, values[i].wanted) != values[i].equal)
                        fail_msg("kernel_value_equal(\"%s\", \"%s\") is not %s", values[i].kernel, values[i].wanted,
                                 values[i].equal ? "true" : "false");
}

/* ---- SELinux config ---- */

static void check_selinux(const char *in, const char *expected, const char *expected_mode) {
        _cleanup_free_ char *out = NULL;
        char mode[32];
        size_t size;

        assert_int_equal(selinux_config_permissive(in, strlen(in), &out, &size, mode, sizeof(mode)), 0);
        assert_int_equal(size, strlen(expected));
        assert_string_equal(out, expected);
        assert_string_equal(mode, expected_mode);
}

static void test_selinux(void **state) {
        static const char centos[] = "\n# This file controls the state of SELinux on the system.\n"
                                     "# SELINUX= can take one of these three values:\n"
                                     "SELINUX=enforcing\n"
                                     "# SELINUXTYPE= can take one of three values:\n"
                                     "SELINUXTYPE=targeted \n\n";

        check_selinux(centos,
                      "\n# This file controls the state of SELinux on the system.\n"
                      "# SELINUX= can take one of these three values:\n"
                      "SELINUX=permissive\n"
                      "# SELINUXTYPE= can take one of three values:\n"
                      "SELINUXTYPE=targeted \n\n",
                      "enforcing");
        check_selinux("SELINUX=permissive\n", "SELINUX=permissive\n", "permissive");
        check_selinux("SELINUX=disabled\nSELINUXTYPE=targeted\n", "SELINUX=disabled\nSELINUXTYPE=targeted\n",
                      "disabled");
        check_selinux("  SELINUX=enforcing  \r\nx", "  SELINUX=permissive\nx", "enforcing");
        check_selinux("SELINUXTYPE=targeted", "SELINUXTYPE=targeted\nSELINUX=permissive\n", "absent");
        check_selinux("", "SELINUX=permissive\n", "absent");
        /* only the first SELINUX= line counts, as for libselinux */
        check_selinux("SELINUX=disabled\nSELINUX=enforcing\n", "SELINUX=disabled\nSELINUX=enforcing\n", "disabled");
}

/* ---- authorized_keys ---- */

#define KEY_A "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_B "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define KEY_C "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYcccccccc"

static void test_authorized_keys(void **state) {
        static const char old[] = "# root's keys\n"
                                  "command=\"echo a b\",no-pty " KEY_A " alice@laptop\n"
                                  "\n" KEY_B;
        char *keys[] = { (char *) KEY_A " other-comment", (char *) "  " KEY_C " ops\n", (char *) KEY_B,
                         (char *) KEY_C, (char *) "", (char *) "# not a key" };
        _cleanup_free_ char *out = NULL, *again = NULL;
        size_t size, size2;
        unsigned added, before;

        assert_int_equal(authorized_keys_merge(S(old), keys, ELEMENTSOF(keys), &out, &size, &added, &before), 0);
        assert_int_equal(before, 2);
        assert_int_equal(added, 1);
        assert_string_equal(out, "# root's keys\n"
                                 "command=\"echo a b\",no-pty " KEY_A " alice@laptop\n"
                                 "\n" KEY_B "\n" KEY_C " ops\n");

        assert_int_equal(authorized_keys_merge(out, size, keys, ELEMENTSOF(keys), &again, &size2, &added, &before), 0);
        assert_int_equal(added, 0);
        assert_int_equal(before, 3);
        assert_int_equal(size2, size);
        assert_memory_equal(again, out, size);

        free(out);
        out = NULL;
        assert_int_equal(authorized_keys_merge(S(""), keys, 1, &out, &size, &added, &before), 0);
        assert_int_equal(added, 1);
        assert_int_equal(before, 0);
        assert_string_equal(out, KEY_A " other-comment\n");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unit_name),     cmocka_unit_test(test_fstab_spec),
                cmocka_unit_test(test_proc_swaps),    cmocka_unit_test(test_fstab),
                cmocka_unit_test(test_hosts_block),   cmocka_unit_test(test_hosts_merge),
                cmocka_unit_test(test_sysctl),        cmocka_unit_test(test_selinux),
                cmocka_unit_test(test_authorized_keys),
        };

        log_set_max_level(LOG_CRIT); /* the error cases log on purpose */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
