/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the seed generator's inventory parser. Whatever inventory it accepts, every node's
 * rendered seed must pass the agent's own parser: the generator can never emit a seed the agent
 * refuses. The PXE menus and the server fragment render too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config-parse.h"
#include "log.h"
#include "seed/seed.h"
#include "seedgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct seedgen_secrets secrets = { .cluster_key = { 0x42 }, .token = "abcdef.0123456789abcdef" };

static void check_node(const struct seedgen_inventory *inv, const char *user_data, size_t user_data_size,
                       const struct seedgen_node *node) {
        struct seed seed = {};
        struct fb_config c;
        char *md = NULL, *nc = NULL, *pxe = NULL, *grub = NULL, iid[160];
        size_t md_size, nc_size;

        if (seedgen_instance_id(inv->cluster.cluster_name, node->name, "20250102T030405Z-1a2b", iid, sizeof(iid)) < 0 ||
            seedgen_render_meta_data(inv, node, iid, &md, &md_size) < 0 ||
            seedgen_render_network_config(inv, node, &nc, &nc_size) < 0 ||
            seedgen_render_pxelinux(inv, node, &pxe, NULL) < 0 || seedgen_render_grub(inv, node, &grub, NULL) < 0)
                abort();
        if (seed_set_file(&seed, SEED_META_DATA, "fuzz/meta-data", md, md_size) < 0 ||
            seed_set_file(&seed, SEED_USER_DATA, "fuzz/user-data", user_data, user_data_size) < 0 ||
            seed_set_file(&seed, SEED_NETWORK_CONFIG, "fuzz/network-config", nc, nc_size) < 0)
                abort();
        config_init(&c);
        if (config_load(&seed, &c) < 0 || strcmp(c.hostname, node->name) != 0 || c.role != node->role ||
            c.ifaces[0].address != node->address)
                abort(); /* a seed the agent refuses, or reads differently */
        config_done(&c);
        seed_done(&seed);
        free(md);
        free(nc);
        free(pxe);
        free(grub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct seedgen_inventory *inv;
        char *user_data = NULL, *server = NULL;
        size_t user_data_size;

        if (size > SEEDGEN_INVENTORY_MAX)
                return 0;
        log_set_max_level(LOG_CRIT);
        inv = malloc(sizeof(*inv));
        if (!inv)
                return 0;
        seedgen_inventory_init(inv);
        if (seedgen_inventory_parse((const char *) data, size, "fuzz/inventory.yaml", inv) == 0) {
                if (seedgen_render_user_data(inv, &secrets, &user_data, &user_data_size) < 0 ||
                    seedgen_render_server_yaml(inv, "00", "/srv/seeds", &server, NULL) < 0)
                        abort();
                for (size_t i = 0; i < inv->n_nodes; i++)
                        check_node(inv, user_data, user_data_size, &inv->nodes[i]);
                free(user_data);
                free(server);
        }
        seedgen_inventory_done(inv);
        free(inv);
        return 0;
}
