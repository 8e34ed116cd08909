/* SPDX-License-Identifier: MIT */
/* The seed's three files into struct fb_config, then the checks that need all of them. This faces
 * outside input as root, so: every value has a type, a charset and a length; every error names
 * FILE:LINE:COLUMN and the field; secret values never appear in a message. Field errors do not stop
 * parsing, so one run shows every mistake; the first error code is returned. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config-fields.h"
#include "config/config-parse.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "yaml-schema.h"

#define INSTANCE_ID_MAX 128
/* kubernetes.control_plane when user-data does not say: the reference lab's master. */
#define DEFAULT_CONTROL_PLANE "192.168.220.104"
#define KEY_HOWTO "head -c 32 /dev/urandom | base64"
/* what to do instead of a pattern in an interface name */
#define IFNAME_HINT "name the interface or match its MAC"

static struct fb_config *config_of(struct schema_ctx *x) {
        return x->user;
}

static void secure_zero(void *p, size_t n) {
        volatile unsigned char *v = p;
        while (n--)
                *v++ = 0;
}

static int load_tree(struct schema_ctx *x, const char *data, size_t size, struct ynode **ret) {
        int r;

        if (size > SEED_FILE_MAX)
                return log_error_errno(EFBIG, "%s: larger than the limit of %d bytes", x->name, SEED_FILE_MAX);
        r = ytree_load(data, size, x->name, ret);
        if (r < 0)
                x->error = r;
        return r;
}

/* ---- meta-data -------------------------------------------------------------------------------- */

static int md_instance_id(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (v->length > INSTANCE_ID_MAX)
                return schema_error_at(x, v, "longer than %d characters", INSTANCE_ID_MAX);
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                      *p == '_' || *p == ':' || *p == '-'))
                        return schema_error_at(x, v,
                                               "\"%s\" may only contain letters, digits, '.', '_', ':' and '-' (it "
                                               "names the state directory)",
                                               esc(s, e));
        if (streq(s, ".") || streq(s, ".."))
                return schema_error_at(x, v, "\"%s\" cannot name a state directory", s);
        strscpy(config_of(x)->instance_id, sizeof(config_of(x)->instance_id), s);
        config_of(x)->instance_id_pos = pos_of(x, v);
        return 0;
}

static int md_hostname(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        if (config_hostname_value(x, v, config_of(x)->hostname, sizeof(config_of(x)->hostname)) < 0)
                return -EINVAL;
        config_of(x)->hostname_pos = pos_of(x, v);
        return 0;
}

static int md_role(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        if (config_role_value(x, v, &config_of(x)->role) < 0)
                return -EINVAL;
        config_of(x)->role_pos = pos_of(x, v);
        return 0;
}

static const char role_hint[] = "add \"role: control-plane\" or \"role: worker\"";

static const struct schema_field metadata_fields[] = {
        { "instance-id", md_instance_id, "every seed needs a unique instance-id" },
        { "local-hostname", md_hostname, "the node's host name" },
        { "role", md_role, role_hint },
};

/* ConfigDrive's meta_data.json: uuid, hostname, and our role under "meta" (user properties). */
static const struct schema_field configdrive_meta_fields[] = {
        { "role", md_role, role_hint },
};

static int md_configdrive_meta(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_mapping(x, key, v, configdrive_meta_fields, ELEMENTSOF(configdrive_meta_fields),
                              SCHEMA_UNKNOWN_IGNORE,
                              NULL, NULL);
}

static const struct schema_field configdrive_fields[] = {
        { "uuid", md_instance_id, "ConfigDrive's instance id" },
        { "hostname", md_hostname, "the node's host name" },
        { "meta", md_configdrive_meta, "a \"meta\" object with \"role\"" },
};

static int metadata_parse_full(const char *data, size_t size, const char *name, bool config_drive,
                               struct fb_config *c) {
        struct schema_ctx x = { .name = name, .user = c };
        _cleanup_(ytree_freep) struct ynode *root = NULL;

        if (load_tree(&x, data, size, &root) < 0)
                return x.error;
        if (ynode_is_null(root)) {
                log_error("%s:1:1: meta-data is empty; instance-id, local-hostname and role are required", name);
                return -EINVAL;
        }
        if (config_drive)
                schema_mapping(&x, NULL, root, configdrive_fields, ELEMENTSOF(configdrive_fields),
                               SCHEMA_UNKNOWN_IGNORE, NULL,
                               NULL);
        else
                schema_mapping(&x, NULL, root, metadata_fields, ELEMENTSOF(metadata_fields), SCHEMA_UNKNOWN_IGNORE,
                               NULL, NULL);
        return x.error;
}

int metadata_parse(const char *data, size_t size, const char *name, struct fb_config *c) {
        return metadata_parse_full(data, size, name, false, c);
}

/* ---- user-data: kube_firstboot ---------------------------------------------------------------- */

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

static const struct schema_field host_entry_fields[] = {
        { "name", host_name, "each host needs a name" },
        { "address", host_address, "each host needs an IPv4 address" },
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
                return log_error_errno(EFBIG, "%s: larger than the limit of %d bytes", name, SEED_FILE_MAX);
        r = userdata_check_header(data, size, name);
        if (r < 0)
                return r;
        if (load_tree(&x, data, size, &root) < 0)
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

/* ---- network-config --------------------------------------------------------------------------- */

struct netconfig {
        struct fb_iface global_dns; /* v1 "type: nameserver" entries, for every interface */
        bool dhcp[FB_MAX_IFACES];
        const struct ynode *global_node;
};

static int dns_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct fb_iface *iface = userdata;
        uint32_t a;

        if (schema_address(x, item, &a) < 0)
                return -EINVAL;
        for (unsigned i = 0; i < iface->n_dns; i++)
                if (iface->dns[i] == a)
                        return 0;
        if (iface->n_dns >= FB_MAX_DNS) {
                schema_error_at(x, item, "more than %d name servers", FB_MAX_DNS);
                return -E2BIG;
        }
        iface->dns[iface->n_dns++] = a;
        return 0;
}

