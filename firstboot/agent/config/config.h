/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yaml-tree.h" /* struct yaml_pos: where a value came from, for error messages */

/* The validated configuration of one node: meta-data (who am I), user-data (the cluster) and
 * network-config (my address). Fixed-size storage: nothing to free, nothing unbounded. */

#define FB_MAX_HOSTS 64
#define FB_MAX_SYSCTLS 64
#define FB_MAX_SSH_KEYS 32
#define FB_MAX_IFACES 8
#define FB_MAX_DNS 4
#define FB_MAX_ADDRS 8 /* IPv4 addresses of one interface */
#define FB_MAX_ROUTES 8 /* static routes of one interface, besides the default one */
#define FB_MAX_SSH_KEY_LEN 8192
#define FB_MAX_MEMBERS 4 /* interfaces of one bond or bridge */
#define FB_MAX_NETDEV_PARAMS 18 /* parameters of one bond or bridge: each of fb_bond_params once */
#define FB_MAX_ARP_TARGETS 16 /* the bonding driver's limit */

enum fb_role { FB_ROLE_UNSET, FB_ROLE_CONTROL_PLANE, FB_ROLE_WORKER };
enum fb_swap { FB_SWAP_OFF, FB_SWAP_KEEP };
enum fb_selinux { FB_SELINUX_PERMISSIVE, FB_SELINUX_KEEP };
enum fb_firewall { FB_FIREWALL_OPEN, FB_FIREWALL_KEEP, FB_FIREWALL_DISABLE };

/* kubeadm preflight checks a seed may list in kubernetes.ignore_preflight_errors (bits), in the order they
 * are rendered; fb_preflight_names[] holds their names as kubeadm prints them. */
enum {
        FB_PREFLIGHT_NUMCPU = 1 << 0,
        FB_PREFLIGHT_MEM = 1 << 1,
};
#define FB_PREFLIGHT_N 2
extern const char *const fb_preflight_names[FB_PREFLIGHT_N];
/* The names of bits, ", "-separated, in that order ("" for none). */
void preflight_names_join(unsigned bits, char *buf, size_t size);

struct fb_host_entry {
        char name[64];
        uint32_t address; /* host byte order */
        uint32_t pod_subnet; /* kubernetes.cni host-gw: this node's /24 of the pod network; 0 when not given */
        struct yaml_pos pos, address_pos, pod_subnet_pos; /* of the name, the address, the pod subnet */
};

/* kubernetes.cni: host-gw gives every node a /24 of the pod network (hosts[].pod_subnet) */
#define FB_POD_SUBNET_PREFIX 24U

struct fb_sysctl {
        char key[128];   /* dotted form, e.g. net.ipv4.ip_forward */
        char value[128];
        struct yaml_pos pos;
};

struct fb_ipv4 {
        uint32_t address;
        unsigned prefix;
};

struct fb_route {
        uint32_t net;      /* no host bits */
        unsigned prefix;   /* 1-32: the default route is the interface's gateway */
        uint32_t via;      /* in one of the interface's subnets */
};

enum fb_iface_kind { FB_IFACE_ETHERNET, FB_IFACE_BOND, FB_IFACE_BRIDGE, FB_IFACE_VLAN };

/* A parameter of a bond or bridge that both renderers (ifcfg, systemd-networkd) and ip-link express. */
struct fb_netdev_param_info {
        const char *name;     /* the kernel's: in sysfs, ip-link(8) and BONDING_OPTS (miimon, forward_delay) */
        const char *v1, *v2;  /* cloud-init's keys: v1 params (bond-miimon, bridge_fd), v2 parameters */
        const char *networkd; /* the key of the .netdev's [Bond] or [Bridge] section */
        enum { FB_PARAM_UINT, FB_PARAM_MS, FB_PARAM_SECONDS, FB_PARAM_BOOL, FB_PARAM_CHOICE, FB_PARAM_IPV4_LIST } type;
        unsigned long long min, max; /* UINT, MS, SECONDS; IPV4_LIST: how many addresses */
        const char *choices;  /* CHOICE: space separated */
};
extern const struct fb_netdev_param_info fb_bond_params[];
extern const size_t fb_bond_params_count;
extern const struct fb_netdev_param_info fb_bridge_params[];
extern const size_t fb_bridge_params_count;

/* One parameter given: its entry in fb_bond_params or fb_bridge_params, and its value as seeds write it
 * (seconds for SECONDS, milliseconds for MS, 0 or 1 for BOOL, addresses separated by commas for IPV4_LIST). */
struct fb_netdev_param {
        unsigned id;
        char value[FB_MAX_ARP_TARGETS * 16];
};

