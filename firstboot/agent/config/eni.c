/* SPDX-License-Identifier: MIT */
/* meta-data's network-interfaces: the text of a Debian /etc/network/interfaces, which cloud-init's NoCloud
 * turns into its network configuration when the seed has no network-config (its eni.py,
 * convert_eni_data). The part of it that gives an interface its IPv4 address is taken: iface NAME inet
 * static|dhcp|manual with address (also with /PREFIX or /NETMASK), netmask, gateway, network and
 * broadcast (checked against the address), dns-nameservers, dns-search, hwaddress and mtu; `iface lo inet
 * loopback` and auto/allow-* lines are accepted and need nothing. Everything else is refused by name,
 * never dropped. Each word becomes a scalar node with the line and column it has in the meta-data file,
 * so that errors point into it as the YAML parser's do. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config-fields.h"
#include "config/config-parse.h"
#include "log.h"
#include "macro.h"
#include "parse.h"
#include "yaml-schema.h"

#define ENI_MAX_WORDS 16
#define ENI_WORD_MAX 256

struct eni_word {
        struct ynode node; /* a plain scalar: value, line, column */
        char text[ENI_WORD_MAX];
};

struct eni_line {
        struct eni_word words[ENI_MAX_WORDS];
        size_t n_words;
};

/* Where the scalar's text lies in the file: a literal block scalar (|) keeps every line of its text on a
 * line of its own, indented; any other form points at the scalar itself. */
struct eni_map {
        bool literal;
        unsigned first_line, indent;
        const struct ynode *v;
};

/* The stanza being read: iface NAME inet METHOD, and its options. The words it keeps are copies (a line's
 * words last only as long as the line); a node pointer is NULL until its option is read. */
struct eni_stanza {
        struct fb_iface *iface; /* NULL: none yet, or one that needs nothing (lo) */
        bool in_stanza;
        struct eni_word method_word, address_word, netmask_word, gateway_word, network_word, broadcast_word;
        const struct ynode *method_node, *address_node, *netmask_node, *gateway_node, *network_node, *broadcast_node;
        bool is_static;
        uint32_t address, gateway, network, broadcast;
        unsigned prefix, netmask_prefix;
        bool have_prefix, have_netmask;
};

/* Keeps a copy of word w in *keep and returns its node. */
static const struct ynode *eni_keep(struct eni_word *keep, const struct eni_word *w) {
        *keep = *w;
        keep->node.value = keep->text;
        return &keep->node;
}

static const char *raw_line(const char *data, size_t size, unsigned line, size_t *ret_len) {
        const char *p = data, *end = data + size;

        for (unsigned l = 1; l < line && p < end; l++) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                if (!nl)
                        return NULL;
                p = nl + 1;
        }
        if (p >= end)
                return NULL;
        {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                *ret_len = (size_t) ((nl ? nl : end) - p);
        }
        return p;
}

static void eni_map_init(struct eni_map *m, const struct ynode *v, const char *data, size_t size) {
        const char *text = v->value, *line;
        size_t len, skip = 0, lead = 0;
        unsigned first = 0;

        *m = (struct eni_map) { .v = v };
        line = raw_line(data, size, v->line, &len);
        if (!line || v->column == 0 || v->column > len || line[v->column - 1] != '|')
                return;
        /* the first line of text with a character on it, and its indentation in the file */
        while (text[skip] == '\n') {
                skip++;
                first++;
        }
        while (text[skip + lead] == ' ')
                lead++;
        line = raw_line(data, size, v->line + 1 + first, &len);
        if (!line)
                return;
        m->indent = 0;
        while (m->indent < len && line[m->indent] == ' ')
                m->indent++;
        if (m->indent < lead)
                return;
        m->indent -= (unsigned) lead;
        m->first_line = v->line + 1;
        m->literal = true;
}

