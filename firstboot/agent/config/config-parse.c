/* SPDX-License-Identifier: MIT */
/* The seed's three files into struct fb_config (meta-data.c, user-data.c, network-config.c), then the
 * checks that need all of them (cross-checks.c). This faces outside input as root, so: every value has
 * a type, a charset and a length; every error names FILE:LINE:COLUMN and the field; secret values never
 * appear in a message. Field errors do not stop parsing, so one run shows every mistake; the first
 * error code is returned. */
#include "config/config-parse.h"
#include "log.h"

int config_load_tree(struct schema_ctx *x, const char *data, size_t size, struct ynode **ret) {
        int r;

        if (size > SEED_FILE_MAX)
                return log_error_errno(-EFBIG, "%s: larger than the limit of %d bytes", x->name, SEED_FILE_MAX);
        r = ytree_load(data, size, x->name, ret);
        if (r < 0)
                x->error = r;
        return r;
}

int config_load_network_tree(struct schema_ctx *x, const char *data, size_t size, const char *expected,
                             struct ynode **ret) {
        if (config_load_tree(x, data, size, ret) < 0)
                return x->error;
        if (ynode_is_null(*ret)) {
                log_notice("%s: empty; the network is left as it is", x->name);
                return 0;
        }
        if ((*ret)->type != YNODE_MAPPING)
                return schema_error_at(x, *ret, "expected %s, got %s", expected, ynode_type_to_string((*ret)->type));
        return 1;
}

int config_load(const struct seed *s, struct fb_config *c) {
        int r = 0, k;

        if (!s->data[SEED_META_DATA] || !s->data[SEED_USER_DATA]) {
                log_error("%s: seed has no %s", s->origin, s->data[SEED_META_DATA] ? "user-data" : "meta-data");
                return -EINVAL;
        }
        k = metadata_parse_full(s->data[SEED_META_DATA], s->size[SEED_META_DATA], s->name[SEED_META_DATA],
                                s->config_drive, c);
        if (k < 0)
                r = k;
        k = userdata_parse(s->data[SEED_USER_DATA], s->size[SEED_USER_DATA], s->name[SEED_USER_DATA], c);
        if (k < 0 && r == 0)
                r = k;
        if (s->data[SEED_NETWORK_CONFIG]) {
                if (c->have_network_config)
                        log_notice("%s: network-interfaces is not used: %s takes precedence (as in cloud-init)",
                                   s->name[SEED_META_DATA], s->name[SEED_NETWORK_CONFIG]);
                /* a ConfigDrive's is its network_data.json */
                k = (s->config_drive ? netdata_parse : netconfig_parse)(s->data[SEED_NETWORK_CONFIG],
                                                                       s->size[SEED_NETWORK_CONFIG],
                                                                       s->name[SEED_NETWORK_CONFIG], c);
                if (k < 0 && r == 0)
                        r = k;
        }
        if (s->data[SEED_VENDOR_DATA])
                log_debug("%s: vendor-data is not used", s->name[SEED_VENDOR_DATA]);
        if (r < 0)
                return r; /* cross-checks on half-parsed input would only add noise */
        return config_validate(c);
}
