/* SPDX-License-Identifier: MIT */
/* The cluster settings' fields, shared by user-data and the seed generator's inventory: see
 * config-fields.h. The rules are docs/seed-format.md's; messages never show a secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config-fields.h"
#include "log.h"
#include "macro.h"
#include "parse.h"

/* ---- values ----------------------------------------------------------------------------------- */

/* "[OPTIONS ]TYPE BASE64[ COMMENT]" as in authorized_keys(5); one line, so nothing can be smuggled in. */
static bool ssh_key_is_valid(const char *s) {
        static const char *const types[] = {
                "ssh-ed25519",         "ssh-rsa",
                "ssh-dss",             "ecdsa-sha2-nistp256",
                "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
        };

        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
                        return false;
        for (const char *p = s; *p; p++) {
                if (p != s && p[-1] != ' ')
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                        size_t n = strlen(types[i]), blob = 0;
                        const char *b;
                        if (strncmp(p, types[i], n) != 0 || p[n] != ' ')
                                continue;
                        for (b = p + n + 1; *b && *b != ' '; b++, blob++)
                                if (!((*b >= 'A' && *b <= 'Z') || (*b >= 'a' && *b <= 'z') ||
                                      (*b >= '0' && *b <= '9') || *b == '+' || *b == '/' || *b == '='))
                                        return false;
                        return blob >= 16 && strncmp(p + n + 1, "AAAA", 4) == 0;
                }
        }
        return false;
}

/* sysctl.d's rule: a key whose first separator is '/' uses '/' between components and '.' inside them. */
static void sysctl_normalize(const char *key, char *out, size_t size) {
        size_t first = strcspn(key, "./");
        bool slashed = key[first] == '/';

        snprintf(out, size, "%s", key);
        if (slashed)
                for (char *p = out; *p; p++)
                        *p = *p == '/' ? '.' : *p == '.' ? '/' : *p;
}

int config_hostname_value(struct schema_ctx *x, const struct ynode *v, char *buf, size_t size) {
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (v->length > 63)
                return schema_error_at(x, v, "\"%s\" is longer than 63 characters (a Kubernetes node name)", esc(s, e));
        if (!hostname_is_valid(s)) {
                for (const char *p = s; *p; p++)
                        if (*p >= 'A' && *p <= 'Z')
                                return schema_error_at(x, v,
                                                       "\"%s\" must be lower case (it is the Kubernetes node name)",
                                                       esc(s, e));
                return schema_error_at(x, v,
                                       "\"%s\" is not a valid host name (RFC 1123: lower-case letters, digits, '-' and "
                                       "'.', labels not starting or ending with '-')",
                                       esc(s, e));
        }
        return strscpy(buf, size, s);
}

int config_role_value(struct schema_ctx *x, const struct ynode *v, enum fb_role *ret) {
        static const char *const roles[] = { "control-plane", "worker" };
        size_t i;

        if (v->type == YNODE_SCALAR && streq(v->value, "master"))
                return schema_error_at(x, v,
                                       "\"master\" is not one of: control-plane, worker; did you mean control-plane?");
        if (v->type == YNODE_SCALAR && streq(v->value, "node"))
                return schema_error_at(x, v, "\"node\" is not one of: control-plane, worker; did you mean worker?");
        if (schema_choice(x, v, roles, ELEMENTSOF(roles), &i) < 0)
                return -EINVAL;
        *ret = i == 0 ? FB_ROLE_CONTROL_PLANE : FB_ROLE_WORKER;
        return 0;
}

bool ifname_is_valid(const char *s) {
        size_t len = strlen(s);

        if (len == 0 || len > 15 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("_.-", *p)))
                        return false;
        return true;
}

int config_ifname_value(struct schema_ctx *x, const struct ynode *v, const char *pattern_hint, char *buf,
                        size_t size) {
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (strpbrk(s, "*?["))
                return schema_error_at(x, v, "\"%s\": patterns are not supported; %s", esc(s, e), pattern_hint);
        if (!ifname_is_valid(s))
                return schema_error_at(x, v, "\"%s\" is not an interface name (1-15 letters, digits, '_', '.', '-')",
                                       esc(s, e));
        return strscpy(buf, size, s);
}