/* Splits line number index (0-based) of the text into words with their positions. */
static int eni_split(struct schema_ctx *x, const struct eni_map *m, unsigned index, const char *line, size_t len,
                     struct eni_line *ret) {
        size_t i = 0;

        ret->n_words = 0;
        while (i < len) {
                struct eni_word *w;
                struct ynode at;
                size_t start;

                while (i < len && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                if (i >= len || line[i] == '#')
                        break;
                start = i;
                while (i < len && line[i] != ' ' && line[i] != '\t')
                        i++;
                w = ret->n_words < ENI_MAX_WORDS && i - start < ENI_WORD_MAX ? &ret->words[ret->n_words] : NULL;
                at = (struct ynode) { .type = YNODE_SCALAR, .plain = true,
                                      .line = m->literal ? m->first_line + index : m->v->line,
                                      .column = m->literal ? m->indent + 1 + (unsigned) start : m->v->column };
                if (!w)
                        return schema_error_at(x, &at, "a line of more than %d words or a word of more than %d "
                                               "characters", ENI_MAX_WORDS, ENI_WORD_MAX - 1);
                ret->n_words++;
                snprintf(w->text, sizeof(w->text), "%.*s", (int) (i - start), line + start);
                w->node = at;
                w->node.value = w->text;
                w->node.length = i - start;
        }
        return 0;
}

/* The stanza's checks once all its options are read: the address with its prefix and gateway. */
static int eni_stanza_end(struct schema_ctx *x, struct eni_stanza *st) {
        struct fb_iface *iface = st->iface;
        unsigned prefix;
        int r;

        if (!iface)
                return 0;
        st->iface = NULL;
        if (!st->is_static) {
                const struct ynode *bad = st->address_node ?: st->netmask_node ?: st->gateway_node;
                if (bad)
                        return schema_error_at(x, bad, "%s: only an \"inet static\" stanza has an address, netmask "
                                               "or gateway", bad->value);
                return netconfig_iface_unique(x, iface, st->method_node);
        }
        if (!st->address_node)
                return schema_error_at(x, st->method_node, "an \"inet static\" stanza needs an address line, e.g. "
                                       "\"address 192.168.220.104/24\"");
        if (st->have_prefix && st->have_netmask && st->prefix != st->netmask_prefix)
                return schema_error_at(x, st->netmask_node, "netmask: /%u does not match the address's /%u",
                                       st->netmask_prefix, st->prefix);
        if (!st->have_prefix && !st->have_netmask)
                return schema_error_at(x, st->address_node, "address: has no prefix; write it as "
                                       "192.168.220.104/24 or add \"netmask 255.255.255.0\"");
        prefix = st->have_prefix ? st->prefix : st->netmask_prefix;
        r = netconfig_iface_static(x, iface, st->address_node, st->address, prefix, st->gateway, st->gateway_node);
        if (r < 0)
                return r;
        if (st->network_node && st->network != (st->address & prefix_mask(prefix)))
                return schema_error_at(x, st->network_node, "network: %s is not the network of the address",
                                       st->network_node->value);
        if (st->broadcast_node && st->broadcast != (st->address | ~prefix_mask(prefix)))
                return schema_error_at(x, st->broadcast_node, "broadcast: %s is not the broadcast address of the "
                                       "address's subnet", st->broadcast_node->value);
        return netconfig_iface_unique(x, iface, st->method_node);
}

static int eni_iface(struct schema_ctx *x, struct eni_stanza *st, const struct eni_line *l) {
        static const char *const methods[] = { "static", "dhcp", "manual", "loopback" };
        const struct ynode *name, *family, *method;
        struct fb_iface *iface;
        size_t m;

        if (l->n_words != 4)
                return schema_error_at(x, &l->words[0].node, "write \"iface NAME inet static\" (or dhcp, manual)");
        name = &l->words[1].node;
        family = &l->words[2].node;
        method = &l->words[3].node;
        if (streq(family->value, "inet6"))
                return schema_error_at(x, family, "inet6: IPv6 is not supported, only IPv4 (inet)");
        if (!streq(family->value, "inet"))
                return schema_error_at(x, family, "\"%s\" is not supported; only inet (IPv4)", family->value);
        if (schema_choice(x, method, methods, ELEMENTSOF(methods), &m) < 0)
                return -EINVAL;
        if (streq(name->value, "lo")) {
                if (m != 3)
                        return schema_error_at(x, method, "lo is the loopback interface: write \"iface lo inet "
                                               "loopback\"");
                return 0; /* the system's own; nothing to configure */
        }
        if (m == 3)
                return schema_error_at(x, method, "loopback is for lo only");
        if (strchr(name->value, ':'))
                return schema_error_at(x, name, "%s: alias interfaces (NAME:N) are not supported; give the interface "
                                       "one address", name->value);
        iface = netconfig_iface_new(x, name);
        if (!iface)
                return -E2BIG;
        if (config_ifname_value(x, name, "name the interface", iface->name, sizeof(iface->name)) < 0)
                return -EINVAL;
        st->iface = iface;
        st->method_node = eni_keep(&st->method_word, &l->words[3]);
        st->is_static = m == 0;
        iface->dhcp = m == 1;
        return 0;
}

static int eni_address(struct schema_ctx *x, struct eni_stanza *st, const struct eni_word *w) {
        if (netconfig_address_value(x, &w->node, &st->address, &st->prefix, &st->have_prefix) < 0)
                return -EINVAL;
        st->address_node = eni_keep(&st->address_word, w);
        return 0;
}

static int eni_netmask(struct schema_ctx *x, struct eni_stanza *st, const struct eni_word *w) {
        const struct ynode *v = &w->node;
        unsigned long long bits;
        uint32_t mask;
        unsigned prefix;

        /* also a bare prefix length, as ifupdown takes it */
        if (parse_uint(v->value, 0, 32, &bits) == 0)
                prefix = (unsigned) bits;
        else if (parse_ipv4(v->value, &mask) < 0 || netconfig_netmask_prefix(mask, &prefix) < 0)
                return schema_error_at(x, v, "\"%s\" is not a netmask like 255.255.255.0", v->value);
        st->netmask_prefix = prefix;
        st->have_netmask = true;
        st->netmask_node = eni_keep(&st->netmask_word, w);
        return 0;
}

/* One option line of the stanza. */
static int eni_option(struct schema_ctx *x, struct eni_stanza *st, const struct eni_line *l) {
        const struct ynode *key = &l->words[0].node, *v = l->n_words > 1 ? &l->words[1].node : NULL;
        const char *k = key->value;

        if (!st->in_stanza)
                return schema_error_at(x, key, "\"%s\" outside of an iface stanza", k);
        if (!st->iface)
                return schema_error_at(x, key, "%s: the loopback stanza needs no options", k);
        if (!v)
                return schema_error_at(x, key, "%s: has no value", k);

        if (streq(k, "dns-nameservers") || streq(k, "dns-nameserver") || streq(k, "dns-search")) {
                bool search = streq(k, "dns-search");
                for (size_t i = 1; i < l->n_words; i++)
                        if ((search ? netconfig_search_item : netconfig_dns_item)(x, &l->words[i].node, i - 1,
                                                                                st->iface) < 0)
                                return -EINVAL;
                return 0;
        }
        if (streq(k, "hwaddress")) {
                /* "hwaddress ether MAC" or "hwaddress MAC" */
                if (l->n_words == 3 && streq(v->value, "ether"))
                        v = &l->words[2].node;
                else if (l->n_words != 2)
                        return schema_error_at(x, key, "write \"hwaddress ether aa:bb:cc:dd:ee:ff\"");
                if (config_mac_value(x, v, st->iface->mac) < 0)
                        return -EINVAL;
                /* as cloud-init: the interface with this MAC gets the stanza's name */
                st->iface->rename = true;
                return 0;
        }
        if (streq(k, "pre-up") || streq(k, "up") || streq(k, "post-up") || streq(k, "down") || streq(k, "pre-down") ||
            streq(k, "post-down"))
                return schema_error_at(x, key, "%s: commands are not run; remove the line (the stanza's address, "
                                       "gateway, name servers and MTU are applied)", k);
        if (strncmp(k, "bond", 4) == 0 || strncmp(k, "bridge", 6) == 0 || strncmp(k, "vlan", 4) == 0)
                return schema_error_at(x, key, "%s: bonds, bridges and VLANs are not supported; configure the "
                                       "physical interface", k);
        if (l->n_words != 2)
                return schema_error_at(x, key, "%s: takes one value", k);
        if (streq(k, "address"))
                return eni_address(x, st, &l->words[1]);
        if (streq(k, "netmask"))
                return eni_netmask(x, st, &l->words[1]);
        if (streq(k, "gateway")) {
                st->gateway_node = eni_keep(&st->gateway_word, &l->words[1]);
                return schema_address(x, v, &st->gateway);
        }
        if (streq(k, "network")) {
                st->network_node = eni_keep(&st->network_word, &l->words[1]);
                return parse_ipv4(v->value, &st->network) < 0
                               ? schema_error_at(x, v, "\"%s\" is not an IPv4 network address", v->value)
                               : 0;
        }
        if (streq(k, "broadcast")) {
                st->broadcast_node = eni_keep(&st->broadcast_word, &l->words[1]);
                return parse_ipv4(v->value, &st->broadcast) < 0
                               ? schema_error_at(x, v, "\"%s\" is not an IPv4 broadcast address", v->value)
                               : 0;
        }
        if (streq(k, "mtu"))
                return netconfig_mtu_value(x, v, &st->iface->mtu);
        return schema_error_at(x, key, "\"%s\" is not supported (address, netmask, gateway, network, broadcast, "
                               "dns-nameservers, dns-search, hwaddress, mtu are)", k);
}

int eni_parse(struct schema_ctx *x, const struct ynode *v, const char *data, size_t size) {
        struct fb_config *c = config_of(x);
        struct eni_stanza st = {};
        struct eni_map m;
        const char *p, *end;
        unsigned index = 0;
        int r = 0;

        if (ynode_is_null(v))
                return 0;
        if (v->type != YNODE_SCALAR)
                return schema_error_at(x, v, "expected the text of an /etc/network/interfaces, got %s",
                                       ynode_type_to_string(v->type));
        eni_map_init(&m, v, data, size);
        c->n_ifaces = 0;
        for (p = v->value, end = v->value + v->length; p < end; index++) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = (size_t) ((nl ?: end) - p);
                struct eni_line l;
                const char *k;

                if (len && p[len - 1] == '\\') {
                        struct ynode at = { .type = YNODE_SCALAR, .line = m.literal ? m.first_line + index : v->line,
                                            .column = m.literal ? m.indent + (unsigned) len : v->column };
                        return schema_error_at(x, &at, "continued lines (\\) are not supported; write the option "
                                               "on one line");
                }
                r = eni_split(x, &m, index, p, len, &l);
                p += len + 1;
                if (r < 0)
                        return r;
                if (l.n_words == 0)
                        continue;
                k = l.words[0].text;
                if (streq(k, "auto") || strncmp(k, "allow-", 6) == 0)
                        continue; /* brought up at boot: every configured interface is */
                if (streq(k, "iface")) {
                        r = eni_stanza_end(x, &st);
                        if (r < 0)
                                return r;
                        memset(&st, 0, sizeof(st));
                        st.in_stanza = true; /* lo's too */
                        r = eni_iface(x, &st, &l);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (streq(k, "source") || streq(k, "source-directory") || streq(k, "mapping") ||
                    streq(k, "rename") || streq(k, "no-auto-down") || streq(k, "no-scripts"))
                        return schema_error_at(x, &l.words[0].node, "\"%s\" is not supported; write the stanzas "
                                               "themselves", k);
                r = eni_option(x, &st, &l);
                if (r < 0)
                        return r;
        }
        r = eni_stanza_end(x, &st);
        if (r < 0)
                return r;
        c->have_network_config = c->n_ifaces > 0;
        return 0;
}
