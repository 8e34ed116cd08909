/* SPDX-License-Identifier: MIT */
/* The checks before any change (preflight.c): parsing `kubelet --version`, which kubelet fits which
 * kubernetes.version; and kubernetes.ignore_preflight_errors from the seed to show-seed and to the
 * nodeRegistration of both kubeadm configurations. The checks on a host tree: test-plan-roles.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit-test.h"

#include "config/config-parse.h"
#include "config/config.h"
#include "join/joinrecord.h"
#include "role/kubeadm.h"
#include "log.h"
#include "plan/preflight.h"

#define KEY_B64 "VEVTVC1PTkxZIGNsdXN0ZXIga2V5LCBub3Qgc2FmZSE="
#define MD "instance-id: i-1\nlocal-hostname: master\nrole: control-plane\n"
#define UD                                                                                                             \
        "#cloud-config\nkube_firstboot:\n  endpoint: http://192.168.220.1:8780/\n  cluster_key: " KEY_B64 "\n"         \
        "  hosts:\n    - {name: master, address: 192.168.220.104}\n  kubernetes:\n    version: v1.23.6\n"

static void test_parse_kubelet_version(void **state) {
        static const struct {
                const char *output;
                int r;
                unsigned v[3];
        } cases[] = {
                { "Kubernetes v1.23.6\n", 0, { 1, 23, 6 } },
                { "  Kubernetes v1.22.17  \n\n", 0, { 1, 22, 17 } },
                { "Kubernetes v1.24.0-rc.1+abc\n", 0, { 1, 24, 0 } },
                { "Kubernetes v1.23.6", 0, { 1, 23, 6 } },
                { "Kubernetes 1.23.6\n", -EINVAL, {} },      /* kubeadm's pattern wants the v */
                { "Kubernetes v1.23\n", -EINVAL, {} },
                { "Kubernetes v1.023.6\n", -EINVAL, {} },    /* no leading zero */
                { "Kubernetes v1.23.6 extra\n", -EINVAL, {} },
                { "Kubernetes v1.23.6\nKubernetes v1.23.6\n", -EINVAL, {} },
                { "kubelet: not a kubelet\n", -EINVAL, {} },
                { "", -EINVAL, {} },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                unsigned v[3] = { 9, 9, 9 };
                int r = preflight_parse_kubelet_version(cases[i].output, v);
                if (r != cases[i].r)
                        fail_msg("\"%s\": %d, expected %d", cases[i].output, r, cases[i].r);
                if (r == 0 && memcmp(v, cases[i].v, sizeof(v)) != 0)
                        fail_msg("\"%s\": %u.%u.%u", cases[i].output, v[0], v[1], v[2]);
        }
}