int config_mac_value(struct schema_ctx *x, const struct ynode *v, char buf[static 18]) {
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_mac(s, buf) < 0)
                return schema_error_at(x, v, "\"%s\" is not a MAC address like 52:54:00:12:34:56", esc(s, e));
        return 0;
}

int config_domain_value(struct schema_ctx *x, const struct ynode *v, const char **ret) {
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (!dns_name_is_valid(s))
                return schema_error_at(x, v, "\"%s\" is not a DNS domain", esc(s, e));
        *ret = s;
        return 0;
}

/* ---- cluster, endpoint, token_ttl, join_timeout ----------------------------------------------- */

int config_field_cluster(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        const char *s;
        size_t len;
        escaped_t e;

        if (schema_text(x, v, sizeof(config_of(x)->cluster_name), &s) < 0)
                return -EINVAL;
        len = strlen(s);
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
                if (!alnum && !(ch == '-' && i > 0 && i < len - 1))
                        return schema_error_at(x, v,
                                               "\"%s\" may only contain lower-case letters, digits and '-', starting "
                                               "and ending with a letter or digit (it is used in URL paths)",
                                               esc(s, e));
        }
        return strscpy(config_of(x)->cluster_name, sizeof(config_of(x)->cluster_name), s);
}

/* http(s)://HOST[:PORT][/PATH]: HOST a DNS name or IPv4 address; no credentials, query or fragment.
 * Stored with a trailing '/', since paths are appended to it. */
int config_field_endpoint(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        char host[256], *out = config_of(x)->endpoint;
        const char *s, *rest, *authority_end, *colon;
        size_t host_len, len;
        escaped_t e;

        if (schema_text(x, v, sizeof(config_of(x)->endpoint) - 1, &s) < 0)
                return -EINVAL;
        /* first, so that no other message shows a password */
        if (strchr(s, '@'))
                return schema_error_at(x, v, "must not contain credentials (user@ or user:password@)");
        if (strncmp(s, "http://", 7) == 0)
                rest = s + 7;
        else if (strncmp(s, "https://", 8) == 0)
                rest = s + 8;
        else
                return schema_error_at(x, v, "\"%s\" must start with http:// or https://", esc(s, e));
        if (strpbrk(s, "?#"))
                return schema_error_at(x, v, "\"%s\" must not have a query (?) or fragment (#)", esc(s, e));

        authority_end = strchr(rest, '/');
        if (!authority_end)
                authority_end = rest + strlen(rest);
        if (rest[0] == '[')
                return schema_error_at(x, v, "\"%s\": IPv6 addresses are not supported", esc(s, e));
        colon = memchr(rest, ':', (size_t) (authority_end - rest));
        host_len = (size_t) ((colon ? colon : authority_end) - rest);
        if (host_len == 0 || host_len >= sizeof(host))
                return schema_error_at(x, v, "\"%s\" has no valid host", esc(s, e));
        memcpy(host, rest, host_len);
        host[host_len] = 0;
        {
                uint32_t a;
                if (parse_ipv4(host, &a) < 0 && !dns_name_is_valid(host))
                        return schema_error_at(x, v, "\"%s\": \"%s\" is neither an IPv4 address nor a host name",
                                               esc(s, e),
                                               host);
        }
        if (colon) {
                char port[8];
                size_t port_len = (size_t) (authority_end - colon - 1);
                unsigned long long p;
                if (port_len == 0 || port_len >= sizeof(port))
                        return schema_error_at(x, v, "\"%s\" has a bad port", esc(s, e));
                memcpy(port, colon + 1, port_len);
                port[port_len] = 0;
                if (parse_uint(port, 1, 65535, &p) < 0)
                        return schema_error_at(x, v, "\"%s\": port \"%s\" is not a number from 1 to 65535", esc(s, e),
                                               port);
        }
        for (const char *p = authority_end; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("-._~/", *p)))
                        return schema_error_at(x, v, "\"%s\": the path may only contain letters, digits and -._~/",
                                               esc(s, e));
        if (strstr(authority_end, "//") || strstr(authority_end, "/./") || strstr(authority_end, "/../"))
                return schema_error_at(x, v, "\"%s\": the path has an empty, . or .. segment", esc(s, e));

        len = strlen(s);
        memcpy(out, s, len + 1);
        if (len == 0 || out[len - 1] != '/') {
                out[len] = '/';
                out[len + 1] = 0;
        }
        config_of(x)->endpoint_pos = pos_of(x, v);
        return 0;
}

