/* SPDX-License-Identifier: MIT */
/* user-data: a #cloud-config whose kube_firstboot: mapping holds the cluster settings (config-fields.c
 * has the fields the seed generator's inventory shares), and ssh_authorized_keys. The cluster key and
 * the token are secrets: messages describe them, never show them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-fields.h"
#include "config/config-parse.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "pem.h"
#include "yaml-schema.h"

#define KEY_HOWTO "head -c 32 /dev/urandom | base64"

static void secure_zero(void *p, size_t n) {
        volatile unsigned char *v = p;
        while (n--)
                *v++ = 0;
}

static int kf_cluster_key(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        uint8_t buf[32];
        size_t len = 0;
        const char *s;
        int r;

        /* the value is a secret: messages describe it, never show it */
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        r = base64_decode(s, buf, sizeof(buf), &len);
        if (r == -ENOBUFS)
                r = schema_error_at(x, v, "decodes to more than 32 bytes; it must be exactly 32 (" KEY_HOWTO ")");
        else if (r < 0)
                r = schema_error_at(x, v, "is not valid base64 (standard alphabet with '=' padding, on one line)");
        else if (len != 32)
                r = schema_error_at(x, v, "decodes to %zu bytes; it must be exactly 32 (" KEY_HOWTO ")", len);
        else {
                memcpy(config_of(x)->cluster_key, buf, sizeof(buf));
                config_of(x)->have_cluster_key = true;
                config_of(x)->cluster_key_pos = pos_of(x, v);
        }
        secure_zero(buf, sizeof(buf));
        return r;
}

static int kf_token(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        config_of(x)->token[0] = 0;
        if (ynode_is_null(v) || (v->type == YNODE_SCALAR && v->length == 0))
                return 0; /* explicitly none */
        if (v->type != YNODE_SCALAR)
                return schema_error_at(x, v, "expected a single value, got %s", ynode_type_to_string(v->type));
        if (!bootstrap_token_is_valid(v->value))
                return schema_error_at(x, v,
                                       "is not a bootstrap token of the form [a-z0-9]{6}.[a-z0-9]{16} "
                                       "(the value is not shown)");
        strscpy(config_of(x)->token, sizeof(config_of(x)->token), v->value);
        config_of(x)->token_pos = pos_of(x, v);
        return 0;
}

/* The lab CA's certificate, as the seed generator writes it (a YAML block scalar). Public: it may
 * be shown; what is wrong with it is said without it. */
static int kf_endpoint_ca(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        const char *s, *reason = NULL;
        char *copy;
        int r;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        r = pem_certificates_check(s, v->length, &reason);
        if (r < 0)
                return schema_error_at(x, v, "is not a PEM CA certificate: %s", reason);
        copy = strndup(s, v->length);
        if (!copy) {
                schema_error_at(x, v, "out of memory");
                return -ENOMEM;
        }
        free(config_of(x)->endpoint_ca);
        config_of(x)->endpoint_ca = copy;
        config_of(x)->endpoint_ca_size = v->length;
        config_of(x)->endpoint_ca_pos = pos_of(x, v);
        return 0;
}

static int host_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_host_entry *h = userdata;

        if (config_hostname_value(x, v, h->name, sizeof(h->name)) < 0)
                return -EINVAL;
        h->pos = pos_of(x, v);
        return 0;
}

static int host_address(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_host_entry *h = userdata;

        if (schema_address(x, v, &h->address) < 0)
                return -EINVAL;
        h->address_pos = pos_of(x, v);
        return 0;
}

static int host_pod_subnet(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct fb_host_entry *h = userdata;
        unsigned prefix;

        if (schema_cidr(x, v, FB_POD_SUBNET_PREFIX, FB_POD_SUBNET_PREFIX,
                        "kubernetes.cni host-gw gives every node a /24 of kubernetes.pod_cidr", &h->pod_subnet,
                        &prefix) < 0)
                return -EINVAL;
        h->pod_subnet_pos = pos_of(x, v);
        return 0;
}

static const struct schema_field host_entry_fields[] = {
        { "name", host_name, "each host needs a name" },
        { "address", host_address, "each host needs an IPv4 address" },
        { "pod_subnet", host_pod_subnet, NULL }, /* kubernetes.cni host-gw: checked in config_validate() */
};

static int kf_host_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct fb_host_entry *h;

        if (config_of(x)->n_hosts >= FB_MAX_HOSTS) {
                schema_error_at(x, item, "more than %d hosts", FB_MAX_HOSTS);
                return -E2BIG;
        }
        h = &config_of(x)->hosts[config_of(x)->n_hosts++];
        memset(h, 0, sizeof(*h));
        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a mapping {name: ..., address: ...}, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        return schema_mapping(x, NULL, item, host_entry_fields, ELEMENTSOF(host_entry_fields), SCHEMA_UNKNOWN_ERROR, h,
                              NULL);
}

static int kf_hosts(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        config_of(x)->n_hosts = 0;
        return schema_list(x, v, "{name, address} mappings", false, kf_host_item, NULL);
}