static void test_kubelet_fit(void **state) {
        static const struct {
                unsigned kubelet[3], seed[3];
                int fit;
        } cases[] = {
                { { 1, 23, 6 }, { 1, 23, 6 }, 0 },
                { { 1, 23, 6 }, { 1, 23, 0 }, 0 },  /* patch releases do not matter */
                { { 1, 23, 0 }, { 1, 23, 17 }, 0 },
                { { 1, 22, 9 }, { 1, 23, 6 }, 0 },  /* one minor older: supported */
                { { 1, 23, 6 }, { 1, 22, 4 }, 1 },  /* the image's kubelet with a v1.22 seed */
                { { 1, 24, 0 }, { 1, 23, 6 }, 1 },
                { { 2, 0, 0 }, { 1, 23, 6 }, 1 },
                { { 1, 21, 14 }, { 1, 23, 6 }, -1 },
                { { 1, 21, 14 }, { 1, 22, 4 }, 0 },
                { { 0, 99, 0 }, { 1, 23, 6 }, -1 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                if (preflight_kubelet_fit(cases[i].kubelet, cases[i].seed) != cases[i].fit)
                        fail_msg("kubelet %u.%u.%u, seed %u.%u.%u: not %d", cases[i].kubelet[0], cases[i].kubelet[1],
                                 cases[i].kubelet[2], cases[i].seed[0], cases[i].seed[1], cases[i].seed[2],
                                 cases[i].fit);
}

static int load(struct fb_config *c, const char *ud) {
        int r;

        config_init(c);
        r = metadata_parse(MD, strlen(MD), "/seed/meta-data", c);
        if (r >= 0)
                r = userdata_parse(ud, strlen(ud), "/seed/user-data", c);
        return r;
}

static char *show(const struct fb_config *c) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        config_show(f, c, "/seed");
        fclose(f);
        return buf;
}

static void test_ignore_preflight_errors(void **state) {
        struct fb_config c;
        char *text, *out;
        size_t size;

        /* none by default, shown as an empty list, nothing in the kubeadm configuration */
        assert_int_equal(load(&c, UD), 0);
        assert_int_equal(c.k8s.ignore_preflight, 0);
        assert_int_equal(c.k8s.version_pos.line, 8);
        assert_int_equal(c.k8s.version_pos.column, 14);
        out = show(&c);
        assert_non_null(strstr(out, "      runtime: docker\n      ignore_preflight_errors: []\n"));
        free(out);
        assert_int_equal(kubeadm_render_init(&c, NULL, "abcdef.0123456789abcdef", &text, &size), 0);
        assert_null(strstr(text, "ignorePreflightErrors"));
        free(text);
        config_done(&c);

        /* any case, in kubeadm's spelling afterwards, in kubeadm's order */
        assert_int_equal(load(&c, UD "    ignore_preflight_errors: [mem, NUMCPU]\n"), 0);
        assert_int_equal(c.k8s.ignore_preflight, FB_PREFLIGHT_NUMCPU | FB_PREFLIGHT_MEM);
        out = show(&c);
        assert_non_null(strstr(out, "      ignore_preflight_errors: [NumCPU, Mem]\n"));
        free(out);
        assert_int_equal(kubeadm_render_init(&c, NULL, "abcdef.0123456789abcdef", &text, &size), 0);
        assert_non_null(strstr(text, "nodeRegistration:\n  name: \"master\"\n  criSocket: \"/var/run/dockershim.sock\"\n"
                                     "  ignorePreflightErrors:\n  - \"NumCPU\"\n  - \"Mem\"\n"));
        free(text);
        {
                struct join_record rec = { .n_ca_cert_hashes = 1 };
                snprintf(rec.api_server, sizeof(rec.api_server), "192.168.220.104:6443");
                snprintf(rec.token, sizeof(rec.token), "abcdef.0123456789abcdef");
                snprintf(rec.ca_cert_hashes[0], sizeof(rec.ca_cert_hashes[0]), "sha256:%064d", 0);
                assert_int_equal(kubeadm_render_join(&c, NULL, &rec, &text, &size), 0);
                assert_non_null(strstr(text, "  ignorePreflightErrors:\n  - \"NumCPU\"\n  - \"Mem\"\n"));
                free(text);
        }
        config_done(&c);

        assert_int_equal(load(&c, UD "    ignore_preflight_errors: [Mem]\n"), 0);
        assert_int_equal(c.k8s.ignore_preflight, FB_PREFLIGHT_MEM);
        assert_int_equal(kubeadm_render_init(&c, NULL, "abcdef.0123456789abcdef", &text, &size), 0);
        assert_non_null(strstr(text, "  ignorePreflightErrors:\n  - \"Mem\"\n  kubeletExtraArgs:\n"));
        free(text);
        config_done(&c);

        /* refused: the messages themselves are tests/data/bad-seeds/5[4-8]-* */
        log_set_max_level(LOG_CRIT);
        assert_int_equal(load(&c, UD "    ignore_preflight_errors: [all]\n"), -EINVAL);
        config_done(&c);
        assert_int_equal(load(&c, UD "    ignore_preflight_errors: [Swap]\n"), -EINVAL);
        config_done(&c);
        assert_int_equal(load(&c, UD "    ignore_preflight_errors: [NumCPU, numcpu]\n"), -EINVAL);
        config_done(&c);
        assert_int_equal(load(&c, UD "    ignore_preflight_errors: {NumCPU: true}\n"), -EINVAL);
        config_done(&c);
        log_set_max_level(LOG_INFO);
}

UNIT_TEST_MAIN(NULL, NULL, test_parse_kubelet_version, test_kubelet_fit, test_ignore_preflight_errors)