int config_field_token_ttl(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_duration(x, v, 60, 365ULL * 86400, "1m to 8760h; kubeadm's 0 = never expires is refused",
                               &config_of(x)->token_ttl_s);
}

int config_field_join_timeout(struct schema_ctx *x, const struct ynode *key, const struct ynode *v,
                               void *userdata) {
        return schema_duration(x, v, 60, 7ULL * 86400, "1m to 168h", &config_of(x)->join_timeout_s);
}

/* ---- kubernetes ------------------------------------------------------------------------------- */

static int k8s_version(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        char version[32];
        unsigned major, minor, patch;
        const char *s;
        escaped_t e;

        if (schema_scalar(x, v, &s) < 0)
                return -EINVAL;
        if (parse_k8s_version(s, version) < 0 || parse_k8s_version_numbers(version, &major, &minor, &patch) < 0)
                return schema_error_at(x, v, "\"%s\" is not a Kubernetes version like v1.23.6", esc(s, e));
        /* kubeadm's v1beta3 config exists from 1.22; dockershim, the only runtime here, is gone in 1.24 */
        if (major != 1 || minor < 22 || minor > 23)
                return schema_error_at(x, v,
                                       "%s is not supported: kube-firstboot drives kubeadm 1.22 or 1.23 with docker "
                                       "(dockershim was removed in 1.24)",
                                       version);
        config_of(x)->k8s.version_pos = pos_of(x, v);
        return strscpy(config_of(x)->k8s.version, sizeof(config_of(x)->k8s.version), version);
}

static int k8s_control_plane(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        char host[sizeof(config_of(x)->k8s.control_plane_host)];
        unsigned long long port = 6443;
        const char *s, *colon;
        uint32_t a;
        escaped_t e;

        if (schema_text(x, v, sizeof(host), &s) < 0)
                return -EINVAL;
        if (strchr(s, '[') || strchr(s, ':') != strrchr(s, ':'))
                return schema_error_at(x, v, "\"%s\": IPv6 is not supported, only IPv4", esc(s, e));
        colon = strchr(s, ':');
        if (colon) {
                if (parse_uint(colon + 1, 1, 65535, &port) < 0)
                        return schema_error_at(x, v, "\"%s\": the port must be a number from 1 to 65535", esc(s, e));
                memcpy(host, s, (size_t) (colon - s));
                host[colon - s] = 0;
        } else
                strscpy(host, sizeof(host), s);

        if (parse_ipv4(host, &a) == 0) {
                const char *reserved = ipv4_reserved(a, 32);
                if (reserved)
                        return schema_error_at(x, v, "%s is in %s", host, reserved);
        } else if (!dns_name_is_valid(host))
                return schema_error_at(x, v, "\"%s\" is neither an IPv4 address nor a host name (HOST or HOST:PORT)",
                                       esc(s, e));
        strscpy(config_of(x)->k8s.control_plane_host, sizeof(config_of(x)->k8s.control_plane_host), host);
        config_of(x)->k8s.control_plane_port = (unsigned) port;
        config_of(x)->k8s.control_plane_pos = pos_of(x, v);
        return 0;
}

