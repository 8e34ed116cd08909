/* SPDX-License-Identifier: MIT */
#pragma once

#include "engine.h"

/* The host stage: every host step of the reference procedure, in order (host.c holds the table). */
extern const struct fb_step host_steps[];
extern const size_t host_steps_count;

/* One function per step, each in its own file host-NAME.c. */
int step_growroot(struct fb_run *run);
int step_hostname(struct fb_run *run);
int step_hosts(struct fb_run *run);
int step_network(struct fb_run *run);
int step_swap(struct fb_run *run);
int step_modules(struct fb_run *run);
int step_sysctl(struct fb_run *run);
int step_selinux(struct fb_run *run);
int step_firewall(struct fb_run *run);
int step_fence(struct fb_run *run);
int step_docker(struct fb_run *run);
int step_kubelet(struct fb_run *run);
int step_ssh(struct fb_run *run);

/* The steps' checks before any change (struct fb_step), in the step's file. */
int check_growroot(struct fb_run *run);
int check_hostname(struct fb_run *run);
int check_hosts(struct fb_run *run);
int check_network(struct fb_run *run);
int check_swap(struct fb_run *run);
int check_modules(struct fb_run *run);
int check_sysctl(struct fb_run *run);
int check_selinux(struct fb_run *run);
int check_firewall(struct fb_run *run);
int check_fence(struct fb_run *run);
int check_docker(struct fb_run *run);
int check_kubelet(struct fb_run *run);
int check_ssh(struct fb_run *run);

/* Whether abs_path (under the root) can be written as the steps write files: absent or a regular file (not
 * a symlink, a write never goes through one), in a directory (or one the write makes) on a writable file
 * system. 0 yes, -errno (logged) no. */
int host_check_writable(const char *abs_path);
/* host_check_writable(), then the file's content into *ret (replacing what *ret held; NULL when the file is
 * absent), as a step's check keeps it in run->facts. 0, or -errno (logged). */
int host_check_file(const char *abs_path, char **ret, size_t *ret_size);

/* Whether `ip route show DEST` (NET/PREFIX, or "default") has "DEST via VIA dev NAME": 1 yes, 0 no, -errno
 * (logged); ret_current gets its first line, or "none". */
int ip_route_present(struct fb_run *run, const char *dest, const char *via, const char *name, char *ret_current,
                     size_t size);

/* The route DEST via VIA dev NAME now: `ip route replace` unless ip_route_present() finds it, or stale (a
 * rename took the interface down, which dropped its routes) says it is gone whatever `ip` shows; what
 * describes the action. 1 when made (plan: would be), 0 when there, -errno (logged). */
int ip_route_now(struct fb_run *run, const char *step, const char *what, const char *dest, const char *via,
                 const char *name, bool stale);