static int search_add(struct schema_ctx *x, const struct ynode *at, struct fb_iface *iface, const char *domain) {
        size_t len = strlen(iface->search);
        const char *p = iface->search;

        /* already there? */
        while (*p) {
                size_t n = strcspn(p, " ");
                if (n == strlen(domain) && strncmp(p, domain, n) == 0)
                        return 0;
                p += n;
                p += *p == ' ';
        }
        if (len + !!len + strlen(domain) >= sizeof(iface->search))
                return schema_error_at(x, at, "the search domains are longer than %zu characters together",
                                       sizeof(iface->search) - 1);
        if (len)
                iface->search[len++] = ' ';
        memcpy(iface->search + len, domain, strlen(domain) + 1);
        return 0;
}

static int search_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        const char *s;

        if (config_domain_value(x, item, &s) < 0)
                return -EINVAL;
        return search_add(x, item, userdata, s);
}

/* cloud-init accepts a single value where a list is expected for name servers and search domains. */
static int scalar_or_list(struct schema_ctx *x, const struct ynode *v, const char *what, schema_item_parser parse,
                          void *userdata) {
        if (v->type == YNODE_SCALAR && !ynode_is_null(v))
                return parse(x, v, 0, userdata);
        return schema_list(x, v, what, false, parse, userdata);
}

/* Checks a static address once prefix and gateway are known, and stores it. */
static int iface_set_static(struct schema_ctx *x, struct fb_iface *iface, const struct ynode *at, uint32_t address,
                            unsigned prefix, uint32_t gateway, const struct ynode *gateway_at) {
        uint32_t mask = prefix_mask(prefix);
        char text[16];
        int r = 0;

        format_ipv4(address, text);
        if (prefix < 8 || prefix > 32)
                return schema_error_at(x, at, "%s/%u: the prefix must be /8 to /32", text, prefix);
        if (prefix <= 30 && ((address & ~mask) == 0 || (address & ~mask) == ~mask))
                return schema_error_at(x, at, "%s/%u is the %s address of its subnet, not a host address", text, prefix,
                                       (address & ~mask) == 0 ? "network" : "broadcast");
        if (gateway) {
                char gw[16];
                format_ipv4(gateway, gw);
                if (gateway == address)
                        r = schema_error_at(x, gateway_at, "%s is the interface's own address", gw);
                else if ((gateway & mask) != (address & mask))
                        r = schema_error_at(x, gateway_at, "%s is not in the interface's subnet %s/%u", gw, text,
                                            prefix);
        }
        if (r < 0)
                return r;
        iface->address = address;
        iface->prefix = prefix;
        iface->gateway = gateway;
        iface->pos = pos_of(x, at);
        return 0;
}

/* An interface name or MAC seen twice, or a second default gateway. */
static int iface_check_unique(struct schema_ctx *x, const struct fb_iface *iface, const struct ynode *at) {
        const struct fb_config *c = config_of(x);

        for (const struct fb_iface *o = c->ifaces; o < iface; o++) {
                if (iface->name[0] && streq(o->name, iface->name))
                        return schema_error_at(x, at, "interface %s is configured twice (first at line %u)",
                                               iface->name,
                                               o->pos.line);
                if (iface->mac[0] && streq(o->mac, iface->mac))
                        return schema_error_at(x, at, "MAC %s is configured twice (first at line %u)", iface->mac,
                                               o->pos.line);
                if (iface->gateway && o->gateway)
                        return schema_error_at(x, at,
                                               "a second default gateway (the first is at line %u); only one is "
                                               "supported",
                                               o->pos.line);
        }
        return 0;
}

static struct fb_iface *iface_new(struct schema_ctx *x, const struct ynode *at) {
        struct fb_iface *iface;

        if (config_of(x)->n_ifaces >= FB_MAX_IFACES) {
                schema_error_at(x, at, "more than %d interfaces", FB_MAX_IFACES);
                return NULL;
        }
        iface = &config_of(x)->ifaces[config_of(x)->n_ifaces++];
        memset(iface, 0, sizeof(*iface));
        iface->pos = pos_of(x, at);
        return iface;
}

/* v1: config: [{type: physical, name, mac_address, subnets: [...]}, {type: nameserver, ...}] */

struct v1_subnet {
        struct fb_iface *iface;
        bool *dhcp;
        const struct ynode *node, *type_node, *address_node, *netmask_node, *gateway_node;
        bool is_static;
        uint32_t address, gateway;
        unsigned prefix, netmask_prefix;
        bool have_prefix, have_netmask;
};

static int v1_subnet_type(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const types[] = { "static", "dhcp", "dhcp4" };
        struct v1_subnet *sn = userdata;
        size_t i;

        sn->type_node = v;
        if (v->type == YNODE_SCALAR && (strstr(v->value, "6") || strncmp(v->value, "ipv6", 4) == 0))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", v->value);
        if (schema_choice(x, v, types, ELEMENTSOF(types), &i) < 0)
                return -EINVAL;
        sn->is_static = i == 0;
        return 0;
}

static int v1_subnet_address(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;
        const char *s, *reserved;
        escaped_t e;

        sn->address_node = v;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (strchr(s, ':'))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        if (strchr(s, '/')) {
                if (parse_ipv4_prefix(s, &sn->address, &sn->prefix) < 0)
                        return schema_error_at(x, v, "\"%s\" is not an IPv4 address like 192.168.220.104/24",
                                               esc(s, e));
                sn->have_prefix = true;
        } else if (parse_ipv4(s, &sn->address) < 0)
                return schema_error_at(x, v, "\"%s\" is not an IPv4 address like 192.168.220.104/24", esc(s, e));
        reserved = ipv4_reserved(sn->address, 32);
        if (reserved)
                return schema_error_at(x, v, "\"%s\" is in %s", s, reserved);
        return 0;
}

static int v1_subnet_netmask(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;
        const char *s;
        uint32_t mask;
        unsigned prefix = 0;
        escaped_t e;

        sn->netmask_node = v;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_ipv4(s, &mask) < 0)
                return schema_error_at(x, v, "\"%s\" is not a netmask like 255.255.255.0", esc(s, e));
        while (prefix < 32 && (mask & (0x80000000u >> prefix)))
                prefix++;
        if (mask != prefix_mask(prefix))
                return schema_error_at(x, v, "%s is not a contiguous netmask", s);
        sn->netmask_prefix = prefix;
        sn->have_netmask = true;
        return 0;
}

