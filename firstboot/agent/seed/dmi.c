/* SPDX-License-Identifier: MIT */
/* DMI (SMBIOS) values as cloud-init reads them (cloudinit/dmi.py): dmidecode's key names, the files of
 * /sys/class/dmi/id that hold them, and the __dmi.KEY__ substitution in a seed location (sub_dmi_vars),
 * so that one URL or PXE menu entry serves every machine. Where cloud-init would put a key it does not
 * know in the URL as written, or an empty string for a value it cannot read, the seed is refused here:
 * either would fetch some other node's seed or none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "path.h"
#include "seed/seed.h"

#define DMI_DIR "/sys/class/dmi/id"
#define DMI_FILE_MAX 4096

static const struct {
        const char *key, *file;
} dmi_keys[] = {
        { "baseboard-asset-tag", "board_asset_tag" },
        { "baseboard-manufacturer", "board_vendor" },
        { "baseboard-product-name", "board_name" },
        { "baseboard-serial-number", "board_serial" },
        { "baseboard-version", "board_version" },
        { "bios-release-date", "bios_date" },
        { "bios-vendor", "bios_vendor" },
        { "bios-version", "bios_version" },
        { "chassis-asset-tag", "chassis_asset_tag" },
        { "chassis-manufacturer", "chassis_vendor" },
        { "chassis-serial-number", "chassis_serial" },
        { "chassis-version", "chassis_version" },
        { "system-manufacturer", "sys_vendor" },
        { "system-product-name", "product_name" },
        { "system-serial-number", "product_serial" },
        { "system-uuid", "product_uuid" },
        { "system-version", "product_version" },
};

const char *dmi_key_file(const char *key, size_t key_len) {
        for (size_t i = 0; i < ELEMENTSOF(dmi_keys); i++)
                if (strlen(dmi_keys[i].key) == key_len && strncmp(dmi_keys[i].key, key, key_len) == 0)
                        return dmi_keys[i].file;
        return NULL;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int dmi_value_clean(const char *data, size_t size, char *ret, size_t ret_size) {
        size_t start = 0, end = size, ff = 0;

        /* firmware that never set a field leaves it all 0xff, and sysfs adds a newline */
        while (ff < size && (unsigned char) data[ff] == 0xff)
                ff++;
        if (ff + 1 == size && data[ff] == '\n')
                end = 0;
        while (start < end && is_blank(data[start]))
                start++;
        while (end > start && is_blank(data[end - 1]))
                end--;
        for (size_t i = start; i < end; i++)
                if ((unsigned char) data[i] < 0x20 || (unsigned char) data[i] == 0x7f)
                        return -EBADMSG;
        if (end - start >= ret_size)
                return -ENAMETOOLONG;
        memcpy(ret, data + start, end - start);
        ret[end - start] = 0;
        return end > start;
}

int dmi_read(const char *file, char *ret, size_t ret_size) {
        _cleanup_free_ char *data = NULL, *path = NULL;
        size_t size;
        int r;

        if (asprintf(&path, DMI_DIR "/%s", file) < 0)
                return -ENOMEM;
        r = root_read_file(path, DMI_FILE_MAX, &data, &size);
        if (r < 0)
                return r;
        return dmi_value_clean(data, size, ret, ret_size);
}

static bool is_unreserved(unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c);
}

/* Appends value to ret at *n: percent-encoded in a URL (a serial number with a space or a '/' stays one
 * path segment), as it is in a path, where it must be one file name. */
static int append_value(const char *location, const char *key, const char *value, bool url, char *ret, size_t size,
                        size_t *n) {
        for (const char *p = value; *p; p++) {
                unsigned char c = (unsigned char) *p;
                if (!url && c == '/')
                        return log_error_errno(-EINVAL, "seed location \"%s\": __dmi.%s__ is \"%s\", which holds a "
                                               "'/' and cannot be one file name", location, key, value);
                if (*n + 4 > size)
                        return log_error_errno(-EINVAL, "seed location \"%s\": longer than %zu bytes once __dmi."
                                               "%s__ is put in", location, size - 1, key);
                if (url && !is_unreserved(c))
                        *n += (size_t) snprintf(ret + *n, size - *n, "%%%02X", c);
                else
                        ret[(*n)++] = (char) c;
        }
        if (!url && (streq(value, ".") || streq(value, "..")))
                return log_error_errno(-EINVAL, "seed location \"%s\": __dmi.%s__ is \"%s\", which is no file name",
                                       location, key, value);
        return 0;
}

int seed_sub_dmi(const char *location, char *ret, size_t size) {
        bool url = strncmp(location, "http://", 7) == 0 || strncmp(location, "https://", 8) == 0;
        const char *p = location;
        size_t n = 0;
        int changed = 0, r;

        if (size == 0)
                return -EINVAL;
        while (*p) {
                /* cloud-init's pattern: "__dmi." then the key (no '_'), then "__" */
                if (strncmp(p, "__dmi.", 6) == 0) {
                        const char *key = p + 6, *file;
                        size_t key_len = strcspn(key, "_");
                        char value[DMI_FILE_MAX], name[64];

                        if (key_len > 0 && strncmp(key + key_len, "__", 2) == 0) {
                                file = dmi_key_file(key, key_len);
                                if (!file)
                                        return log_error_errno(-EINVAL, "seed location \"%s\": __dmi.%.*s__ is not a DMI "
                                                               "key cloud-init knows (system-uuid, "
                                                               "system-serial-number, system-product-name, "
                                                               "chassis-serial-number, chassis-asset-tag, ...)",
                                                               location, (int) key_len, key);
                                snprintf(name, sizeof(name), "%.*s", (int) key_len, key);
                                r = dmi_read(file, value, sizeof(value));
                                if (r == 0 || r == -ENOENT)
                                        return log_error_errno(-EINVAL, "seed location \"%s\": __dmi.%s__: %s" DMI_DIR
                                                               "/%s is %s; cloud-init would put an empty string in "
                                                               "its place", location, name, root_get(), file,
                                                               r == 0 ? "empty" : "absent");
                                if (r < 0)
                                        return log_error_errno(r == -EBADMSG || r == -ENAMETOOLONG ? -EINVAL : r,
                                                               "seed location \"%s\": __dmi.%s__: %s" DMI_DIR "/%s: %s",
                                                               location, name, root_get(), file,
                                                               r == -EBADMSG ? "holds a control character"
                                                               : r == -ENAMETOOLONG ? "too long"
                                                                                    : chase_strerror(r));
                                r = append_value(location, name, value, url, ret, size, &n);
                                if (r < 0)
                                        return r;
                                log_debug("seed location \"%s\": __dmi.%s__ is \"%s\"", location, name, value);
                                changed = 1;
                                p = key + key_len + 2;
                                continue;
                        }
                }
                if (n + 1 >= size)
                        return log_error_errno(-EINVAL, "seed location \"%s\": longer than %zu bytes", location,
                                               size - 1);
                ret[n++] = *p++;
        }
        ret[n] = 0;
        return changed;
}
