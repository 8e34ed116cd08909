/* SPDX-License-Identifier: MIT */
/* Static IPv4 address from network-config: the reference lab gives every node a fixed address "so the
 * cluster does not break when addresses change". With it, what else cloud-init would apply from the
 * same seed: more addresses, static routes, the MTU, a new name for the interface with a MAC, and name
 * servers of the seed's own for a DHCP interface.
 *
 * Two renderers, picked from /etc/os-release: ifcfg files for the network service on CentOS/RHEL-like
 * systems, a .network (and, for a rename, .link) file for systemd-networkd elsewhere (the Debian test
 * guests). Addresses, MTU, routes and a rename are also applied now with ip(8), so the rest of the first
 * boot (kubeadm's advertise address) does not wait for a reboot. Each `ip` change is made only when `ip`
 * shows it missing. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>

#include "fileio.h"
#include "action.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "host/pod-routes.h"
#include "host/unit.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "path.h"

#define STEP "network"
#define OS_RELEASE_MAX (64 * 1024)
/* how long the agent waits for udev when an interface is missing: below HOST_COMMAND_TIMEOUT_MS */
#define UDEV_SETTLE_TIMEOUT_S 100
#define SYSFS_ATTR_MAX 4096 /* sysfs reports every attribute as 4096 bytes long */
#define IFCFG_DIR "/etc/sysconfig/network-scripts"
#define NETWORKD_DIR "/etc/systemd/network"
/* the first line of every file written here but ifcfg-NAME (which says more) */
#define NETWORKD_HEADER "# Written by kube-firstboot from the seed's network-config; rewritten whole on every run.\n"

enum renderer { RENDERER_IFCFG, RENDERER_NETWORKD };

static const char *const networkd_units[] = {
        "/lib/systemd/system/systemd-networkd.service",
        "/usr/lib/systemd/system/systemd-networkd.service",
};

/* One KEY=value of os-release(5): quotes removed, backslash escapes taken literally. "" when absent. */
static void os_release_value(const char *text, size_t size, const char *key, char *ret, size_t ret_size) {
        const char *p = text, *end = text + size, *line;
        size_t len, key_len = strlen(key);

        ret[0] = 0;
        while (text_next_line(&p, end, &line, &len)) {
                size_t n = 0;

                if (len <= key_len || memcmp(line, key, key_len) != 0 || line[key_len] != '=')
                        continue;
                line += key_len + 1;
                len -= key_len + 1;
                if (len >= 2 && (line[0] == '"' || line[0] == '\'') && line[len - 1] == line[0]) {
                        line++;
                        len -= 2;
                }
                for (size_t i = 0; i < len && n + 1 < ret_size; i++)
                        if (line[i] != '\\')
                                ret[n++] = line[i];
                ret[n] = 0;
        }
}

static bool word_in_list(const char *word, const char *const *list) {
        for (; *list; list++)
                if (streq(word, *list))
                        return true;
        return false;
}

static int pick_renderer(enum renderer *ret) {
        static const char *const rhel_ids[] = { "centos", "rhel", "rocky", "almalinux", "fedora", NULL };
        static const char *const rhel_likes[] = { "rhel", "fedora", "centos", NULL };
        _cleanup_free_ char *text = NULL;
        char id[64], id_like[256];
        size_t size = 0;
        int r;

        r = host_read_file("/etc/os-release", OS_RELEASE_MAX, &text, &size);
        if (r == -ENOENT)
                r = host_read_file("/usr/lib/os-release", OS_RELEASE_MAX, &text, &size);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r < 0) {
                id[0] = id_like[0] = 0;
                log_debug("no /etc/os-release or /usr/lib/os-release");
        } else {
                os_release_value(text, size, "ID", id, sizeof(id));
                os_release_value(text, size, "ID_LIKE", id_like, sizeof(id_like));
        }

        if (word_in_list(id, rhel_ids)) {
                *ret = RENDERER_IFCFG;
                return 0;
        }
        for (char *save = NULL, *w = strtok_r(id_like, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
                if (word_in_list(w, rhel_likes)) {
                        *ret = RENDERER_IFCFG;
                        return 0;
                }

        for (size_t i = 0; i < ELEMENTSOF(networkd_units); i++) {
                if (root_exists(networkd_units[i])) {
                        *ret = RENDERER_NETWORKD;
                        return 0;
                }
        }
        return log_error_errno(-EOPNOTSUPP, "cannot configure the static address from network-config: /etc/os-release "
                               "says ID=%s ID_LIKE=%s (not CentOS/RHEL-like, which gets ifcfg files) and "
                               "systemd-networkd is not installed (no %s or %s)",
                               id[0] ? id : "(none)", id_like[0] ? id_like : "(none)", networkd_units[0],
                               networkd_units[1]);
}

/* Names end up in file names and shell-sourced ifcfg files: plain characters only. */
static bool iface_name_is_safe(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n >= IFNAMSIZ || streq(s, ".") || streq(s, ".."))
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && !strchr("_.-", *s))
                        return false;
        return true;
}

static bool search_is_safe(const char *s) {
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && !strchr("_.- ", *s))
                        return false;
        return true;
}

/* A sysfs attribute, whitespace trimmed; quiet: absent or unreadable entries are simply not candidates. */
static int sysfs_read(const char *abs_path, char *ret, size_t size) {
        _cleanup_free_ char *text = NULL;
        const char *p;
        size_t n;
        int r;

        r = root_read_file(abs_path, SYSFS_ATTR_MAX, &text, &n);
        if (r < 0)
                return r;
        while (n > 0 && isspace((unsigned char) text[n - 1]))
                text[--n] = 0;
        for (p = text; isspace((unsigned char) *p); p++)
                ;
        return strscpy(ret, size, p);
}

/* Whether /sys/class/net/NAME, or with attr /sys/class/net/NAME/ATTR, exists (under the root). */
static bool sys_class_net_has(const char *name, const char *attr) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "/sys/class/net/%s%s%s", name, attr ? "/" : "", attr ? attr : "") < 0) {
                path = NULL;
                return false;
        }
        return root_exists(path);
}

static bool iface_is_physical(const char *name) {
        return sys_class_net_has(name, "device");
}

/* A failure of iface_resolve(): logged, unless quiet (a first look, repeated once udev has settled). */
#define resolve_fail(quiet, r, ...) ((quiet) ? (r) : log_error_errno((r), __VA_ARGS__))

/* The interface's name now: by MAC from /sys/class/net/STAR/address, else the configured name, which
 * must exist (-ENODEV when it does not, or no interface has the MAC). Interfaces are never renamed here. */
