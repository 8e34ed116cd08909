/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* The pure part of the docker step: merging the systemd cgroup driver into /etc/docker/daemon.json
 * (json-c, API of 0.11 only). No file or command access here, so it is unit-tested on its own. */

#define DAEMON_JSON_MAX (1024 * 1024) /* a daemon.json is a few hundred bytes; refuse anything absurd */
#define DAEMON_JSON_CGROUP_KEY "native.cgroupdriver"
#define DAEMON_JSON_CGROUP_OPT "native.cgroupdriver=systemd"

struct daemon_json_change {
        char *content;          /* the merged file (ends with a newline); NULL when nothing changes */
        size_t size;
        char *exec_opts_before; /* for plan: "exec-opts [...]", "no exec-opts", or NULL when there is no file */
        char *exec_opts_after;
};

/* Merges "exec-opts": ["native.cgroupdriver=systemd"] into the daemon.json held in text (size bytes followed by
 * a NUL, as read_file_limited() returns it; NULL when the file does not exist). Every other key and value is kept, and so are the other entries of an existing
 * exec-opts array; any other native.cgroupdriver entry (cgroupfs) is replaced. name is the file's name for
 * messages. Returns 0 when the file already asks for the systemd driver (ret->content NULL), 1 when
 * ret->content holds the new file, -EINVAL when text is not a JSON object docker could read (logged with
 * name:line:column), -ENOMEM. Free ret with daemon_json_change_done() in every case. */
int daemon_json_merge(const char *name, const char *text, size_t size, struct daemon_json_change *ret);

void daemon_json_change_done(struct daemon_json_change *c);
