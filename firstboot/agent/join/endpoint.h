/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "config/config.h"

/* The agent's side of docs/join-protocol.md: the metadata endpoint named by kube_firstboot.endpoint. */

/* endpoint + "v1/clusters/<cluster>/" + suffix */
int endpoint_cluster_url(const struct fb_config *c, const char *suffix, char *buf, size_t size);

/* PUT a sealed record with the bearer derived from the cluster key; retries connection failures,
 * timeouts and 5xx with capped exponential backoff and jitter until deadline_ms passes. 0 on 2xx;
 * -EACCES when refused (4xx); -EREMOTE for a redirect, which a request carrying the bearer never follows. */
int endpoint_put_record(const struct fb_config *c, const char *body, size_t size, int deadline_ms);

/* One GET of the record, asking the server to hold it up to wait_s seconds. Returns 1 with the body,
 * 0 when there is none yet (404, or a long poll that ended), -errno for a transient failure
 * (connection refused, timeout, 5xx: -EAGAIN with the status logged at debug level). */
int endpoint_get_record(const struct fb_config *c, int wait_s, char **ret, size_t *ret_size);

/* Progress report (stage, status, message); best effort: one short try, never fails the boot. Returns 0
 * when it was delivered (or there is no endpoint to report to), -errno when not (-EIO: not a 2xx;
 * -EREMOTE: a redirect, not followed). */
int endpoint_report(const struct fb_config *c, const char *stage, const char *status, const char *message);