static int iface_resolve(const struct fb_iface *iface, char ret[IFNAMSIZ], bool quiet) {
        _cleanup_free_ char *path = NULL, *abs_path = NULL;
        char found[2][IFNAMSIZ] = { "", "" }; /* [1]: physical devices */
        unsigned n_found[2] = { 0, 0 }, k;
        DIR *d;
        struct dirent *de;

        if (!iface->mac[0]) {
                if (!iface_name_is_safe(iface->name))
                        return resolve_fail(quiet, -EINVAL, "network-config: interface name \"%s\" is not a plain "
                                               "interface name", iface->name);
                if (asprintf(&abs_path, "/sys/class/net/%s", iface->name) < 0 || !(path = root_path(abs_path)))
                        return resolve_fail(quiet, -ENOMEM, "/sys/class/net/%s: %m", iface->name);
                if (!root_exists(abs_path))
                        return resolve_fail(quiet, -ENODEV, "network-config: interface %s does not exist (no %s)",
                                               iface->name, path);
                strscpy(ret, IFNAMSIZ, iface->name);
                return 0;
        }

        path = root_path("/sys/class/net");
        if (!path)
                return resolve_fail(quiet, -ENOMEM, "/sys/class/net: %m");
        d = root_opendir("/sys/class/net");
        if (!d)
                return resolve_fail(quiet, -errno, "%s: cannot list the network interfaces: %m", path);
        while ((de = readdir(d))) {
                _cleanup_free_ char *attr = NULL;
                char mac[64];

                if (de->d_name[0] == '.' || !iface_name_is_safe(de->d_name))
                        continue;
                if (asprintf(&attr, "/sys/class/net/%s/address", de->d_name) < 0) {
                        attr = NULL;
                        continue;
                }
                if (sysfs_read(attr, mac, sizeof(mac)) < 0)
                        continue;
                for (char *c = mac; *c; c++)
                        *c = (char) tolower((unsigned char) *c);
                if (!streq(mac, iface->mac))
                        continue;
                /* bridges, VLANs and bonds copy their parent's MAC: a real device wins over them */
                k = iface_is_physical(de->d_name) ? 1 : 0;
                if (n_found[k]++ == 0)
                        strscpy(found[k], sizeof(found[k]), de->d_name); /* iface_name_is_safe(): shorter than IFNAMSIZ */
        }
        closedir(d);

        k = n_found[1] > 0 ? 1 : 0;
        if (n_found[k] == 0)
                return resolve_fail(quiet, -ENODEV, "network-config: no interface has MAC %s (none in %s)", iface->mac,
                                       path);
        if (n_found[k] > 1)
                return resolve_fail(quiet, -ENOTUNIQ, "network-config: several interfaces have MAC %s; name the "
                                       "interface instead", iface->mac);
        if (iface->name[0] && !iface->rename && !streq(iface->name, found[k]))
                return resolve_fail(quiet, -EINVAL, "network-config: the interface with MAC %s is %s, not %s (match: "
                                       "{macaddress: ...} with set-name: %s renames it)", iface->mac, found[k],
                                       iface->name, iface->name);
        strscpy(ret, IFNAMSIZ, found[k]);
        return 0;
}

/* An interface to be renamed (set-name, or v1's name with mac_address): found by its MAC (iface_resolve()),
 * and its new name not another interface's. */
static int iface_rename_check(const struct fb_iface *iface, const char *current) {
        _cleanup_free_ char *abs_path = NULL;

        if (!iface->rename || streq(iface->name, current))
                return 0;
        if (!iface_name_is_safe(iface->name))
                return log_error_errno(-EINVAL, "network-config: interface name \"%s\" is not a plain interface name",
                                       iface->name);
        if (asprintf(&abs_path, "/sys/class/net/%s", iface->name) < 0) {
                abs_path = NULL;
                return log_error_errno(-ENOMEM, "/sys/class/net/%s: %m", iface->name);
        }
        if (root_exists(abs_path))
                return log_error_errno(-EEXIST, "network-config: cannot rename %s (MAC %s) to %s: another interface "
                                       "has that name; set-name another name", current, iface->mac, iface->name);
        return 0;
}

static const char *const kind_words[] = {
        [FB_IFACE_ETHERNET] = "ethernet", [FB_IFACE_BOND] = "bond", [FB_IFACE_BRIDGE] = "bridge", [FB_IFACE_VLAN] = "VLAN",
};

/* Whether the bond, bridge or VLAN of that name exists already (sysfs, as the kernel shows it). */
static bool netdev_exists(const char *name) {
        return sys_class_net_has(name, NULL);
}

/* A bond, bridge or VLAN is created (apply_now()) unless it exists; one that exists must be of its kind:
 * a bond has /sys/class/net/NAME/bonding, a bridge .../bridge, a VLAN /proc/net/vlan/NAME. */
static int netdev_check(const struct fb_iface *iface, char ret[IFNAMSIZ]) {
        _cleanup_free_ char *abs_path = NULL;

        if (!iface_name_is_safe(iface->name))
                return log_error_errno(-EINVAL, "network-config: interface name \"%s\" is not a plain interface name",
                                       iface->name);
        strscpy(ret, IFNAMSIZ, iface->name);
        if (!netdev_exists(iface->name))
                return 0;
        if (asprintf(&abs_path, iface->kind == FB_IFACE_BOND     ? "/sys/class/net/%s/bonding"
                                : iface->kind == FB_IFACE_BRIDGE ? "/sys/class/net/%s/bridge"
                                                                 : "/proc/net/vlan/%s",
                     iface->name) < 0) {
                abs_path = NULL;
                return log_error_errno(-ENOMEM, "%s: %m", iface->name);
        }
        if (!root_exists(abs_path))
                return log_error_errno(-EEXIST, "network-config: %s is to be a %s, but an interface of that name that "
                                       "is not one exists (no %s); name the %s differently", iface->name,
                                       kind_words[iface->kind], abs_path, kind_words[iface->kind]);
        return 0;
}

/* Whether the step writes a file for the interface: a static address, DHCP with name servers or search
 * domains of its own (which the lease's must not replace), a new name or an MTU. DHCP alone is what the
 * distribution already does. */
static bool iface_wants_file(const struct fb_iface *iface) {
        return iface->address || iface->rename || iface->mtu || (iface->dhcp && (iface->n_dns || iface->search[0])) ||
               iface->kind != FB_IFACE_ETHERNET || iface->master || iface->lower;
}

/* What the file makes of the interface, for plan's "after". */
static void iface_summary(const struct fb_iface *iface, char *ret, size_t size) {
        char addr[16];
        size_t n;

        if (iface->address) {
                format_ipv4(iface->address, addr);
                n = (size_t) snprintf(ret, size, "static %s/%u", addr, iface->prefix);
                for (unsigned i = 0; i < iface->n_more && i < FB_MAX_ADDRS - 1 && n < size; i++) {
                        format_ipv4(iface->more[i].address, addr);
                        n += (size_t) snprintf(ret + n, size - n, ", %s/%u", addr, iface->more[i].prefix);
                }
        } else if (iface->dhcp) {
                n = (size_t) snprintf(ret, size, "dhcp");
                for (unsigned i = 0; i < iface->n_dns && i < FB_MAX_DNS && n < size; i++) {
                        format_ipv4(iface->dns[i], addr);
                        n += (size_t) snprintf(ret + n, size - n, "%s%s", i ? " " : ", name servers ", addr);
                }
                if (iface->n_dns && n < size)
                        n += (size_t) snprintf(ret + n, size - n, " (not the lease's)");
        } else
                snprintf(ret, size, "no address");
}

/* A bond's or bridge's parameters as ifcfg, ip-link(8) or a .netdev writes them, space separated (ifcfg's
 * BONDING_OPTS, BRIDGING_OPTS, ip's arguments) or one a line (.netdev). ifcfg's bridge takes STP and
 * DELAY as keys of their own (skipped here). */
enum params_form { PARAMS_IFCFG, PARAMS_IP, PARAMS_NETWORKD };

