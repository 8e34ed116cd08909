/* SPDX-License-Identifier: MIT */
/* meta-data: who this node is (instance-id, local-hostname, role); also ConfigDrive's meta_data.json.
 * Keys that cloud-init knows and kube-firstboot does not use are ignored. */
#include <stdio.h>
#include <string.h>

#include "config/config-fields.h"
#include "config/config-parse.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "yaml-schema.h"

#define INSTANCE_ID_MAX 128

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

/* The meta-data file itself, for network-interfaces' positions. */
struct md_file {
        const char *data;
        size_t size;
};

static int md_network_interfaces(struct schema_ctx *x, const struct ynode *key, const struct ynode *v,
                                 void *userdata) {
        const struct md_file *f = userdata;
        return eni_parse(x, v, f->data, f->size);
}

static const char role_hint[] = "add \"role: control-plane\" or \"role: worker\"";

static const struct schema_field metadata_fields[] = {
        { "instance-id", md_instance_id, "every seed needs a unique instance-id" },
        { "local-hostname", md_hostname, "the node's host name" },
        { "role", md_role, role_hint },
        { "network-interfaces", md_network_interfaces, NULL },
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

int metadata_parse_full(const char *data, size_t size, const char *name, bool config_drive,
                               struct fb_config *c) {
        struct schema_ctx x = { .name = name, .user = c };
        _cleanup_(ytree_freep) struct ynode *root = NULL;

        if (config_load_tree(&x, data, size, &root) < 0)
                return x.error;
        if (ynode_is_null(root)) {
                log_error("%s:1:1: meta-data is empty; instance-id, local-hostname and role are required", name);
                return -EINVAL;
        }
        if (config_drive)
                schema_mapping(&x, NULL, root, configdrive_fields, ELEMENTSOF(configdrive_fields),
                               SCHEMA_UNKNOWN_IGNORE, NULL,
                               NULL);
        else {
                struct schema_field fields[ELEMENTSOF(metadata_fields)];
                const struct ynode *hostname;
                char hint[200];

                /* "hostname" is ConfigDrive's and EC2's key; NoCloud's meta-data is read for local-hostname
                 * only, by cloud-init too, so say what was seen where the missing key is reported */
                memcpy(fields, metadata_fields, sizeof(fields));
                hostname = root->type == YNODE_MAPPING && !ynode_get(root, "local-hostname")
                                   ? ynode_get(root, "hostname")
                                   : NULL;
                if (hostname) {
                        snprintf(hint, sizeof(hint), "it has \"hostname\" (line %u), which NoCloud's meta-data does "
                                 "not read: rename it local-hostname", hostname->line);
                        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                                if (streq(fields[i].key, "local-hostname"))
                                        fields[i].required = hint;
                }
                schema_mapping(&x, NULL, root, fields, ELEMENTSOF(fields), SCHEMA_UNKNOWN_IGNORE,
                               &(struct md_file) { data, size }, NULL);
        }
        return x.error;
}

int metadata_parse(const char *data, size_t size, const char *name, struct fb_config *c) {
        return metadata_parse_full(data, size, name, false, c);
}