static int v1_subnet_gateway(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;

        sn->gateway_node = v;
        return schema_address(x, v, &sn->gateway);
}

static int v1_subnet_dns(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;
        return scalar_or_list(x, v, "IPv4 addresses", dns_item, sn->iface);
}

static int v1_subnet_search(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_subnet *sn = userdata;
        return scalar_or_list(x, v, "domains", search_item, sn->iface);
}

static const struct schema_field v1_subnet_fields[] = {
        { "type", v1_subnet_type, "static or dhcp" },
        { "address", v1_subnet_address, NULL },
        { "netmask", v1_subnet_netmask, NULL },
        { "gateway", v1_subnet_gateway, NULL },
        { "dns_nameservers", v1_subnet_dns, NULL },
        { "dns_search", v1_subnet_search, NULL },
};

static int v1_subnet_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct v1_subnet sn = { .node = item };
        struct v1_subnet *prev = userdata; /* iface and dhcp flag */
        unsigned prefix;
        int r;

        sn.iface = prev->iface;
        sn.dhcp = prev->dhcp;
        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a subnet mapping, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        r = schema_mapping(x, NULL, item, v1_subnet_fields, ELEMENTSOF(v1_subnet_fields), SCHEMA_UNKNOWN_ERROR, &sn,
                           NULL);
        if (r < 0 || !sn.type_node)
                return -EINVAL;

        if (!sn.is_static) {
                const struct ynode *bad = sn.address_node ? sn.address_node
                                          : sn.netmask_node ? sn.netmask_node
                                                            : sn.gateway_node;
                if (bad)
                        return schema_error_at(x, bad, "a dhcp subnet cannot have an address, netmask or gateway");
                if (sn.iface->address)
                        return schema_error_at(x, sn.type_node, "dhcp and a static address on one interface");
                *sn.dhcp = true;
                return 0;
        }
        if (!sn.address_node)
                return schema_error_at(x, item, "a static subnet needs an address, e.g. 192.168.220.104/24");
        if (*sn.dhcp)
                return schema_error_at(x, sn.type_node, "dhcp and a static address on one interface");
        if (sn.iface->address)
                return schema_error_at(x, sn.address_node,
                                       "a second static address; only one per interface is supported");
        if (sn.have_prefix && sn.have_netmask && sn.prefix != sn.netmask_prefix)
                return schema_error_at(x, sn.netmask_node, "/%u does not match the address's /%u", sn.netmask_prefix,
                                       sn.prefix);
        if (!sn.have_prefix && !sn.have_netmask)
                return schema_error_at(x, sn.address_node,
                                       "has no prefix; write it as 192.168.220.104/24 or add a netmask");
        prefix = sn.have_prefix ? sn.prefix : sn.netmask_prefix;
        return iface_set_static(x, sn.iface, sn.address_node, sn.address, prefix, sn.gateway, sn.gateway_node);
}

struct v1_physical {
        struct fb_iface *iface;
        bool *dhcp;
};

static int v1_type_ignored(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return 0; /* read before the table was chosen */
}

static int v1_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        return config_ifname_value(x, v, IFNAME_HINT, ph->iface->name, sizeof(ph->iface->name));
}

static int v1_mac(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        return config_mac_value(x, v, ph->iface->mac);
}

static int v1_subnets(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v1_physical *ph = userdata;
        struct v1_subnet state = { .iface = ph->iface, .dhcp = ph->dhcp };
        return schema_list(x, v, "subnets", false, v1_subnet_item, &state);
}

static const struct schema_field v1_physical_fields[] = {
        { "type", v1_type_ignored, NULL },
        { "name", v1_name, "the interface name, e.g. eth0" },
        { "mac_address", v1_mac, NULL },
        { "subnets", v1_subnets, NULL },
};

static int v1_ns_address(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return scalar_or_list(x, v, "IPv4 addresses", dns_item, userdata);
}

static int v1_ns_search(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return scalar_or_list(x, v, "domains", search_item, userdata);
}

static const struct schema_field v1_nameserver_fields[] = {
        { "type", v1_type_ignored, NULL },
        { "address", v1_ns_address, NULL },
        { "search", v1_ns_search, NULL },
};

static int v1_config_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        static const char *const types[] = { "physical", "nameserver" };
        struct netconfig *nc = userdata;
        const struct ynode *type;
        struct v1_physical ph;
        size_t t = 0, old;
        int r;

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a mapping with a type, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        type = ynode_get(item, "type");
        old = schema_path_key(x, "type");
        if (!type)
                r = schema_error_at(x, item, "required but missing; physical or nameserver");
        else if (type->type == YNODE_SCALAR && !ynode_is_null(type) && !streq(type->value, "physical") &&
                 !streq(type->value, "nameserver")) {
                escaped_t e;
                r = schema_error_at(x, type,
                                    "\"%s\" is not supported; only physical interfaces and nameserver entries are",
                                    esc(type->value, e));
        } else
                r = schema_choice(x, type, types, ELEMENTSOF(types), &t);
        schema_path_restore(x, old);
        if (r < 0)
                return r;

        if (t == 1) {
                nc->global_node = item;
                return schema_mapping(x, NULL, item, v1_nameserver_fields, ELEMENTSOF(v1_nameserver_fields),
                                      SCHEMA_UNKNOWN_ERROR, &nc->global_dns, NULL);
        }
        ph.iface = iface_new(x, item);
        if (!ph.iface)
                return -E2BIG;
        ph.dhcp = &nc->dhcp[ph.iface - config_of(x)->ifaces];
        r = schema_mapping(x, NULL, item, v1_physical_fields, ELEMENTSOF(v1_physical_fields), SCHEMA_UNKNOWN_ERROR,
                           &ph, NULL);
        if (r < 0)
                return r;
        return iface_check_unique(x, ph.iface, item);
}

static int v1_version(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return 0; /* checked before */
}

static int v1_config(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "interface and nameserver entries", false, v1_config_item, userdata);
}

static const struct schema_field v1_fields[] = {
        { "version", v1_version, NULL },
        { "config", v1_config, "a list of interfaces" },
};