static int append_params(struct buffer *b, const struct fb_run *run, const struct fb_iface *iface,
                         enum params_form form) {
        const struct fb_netdev_param_info *table = iface->kind == FB_IFACE_BOND ? fb_bond_params : fb_bridge_params;
        bool first = true;
        int r = 0;

        for (unsigned i = 0; i < iface->n_params && i < FB_MAX_NETDEV_PARAMS; i++) {
                const struct fb_netdev_param_info *info = &table[iface->params[i].id];
                const char *value = iface->params[i].value;
                char hundredths[32], spaced[sizeof(iface->params[i].value)];

                if (form == PARAMS_NETWORKD && info->type == FB_PARAM_IPV4_LIST) {
                        /* ARPIPTargets= separates the addresses by spaces */
                        strscpy(spaced, sizeof(spaced), value);
                        for (char *c = spaced; *c; c++)
                                *c = *c == ',' ? ' ' : *c;
                        value = spaced;
                }
                if (form == PARAMS_NETWORKD) {
                        r |= buffer_appendf(b, "%s=%s%s\n", info->networkd,
                                            info->type == FB_PARAM_BOOL ? (streq(value, "1") ? "yes" : "no") : value,
                                            info->type == FB_PARAM_MS ? "ms" : info->type == FB_PARAM_SECONDS ? "s" : "");
                        continue;
                }
                if (form == PARAMS_IFCFG && iface->kind == FB_IFACE_BRIDGE &&
                    (streq(info->name, "stp_state") || streq(info->name, "forward_delay")))
                        continue;
                /* the kernel's bridge times are in hundredths of a second */
                if (info->type == FB_PARAM_SECONDS) {
                        snprintf(hundredths, sizeof(hundredths), "%s00", value);
                        value = streq(value, "0") ? "0" : hundredths;
                }
                if (form == PARAMS_IP)
                        r |= buffer_appendf(b, " %s %s", info->name, value);
                else
                        r |= buffer_appendf(b, "%s%s=%s", first ? "" : " ", info->name, value);
                first = false;
        }
        if (iface->primary) {
                const char *primary = run->facts.iface_targets[iface->primary - 1];
                /* networkd: the member's .network says PrimarySlave= */
                if (form == PARAMS_IP)
                        r |= buffer_appendf(b, " primary %s", primary);
                else if (form == PARAMS_IFCFG)
                        r |= buffer_appendf(b, "%sprimary=%s", first ? "" : " ", primary);
        }
        return r < 0 ? -ENOMEM : 0;
}

/* The bridge parameter of the kernel's name, "" when not given. */
static const char *bridge_param(const struct fb_iface *iface, const char *name) {
        for (unsigned i = 0; i < iface->n_params && i < FB_MAX_NETDEV_PARAMS; i++)
                if (streq(fb_bridge_params[iface->params[i].id].name, name))
                        return iface->params[i].value;
        return "";
}

/* ifcfg's keys of a bond, bridge or VLAN, and of a member of a bond or bridge (initscripts' sysconfig.txt). */
static int ifcfg_netdev(struct buffer *b, const struct fb_run *run, const struct fb_iface *iface) {
        const struct fb_config *c = run->config;
        const char (*names)[IFNAMSIZ] = run->facts.iface_targets;
        int r = 0;

        switch (iface->kind) {
        case FB_IFACE_ETHERNET:
                r |= buffer_puts(b, "TYPE=Ethernet\n");
                break;
        case FB_IFACE_BOND:
                r |= buffer_puts(b, "TYPE=Bond\nBONDING_MASTER=yes\n");
                if (iface->n_params || iface->primary) {
                        r |= buffer_puts(b, "BONDING_OPTS=\"");
                        r |= append_params(b, run, iface, PARAMS_IFCFG);
                        r |= buffer_puts(b, "\"\n");
                }
                break;
        case FB_IFACE_BRIDGE: {
                const char *stp = bridge_param(iface, "stp_state"), *delay = bridge_param(iface, "forward_delay");
                bool more = false;

                r |= buffer_puts(b, "TYPE=Bridge\n");
                if (stp[0])
                        r |= buffer_appendf(b, "STP=%s\n", streq(stp, "1") ? "on" : "off");
                if (delay[0])
                        r |= buffer_appendf(b, "DELAY=%s\n", delay);
                for (unsigned i = 0; i < iface->n_params && i < FB_MAX_NETDEV_PARAMS; i++)
                        more = more || (!streq(fb_bridge_params[iface->params[i].id].name, "stp_state") &&
                                        !streq(fb_bridge_params[iface->params[i].id].name, "forward_delay"));
                if (more) {
                        r |= buffer_puts(b, "BRIDGING_OPTS=\"");
                        r |= append_params(b, run, iface, PARAMS_IFCFG);
                        r |= buffer_puts(b, "\"\n");
                }
                break;
        }
        case FB_IFACE_VLAN:
                r |= buffer_appendf(b, "VLAN=yes\nPHYSDEV=%s\nVLAN_ID=%u\n", names[iface->link], iface->vlan_id);
                break;
        }
        if (iface->master) {
                const struct fb_iface *m = &c->ifaces[iface->master - 1];
                if (m->kind == FB_IFACE_BOND)
                        r |= buffer_appendf(b, "MASTER=%s\nSLAVE=yes\n", names[iface->master - 1]);
                else
                        r |= buffer_appendf(b, "BRIDGE=%s\n", names[iface->master - 1]);
        }
        return r < 0 ? -ENOMEM : 0;
}

static int render_ifcfg(const struct fb_run *run, const struct fb_iface *iface, const char *name, char **ret,
                        size_t *ret_size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        char addr[16];
        int r = 0;

        format_ipv4(iface->address, addr);
        r |= buffer_puts(&b, "# Written by kube-firstboot from the seed's network-config. The whole file is rewritten on\n"
                             "# every run, so nothing of an earlier configuration (BOOTPROTO=dhcp, an old IPADDR) lingers.\n"
                             "# NM_CONTROLLED=no: the network service owns this interface, and NetworkManager, where\n"
                             "# installed, does not replace the static address with one of its own.\n");
        r |= buffer_appendf(&b, "DEVICE=%s\n", name);
        /* a rename needs no more: the network service's udev rule (rename_device) gives the interface with
         * HWADDR the name DEVICE at boot */
        if (iface->mac[0])
                r |= buffer_appendf(&b, "HWADDR=%s\n", iface->mac);
        r |= ifcfg_netdev(&b, run, iface);
        r |= buffer_puts(&b, "ONBOOT=yes\n");
        if (iface->address) {
                r |= buffer_puts(&b, "BOOTPROTO=none\n");
                r |= buffer_appendf(&b, "IPADDR=%s\nPREFIX=%u\n", addr, iface->prefix);
                /* the network service's ifup-eth adds IPADDR1.. with their PREFIX1.. too */
                for (unsigned i = 0; i < iface->n_more && i < FB_MAX_ADDRS - 1; i++) {
                        format_ipv4(iface->more[i].address, addr);
                        r |= buffer_appendf(&b, "IPADDR%u=%s\nPREFIX%u=%u\n", i + 1, addr, i + 1,
                                            iface->more[i].prefix);
                }
                if (iface->gateway) {
                        format_ipv4(iface->gateway, addr);
                        r |= buffer_appendf(&b, "GATEWAY=%s\nDEFROUTE=yes\n", addr);
                } else
                        r |= buffer_puts(&b, "DEFROUTE=no\n");
        } else if (iface->dhcp) {
                r |= buffer_puts(&b, "BOOTPROTO=dhcp\n");
                /* the seed's name servers, not the lease's, go into resolv.conf */
                if (iface->n_dns)
                        r |= buffer_puts(&b, "PEERDNS=no\n");
        } else
                r |= buffer_puts(&b, "BOOTPROTO=none\n");
        if (iface->mtu)
                r |= buffer_appendf(&b, "MTU=%u\n", iface->mtu);
        for (unsigned i = 0; i < iface->n_dns && i < FB_MAX_DNS; i++) {
                format_ipv4(iface->dns[i], addr);
                r |= buffer_appendf(&b, "DNS%u=%s\n", i + 1, addr);
        }
        if (iface->search[0])
                r |= buffer_appendf(&b, "DOMAIN=\"%s\"\n", iface->search);
        r |= buffer_puts(&b, "NM_CONTROLLED=no\n");
        if (r < 0)
                return -ENOMEM;
        return buffer_steal(&b, ret, ret_size);
}