static int k8s_image_repository(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        const char *s;
        size_t len;
        escaped_t e;

        if (schema_text(x, v, sizeof(config_of(x)->k8s.image_repository), &s) < 0)
                return -EINVAL;
        len = strlen(s);
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("._-/:", *p)))
                        return schema_error_at(x, v, "\"%s\" is not an image repository like registry.example.com/path",
                                               esc(s, e));
        if (strchr("._-/:", s[0]) || strchr("._-/:", s[len - 1]) || strstr(s, "//"))
                return schema_error_at(x, v, "\"%s\" is not an image repository like registry.example.com/path",
                                       esc(s, e));
        return strscpy(config_of(x)->k8s.image_repository, sizeof(config_of(x)->k8s.image_repository), s);
}

static int k8s_service_cidr(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        if (schema_cidr(x, v, 12, 28, "the API server allows at most 20 host bits", &config_of(x)->k8s.service_net,
                        &config_of(x)->k8s.service_prefix) < 0)
                return -EINVAL;
        config_of(x)->k8s.service_pos = pos_of(x, v);
        return 0;
}

static int k8s_pod_cidr(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        if (schema_cidr(x, v, 8, 23, "every node gets a /24 of it", &config_of(x)->k8s.pod_net,
                        &config_of(x)->k8s.pod_prefix) < 0)
                return -EINVAL;
        config_of(x)->k8s.pod_pos = pos_of(x, v);
        return 0;
}

static int k8s_cni(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const cnis[] = { "flannel", "host-gw", "none" };
        size_t i;

        if (schema_choice(x, v, cnis, ELEMENTSOF(cnis), &i) < 0)
                return -EINVAL;
        config_of(x)->k8s.cni_pos = pos_of(x, v);
        return strscpy(config_of(x)->k8s.cni, sizeof(config_of(x)->k8s.cni), cnis[i]);
}

static int k8s_runtime(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const runtimes[] = { "docker" };
        size_t i;

        if (schema_choice(x, v, runtimes, ELEMENTSOF(runtimes), &i) < 0)
                return -EINVAL;
        return strscpy(config_of(x)->k8s.runtime, sizeof(config_of(x)->k8s.runtime), runtimes[i]);
}

/* One name of ignore_preflight_errors. Only the checks of the machine's size: a lab of small VMs may
 * knowingly run a control plane on 1 CPU or 1 GiB, while every other kubeadm check points at something
 * that breaks the cluster, which the seed should fix instead. Any case, as kubeadm compares them. */
static int k8s_ignore_preflight_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct fb_config *c = config_of(x);
        const char *s, *suggestion;
        char names[64];
        escaped_t e;

        if (schema_scalar(x, item, &s) < 0)
                return -EINVAL;
        schema_list_names(fb_preflight_names, FB_PREFLIGHT_N, sizeof(fb_preflight_names[0]), names, sizeof(names));
        if (strcasecmp(s, "all") == 0)
                return schema_error_at(x, item,
                                       "\"%s\" would turn every preflight error into a warning; name the checks "
                                       "(%s)", esc(s, e), names);
        for (size_t i = 0; i < FB_PREFLIGHT_N; i++)
                if (strcasecmp(s, fb_preflight_names[i]) == 0) {
                        if (c->k8s.ignore_preflight & (1u << i))
                                return schema_error_at(x, item, "%s is listed twice", fb_preflight_names[i]);
                        c->k8s.ignore_preflight |= 1u << i;
                        return 0;
                }
        suggestion = schema_closest(s, fb_preflight_names, FB_PREFLIGHT_N, sizeof(fb_preflight_names[0]));
        if (suggestion)
                return schema_error_at(x, item, "\"%s\" is not one of: %s; did you mean %s?", esc(s, e), names,
                                       suggestion);
        return schema_error_at(x, item,
                               "\"%s\" is not one of: %s (only the checks of the machine's size may be ignored; "
                               "fix what the others find)",
                               esc(s, e), names);
}

static int k8s_ignore_preflight(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        config_of(x)->k8s.ignore_preflight = 0;
        return schema_list(x, v, "kubeadm preflight check names", false, k8s_ignore_preflight_item, NULL);
}

