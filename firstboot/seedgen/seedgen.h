/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config/config.h"
#include "exit-status.h"
#include "join/joinrecord.h"

/* `kube-firstboot seed`: the NoCloud seeds of a whole lab from one inventory (docs/seed-generator.md).
 * seedgen-inventory.c reads and checks the inventory, seedgen-render.c turns it into file contents
 * (pure functions), seedgen.c is the command: secrets, the output directory, cloud-localds. */

#define SEEDGEN_MAX_NODES FB_MAX_HOSTS        /* every node is in user-data's hosts list */
#define SEEDGEN_INVENTORY_MAX (256 * 1024)
#define SEEDGEN_DEFAULT_INTERFACE "eth0"
#define SEEDGEN_DEFAULT_PREFIX 24
/* Top-level names in the output directory that a node directory must not take. */
#define SEEDGEN_PXE_DIR "pxe"
#define SEEDGEN_SERVER_YAML "server.yaml"
#define SEEDGEN_TLS_DIR "tls"
/* The installer's kernel and initrd, relative to the TFTP root (docs/seed-generator.md). */
#define SEEDGEN_PXE_KERNEL "centos7/vmlinuz"
#define SEEDGEN_PXE_INITRD "centos7/initrd.img"
/* kube-firstboot-server's own default port: behind a proxy */
#define SEEDGEN_SERVER_PORT 8780
/* Below the endpoint, as kube-firstboot-server serves its ks_dir. */
#define SEEDGEN_KICKSTART_PATH "ks/kube-firstboot.ks"

struct seedgen_node {
        char name[64];
        uint32_t address;               /* host byte order */
        enum fb_role role;
        char mac[18];                   /* lower case, "" when not given */
        char uuid[37];                  /* its SMBIOS system UUID, lower case, "" when not given */
        char interface[16];             /* default eth0 */
        struct yaml_pos pos, address_pos, role_pos, mac_pos, uuid_pos; /* pos: of the name */
};

struct seedgen_inventory {
        char name[4200];                /* file name in messages */
        /* The cluster settings, parsed into the agent's own structure (config_init()'s defaults);
         * hosts is derived from the nodes, cluster_key and token stay empty (they are generated). */
        struct fb_config cluster;
        bool control_plane_set;         /* kubernetes.control_plane given, else the control-plane node */

        unsigned prefix;                /* network.prefix, default 24 */
        uint32_t gateway;               /* 0: none */
        uint32_t dns[FB_MAX_DNS];
        unsigned n_dns;
        char search[256];               /* space separated */
        uint32_t subnet;                /* the lab's subnet: the gateway's, else the control plane's */
        uint32_t server_listen_address; /* server_listen: where kube-firstboot-server listens */
        unsigned server_listen_port;    /* 0: not given, derived from the endpoint */
        struct yaml_pos prefix_pos, gateway_pos, nodes_pos, top_pos;

        struct seedgen_node nodes[SEEDGEN_MAX_NODES];
        size_t n_nodes;

        /* Not from the inventory: set by the command for an https endpoint, the lab CA's certificate
         * as base64 DER, for kube_firstboot.seed_ca= in the PXE menus; NULL otherwise. */
        const char *pxe_seed_ca;
};

/* The secrets every node shares. */
struct seedgen_secrets {
        uint8_t cluster_key[JOIN_KEY_SIZE];
        char token[24];                 /* "" without --token */
        const char *endpoint_ca;        /* https endpoint: the lab CA's PEM (public), else NULL */
};

/* The reference lab, commented: printed by --example, and what `seed` uses without --inventory. */
extern const char seedgen_reference_inventory[];

void seedgen_inventory_init(struct seedgen_inventory *inv);
void seedgen_inventory_done(struct seedgen_inventory *inv);

/* Parses and checks an inventory. Every problem is logged once as "NAME:LINE:COLUMN: field: message";
 * returns -EINVAL (or -E2BIG, -EFBIG) after all of them. */
int seedgen_inventory_parse(const char *data, size_t size, const char *name, struct seedgen_inventory *inv);

/* The instance-id of a node in a generation: "<cluster>-<node>-<generation>", the cluster part cut so
 * that the whole fits the agent's limit of 128. -EINVAL when even that cannot fit. */