static int render_networkd(const struct fb_run *run, const struct fb_iface *iface, const char *name, char **ret,
                           size_t *ret_size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        const struct fb_config *c = run->config;
        const char (*names)[IFNAMSIZ] = run->facts.iface_targets;
        unsigned self = (unsigned) (iface - c->ifaces);
        char addr[16];
        int r = 0;

        format_ipv4(iface->address, addr);
        r |= buffer_puts(&b, NETWORKD_HEADER);
        if (iface->mac[0])
                r |= buffer_appendf(&b, "[Match]\nMACAddress=%s\n", iface->mac);
        else
                r |= buffer_appendf(&b, "[Match]\nName=%s\n", name);
        r |= buffer_puts(&b, "\n[Network]\n");
        if (iface->master) {
                const struct fb_iface *m = &c->ifaces[iface->master - 1];
                r |= buffer_appendf(&b, "%s=%s\n", m->kind == FB_IFACE_BOND ? "Bond" : "Bridge",
                                    names[iface->master - 1]);
                if (m->primary == self + 1)
                        r |= buffer_puts(&b, "PrimarySlave=yes\n");
        }
        for (size_t i = 0; i < c->n_ifaces && i < FB_MAX_IFACES; i++)
                if (c->ifaces[i].kind == FB_IFACE_VLAN && c->ifaces[i].link == self)
                        r |= buffer_appendf(&b, "VLAN=%s\n", names[i]);
        if (iface->address) {
                r |= buffer_appendf(&b, "Address=%s/%u\n", addr, iface->prefix);
                for (unsigned i = 0; i < iface->n_more && i < FB_MAX_ADDRS - 1; i++) {
                        format_ipv4(iface->more[i].address, addr);
                        r |= buffer_appendf(&b, "Address=%s/%u\n", addr, iface->more[i].prefix);
                }
        } else if (iface->dhcp)
                r |= buffer_puts(&b, "DHCP=ipv4\n");
        if (iface->gateway) {
                format_ipv4(iface->gateway, addr);
                r |= buffer_appendf(&b, "Gateway=%s\n", addr);
        }
        for (unsigned i = 0; i < iface->n_dns && i < FB_MAX_DNS; i++) {
                format_ipv4(iface->dns[i], addr);
                r |= buffer_appendf(&b, "DNS=%s\n", addr);
        }
        if (iface->search[0])
                r |= buffer_appendf(&b, "Domains=%s\n", iface->search);
        for (unsigned i = 0; i < iface->n_routes && i < FB_MAX_ROUTES; i++) {
                char via[16];
                format_ipv4(iface->routes[i].net, addr);
                format_ipv4(iface->routes[i].via, via);
                r |= buffer_appendf(&b, "\n[Route]\nDestination=%s/%u\nGateway=%s\n", addr, iface->routes[i].prefix,
                                    via);
        }
        /* the seed's name servers, not the lease's */
        if (iface->dhcp && iface->n_dns)
                r |= buffer_puts(&b, "\n[DHCP]\nUseDNS=false\n");
        if (iface->mtu)
                r |= buffer_appendf(&b, "\n[Link]\nMTUBytes=%u\n", iface->mtu);
        if (r < 0)
                return -ENOMEM;
        return buffer_steal(&b, ret, ret_size);
}

/* The network service's route-NAME file, in the form its ifup-routes reads (and cloud-init's sysconfig
 * renderer writes): ADDRESSn, NETMASKn, GATEWAYn. */
static int render_ifcfg_routes(const struct fb_config *c, const struct fb_iface *iface, char **ret,
                               size_t *ret_size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        unsigned i;
        int r = 0;

        r |= buffer_puts(&b, NETWORKD_HEADER);
        for (i = 0; i < iface->n_routes && i < FB_MAX_ROUTES; i++) {
                char net[16], mask[16], via[16];
                format_ipv4(iface->routes[i].net, net);
                format_ipv4(prefix_mask(iface->routes[i].prefix), mask);
                format_ipv4(iface->routes[i].via, via);
                r |= buffer_appendf(&b, "ADDRESS%u=%s\nNETMASK%u=%s\nGATEWAY%u=%s\n", i, net, i, mask, i, via);
        }
        /* one file, one form: ifup-routes reads the whole file either as ADDRESSn keys or as ip(8) lines */
        r |= pod_routes_append_ifcfg(c, iface, i, &b);
        if (r < 0)
                return -ENOMEM;
        return buffer_steal(&b, ret, ret_size);
}

/* systemd-networkd's renderer names the interface with a .link file, which udev applies when the device
 * appears (the next boot); apply_now() renames it for this one. */
static int render_link(const struct fb_iface *iface, char **ret, size_t *ret_size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        int r = 0;

        r |= buffer_puts(&b, NETWORKD_HEADER);
        r |= buffer_appendf(&b, "[Match]\nMACAddress=%s\n\n[Link]\nName=%s\n", iface->mac, iface->name);
        if (r < 0)
                return -ENOMEM;
        return buffer_steal(&b, ret, ret_size);
}

/* systemd-networkd's .netdev of a bond, bridge or VLAN, which networkd creates when it starts. */
static int render_netdev(const struct fb_run *run, const struct fb_iface *iface, const char *name, char **ret,
                         size_t *ret_size) {
        _cleanup_buffer_ struct buffer b = BUFFER_INIT(HOST_TEXT_MAX);
        int r = 0;

        r |= buffer_puts(&b, NETWORKD_HEADER);
        r |= buffer_appendf(&b, "[NetDev]\nName=%s\nKind=%s\n", name,
                            iface->kind == FB_IFACE_BOND ? "bond" : iface->kind == FB_IFACE_BRIDGE ? "bridge" : "vlan");
        if (iface->kind == FB_IFACE_VLAN)
                r |= buffer_appendf(&b, "\n[VLAN]\nId=%u\n", iface->vlan_id);
        else if (iface->n_params) {
                r |= buffer_appendf(&b, "\n[%s]\n", iface->kind == FB_IFACE_BOND ? "Bond" : "Bridge");
                r |= append_params(&b, run, iface, PARAMS_NETWORKD);
        }
        if (r < 0)
                return -ENOMEM;
        return buffer_steal(&b, ret, ret_size);
}

enum config_file { CONFIG_FILE_IFCFG, CONFIG_FILE_IFCFG_ROUTES, CONFIG_FILE_NETWORK, CONFIG_FILE_LINK,
                   CONFIG_FILE_NETDEV };

