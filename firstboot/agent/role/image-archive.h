/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* docker-archive tarballs (`docker save`, skopeo's docker-archive:) read without docker: the image names
 * of their manifest.json's RepoTags. */

/* 1 when every image the archive at fd holds is tagged, and every tag names a control-plane component
 * only a control plane runs (kube-apiserver, kube-controller-manager, kube-scheduler, etcd), 0 when not
 * (some image a worker runs, or an untagged one), -EBADMSG when it is not a tar archive with a readable
 * manifest.json, -errno when it cannot be read. first_tag gets the first RepoTag, or "" (not logged). */
int image_archive_control_plane_only(int fd, char *first_tag, size_t size);

/* The image name of a docker reference: "k8s.gcr.io/kube-apiserver:v1.23.6" -> "kube-apiserver" (in buf). */
void image_reference_name(const char *ref, char *buf, size_t size);