int seedgen_instance_id(const char *cluster, const char *node, const char *generation, char *ret, size_t size);
/* A generation: the UTC time and 4 random hex digits, "20250102T030405Z-1a2b". */
int seedgen_generation(time_t now, const uint8_t entropy[2], char ret[static 32]);
/* "52:54:00:fb:00:68" -> "01-52-54-00-fb-00-68" (pxelinux's and GRUB's per-MAC file names). */
void seedgen_pxe_name(const char *mac, char ret[static 21]);

/* Where the generated server.yaml listens, "ADDRESS:PORT" in ret, and why there
 * (docs/seed-generator.md): the inventory's server_listen; else the endpoint's IPv4 address and port;
 * loopback (the server's own port) behind the proxy an endpoint with a path needs; loopback (the endpoint's
 * port) when the endpoint names a host. An https:// endpoint is served by the server itself (its tls section). */
enum seedgen_listen_from {
        SEEDGEN_LISTEN_INVENTORY,
        SEEDGEN_LISTEN_ENDPOINT,
        SEEDGEN_LISTEN_PROXY,
        SEEDGEN_LISTEN_HOST_NAME,
};
enum seedgen_listen_from seedgen_server_listen(const struct seedgen_inventory *inv, char ret[static 22]);

/* File contents, malloc'd and NUL-terminated. Only user-data and server.yaml hold secrets. */
int seedgen_render_user_data(const struct seedgen_inventory *inv, const struct seedgen_secrets *secrets,
                             char **ret, size_t *ret_size);
int seedgen_render_meta_data(const struct seedgen_inventory *inv, const struct seedgen_node *node,
                             const char *instance_id, char **ret, size_t *ret_size);
int seedgen_render_network_config(const struct seedgen_inventory *inv, const struct seedgen_node *node, char **ret,
                                  size_t *ret_size);
/* With an https:// endpoint, also the tls section naming seed_dir/tls/server.{pem,key}. */
int seedgen_render_server_yaml(const struct seedgen_inventory *inv, const char *bearer, const char *seed_dir,
                               char **ret, size_t *ret_size);
int seedgen_render_pxelinux(const struct seedgen_inventory *inv, const struct seedgen_node *node, char **ret,
                            size_t *ret_size);
int seedgen_render_grub(const struct seedgen_inventory *inv, const struct seedgen_node *node, char **ret,
                        size_t *ret_size);

/* tls.c: an https endpoint's lab CA and server certificate, made with openssl (docs/seed-generator.md). */
struct seedgen_tls {
        char *ca_pem, *ca_key, *server_pem, *server_key; /* file contents; the keys are erased when done */
        size_t ca_pem_size, ca_key_size, server_pem_size, server_key_size;
        bool ca_kept;                   /* the CA of out/tls/ was kept (ca_key is then NULL: not rewritten) */
};
/* Makes the server's key and certificate for the endpoint's host, signed by the CA in out/tls/ when
 * keep_ca and it is there, else by a new CA. Writes nothing into out. Logs; -errno. */
int seedgen_tls_prepare(const char *out, const struct seedgen_inventory *inv, bool keep_ca, struct seedgen_tls *ret);
/* Writes out/tls/{ca.pem,ca.key,server.pem,server.key} (keys 0600, certificates 0644). */
int seedgen_tls_write(const char *out, const struct seedgen_tls *tls);
void seedgen_tls_done(struct seedgen_tls *tls);
/* The base64 between the markers of a one-certificate PEM, on one line (its DER in base64), on the
 * heap; NULL when out of memory. */
char *seedgen_pem_base64(const char *pem);
/* The server.yaml section naming out_abs/tls/server.{pem,key}, written to f. */
void seedgen_write_server_tls(FILE *f, const char *out_abs);

/* The command: argv[0] is "seed", the rest its options. Returns an exit status: FB_EXIT_OK, FB_EXIT_RUNTIME
 * (writing or cloud-localds failed) or FB_EXIT_BAD_INPUT (bad inventory or usage, or output in the way:
 * nothing written). */
int seedgen_main(int argc, char *argv[]);