static int write_config_file(struct fb_run *run, enum config_file kind, const struct fb_iface *iface,
                             const char *name) {
        _cleanup_free_ char *old = NULL, *data = NULL, *abs_path = NULL, *what = NULL;
        char after[192];
        size_t old_size = 0, size = 0;
        int r;

        if (kind == CONFIG_FILE_IFCFG || kind == CONFIG_FILE_IFCFG_ROUTES)
                r = asprintf(&abs_path, IFCFG_DIR "/%s-%s", kind == CONFIG_FILE_IFCFG ? "ifcfg" : "route", name);
        else
                r = asprintf(&abs_path, NETWORKD_DIR "/10-kube-firstboot-%s.%s", name,
                             kind == CONFIG_FILE_LINK ? "link" : kind == CONFIG_FILE_NETDEV ? "netdev" : "network");
        if (r < 0) {
                abs_path = NULL;
                return log_error_errno(-ENOMEM, "%s: %m", name);
        }

        r = kind == CONFIG_FILE_IFCFG          ? render_ifcfg(run, iface, name, &data, &size)
            : kind == CONFIG_FILE_IFCFG_ROUTES ? render_ifcfg_routes(run->config, iface, &data, &size)
            : kind == CONFIG_FILE_NETWORK      ? render_networkd(run, iface, name, &data, &size)
            : kind == CONFIG_FILE_NETDEV       ? render_netdev(run, iface, name, &data, &size)
                                               : render_link(iface, &data, &size);
        if (r >= 0 && kind == CONFIG_FILE_NETWORK)
                r = pod_routes_append_networkd(run->config, iface, &data, &size);
        if (r < 0)
                return log_error_errno(r, "%s: cannot render: %m", abs_path);

        r = host_read_file(abs_path, HOST_FILE_MAX, &old, &old_size);
        if (r < 0 && r != -ENOENT)
                return r;

        if (kind == CONFIG_FILE_LINK)
                snprintf(after, sizeof(after), "%s for MAC %s", iface->name, iface->mac);
        else if (kind == CONFIG_FILE_NETDEV)
                snprintf(after, sizeof(after), "%s %s", iface->kind == FB_IFACE_BOND ? "bond" :
                         iface->kind == FB_IFACE_BRIDGE ? "bridge" : "VLAN", name);
        else if (kind == CONFIG_FILE_IFCFG_ROUTES)
                snprintf(after, sizeof(after), "%zu static route%s", iface->n_routes + pod_routes_count(run->config, iface),
                         iface->n_routes + pod_routes_count(run->config, iface) == 1 ? "" : "s");
        else if (iface->master && !iface->address && !iface->dhcp)
                snprintf(after, sizeof(after), "in %s", run->facts.iface_targets[iface->master - 1]);
        else
                iface_summary(iface, after, sizeof(after));
        if (asprintf(&what, "write %s", abs_path) < 0) {
                what = NULL;
                return log_error_errno(-ENOMEM, "%s: %m", abs_path);
        }
        return host_update_file(run, STEP, abs_path, old, old_size, data, size, 0644, WRITE_ATOMIC_MKDIR, what,
                                old ? "other settings" : NULL, after);
}

/* Whether the renderer's service is enabled (unit.h); a missing one is an error here. */
static int unit_enabled(struct fb_run *run, const char *unit, char ret_word[UNIT_STATE_MAX]) {
        int r = unit_query(run, UNIT_IS_ENABLED, unit, false, ret_word);
        if (r == -ENOENT)
                return log_error_errno(r, "%s.service does not exist, so nothing would apply the static address "
                                       "at boot (%s)", unit,
                                       streq(unit, "network") ? "CentOS 7's initscripts package provides it"
                                                              : "systemd-networkd is part of systemd");
        return r;
}

/* The renderer's service must read the new files at the next boot; systemd-networkd, when it runs, also
 * now, or it would apply its old view at the next link event. The network service of CentOS is never
 * restarted: that takes every interface down and up (and the node's connections with it), and ip(8) has
 * already applied the address. */
static int renderer_service(struct fb_run *run, enum renderer renderer, bool files_changed) {
        const char *unit = renderer == RENDERER_IFCFG ? "network" : "systemd-networkd";
        char word[UNIT_STATE_MAX], what[96];
        bool changed = false;
        int r;

        /* checked before any change (check_network) */
        r = run->facts.network_service_enabled;
        snprintf(word, sizeof(word), "%s", run->facts.network_service_word);
        if (r < 0)
                return r;
        snprintf(what, sizeof(what), "enable %s.service", unit);
        if (r > 0)
                run_unchanged(run, STEP, what);
        else {
                changed = true;
                r = unit_action(run, STEP, what, word, "enabled", "enable", unit);
                if (r < 0)
                        return r;
        }

        if (renderer != RENDERER_NETWORKD || !files_changed)
                return changed;
        r = unit_query(run, UNIT_IS_ACTIVE, unit, false, word);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r <= 0) /* not running: it reads the file when it starts at the next boot */
                return changed;
        return unit_action(run, STEP, "restart systemd-networkd.service to read the new file", "active", "active",
                           "restart", unit);
}

/* Whether `ip -o -4 addr show dev NAME` lists want ("192.168.220.104/24"); ret_list gets every IPv4
 * address seen, for plan's "before". */
static int iface_has_address(struct fb_run *run, const char *name, const char *want, char *ret_list, size_t size) {
        const char *argv[] = { "ip", "-o", "-4", "addr", "show", "dev", name, NULL };
        _cleanup_free_ char *out = NULL;
        bool found = false;
        size_t n = 0;
        int r;

        r = host_query(run, argv, &out);
        if (r < 0)
                return r;

        ret_list[0] = 0;
        for (char *save = NULL, *w = strtok_r(out, " \t\r\n\\", &save), *prev = NULL; w;
             prev = w, w = strtok_r(NULL, " \t\r\n\\", &save)) {
                if (!prev || !streq(prev, "inet"))
                        continue;
                if (streq(w, want))
                        found = true;
                if (n + strlen(w) + 3 < size)
                        n += (size_t) snprintf(ret_list + n, size - n, "%s%s", n ? ", " : "", w);
        }
        if (!ret_list[0])
                snprintf(ret_list, size, "none");
        return found;
}

/* What one `ip -o link show dev NAME` says of the interface: whether UP is among its flags
 * ("<BROADCAST,MULTICAST,UP,...>"), and (ret_master non-NULL) the bond or bridge named after "master", ""
 * for none. 1 up, 0 down, -errno. */
static int iface_link(struct fb_run *run, const char *name, char *ret_master, size_t master_size) {
        const char *argv[] = { "ip", "-o", "link", "show", "dev", name, NULL };
        _cleanup_free_ char *out = NULL;
        char *flags, *flags_end;
        int r;

        r = host_query(run, argv, &out);
        if (r < 0)
                return r;
        flags = strchr(out, '<');
        flags_end = flags ? strchr(flags, '>') : NULL;
        if (!flags_end)
                return log_error_errno(-EBADMSG, "ip -o link show dev %s: no <FLAGS> in its output", name);
        *flags_end = 0;
        if (ret_master) {
                ret_master[0] = 0;
                for (char *save = NULL, *w = strtok_r(flags_end + 1, " \t\r\n\\", &save), *prev = NULL; w;
                     prev = w, w = strtok_r(NULL, " \t\r\n\\", &save))
                        if (prev && streq(prev, "master")) {
                                if (strscpy(ret_master, master_size, w) < 0)
                                        return -ENAMETOOLONG;
                                break;
                        }
        }
        for (char *save = NULL, *f = strtok_r(flags + 1, ",", &save); f; f = strtok_r(NULL, ",", &save))
                if (streq(f, "UP"))
                        return 1;
        return 0;
}