/* v2: ethernets: {ID: {match: {macaddress, name}, set-name, dhcp4, addresses, gateway4, routes, nameservers}} */

struct v2_ethernet {
        struct fb_iface *iface;
        char match_name[16], set_name[16];
        bool dhcp4, have_match;
        const struct ynode *dhcp4_node, *addresses_node, *address_node, *gateway4_node, *route_node;
        uint32_t address, gateway4, route_gateway;
        unsigned prefix;
};

static int v2_match_mac(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return config_mac_value(x, v, eth->iface->mac);
}

static int v2_match_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return config_ifname_value(x, v, IFNAME_HINT, eth->match_name, sizeof(eth->match_name));
}

static const struct schema_field v2_match_fields[] = {
        { "macaddress", v2_match_mac, NULL },
        { "name", v2_match_name, NULL },
};

static int v2_match(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;

        eth->have_match = true;
        if (ynode_is_null(v) || (v->type == YNODE_MAPPING && v->n_items == 0))
                return schema_error_at(x, v, "is empty; match macaddress or name");
        return schema_mapping(x, key, v, v2_match_fields, ELEMENTSOF(v2_match_fields), SCHEMA_UNKNOWN_ERROR, eth, NULL);
}

static int v2_set_name(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return config_ifname_value(x, v, IFNAME_HINT, eth->set_name, sizeof(eth->set_name));
}

static int v2_dhcp4(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        eth->dhcp4_node = v;
        return schema_bool(x, v, &eth->dhcp4);
}

static int v2_dhcp6(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        bool on;

        if (schema_bool(x, v, &on) < 0)
                return -EINVAL;
        if (on)
                return schema_error_at(x, v, "IPv6 is not supported, only IPv4");
        return 0;
}

static int v2_address_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct v2_ethernet *eth = userdata;
        const char *s, *reserved;
        escaped_t e;

        if (schema_scalar(x, item, &s) < 0)
                return -EINVAL;
        if (strchr(s, ':'))
                return schema_error_at(x, item, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        if (eth->address_node)
                return schema_error_at(x, item, "a second address; only one per interface is supported");
        if (parse_ipv4_prefix(s, &eth->address, &eth->prefix) < 0)
                return schema_error_at(x, item, "\"%s\" is not an IPv4 address with prefix like 192.168.220.104/24",
                                       esc(s, e));
        reserved = ipv4_reserved(eth->address, 32);
        if (reserved)
                return schema_error_at(x, item, "\"%s\" is in %s", s, reserved);
        eth->address_node = item;
        return 0;
}

static int v2_addresses(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        eth->addresses_node = v;
        return schema_list(x, v, "addresses", false, v2_address_item, eth);
}

static int v2_gateway4(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        eth->gateway4_node = v;
        return schema_address(x, v, &eth->gateway4);
}

struct v2_route {
        bool is_default;
        uint32_t via;
        const struct ynode *to_node, *via_node;
};

static int v2_route_to(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_route *rt = userdata;
        const char *s;
        escaped_t e;

        rt->to_node = v;
        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (!streq(s, "default") && !streq(s, "0.0.0.0/0"))
                return schema_error_at(x, v, "\"%s\": only the default route (to: default or 0.0.0.0/0) is supported",
                                       esc(s, e));
        rt->is_default = true;
        return 0;
}

static int v2_route_via(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_route *rt = userdata;
        rt->via_node = v;
        return schema_address(x, v, &rt->via);
}

static const struct schema_field v2_route_fields[] = {
        { "to", v2_route_to, "default" },
        { "via", v2_route_via, "the gateway's address" },
};

static int v2_route_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct v2_ethernet *eth = userdata;
        struct v2_route rt = {};

        if (ynode_is_null(item) || item->type != YNODE_MAPPING)
                return schema_error_at(x, item, "expected a mapping {to: default, via: ADDRESS}, got %s",
                                       ynode_is_null(item) ? "nothing" : ynode_type_to_string(item->type));
        if (schema_mapping(x, NULL, item, v2_route_fields, ELEMENTSOF(v2_route_fields), SCHEMA_UNKNOWN_ERROR, &rt,
                           NULL) < 0)
                return -EINVAL;
        if (eth->route_node)
                return schema_error_at(x, item, "a second default route");
        eth->route_node = rt.via_node;
        eth->route_gateway = rt.via;
        return 0;
}

static int v2_routes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_list(x, v, "routes", false, v2_route_item, userdata);
}

static int v2_ns_addresses(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return schema_list(x, v, "IPv4 addresses", false, dns_item, eth->iface);
}

static int v2_ns_search(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        struct v2_ethernet *eth = userdata;
        return schema_list(x, v, "domains", false, search_item, eth->iface);
}

static const struct schema_field v2_nameservers_fields[] = {
        { "addresses", v2_ns_addresses, NULL },
        { "search", v2_ns_search, NULL },
};

static int v2_nameservers(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_mapping(x, key, v, v2_nameservers_fields, ELEMENTSOF(v2_nameservers_fields), SCHEMA_UNKNOWN_ERROR,
                              userdata, NULL);
}

static const struct schema_field v2_ethernet_fields[] = {
        { "match", v2_match, NULL },
        { "set-name", v2_set_name, NULL },
        { "dhcp4", v2_dhcp4, NULL },
        { "dhcp6", v2_dhcp6, NULL },
        { "addresses", v2_addresses, NULL },
        { "gateway4", v2_gateway4, NULL },
        { "routes", v2_routes, NULL },
        { "nameservers", v2_nameservers, NULL },
};

