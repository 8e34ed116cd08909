/* SPDX-License-Identifier: MIT */
/* Header deadlines: the time a connection has to send a complete request head. */
#include <sys/socket.h>
#include <sys/stat.h>

#include "server-util.h"
#include "server.h"

static void slot_unlink(struct server *s, int fd) {
        struct conn_slot *slot = &s->slots[fd];

        if (slot->deadline == 0)
                return;
        if (slot->prev >= 0)
                s->slots[slot->prev].next = slot->next;
        else
                s->slots_head = slot->next;
        if (slot->next >= 0)
                s->slots[slot->next].prev = slot->prev;
        else
                s->slots_tail = slot->prev;
        slot->prev = slot->next = -1;
        slot->deadline = 0;
}

void conn_arm(struct server *s, int fd, bool idle, uint64_t now) {
        struct conn_slot *slot;

        if (fd < 0 || fd >= s->n_slots)
                return;
        slot = &s->slots[fd];
        slot_unlink(s, fd);
        slot->deadline = now + (uint64_t) s->config->limits.header_timeout * 1000000ULL;
        slot->idle = idle;
        slot->prev = s->slots_tail;
        slot->next = -1;
        if (s->slots_tail >= 0)
                s->slots[s->slots_tail].next = fd;
        else
                s->slots_head = fd;
        s->slots_tail = fd;
}

void conn_disarm(struct server *s, int fd) {
        if (fd >= 0 && fd < s->n_slots)
                slot_unlink(s, fd);
}

/* A connection that has not sent a complete request head in time gets a 408 and is shut down;
 * libmicrohttpd then sees the end of the stream and closes it. Keeping a slow client out this way
 * does not depend on libmicrohttpd's inactivity timeout, which every trickled byte restarts. */
void deadlines_expire(struct server *s, uint64_t now) {
        static const char response[] = "HTTP/1.1 408 Request Timeout\r\n"
                                       "Connection: close\r\n"
                                       "Content-Type: text/plain; charset=utf-8\r\n"
                                       "Content-Length: 20\r\n"
                                       "\r\n"
                                       "408 request timeout\n";

        while (s->slots_head >= 0 && s->slots[s->slots_head].deadline <= now) {
                int fd = s->slots_head;
                struct conn_slot *slot = &s->slots[fd];
                uint64_t armed = slot->deadline - (uint64_t) s->config->limits.header_timeout * 1000000ULL;
                struct stat st;
                char client[24];

                slot_unlink(s, fd);
                if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_dev != slot->dev || st.st_ino != slot->ino)
                        continue; /* closed already; the number may belong to something else now */
                if (!slot->idle) {
                        /* a plain-text answer inside a TLS session would only be garbage to the client */
                        if (!s->config->tls)
                                (void) !send(fd, response, sizeof(response) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                        peer_format(&slot->peer, client, sizeof(client));
                        access_log(s, client, "-", "-", 408, 20, now - armed, "header-timeout");
                }
                (void) shutdown(fd, SHUT_RDWR);
        }
}