/* Whether `ip -o link show dev NAME` lists UP among the interface's flags. */
static int iface_is_up(struct fb_run *run, const char *name) {
        return iface_link(run, name, NULL, 0);
}

int ip_route_present(struct fb_run *run, const char *dest, const char *via, const char *name, char *ret_current,
                         size_t size) {
        const char *argv[] = { "ip", "route", "show", dest, NULL };
        _cleanup_free_ char *out = NULL, *want = NULL;
        const char *p, *end, *line;
        size_t len;
        bool found = false;
        int r;

        r = host_query(run, argv, &out);
        if (r < 0)
                return r;
        if (asprintf(&want, "%s via %s dev %s", dest, via, name) < 0)
                return log_error_errno(-ENOMEM, "out of memory");
        snprintf(ret_current, size, "none");
        for (p = out, end = out + strlen(out); text_next_line(&p, end, &line, &len);) {
                size_t want_len = strlen(want);

                if (len == 0)
                        continue;
                if (streq(ret_current, "none"))
                        snprintf(ret_current, size, "%.*s", (int) len, line);
                if (len >= want_len && memcmp(line, want, want_len) == 0 && (len == want_len || line[want_len] == ' '))
                        found = true;
        }
        return found;
}

static int run_ip_route_replace(struct fb_run *run, void *argv) {
        return host_command_ok(run, argv, "ip route replace %s", ((const char *const *) argv)[3]);
}

int ip_route_now(struct fb_run *run, const char *step, const char *what, const char *dest, const char *via,
                 const char *name, bool stale) {
        const char *argv[] = { "ip", "route", "replace", dest, "via", via, "dev", name, NULL };
        char current[256], after[96];
        int r;

        r = ip_route_present(run, dest, via, name, current, sizeof(current));
        if (r < 0)
                return r;
        if (r > 0 && !stale) {
                run_unchanged(run, step, what);
                return 0;
        }
        snprintf(after, sizeof(after), "%s via %s dev %s", dest, via, name);
        r = action_take(run, &(struct action) { .step = step, .what = what, .before = current, .after = after,
                                                .kind = ACTION_CALL, .perform = run_ip_route_replace,
                                                .userdata = (void *) argv, .live = true });
        return r < 0 ? r : 1;
}

/* The MTU that `ip -o link show dev NAME` reports ("... mtu 1500 qdisc ..."). */
static int iface_mtu(struct fb_run *run, const char *name, unsigned *ret) {
        const char *argv[] = { "ip", "-o", "link", "show", "dev", name, NULL };
        _cleanup_free_ char *out = NULL;
        unsigned long long mtu;
        int r;

        r = host_query(run, argv, &out);
        if (r < 0)
                return r;
        for (char *save = NULL, *w = strtok_r(out, " \t\r\n\\", &save), *prev = NULL; w;
             prev = w, w = strtok_r(NULL, " \t\r\n\\", &save))
                if (prev && streq(prev, "mtu") && parse_uint(w, 0, UINT_MAX, &mtu) == 0) {
                        *ret = (unsigned) mtu;
                        return 0;
                }
        return log_error_errno(-EBADMSG, "ip -o link show dev %s: no mtu in its output", name);
}

static int run_ip(struct fb_run *run, const char *const argv[]) {
        int r = host_command(run, argv, false, NULL);

        if (r < 0)
                return r;
        if (r != 0)
                return log_error_errno(-EIO, "%s %s %s ... failed (exit status %d): see the agent log", argv[0],
                                       argv[1], argv[2], r);
        return 0;
}

static int run_ip_action(struct fb_run *run, void *argv) {
        return run_ip(run, argv);
}

/* An ip command, described by what (before -> after). */
static int ip_action(struct fb_run *run, const char *what, const char *before, const char *after,
                     const char *const argv[]) {
        return action_take(run, &(struct action) { .step = STEP, .what = what, .before = before, .after = after,
                                                   .kind = ACTION_CALL, .perform = run_ip_action,
                                                   .userdata = (void *) argv, .live = true });
}

/* The interface with the seed's MAC gets its new name now, as cloud-init gives it before the network
 * comes up: Linux renames only an interface that is down, which also drops its routes (apply_now() sets
 * the default route again); its addresses stay. 1 when renamed (or, plan, would be). */
static int rename_now(struct fb_run *run, const char *current, const char *name) {
        char what[128];
        int r;

        r = iface_is_up(run, current);
        if (r < 0)
                return r;
        if (r > 0) {
                const char *argv[] = { "ip", "link", "set", current, "down", NULL };
                snprintf(what, sizeof(what), "bring %s down to rename it now", current);
                r = ip_action(run, what, "up", "down", argv);
                if (r < 0)
                        return r;
        }
        {
                const char *argv[] = { "ip", "link", "set", current, "name", name, NULL };
                snprintf(what, sizeof(what), "rename %s to %s now", current, name);
                r = ip_action(run, what, current, name, argv);
        }
        return r < 0 ? r : 1;
}

/* A bond, bridge or VLAN now, as its .netdev or ifcfg file makes it at boot: `ip link add` unless it
 * exists (its parameters are then left as they are until the next boot), then its members added to it.
 * *ret_absent: plan, and it does not exist yet. */
static int netdev_now(struct fb_run *run, const struct fb_iface *iface, const char *name, bool *ret_absent) {
        const struct fb_host_facts *f = &run->facts;
        _cleanup_buffer_ struct buffer args = BUFFER_INIT(HOST_TEXT_MAX);
        bool changed = false;
        char what[128];
        int r;

        *ret_absent = false;
        snprintf(what, sizeof(what), "create %s %s now", kind_words[iface->kind], name);
        if (netdev_exists(name))
                run_unchanged(run, STEP, what);
        else {
                const char *argv[10 + 2 * FB_MAX_NETDEV_PARAMS]; /* ip link add NAME type KIND, the parameters, primary */
                _cleanup_free_ char *text = NULL;
                char after[1024];
                size_t n = 0, size;

                if (iface->kind == FB_IFACE_VLAN)
                        r = buffer_appendf(&args, "link %s name %s type vlan id %u", f->iface_targets[iface->link], name,
                                           iface->vlan_id);
                else {
                        r = buffer_appendf(&args, "%s type %s", name, kind_words[iface->kind]);
                        r = r < 0 ? r : append_params(&args, run, iface, PARAMS_IP);
                }
                if (r < 0 || buffer_steal(&args, &text, &size) < 0)
                        return log_error_errno(-ENOMEM, "%s: %m", name);
                /* what it is: "bond mode active-backup", "vlan id 100" (ip's words after type) */
                snprintf(after, sizeof(after), "%s", strstr(text, " type ") + strlen(" type "));
                argv[n++] = "ip";
                argv[n++] = "link";
                argv[n++] = "add";
                for (char *save = NULL, *w = strtok_r(text, " ", &save); w && n + 1 < ELEMENTSOF(argv);
                     w = strtok_r(NULL, " ", &save))
                        argv[n++] = w;
                argv[n] = NULL;
                r = ip_action(run, what, "none", after, argv);
                if (r < 0)
                        return r;
                changed = true;
                *ret_absent = run->dry_run;
        }

        for (unsigned i = 0; i < iface->n_members && i < FB_MAX_MEMBERS; i++) {
                unsigned m = iface->members[i];
                const char *member = f->iface_targets[m], *query = run->dry_run ? f->iface_names[m] : member;
                char master[IFNAMSIZ + 8];
                int up;

                up = iface_link(run, query, master, sizeof(master));
                if (up < 0)
                        return up;
                snprintf(what, sizeof(what), "add %s to %s %s now", member, kind_words[iface->kind], name);
                if (streq(master, name)) {
                        run_unchanged(run, STEP, what);
                        continue;
                }
                changed = true;
                r = 0;
                /* the bonding driver takes only an interface that is down */
                if (iface->kind == FB_IFACE_BOND && up) {
                        const char *argv[] = { "ip", "link", "set", member, "down", NULL };
                        char down_what[128];
                        snprintf(down_what, sizeof(down_what), "bring %s down to add it to %s now", member, name);
                        r = ip_action(run, down_what, "up", "down", argv);
                }
                if (r >= 0) {
                        const char *argv[] = { "ip", "link", "set", member, "master", name, NULL };
                        r = ip_action(run, what, master[0] ? master : "none", name, argv);
                }
                if (r >= 0) {
                        const char *argv[] = { "ip", "link", "set", member, "up", NULL };
                        snprintf(what, sizeof(what), "bring %s up in %s now", member, name);
                        r = ip_action(run, what, "down", "up", argv);
                }
                if (r < 0)
                        return r;
        }
        return changed;
}