static int v2_ethernet(struct schema_ctx *x, const struct ynode *id, const struct ynode *v, struct netconfig *nc) {
        struct v2_ethernet eth = {};
        const struct ynode *gateway_node;
        uint32_t gateway;
        int r;

        eth.iface = iface_new(x, id);
        if (!eth.iface)
                return -E2BIG;
        r = schema_mapping(x, id, v, v2_ethernet_fields, ELEMENTSOF(v2_ethernet_fields), SCHEMA_UNKNOWN_ERROR, &eth,
                           NULL);
        if (r < 0)
                return r;

        /* the name the interface ends up with: set-name, else the matched name, else the id (no match) */
        if (eth.set_name[0])
                strscpy(eth.iface->name, sizeof(eth.iface->name), eth.set_name);
        else if (eth.match_name[0])
                strscpy(eth.iface->name, sizeof(eth.iface->name), eth.match_name);
        else if (!eth.have_match) {
                if (!ifname_is_valid(id->value)) {
                        escaped_t e;
                        return schema_error_at(x, id,
                                               "\"%s\" is not an interface name; add match: {macaddress: ...} or use "
                                               "the name",
                                               esc(id->value, e));
                }
                strscpy(eth.iface->name, sizeof(eth.iface->name), id->value);
        }

        if (eth.gateway4_node && eth.route_node && eth.gateway4 != eth.route_gateway)
                return schema_error_at(x, eth.route_node, "differs from gateway4 (line %u)", eth.gateway4_node->line);
        gateway = eth.gateway4_node ? eth.gateway4 : eth.route_gateway;
        gateway_node = eth.gateway4_node ? eth.gateway4_node : eth.route_node;
        if (eth.dhcp4 && eth.address_node)
                return schema_error_at(x, eth.dhcp4_node, "dhcp4 and a static address on one interface");
        if (!eth.address_node) {
                if (gateway_node)
                        return schema_error_at(x, gateway_node, "a gateway needs a static address");
        } else {
                size_t old = schema_path_key(x, "addresses");
                r = iface_set_static(x, eth.iface, eth.address_node, eth.address, eth.prefix, gateway, gateway_node);
                schema_path_restore(x, old);
                if (r < 0)
                        return r;
        }
        nc->dhcp[eth.iface - config_of(x)->ifaces] = eth.dhcp4;
        return iface_check_unique(x, eth.iface, id);
}

static int v2_ethernets(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        int r = 0;

        if (ynode_is_null(v))
                return 0;
        if (v->type != YNODE_MAPPING)
                return schema_error_at(x, v, "expected a mapping of interface ids, got %s",
                                       ynode_type_to_string(v->type));
        for (size_t i = 0; i < v->n_items; i++) {
                size_t old = schema_path_key(x, v->keys[i]->value);
                int k = v2_ethernet(x, v->keys[i], v->items[i], userdata);
                schema_path_restore(x, old);
                if (k == -E2BIG)
                        return -EINVAL;
                if (k < 0)
                        r = k;
        }
        return r;
}

static int v2_renderer(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const renderers[] = { "networkd", "NetworkManager" };
        size_t i;
        return schema_choice(x, v, renderers, ELEMENTSOF(renderers), &i); /* kube-firstboot renders it itself */
}

static int v2_unsupported(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_error_at(x, key, "not supported; kube-firstboot configures plain ethernets only");
}

static const struct schema_field v2_fields[] = {
        { "version", v1_version, NULL },
        { "ethernets", v2_ethernets, "the interfaces" },
        { "renderer", v2_renderer, NULL },
        { "bonds", v2_unsupported, NULL },
        { "bridges", v2_unsupported, NULL },
        { "vlans", v2_unsupported, NULL },
        { "wifis", v2_unsupported, NULL },
        { "tunnels", v2_unsupported, NULL },
};

/* Name servers and search domains of v1's nameserver entries go to every interface. */
static int netconfig_merge_global(struct schema_ctx *x, struct netconfig *nc) {
        struct fb_config *c = config_of(x);

        if (!nc->global_node)
                return 0;
        for (size_t i = 0; i < c->n_ifaces; i++) {
                struct fb_iface *iface = &c->ifaces[i];
                const char *p = nc->global_dns.search;

                for (unsigned j = 0; j < nc->global_dns.n_dns; j++) {
                        bool known = false;
                        for (unsigned k = 0; k < iface->n_dns; k++)
                                known |= iface->dns[k] == nc->global_dns.dns[j];
                        if (known)
                                continue;
                        if (iface->n_dns >= FB_MAX_DNS)
                                return schema_error_at(x, nc->global_node,
                                                       "with the interface's own, more than %d name servers",
                                                       FB_MAX_DNS);
                        iface->dns[iface->n_dns++] = nc->global_dns.dns[j];
                }
                while (*p) {
                        char domain[256];
                        size_t n = strcspn(p, " ");
                        memcpy(domain, p, n);
                        domain[n] = 0;
                        if (search_add(x, nc->global_node, iface, domain) < 0)
                                return -EINVAL;
                        p += n;
                        p += *p == ' ';
                }
        }
        return 0;
}

int netconfig_parse(const char *data, size_t size, const char *name, struct fb_config *c) {
        struct schema_ctx x = { .name = name, .user = c };
        _cleanup_(ytree_freep) struct ynode *root = NULL;
        const struct ynode *net, *version, *config;
        struct netconfig nc = {};
        size_t old;

        c->n_ifaces = 0;
        c->have_network_config = false;
        if (load_tree(&x, data, size, &root) < 0)
                return x.error;
        if (ynode_is_null(root)) {
                log_notice("%s: empty; the network is left as it is", name);
                return 0;
        }
        if (root->type != YNODE_MAPPING)
                return schema_error_at(&x, root, "expected a mapping with version: 1 or 2, got %s",
                                       ynode_type_to_string(root->type));

        net = root;
        if (ynode_get(root, "network")) {
                /* cloud-init also takes the config wrapped in "network:" */
                for (size_t i = 0; i < root->n_items; i++)
                        if (!streq(root->keys[i]->value, "network")) {
                                escaped_t e;
                                schema_error_at(&x, root->keys[i], "%s: unknown key; everything goes under network:",
                                                esc(root->keys[i]->value, e));
                        }
                net = ynode_get(root, "network");
                schema_path_key(&x, "network");
                if (ynode_is_null(net)) {
                        log_notice("%s: network: is empty; the network is left as it is", name);
                        return x.error;
                }
                if (net->type != YNODE_MAPPING)
                        return schema_error_at(&x, net, "expected a mapping with version: 1 or 2, got %s",
                                               ynode_type_to_string(net->type));
        }

        config = ynode_get(net, "config");
        if (config && config->type == YNODE_SCALAR && streq(config->value, "disabled")) {
                log_info("%s: config: disabled; the network is left as it is", name);
                return x.error;
        }

        version = ynode_get(net, "version");
        old = schema_path_key(&x, "version");
        if (!version)
                return schema_error_at(&x, net, "required but missing; 1 (cloud-init's v1) or 2 (netplan style)");
        if (version->type != YNODE_SCALAR || (!streq(version->value, "1") && !streq(version->value, "2"))) {
                escaped_t e;
                return schema_error_at(&x, version, "\"%s\" is not 1 or 2",
                                       version->type == YNODE_SCALAR ? esc(version->value, e)
                                                              : ynode_type_to_string(version->type));
        }
        schema_path_restore(&x, old);

        if (streq(version->value, "1"))
                schema_mapping(&x, NULL, net, v1_fields, ELEMENTSOF(v1_fields), SCHEMA_UNKNOWN_ERROR, &nc, NULL);
        else
                schema_mapping(&x, NULL, net, v2_fields, ELEMENTSOF(v2_fields), SCHEMA_UNKNOWN_ERROR, &nc, NULL);
        if (x.error < 0)
                return x.error;
        if (c->n_ifaces == 0)
                return schema_error_at(&x, net,
                                       "configures no interface (write \"config: disabled\" to leave the network "
                                       "alone)");
        if (netconfig_merge_global(&x, &nc) < 0)
                return x.error;
        c->have_network_config = true;
        return 0;
}