/* How long kubeadm init waits for the control plane to come up (kubeadm's own default is 4m): an API
 * server on an emulated machine can need far longer. Bounded by the agent's own run of kubeadm init. */
static int k8s_control_plane_timeout(struct schema_ctx *x, const struct ynode *key, const struct ynode *v,
                                     void *userdata) {
        return schema_duration(x, v, 60, 60 * 60, "1m to 60m", &config_of(x)->k8s.control_plane_timeout_s);
}

/* on (kubeadm's default) or off: a single control plane has nobody to elect, and on a slow host the
 * controller manager and scheduler lose their leases to a slow API server and restart over and over. */
static int k8s_leader_election(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const choices[] = { "on", "off" };
        size_t i;

        if (schema_choice(x, v, choices, ELEMENTSOF(choices), &i) < 0)
                return -EINVAL;
        config_of(x)->k8s.no_leader_election = i == 1;
        return 0;
}

static const struct schema_field kubernetes_fields[] = {
        { "version", k8s_version, NULL },
        { "control_plane", k8s_control_plane, NULL },
        { "image_repository", k8s_image_repository, NULL },
        { "service_cidr", k8s_service_cidr, NULL },
        { "pod_cidr", k8s_pod_cidr, NULL },
        { "cni", k8s_cni, NULL },
        { "runtime", k8s_runtime, NULL },
        { "ignore_preflight_errors", k8s_ignore_preflight, NULL },
        { "control_plane_timeout", k8s_control_plane_timeout, NULL },
        { "leader_election", k8s_leader_election, NULL },
};

int config_field_kubernetes(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_mapping(x, key, v, kubernetes_fields, ELEMENTSOF(kubernetes_fields), SCHEMA_UNKNOWN_ERROR, NULL,
                              NULL);
}

/* ---- host ------------------------------------------------------------------------------------- */

static int host_swap(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const values[] = { "off", "keep" };
        size_t i;

        if (schema_choice(x, v, values, ELEMENTSOF(values), &i) < 0)
                return -EINVAL;
        config_of(x)->host.swap = i == 0 ? FB_SWAP_OFF : FB_SWAP_KEEP;
        return 0;
}

static int host_selinux(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const values[] = { "permissive", "keep" };
        size_t i;

        if (schema_choice(x, v, values, ELEMENTSOF(values), &i) < 0)
                return -EINVAL;
        config_of(x)->host.selinux = i == 0 ? FB_SELINUX_PERMISSIVE : FB_SELINUX_KEEP;
        return 0;
}

static int host_firewall(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        static const char *const values[] = { "open", "keep", "disable" };
        static const enum fb_firewall map[] = { FB_FIREWALL_OPEN, FB_FIREWALL_KEEP, FB_FIREWALL_DISABLE };
        size_t i;

        if (schema_choice(x, v, values, ELEMENTSOF(values), &i) < 0)
                return -EINVAL;
        config_of(x)->host.firewall = map[i];
        return 0;
}

static int host_grow_root(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_bool(x, v, &config_of(x)->host.grow_root);
}