/* current: the interface's name now; name: the one it is to have (the same unless it is renamed). */
/* absent: plan, of a bond, bridge or VLAN that run would create first; `ip` knows nothing of it yet. */
static int apply_now(struct fb_run *run, const struct fb_iface *iface, const char *current, const char *name,
                     bool set_default_route, bool absent) {
        char addr[16], want[32], list[256], what[128];
        const char *query = name; /* the name ip(8) knows it by after the changes before */
        bool changed = false, renamed = false;
        int r;

        format_ipv4(iface->address, addr);
        snprintf(want, sizeof(want), "%s/%u", addr, iface->prefix);
        if (run->offline) {
                /* the running system's interfaces are not the tree's: the files above apply at its boot */
                if (!streq(current, name)) {
                        snprintf(what, sizeof(what), "rename %s to %s now (ip)", current, name);
                        run_left_out(run, STEP, what);
                }
                if (iface->kind != FB_IFACE_ETHERNET) {
                        snprintf(what, sizeof(what), "create %s %s with its interfaces now (ip)",
                                 kind_words[iface->kind], name);
                        run_left_out(run, STEP, what);
                }
                if (iface->address) {
                        snprintf(what, sizeof(what), "apply %s to %s now (ip)", want, name);
                        run_left_out(run, STEP, what);
                }
                return 0;
        }

        if (!streq(current, name)) {
                r = rename_now(run, current, name);
                if (r < 0)
                        return r;
                changed = renamed = true;
                if (run->dry_run) /* plan: nothing was renamed */
                        query = current;
        }

        for (unsigned i = 0; iface->address && i <= iface->n_more && i < FB_MAX_ADDRS; i++) {
                if (i > 0) {
                        format_ipv4(iface->more[i - 1].address, addr);
                        snprintf(want, sizeof(want), "%s/%u", addr, iface->more[i - 1].prefix);
                }
                if (absent)
                        r = 0, snprintf(list, sizeof(list), "none");
                else
                        r = iface_has_address(run, query, want, list, sizeof(list));
                if (r < 0)
                        return r;
                snprintf(what, sizeof(what), "add address %s to %s now", want, name);
                if (r > 0)
                        run_unchanged(run, STEP, what);
                else {
                        const char *argv[] = { "ip", "addr", "replace", want, "dev", name, NULL };
                        changed = true;
                        r = ip_action(run, what, list, want, argv);
                        if (r < 0)
                                return r;
                }
        }

        if (iface->mtu) {
                char before[16], after[16];
                unsigned mtu = 0;

                r = absent ? 0 : iface_mtu(run, query, &mtu);
                if (r < 0)
                        return r;
                snprintf(what, sizeof(what), "set the MTU of %s to %u now", name, iface->mtu);
                if (mtu == iface->mtu)
                        run_unchanged(run, STEP, what);
                else {
                        const char *argv[] = { "ip", "link", "set", name, "mtu", after, NULL };
                        if (absent)
                                snprintf(before, sizeof(before), "none");
                        else
                                snprintf(before, sizeof(before), "%u", mtu);
                        snprintf(after, sizeof(after), "%u", iface->mtu);
                        changed = true;
                        r = ip_action(run, what, before, after, argv);
                        if (r < 0)
                                return r;
                }
        }

        /* a renamed interface is down: the rename took it down */
        r = renamed || absent ? 0 : iface_is_up(run, name);
        if (r < 0)
                return r;
        snprintf(what, sizeof(what), "bring %s up now", name);
        if (r > 0)
                run_unchanged(run, STEP, what);
        else {
                const char *argv[] = { "ip", "link", "set", name, "up", NULL };
                changed = true;
                r = ip_action(run, what, "down", "up", argv);
                if (r < 0)
                        return r;
        }

        if (set_default_route) {
                char gateway[16];

                format_ipv4(iface->gateway, gateway);
                snprintf(what, sizeof(what), "set the default route via %s dev %s now", gateway, name);
                r = ip_route_now(run, STEP, what, "default", gateway, name, renamed);
                if (r < 0)
                        return r;
                changed = changed || r > 0;
        }

        for (unsigned i = 0; i < iface->n_routes && i < FB_MAX_ROUTES; i++) {
                char dest[32], via[16];

                format_ipv4(iface->routes[i].net, addr);
                snprintf(dest, sizeof(dest), "%s/%u", addr, iface->routes[i].prefix);
                format_ipv4(iface->routes[i].via, via);
                snprintf(what, sizeof(what), "add the route to %s via %s dev %s now", dest, via, name);
                /* the rename took the interface down, which dropped its routes */
                r = ip_route_now(run, STEP, what, dest, via, name, renamed);
                if (r < 0)
                        return r;
                changed = changed || r > 0;
        }
        return changed;
}

/* What network-config needs of this host, every entry checked whatever the others gave: the interface
 * each entry names (by MAC or by name), its new name when it is renamed, the renderer, and its service. */
/* A NIC whose driver udev loads late is not there yet when the agent starts: network-online.target need
 * not wait for devices (it does not with systemd-networkd and no wait-online service), and a slow boot
 * (a guest under emulation) may handle its device events a minute after the agent started. So, as
 * cloud-init does before it gives up on a MAC, when an interface network-config names is missing, wait
 * once for udev to handle the events queued so far and look again. Never for a tree (--root without
 * --live), whose devices are files that appear for no one. */
static void ifaces_wait_for_udev(struct fb_run *run) {
        const struct fb_config *c = run->config;
        char name[IFNAMSIZ], timeout_arg[32];
        const struct fb_iface *missing = NULL;
        int r;

        if (run->offline)
                return;
        /* devices only: a bond, bridge or VLAN is the step's to make */
        for (size_t i = 0; i < c->n_ifaces && i < FB_MAX_IFACES && !missing; i++)
                if (iface_wants_file(&c->ifaces[i]) && c->ifaces[i].kind == FB_IFACE_ETHERNET &&
                    iface_resolve(&c->ifaces[i], name, true) == -ENODEV)
                        missing = &c->ifaces[i];
        if (!missing)
                return;
        log_info("network-config: interface %s%s is not there yet: waiting up to %d s for udev to handle its "
                 "device events", missing->mac[0] ? "with MAC " : "", missing->mac[0] ? missing->mac : missing->name,
                 UDEV_SETTLE_TIMEOUT_S);
        snprintf(timeout_arg, sizeof(timeout_arg), "--timeout=%d", UDEV_SETTLE_TIMEOUT_S);
        r = host_command(run, (const char *const[]) { "udevadm", "settle", timeout_arg, NULL }, true, NULL);
        if (r == -ENOENT)
                log_info("network-config: udevadm is not installed: looking once more without waiting");
        else if (r > 0)
                log_info("network-config: udevadm settle: exit status %d (events still queued after %d s)", r,
                         UDEV_SETTLE_TIMEOUT_S);
}