static const struct schema_field kube_firstboot_fields[] = {
        { "cluster", config_field_cluster, NULL },
        { "endpoint", config_field_endpoint, "the metadata endpoint URL, e.g. http://192.168.220.1:8780/" },
        { "cluster_key", kf_cluster_key, "32 random bytes in base64 (" KEY_HOWTO ")" },
        { "endpoint_ca", kf_endpoint_ca, NULL },
        { "token", kf_token, NULL },
        { "token_ttl", config_field_token_ttl, NULL },
        { "join_timeout", config_field_join_timeout, NULL },
        { "hosts", kf_hosts, NULL },
        { "kubernetes", config_field_kubernetes, NULL },
        { "host", config_field_host, NULL },
};

static int ud_kube_firstboot(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        config_of(x)->kube_firstboot_pos = pos_of(x, key);
        return schema_mapping(x, key, v, kube_firstboot_fields, ELEMENTSOF(kube_firstboot_fields),
                              SCHEMA_UNKNOWN_ERROR, NULL,
                              NULL);
}

static const struct schema_field userdata_fields[] = {
        { "kube_firstboot", ud_kube_firstboot, NULL }, /* required: checked by hand, for a better hint */
        { "ssh_authorized_keys", config_field_ssh_authorized_keys, NULL },
};

/* cloud-init dispatches user-data on its first line; say which kind this is when it is not ours. */
static int userdata_check_header(const char *data, size_t size, const char *name) {
        static const struct {
                const char *prefix;
                const char *what;
        } kinds[] = {
                { "#!", "a script (#!)" },
                { "#include", "an include list (#include)" },
                { "#cloud-config-archive", "a cloud-config archive (#cloud-config-archive)" },
                { "#cloud-config-jsonp", "a JSON patch (#cloud-config-jsonp)" },
                { "#cloud-boothook", "a boothook (#cloud-boothook)" },
                { "#part-handler", "a part handler (#part-handler)" },
                { "## template:", "a Jinja template (## template:)" },
                { "Content-Type:", "MIME multi-part" },
                { "MIME-Version:", "MIME multi-part" },
                { "\x1f\x8b", "gzip-compressed" },
                { "\xef\xbb\xbf", "prefixed with a byte-order mark" },
        };
        static const char header[] = "#cloud-config";
        const size_t n = sizeof(header) - 1;

        if (size >= n && memcmp(data, header, n) == 0 &&
            (size == n || data[n] == '\n' || data[n] == '\r' || data[n] == ' ' || data[n] == '\t'))
                return 0;
        if (size == 0) {
                log_error("%s:1:1: user-data is empty; it must be a #cloud-config with a kube_firstboot: mapping",
                          name);
                return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                size_t len = strlen(kinds[i].prefix);
                if (size >= len && memcmp(data, kinds[i].prefix, len) == 0) {
                        log_error("%s:1:1: user-data is %s, not #cloud-config; kube-firstboot reads only a "
                                  "#cloud-config with a kube_firstboot: mapping",
                                  name, kinds[i].what);
                        return -EINVAL;
                }
        }
        log_error("%s:1:1: user-data does not start with #cloud-config; kube-firstboot reads only a #cloud-config "
                  "with a kube_firstboot: mapping",
                  name);
        return -EINVAL;
}

int userdata_parse(const char *data, size_t size, const char *name, struct fb_config *c) {
        struct schema_ctx x = { .name = name, .user = c };
        _cleanup_(ytree_freep) struct ynode *root = NULL;
        bool seen[ELEMENTSOF(userdata_fields)];
        int r;

        if (size > SEED_FILE_MAX)
                return log_error_errno(-EFBIG, "%s: larger than the limit of %d bytes", name, SEED_FILE_MAX);
        r = userdata_check_header(data, size, name);
        if (r < 0)
                return r;
        if (config_load_tree(&x, data, size, &root) < 0)
                return x.error;
        if (ynode_is_null(root)) {
                log_error("%s:1:1: kube_firstboot: required but missing; the #cloud-config is empty", name);
                return -EINVAL;
        }
        r = schema_mapping(&x, NULL, root, userdata_fields, ELEMENTSOF(userdata_fields), SCHEMA_UNKNOWN_NOTICE, NULL,
                           seen);
        if (r < 0 && root->type != YNODE_MAPPING)
                return x.error;
        if (!seen[0]) {
                const char *only = "kube_firstboot";
                const struct ynode *near = NULL;
                for (size_t i = 0; i < root->n_items && !near; i++)
                        if (schema_closest(root->keys[i]->value, &only, 1, sizeof(only)))
                                near = root->keys[i];
                if (near) {
                        escaped_t e;
                        schema_error_at(&x, near, "%s: unknown key; did you mean kube_firstboot?", esc(near->value, e));
                } else
                        schema_error_at(&x, root,
                                        "kube_firstboot: required but missing; the cluster settings go there");
        }
        if (!c->k8s.control_plane_host[0])
                strscpy(c->k8s.control_plane_host, sizeof(c->k8s.control_plane_host), DEFAULT_CONTROL_PLANE);
        return x.error;
}