static int host_sysctls(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        /* Kubernetes networking breaks without these; host-sysctl sets them to 1 */
        static const char *const required_on[] = {
                "net.ipv4.ip_forward",
                "net.bridge.bridge-nf-call-iptables",
                "net.bridge.bridge-nf-call-ip6tables",
        };
        struct fb_config *c = config_of(x);
        int r = 0;

        c->host.n_sysctls = 0;
        if (ynode_is_null(v))
                return 0;
        if (v->type != YNODE_MAPPING)
                return schema_error_at(x, v, "expected a mapping of sysctl keys to values, got %s",
                                       ynode_type_to_string(v->type));
        for (size_t i = 0; i < v->n_items; i++) {
                const struct ynode *k = v->keys[i], *value = v->items[i];
                char normalized[sizeof(c->host.sysctls[0].key)];
                struct fb_sysctl *s;
                const char *text;
                size_t old = schema_path_key(x, k->value);
                escaped_t e;

                if (c->host.n_sysctls >= FB_MAX_SYSCTLS) {
                        r = schema_error_at(x, k, "more than %d sysctls", FB_MAX_SYSCTLS);
                        schema_path_restore(x, old);
                        break;
                }
                if (!sysctl_key_is_valid(k->value)) {
                        r = schema_error_at(x, k, "\"%s\" is not a sysctl key like net.ipv4.ip_forward",
                                            esc(k->value, e));
                        schema_path_restore(x, old);
                        continue;
                }
                sysctl_normalize(k->value, normalized, sizeof(normalized));
                if (schema_text(x, value, sizeof(s->value), &text) < 0) {
                        r = -EINVAL;
                        schema_path_restore(x, old);
                        continue;
                }
                for (size_t j = 0; j < ELEMENTSOF(required_on); j++)
                        if (streq(normalized, required_on[j]) && !streq(text, "1"))
                                r = schema_error_at(x, value, "\"%s\": Kubernetes needs %s = 1", esc(text, e),
                                                    required_on[j]);
                for (size_t j = 0; j < c->host.n_sysctls; j++)
                        if (streq(c->host.sysctls[j].key, normalized))
                                r = schema_error_at(x, k, "the same sysctl as line %u", c->host.sysctls[j].pos.line);
                s = &c->host.sysctls[c->host.n_sysctls++];
                strscpy(s->key, sizeof(s->key), normalized);
                strscpy(s->value, sizeof(s->value), text);
                s->pos = pos_of(x, k);
                schema_path_restore(x, old);
        }
        return r;
}

static const struct schema_field host_fields[] = {
        { "swap", host_swap, NULL },
        { "selinux", host_selinux, NULL },
        { "firewall", host_firewall, NULL },
        { "grow_root", host_grow_root, NULL },
        { "sysctls", host_sysctls, NULL },
};

int config_field_host(struct schema_ctx *x, const struct ynode *key, const struct ynode *v, void *userdata) {
        return schema_mapping(x, key, v, host_fields, ELEMENTSOF(host_fields), SCHEMA_UNKNOWN_ERROR, NULL, NULL);
}

/* ---- ssh_authorized_keys ---------------------------------------------------------------------- */

static int ssh_key_item(struct schema_ctx *x, const struct ynode *item, size_t index, void *userdata) {
        struct fb_config *c = config_of(x);
        char *copy;

        if (c->n_ssh_keys >= FB_MAX_SSH_KEYS) {
                schema_error_at(x, item, "more than %d keys", FB_MAX_SSH_KEYS);
                return -E2BIG;
        }
        if (item->type != YNODE_SCALAR || ynode_is_null(item))
                return schema_error_at(x, item, "expected a public key line, got %s",
                                       item->type == YNODE_SCALAR ? "nothing" : ynode_type_to_string(item->type));
        if (item->length >= FB_MAX_SSH_KEY_LEN)
                return schema_error_at(x, item, "longer than %d characters", FB_MAX_SSH_KEY_LEN - 1);
        if (!ssh_key_is_valid(item->value))
                return schema_error_at(x, item,
                                       "not an SSH public key line (\"TYPE BASE64 [COMMENT]\", "
                                       "e.g. ssh-ed25519 AAAA... me@host)");
        copy = strdup(item->value);
        if (!copy)
                return log_error_errno(-ENOMEM, "out of memory");
        c->ssh_keys[c->n_ssh_keys++] = copy;
        return 0;
}

int config_field_ssh_authorized_keys(struct schema_ctx *x, const struct ynode *key, const struct ynode *v,
                                     void *userdata) {
        for (size_t i = 0; i < config_of(x)->n_ssh_keys; i++)
                free(config_of(x)->ssh_keys[i]);
        config_of(x)->n_ssh_keys = 0;
        return schema_list(x, v, "public key lines", false, ssh_key_item, NULL);
}