int check_network(struct fb_run *run) {
        const struct fb_config *c = run->config;
        struct fb_host_facts *f = &run->facts;
        enum renderer renderer = RENDERER_IFCFG;
        bool have_file = false;
        int r, first = 0;

        if (!c->have_network_config || c->n_ifaces == 0)
                return 0;
        ifaces_wait_for_udev(run);
        for (size_t i = 0; i < c->n_ifaces && i < FB_MAX_IFACES; i++) {
                const struct fb_iface *iface = &c->ifaces[i];

                f->iface_names[i][0] = f->iface_targets[i][0] = 0;
                if (!iface_wants_file(iface))
                        continue;
                have_file = true;
                if (iface->prefix > 32)
                        r = log_error_errno(-EINVAL, "network-config: prefix /%u is not an IPv4 prefix", iface->prefix);
                else if (!search_is_safe(iface->search))
                        r = log_error_errno(-EINVAL, "network-config: DNS search domains \"%s\" hold characters "
                                            "a domain cannot have", iface->search);
                else if (iface->kind != FB_IFACE_ETHERNET)
                        r = netdev_check(iface, f->iface_names[i]);
                else {
                        r = iface_resolve(iface, f->iface_names[i], false);
                        if (r >= 0)
                                r = iface_rename_check(iface, f->iface_names[i]);
                }
                if (r >= 0)
                        strscpy(f->iface_targets[i], sizeof(f->iface_targets[i]),
                                iface->rename ? iface->name : f->iface_names[i]);
                for (size_t j = 0; r >= 0 && j < i; j++)
                        if (iface_wants_file(&c->ifaces[j]) && streq(f->iface_targets[j], f->iface_targets[i]))
                                r = log_error_errno(-EINVAL, "network-config: two entries configure interface %s",
                                                    f->iface_targets[i]);
                if (r < 0) {
                        f->iface_names[i][0] = f->iface_targets[i][0] = 0;
                        first = first ?: r;
                }
        }
        if (have_file) {
                r = pick_renderer(&renderer);
                if (r >= 0) {
                        f->network_renderer = renderer;
                        r = unit_enabled(run, renderer == RENDERER_IFCFG ? "network" : "systemd-networkd",
                                         f->network_service_word);
                        f->network_service_enabled = r;
                }
                first = first ?: (r < 0 ? r : 0);
        }
        return first;
}

/* How deep interface i is in what bonds, bridges and VLANs are made of: 0 for what is made of nothing. */
static unsigned iface_depth(const struct fb_config *c, unsigned i, unsigned hops) {
        const struct fb_iface *iface = &c->ifaces[i];
        unsigned depth = 0;

        if (hops > FB_MAX_IFACES) /* the parser refused cycles */
                return 0;
        for (unsigned k = 0; k <= iface->n_members && k <= FB_MAX_MEMBERS; k++) {
                /* the members, then a VLAN's link */
                unsigned below = k < iface->n_members && k < FB_MAX_MEMBERS ? iface->members[k]
                                 : iface->kind == FB_IFACE_VLAN              ? iface->link
                                                                             : i;
                if (below != i && 1 + iface_depth(c, below, hops + 1) > depth)
                        depth = 1 + iface_depth(c, below, hops + 1);
        }
        return depth;
}

int step_network(struct fb_run *run) {
        const struct fb_config *c = run->config;
        const struct fb_host_facts *f = &run->facts;
        const char (*current)[IFNAMSIZ] = f->iface_names, (*names)[IFNAMSIZ] = f->iface_targets;
        enum renderer renderer;
        bool changed = false, files_changed = false, have_file = false, route_set = false;
        int r;

        if (!c->have_network_config || c->n_ifaces == 0) {
                run_unchanged(run, STEP, "no network-config in the seed: addresses left as they are");
                return 0;
        }

        /* everything was checked before anything was written (check_network()) */
        for (size_t i = 0; i < c->n_ifaces && i < FB_MAX_IFACES; i++)
                have_file = have_file || iface_wants_file(&c->ifaces[i]);
        if (!have_file) {
                run_unchanged(run, STEP, "network-config has nothing to write (no static address, new name, MTU "
                              "or name servers of its own): DHCP and unconfigured interfaces are left to the "
                              "distribution");
                return 0;
        }
        renderer = (enum renderer) f->network_renderer;
        log_debug("network: rendering %s", renderer == RENDERER_IFCFG ? "ifcfg files" : "systemd-networkd files");

        for (size_t i = 0; i < c->n_ifaces && i < FB_MAX_IFACES; i++) {
                const struct fb_iface *iface = &c->ifaces[i];

                if (!iface_wants_file(iface))
                        continue;
                if (renderer == RENDERER_NETWORKD && (iface->rename || iface->kind != FB_IFACE_ETHERNET)) {
                        r = write_config_file(run, iface->rename ? CONFIG_FILE_LINK : CONFIG_FILE_NETDEV, iface,
                                              names[i]);
                        if (r < 0)
                                return r;
                        files_changed = files_changed || r > 0;
                }
                r = write_config_file(run, renderer == RENDERER_IFCFG ? CONFIG_FILE_IFCFG : CONFIG_FILE_NETWORK, iface,
                                      names[i]);
                if (r < 0)
                        return r;
                files_changed = files_changed || r > 0;
                if (renderer == RENDERER_IFCFG && (iface->n_routes || pod_routes_count(c, iface))) {
                        r = write_config_file(run, CONFIG_FILE_IFCFG_ROUTES, iface, names[i]);
                        if (r < 0)
                                return r;
                        files_changed = files_changed || r > 0;
                }
        }
        r = renderer_service(run, renderer, files_changed);
        if (r < 0)
                return r;
        changed = files_changed || r > 0;

        /* what a bond, bridge or VLAN is made of first */
        for (unsigned depth = 0; depth <= FB_MAX_IFACES; depth++)
                for (size_t i = 0; i < c->n_ifaces && i < FB_MAX_IFACES; i++) {
                        const struct fb_iface *iface = &c->ifaces[i];
                        bool route = false, absent = false;

                        if (!iface_wants_file(iface) || iface_depth(c, (unsigned) i, 0) != depth)
                                continue;
                        /* one default route: the first interface with a gateway gets it */
                        if (iface->gateway && !route_set)
                                route = route_set = true;
                        if (iface->kind != FB_IFACE_ETHERNET && !run->offline) {
                                r = netdev_now(run, iface, names[i], &absent);
                                if (r < 0)
                                        return r;
                                changed = changed || r > 0;
                        }
                        r = apply_now(run, iface, current[i], names[i], route, absent);
                        if (r < 0)
                                return r;
                        changed = changed || r > 0;
                        r = pod_routes_apply(run, STEP, c, iface, names[i]);
                        if (r < 0)
                                return r;
                        changed = changed || r > 0;
                }
        return changed;
}
