/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "macro.h"
#include "role/image-archive.h"

#define TAR_BLOCK 512
#define MANIFEST_MAX (1024 * 1024)
#define TAR_ENTRIES_MAX 100000 /* an image of many layers has a few entries per layer */

/* Images kubeadm runs as static pods on a control plane only; a worker runs pause, kube-proxy, the CNI's
 * and coredns. */
static const char *const control_plane_images[] = { "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                                                    "etcd" };

void image_reference_name(const char *ref, char *buf, size_t size) {
        const char *slash = strrchr(ref, '/'), *start = slash ? slash + 1 : ref;
        size_t len = strcspn(start, ":@"); /* the tag or digest after the last path component */

        if (size == 0)
                return;
        if (len >= size)
                len = size - 1;
        memcpy(buf, start, len);
        buf[len] = 0;
}

/* The tar header field's octal number (space or NUL terminated, leading spaces allowed), or -1. */
static long long tar_octal(const unsigned char *field, size_t len) {
        long long v = 0;
        size_t i = 0;

        if (field[0] & 0x80)
                return -1; /* base-256: an entry of 8 GiB or more, not in an image manifest's archive */
        while (i < len && field[i] == ' ')
                i++;
        if (i == len || field[i] < '0' || field[i] > '7')
                return -1;
        for (; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
                if (v > (LLONG_MAX >> 3))
                        return -1;
                v = v * 8 + (field[i] - '0');
        }
        if (i < len && field[i] != ' ' && field[i] != 0)
                return -1;
        return v;
}

static bool tar_checksum_ok(const unsigned char h[TAR_BLOCK]) {
        long long want = tar_octal(h + 148, 8), sum = 0;

        for (int i = 0; i < TAR_BLOCK; i++)
                sum += (i >= 148 && i < 156) ? ' ' : h[i];
        return want == sum;
}

static bool block_is_zero(const unsigned char h[TAR_BLOCK]) {
        for (int i = 0; i < TAR_BLOCK; i++)
                if (h[i])
                        return false;
        return true;
}

/* manifest.json's text from the archive (ustar or GNU headers; docker writes it at the top level with a
 * short name), NUL terminated. */
static int read_manifest(int fd, char **ret) {
        unsigned char h[TAR_BLOCK];
        struct stat st;
        off_t offset = 0;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        for (int n = 0; n < TAR_ENTRIES_MAX; n++) {
                char name[101];
                long long size;
                ssize_t got = pread(fd, h, sizeof(h), offset);

                if (got < 0)
                        return negative_errno();
                if (got != TAR_BLOCK || block_is_zero(h))
                        return -EBADMSG; /* the end, or a truncated archive, without manifest.json */
                size = tar_octal(h + 124, 12);
                if (size < 0 || !tar_checksum_ok(h) || size > (long long) st.st_size - offset - TAR_BLOCK)
                        return -EBADMSG;
                memcpy(name, h, 100);
                name[100] = 0;
                /* a regular file (type '0' or NUL) named manifest.json, without a ustar prefix */
                if ((h[156] == '0' || h[156] == 0) && h[345] == 0 &&
                    (streq(name, "manifest.json") || streq(name, "./manifest.json"))) {
                        char *text;

                        if (size > MANIFEST_MAX)
                                return -EBADMSG;
                        text = malloc((size_t) size + 1);
                        if (!text)
                                return -ENOMEM;
                        got = pread(fd, text, (size_t) size, offset + TAR_BLOCK);
                        if (got != (ssize_t) size) {
                                int r = got < 0 ? negative_errno() : -EBADMSG;
                                free(text);
                                return r;
                        }
                        text[size] = 0;
                        *ret = text;
                        return 0;
                }
                offset += TAR_BLOCK + (off_t) ((size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK);
        }
        return -EBADMSG;
}

static bool is_control_plane_image(const char *ref) {
        char name[256];

        image_reference_name(ref, name, sizeof(name));
        for (size_t i = 0; i < ELEMENTSOF(control_plane_images); i++)
                if (streq(name, control_plane_images[i]))
                        return true;
        return false;
}

int image_archive_control_plane_only(int fd, char *first_tag, size_t size) {
        _cleanup_free_ char *text = NULL;
        json_object *manifest, *entry, *tags, *tag;
        int r, n_tags = 0, only = 1;

        if (size)
                first_tag[0] = 0;
        r = read_manifest(fd, &text);
        if (r < 0)
                return r;
        manifest = json_tokener_parse(text);
        if (!manifest || !json_object_is_type(manifest, json_type_array) || json_object_array_length(manifest) == 0) {
                r = -EBADMSG;
                goto out;
        }
        for (int i = 0, n_images = (int) json_object_array_length(manifest); i < n_images && only; i++) {
                entry = json_object_array_get_idx(manifest, i);
                if (!json_object_is_type(entry, json_type_object) || !json_object_object_get_ex(entry, "RepoTags", &tags) ||
                    !json_object_is_type(tags, json_type_array) || json_object_array_length(tags) == 0) {
                        only = 0; /* an untagged image: who runs it is unknown */
                        break;
                }
                for (int j = 0, n = (int) json_object_array_length(tags); j < n; j++) {
                        const char *ref;

                        tag = json_object_array_get_idx(tags, j);
                        ref = json_object_is_type(tag, json_type_string) ? json_object_get_string(tag) : NULL;
                        if (!ref) {
                                r = -EBADMSG;
                                goto out;
                        }
                        if (n_tags++ == 0 && size)
                                strscpy(first_tag, size, ref);
                        if (!is_control_plane_image(ref)) {
                                only = 0;
                                break;
                        }
                }
        }
        r = only;
out:
        if (manifest)
                json_object_put(manifest);
        return r;
}