struct fb_iface {
        enum fb_iface_kind kind;
        unsigned members[FB_MAX_MEMBERS]; /* bond, bridge: indexes of its interfaces in fb_config.ifaces */
        unsigned n_members;
        unsigned primary;  /* bond: 1 + index of its primary interface; 0 when none */
        struct fb_netdev_param params[FB_MAX_NETDEV_PARAMS]; /* bond, bridge */
        unsigned n_params;
        unsigned link;     /* VLAN: index of the interface it is on */
        unsigned vlan_id;  /* VLAN: 0-4094 */
        unsigned master;   /* 1 + index of the bond or bridge the interface is a member of; 0 when none */
        bool lower;        /* a VLAN is on it: brought up even without an address of its own */
        char name[16];     /* "" when matched by MAC only */
        char mac[18];      /* "" when matched by name only; lower case */
        bool rename;       /* name is what the interface with mac is to be called (v1 name with mac_address,
                            * v2 set-name), not what it is called now */
        bool dhcp;         /* DHCPv4; with neither dhcp nor an address, the interface has no address
                            * configuration */
        uint32_t address;  /* 0: dhcp / no static address */
        unsigned prefix;
        struct fb_ipv4 more[FB_MAX_ADDRS - 1]; /* the addresses after the first (address, prefix) */
        unsigned n_more;
        uint32_t gateway;  /* 0: none */
        unsigned mtu;      /* 0: left as it is */
        struct fb_route routes[FB_MAX_ROUTES];
        unsigned n_routes;
        uint32_t dns[FB_MAX_DNS];
        unsigned n_dns;
        char search[256];  /* space separated DNS search domains, may be empty */
        struct yaml_pos pos; /* of the static address, else of the interface's entry */
};

struct fb_config {
        /* meta-data */
        char instance_id[256];
        char hostname[64];
        enum fb_role role;
        struct yaml_pos instance_id_pos, hostname_pos, role_pos;

        /* user-data: kube_firstboot: */
        char cluster_name[64];          /* default "kubernetes"; [a-z0-9-], used in URL paths */
        char endpoint[512];             /* metadata endpoint base URL, http(s)://host[:port]/[path/] */
        uint8_t cluster_key[32];
        bool have_cluster_key;
        char token[24];                 /* pre-shared bootstrap token, "" when none */
        unsigned long long token_ttl_s; /* default 24h */
        unsigned long long join_timeout_s; /* worker's overall deadline, default 60 min */
        struct yaml_pos endpoint_pos, cluster_key_pos, token_pos;
        struct yaml_pos kube_firstboot_pos; /* the key; where errors about defaults point */

        struct fb_host_entry hosts[FB_MAX_HOSTS];
        size_t n_hosts;

        struct {
                char version[32];            /* "v1.23.6" */
                char control_plane_host[256]; /* name or address of the API server */
                unsigned control_plane_port;  /* 6443 */
                char image_repository[256];
                uint32_t service_net; unsigned service_prefix; /* 10.1.0.0/16 */
                uint32_t pod_net; unsigned pod_prefix;         /* 10.244.0.0/16 */
                char cni[16];                /* "flannel", "host-gw" or "none" */
                char runtime[16];            /* "docker" */
                unsigned ignore_preflight;    /* FB_PREFLIGHT_* bits; none by default */
                /* For slow hosts (a control plane in an emulated VM), each off by default: */
                unsigned long long control_plane_timeout_s; /* apiServer.timeoutForControlPlane; 0: kubeadm's 4m */
                bool no_leader_election;     /* leader-elect=false for controller manager and scheduler */
                struct yaml_pos version_pos, control_plane_pos, service_pos, pod_pos, cni_pos;
        } k8s;

        struct {
                enum fb_swap swap;
                enum fb_selinux selinux;
                enum fb_firewall firewall;
                bool grow_root;
                struct fb_sysctl sysctls[FB_MAX_SYSCTLS]; /* extras beyond the reference set */
                size_t n_sysctls;
        } host;

        /* heap-owned, freed by config_done(): */
        char *ssh_keys[FB_MAX_SSH_KEYS];
        char *endpoint_ca;              /* kube_firstboot.endpoint_ca: PEM of the CA pinned for an https
                                         * endpoint (lib/pem.h), NULL when not set; not a secret */
        size_t endpoint_ca_size;
        struct yaml_pos endpoint_ca_pos;
        size_t n_ssh_keys;

        /* network-config */
        struct fb_iface ifaces[FB_MAX_IFACES];
        size_t n_ifaces;

        bool have_network_config;
};

/* The reference lab's values (docs/seed-format.md). */
void config_init(struct fb_config *c);
void config_done(struct fb_config *c);

const char *role_to_string(enum fb_role r);
const char *swap_to_string(enum fb_swap s);
const char *selinux_to_string(enum fb_selinux s);
const char *firewall_to_string(enum fb_firewall f);

/* This node's own address: from network-config, else from the hosts list by hostname; 0 if unknown. */
uint32_t config_node_address(const struct fb_config *c);

/* kubernetes.cni: host-gw? */
bool config_cni_host_gw(const struct fb_config *c);
/* This node's entry of hosts (by hostname), NULL when it has none. */
const struct fb_host_entry *config_self_host(const struct fb_config *c);