/* ---- cross-field checks ----------------------------------------------------------------------- */

static const char *pos_str(const struct yaml_pos *p, char *buf, size_t size) {
        if (!p->file)
                snprintf(buf, size, "default");
        else
                snprintf(buf, size, "%s:%u:%u", p->file, p->line, p->column);
        return buf;
}

/* Logs "FILE:LINE:COLUMN: field: message" at pos, or at fallback when pos is a default. */
static int pos_error(const struct yaml_pos *pos, const struct yaml_pos *fallback, const char *field, const char *fmt, ...)
        _printf_(4, 5);
static int pos_error(const struct yaml_pos *pos, const struct yaml_pos *fallback, const char *field, const char *fmt, ...) {
        const struct yaml_pos *p = pos->file ? pos : fallback;
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (p && p->file)
                log_error("%s:%u:%u: %s: %s", p->file, p->line, p->column, field, msg);
        else
                log_error("%s: %s", field, msg);
        return -EINVAL;
}

static bool in_cidr(uint32_t a, uint32_t net, unsigned prefix) {
        return (a & prefix_mask(prefix)) == net;
}

struct named_cidr {
        const char *field;
        uint32_t net;
        unsigned prefix;
        const struct yaml_pos *pos;
};

int config_validate(struct fb_config *c) {
        const struct yaml_pos *kf = &c->kube_firstboot_pos;
        const struct fb_host_entry *self = NULL;
        const struct fb_iface *node_iface = NULL;
        const struct yaml_pos *subnet_pos = NULL;
        const char *subnet_from = NULL;
        uint32_t node_addr = 0, subnet = 0, cp_addr = 0;
        unsigned subnet_prefix = 0;
        char a[16], b[16], where[4400];
        bool node_addr_doubtful = false, cp_doubtful = false; /* already reported: no follow-up errors */
        int r = 0;

        if (!c->k8s.control_plane_host[0])
                strscpy(c->k8s.control_plane_host, sizeof(c->k8s.control_plane_host), DEFAULT_CONTROL_PLANE);

        struct named_cidr cidrs[] = {
                { "kube_firstboot.kubernetes.pod_cidr", c->k8s.pod_net, c->k8s.pod_prefix, &c->k8s.pod_pos },
                { "kube_firstboot.kubernetes.service_cidr", c->k8s.service_net, c->k8s.service_prefix,
                  &c->k8s.service_pos },
        };

        /* hosts: unique names and addresses; find this node */
        for (size_t i = 0; i < c->n_hosts; i++) {
                const struct fb_host_entry *h = &c->hosts[i];
                char field[64];

                for (size_t j = 0; j < i; j++) {
                        if (streq(c->hosts[j].name, h->name)) {
                                snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].name", i);
                                r = pos_error(&h->pos, kf, field, "\"%s\" is listed twice (first at line %u)", h->name,
                                              c->hosts[j].pos.line);
                        }
                        if (c->hosts[j].address == h->address) {
                                snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].address", i);
                                format_ipv4(h->address, a);
                                r = pos_error(&h->address_pos, kf, field, "%s is already %s's address (line %u)", a,
                                              c->hosts[j].name, c->hosts[j].address_pos.line);
                        }
                }
                for (size_t k = 0; k < ELEMENTSOF(cidrs); k++)
                        if (in_cidr(h->address, cidrs[k].net, cidrs[k].prefix)) {
                                snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].address", i);
                                format_ipv4(h->address, a);
                                format_ipv4(cidrs[k].net, b);
                                r = pos_error(&h->address_pos, kf, field, "%s is inside %s %s/%u", a,
                                              strrchr(cidrs[k].field, '.') + 1, b, cidrs[k].prefix);
                        }
                if (!self && streq(h->name, c->hostname))
                        self = h;
        }
        if (c->n_hosts > 0 && !self) {
                char names[256];
                size_t len = 0;
                for (size_t i = 0; i < c->n_hosts && len < sizeof(names); i++) {
                        int k = snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", c->hosts[i].name);
                        len += k > 0 ? (size_t) k : 0;
                }
                r = pos_error(&c->hostname_pos, NULL, "local-hostname", "\"%s\" is not in kube_firstboot.hosts (%s)",
                              c->hostname, names);
        }

        /* this node's address and subnet */
        for (size_t i = 0; i < c->n_ifaces && !node_iface; i++)
                if (c->ifaces[i].address)
                        node_iface = &c->ifaces[i];
        if (node_iface) {
                node_addr = node_iface->address;
                subnet = node_addr & prefix_mask(node_iface->prefix);
                subnet_prefix = node_iface->prefix;
                subnet_pos = &node_iface->pos;
                subnet_from = "network-config";
                if (self && self->address != node_addr) {
                        char field[64];
                        snprintf(field, sizeof(field), "kube_firstboot.hosts[%zu].address", (size_t) (self - c->hosts));
                        format_ipv4(self->address, a);
                        format_ipv4(node_addr, b);
                        r = pos_error(&self->address_pos, kf, field,
                                      "%s for %s (this node) differs from its network-config address %s (%s)", a,
                                      self->name, b, pos_str(&node_iface->pos, where, sizeof(where)));
                        node_addr_doubtful = true;
                }
        } else if (self) {
                node_addr = self->address;
                subnet = node_addr & prefix_mask(24);
                subnet_prefix = 24;
                subnet_pos = &self->address_pos;
                subnet_from = "hosts, assuming a /24";
        }

        /* pod network, service network and the node's subnet must not overlap */
        if (cidr4_overlap(c->k8s.pod_net, c->k8s.pod_prefix, c->k8s.service_net, c->k8s.service_prefix)) {
                const struct named_cidr *at = c->k8s.pod_pos.file ? &cidrs[0] : &cidrs[1];
                const struct named_cidr *other = at == &cidrs[0] ? &cidrs[1] : &cidrs[0];
                format_ipv4(at->net, a);
                format_ipv4(other->net, b);
                r = pos_error(at->pos, kf, at->field, "%s%s/%u overlaps %s %s/%u", at->pos->file ? "" : "the default ",
                              a, at->prefix, strrchr(other->field, '.') + 1, b, other->prefix);
        }
        if (subnet_pos)
                for (size_t k = 0; k < ELEMENTSOF(cidrs); k++)
                        if (cidr4_overlap(cidrs[k].net, cidrs[k].prefix, subnet, subnet_prefix)) {
                                format_ipv4(cidrs[k].net, a);
                                format_ipv4(subnet, b);
                                r = pos_error(cidrs[k].pos, kf, cidrs[k].field,
                                              "%s%s/%u overlaps this node's subnet %s/%u (from %s, %s)",
                                              cidrs[k].pos->file ? "" : "the default ", a, cidrs[k].prefix, b,
                                              subnet_prefix, subnet_from, pos_str(subnet_pos, where, sizeof(where)));
                        }

        /* the control plane */
        if (parse_ipv4(c->k8s.control_plane_host, &cp_addr) < 0) {
                cp_addr = 0;
                for (size_t i = 0; i < c->n_hosts; i++)
                        if (streq(c->hosts[i].name, c->k8s.control_plane_host))
                                cp_addr = c->hosts[i].address;
        }
        if (!c->k8s.control_plane_pos.file) {
                bool listed = c->n_hosts == 0;
                for (size_t i = 0; i < c->n_hosts; i++)
                        listed |= c->hosts[i].address == cp_addr;
                cp_doubtful = !listed || (subnet_pos && !in_cidr(cp_addr, subnet, subnet_prefix));
                if (!listed)
                        r = pos_error(&c->k8s.control_plane_pos, kf, "kube_firstboot.kubernetes.control_plane",
                                      "not set, and the default %s (the reference lab's) is not in "
                                      "kube_firstboot.hosts; set it to the control plane's address",
                                      DEFAULT_CONTROL_PLANE);
                else if (subnet_pos && !in_cidr(cp_addr, subnet, subnet_prefix)) {
                        format_ipv4(subnet, b);
                        r = pos_error(&c->k8s.control_plane_pos, kf, "kube_firstboot.kubernetes.control_plane",
                                      "not set, and the default %s (the reference lab's) is not in this node's subnet "
                                      "%s/%u; set it to the control plane's address",
                                      DEFAULT_CONTROL_PLANE, b, subnet_prefix);
                }
        }
        if (cp_addr)
                for (size_t k = 0; k < ELEMENTSOF(cidrs); k++)
                        if (in_cidr(cp_addr, cidrs[k].net, cidrs[k].prefix)) {
                                format_ipv4(cp_addr, a);
                                format_ipv4(cidrs[k].net, b);
                                r = pos_error(&c->k8s.control_plane_pos, kf, "kube_firstboot.kubernetes.control_plane",
                                              "%s%s is inside %s %s/%u",
                                              c->k8s.control_plane_pos.file ? "" : "the default ", a,
                                              strrchr(cidrs[k].field, '.') + 1, b, cidrs[k].prefix);
                        }
        if (node_addr && cp_addr && !node_addr_doubtful && !cp_doubtful) {
                format_ipv4(node_addr, a);
                format_ipv4(cp_addr, b);
                if (c->role == FB_ROLE_CONTROL_PLANE && node_addr != cp_addr)
                        r = pos_error(&c->role_pos, NULL, "role",
                                      "control-plane, but this node's address %s is not kube_firstboot.kubernetes."
                                      "control_plane %s (%s)",
                                      a, b, pos_str(&c->k8s.control_plane_pos, where, sizeof(where)));
                else if (c->role == FB_ROLE_WORKER && node_addr == cp_addr)
                        r = pos_error(&c->role_pos, NULL, "role",
                                      "worker, but this node has the control plane's address %s "
                                      "(kube_firstboot.kubernetes.control_plane, %s)",
                                      a, pos_str(&c->k8s.control_plane_pos, where, sizeof(where)));
        }
        return r;
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
                k = netconfig_parse(s->data[SEED_NETWORK_CONFIG], s->size[SEED_NETWORK_CONFIG],
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

/* ---- show-seed -------------------------------------------------------------------------------- */

/* Plain when a YAML 1.1 reader would take it as the same string; double-quoted otherwise. */
static void show_string(FILE *f, const char *s) {
        static const char *const special[] = { "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~" };
        bool plain = s[0] != 0;
        size_t dots = 0;

        for (const char *p = s; *p && plain; p++) {
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("._/-", *p)))
                        plain = false;
                dots += *p == '.';
        }
        if (plain && !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '/'))
                plain = (s[0] >= '0' && s[0] <= '9') && (dots >= 2 || strchr(s, '/')); /* addresses, CIDRs */
        for (size_t i = 0; i < ELEMENTSOF(special) && plain; i++)
                if (strcasecmp(s, special[i]) == 0)
                        plain = false;
        if (plain) {
                fputs(s, f);
                return;
        }
        fputc('"', f);
        for (const char *p = s; *p; p++) {
                unsigned char ch = (unsigned char) *p;
                if (ch == '"' || ch == '\\')
                        fprintf(f, "\\%c", ch);
                else if (ch < 0x20 || ch == 0x7f)
                        fprintf(f, "\\x%02x", ch);
                else
                        fputc(ch, f);
        }
        fputc('"', f);
}

