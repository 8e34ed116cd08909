/* SPDX-License-Identifier: MIT */
#pragma once

/* The fence step's rules, rendered apart from the step so that the unit tests reach them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define FENCE_MAX_ADDRS 4
#define FENCE_MAX_RULES (3 * FENCE_MAX_ADDRS + 2)
#define FENCE_RULE_TEXT 192
#define FENCE_RULE_ARGS 24
#define FENCE_UNIT "kube-firstboot-fence.service"
#define FENCE_UNIT_PATH "/etc/systemd/system/" FENCE_UNIT
#define FENCE_IPTABLES "/usr/sbin/iptables" /* CentOS 7's and Debian 12's */

/* One iptables rule of the filter table: chain and its match and target, blank-separated
 * ("-s 10.244.0.0/16 -d 192.168.220.1/32 -p tcp --dport 8780 -j REJECT"); argv holds the same words. */
struct fence_rule {
        const char *chain;
        char text[FENCE_RULE_TEXT];
        char words[FENCE_RULE_TEXT];
        const char *argv[FENCE_RULE_ARGS];
        size_t n_args;
        bool accept; /* kubernetes.cni host-gw's pod traffic let through FORWARD, after every reject: firewalld
                      * priority 1 (the rejects' 0 come first), in the unit inserted before them */
};

/* The endpoint URL's host and TCP port: "http://192.168.220.1:8780/" -> "192.168.220.1", 8780; the
 * scheme's port (80, 443) when it names none. -EINVAL for a URL that is not http(s)://HOST[:PORT][/...],
 * -EAFNOSUPPORT for an IPv6 literal ("[...]"). */
int fence_endpoint(const char *url, char *ret_host, size_t host_size, unsigned *ret_port);

/* The rules for every address of the endpoint: pods' connections forwarded to it (FORWARD) or to this
 * node when it is the endpoint (INPUT), and this node's own connections by any user but root (OUTPUT).
 * With kubernetes.cni host-gw, first the two that accept the pod network's traffic in FORWARD (from and
 * to kubernetes.pod_cidr), which nothing else lets through a firewalld or docker's FORWARD policy (flannel
 * adds the same ones itself). Returns how many (3 per address, 2 more for host-gw), or -E2BIG. */
int fence_rules(const struct fb_config *c, const uint32_t *addrs, size_t n_addrs, unsigned port,
                struct fence_rule *ret, size_t max);

/* firewalld's line for a direct rule, as `firewall-cmd --direct --get-all-rules` prints it. */
void fence_direct_line(const struct fence_rule *rule, char *ret, size_t size);

/* The systemd unit that holds the rules where firewalld does not: inserts them at start, deletes them at
 * stop. */
int fence_unit_render(const struct fence_rule *rules, size_t n, char **ret, size_t *ret_size);