static void show_kv(FILE *f, int indent, const char *key, const char *value) {
        fprintf(f, "%*s", indent, "");
        show_string(f, key);
        fputs(": ", f);
        show_string(f, value);
        fputc('\n', f);
}

static void show_duration(FILE *f, int indent, const char *key, unsigned long long s) {
        char buf[64] = "";
        size_t len = 0;

        if (s / 3600)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%lluh", s / 3600);
        if (s % 3600 / 60)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%llum", s % 3600 / 60);
        if (s % 60 || len == 0)
                snprintf(buf + len, sizeof(buf) - len, "%llus", s % 60);
        show_kv(f, indent, key, buf);
}

static void show_cidr(FILE *f, int indent, const char *key, uint32_t net, unsigned prefix) {
        char a[16], buf[24];
        format_ipv4(net, a);
        snprintf(buf, sizeof(buf), "%s/%u", a, prefix);
        show_kv(f, indent, key, buf);
}

void config_show(FILE *f, const struct fb_config *c, const char *origin) {
        char a[16], buf[512];

        fprintf(f, "# kube-firstboot show-seed: the validated seed; secrets are masked\n");
        show_kv(f, 0, "origin", origin ? origin : "");
        fprintf(f, "meta-data:\n");
        show_kv(f, 2, "instance-id", c->instance_id);
        show_kv(f, 2, "local-hostname", c->hostname);
        show_kv(f, 2, "role", role_to_string(c->role));

        fprintf(f, "user-data:\n  kube_firstboot:\n");
        show_kv(f, 4, "cluster", c->cluster_name);
        show_kv(f, 4, "endpoint", c->endpoint);
        fprintf(f, "    cluster_key: %s\n", c->have_cluster_key ? "\"<redacted: 32 bytes>\"" : "null");
        fprintf(f, "    token: %s\n", c->token[0] ? "\"<redacted: bootstrap token>\"" : "null");
        show_duration(f, 4, "token_ttl", c->token_ttl_s);
        show_duration(f, 4, "join_timeout", c->join_timeout_s);
        fprintf(f, "    hosts:%s\n", c->n_hosts ? "" : " []");
        for (size_t i = 0; i < c->n_hosts; i++) {
                format_ipv4(c->hosts[i].address, a);
                fprintf(f, "      - name: %s\n        address: %s\n", c->hosts[i].name, a);
        }
        fprintf(f, "    kubernetes:\n");
        show_kv(f, 6, "version", c->k8s.version);
        snprintf(buf, sizeof(buf), "%s:%u", c->k8s.control_plane_host, c->k8s.control_plane_port);
        show_kv(f, 6, "control_plane", buf);
        show_kv(f, 6, "image_repository", c->k8s.image_repository);
        show_cidr(f, 6, "service_cidr", c->k8s.service_net, c->k8s.service_prefix);
        show_cidr(f, 6, "pod_cidr", c->k8s.pod_net, c->k8s.pod_prefix);
        show_kv(f, 6, "cni", c->k8s.cni);
        show_kv(f, 6, "runtime", c->k8s.runtime);
        preflight_names_join(c->k8s.ignore_preflight, buf, sizeof(buf));
        fprintf(f, "      ignore_preflight_errors: [%s]\n", buf);
        fprintf(f, "    host:\n");
        show_kv(f, 6, "swap", swap_to_string(c->host.swap));
        show_kv(f, 6, "selinux", selinux_to_string(c->host.selinux));
        show_kv(f, 6, "firewall", firewall_to_string(c->host.firewall));
        fprintf(f, "      grow_root: %s\n", c->host.grow_root ? "true" : "false");
        fprintf(f, "      sysctls:%s\n", c->host.n_sysctls ? "" : " {}");
        for (size_t i = 0; i < c->host.n_sysctls; i++)
                show_kv(f, 8, c->host.sysctls[i].key, c->host.sysctls[i].value);
        fprintf(f, "  ssh_authorized_keys:%s\n", c->n_ssh_keys ? "" : " []");
        for (size_t i = 0; i < c->n_ssh_keys; i++) {
                fprintf(f, "    - ");
                show_string(f, c->ssh_keys[i]);
                fputc('\n', f);
        }

        if (!c->have_network_config) {
                fprintf(f, "network-config: null  # none: the network is left as it is\n");
                return;
        }
        fprintf(f, "network-config:\n  interfaces:\n");
        for (size_t i = 0; i < c->n_ifaces; i++) {
                const struct fb_iface *iface = &c->ifaces[i];
                bool first = true;

#define ITEM(key) fprintf(f, "%s%s: ", first ? "    - " : "      ", key), first = false
                if (iface->name[0]) {
                        ITEM("name");
                        show_string(f, iface->name);
                        fputc('\n', f);
                }
                if (iface->mac[0]) {
                        ITEM("mac");
                        fprintf(f, "\"%s\"\n", iface->mac);
                }
                ITEM("address");
                if (iface->address) {
                        format_ipv4(iface->address, a);
                        fprintf(f, "%s/%u\n", a, iface->prefix);
                } else
                        fprintf(f, "dhcp\n");
#undef ITEM
                if (iface->gateway) {
                        format_ipv4(iface->gateway, a);
                        fprintf(f, "      gateway: %s\n", a);
                }
                if (iface->n_dns) {
                        fprintf(f, "      dns: [");
                        for (unsigned j = 0; j < iface->n_dns; j++) {
                                format_ipv4(iface->dns[j], a);
                                fprintf(f, "%s%s", j ? ", " : "", a);
                        }
                        fprintf(f, "]\n");
                }
                if (iface->search[0]) {
                        const char *p = iface->search;
                        fprintf(f, "      search: [");
                        while (*p) {
                                size_t n = strcspn(p, " ");
                                fprintf(f, "%s%.*s", p == iface->search ? "" : ", ", (int) n, p);
                                p += n;
                                p += *p == ' ';
                        }
                        fprintf(f, "]\n");
                }
        }
}
