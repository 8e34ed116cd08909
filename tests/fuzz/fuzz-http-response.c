/* SPDX-License-Identifier: MIT */
/* libFuzzer target: HTTP responses as the agent receives them.
 *
 * firstboot/lib/http.c parses no HTTP itself: libcurl reads the status line, headers, chunked
 * encoding and redirects, and hands http.c the body (write_body(): the size cap) and the status, then
 * http.c cross-checks Content-Length. So the honest target is the whole path, in process: every input
 * is served byte for byte as the raw response of a one-shot server on 127.0.0.1 (a thread of this
 * process) to the agent's real callers:
 *   'J' + response: endpoint_get_record() (a worker's long poll), then join_record_open() on a body it
 *       accepts, under the fixed key of fuzz-joinrecord.c;
 *   'S' + response: a seed file GET as seed-http.c makes it (cap SEED_FILE_MAX);
 *   'C' + response: the same with a 64-byte cap, so the cap and Content-Length paths are reached;
 *   'P' + response: endpoint_report() (a PUT whose answer must never matter).
 * It checks what http_request() promises its callers (a NUL-terminated body within the cap, a status,
 * only the documented errors) and that nothing crashes or leaks in between. Coverage feedback comes from
 * the agent's code only: the system libcurl is not instrumented.
 *
 * Redirects: a response may say "Location: http://elsewhere/". Tests talk to loopback only, so the
 * harness first moves itself into a new network namespace with nothing but loopback (as root, which
 * `make check` and CI are); where it cannot, it skips inputs that mention "location" at all. */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "join/endpoint.h"
#include "http.h"
#include "join/joinrecord.h"
#include "log.h"
#include "macro.h"
#include "seed/seed.h"

#define INPUT_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[JOIN_KEY_SIZE] = "kube-firstboot fuzz key 32 bytes";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *response;
static size_t response_size;
static int listen_fd = -1;
static unsigned short port;
static bool private_net;

/* Reads what the client sends until it closes or goes quiet for timeout_ms. */
static void drain(int fd, int timeout_ms) {
        char buf[4096];
        struct pollfd p = { .fd = fd, .events = POLLIN };

        while (poll(&p, 1, timeout_ms) == 1 && read(fd, buf, sizeof(buf)) > 0)
                ;
}

static void serve_one(int fd) {
        char head[16384];
        size_t got = 0;
        struct pollfd p = { .fd = fd, .events = POLLIN };

        /* the request head, so the response does not race it */
        while (got < sizeof(head) - 1 && poll(&p, 1, 2000) == 1) {
                ssize_t n = read(fd, head + got, sizeof(head) - 1 - got);
                if (n <= 0)
                        break;
                got += (size_t) n;
                head[got] = 0;
                if (strstr(head, "\r\n\r\n"))
                        break;
        }
        pthread_mutex_lock(&lock);
        for (size_t off = 0; off < response_size;) {
                ssize_t n = send(fd, response + off, response_size - off, MSG_NOSIGNAL);
                if (n <= 0)
                        break;
                off += (size_t) n;
        }
        pthread_mutex_unlock(&lock);
        /* end of the response; then read the rest (a PUT body) so closing does not reset the connection */
        shutdown(fd, SHUT_WR);
        drain(fd, 2000);
        close(fd);
}

static void *server_thread(void *arg) {
        for (;;) {
                int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0)
                        serve_one(fd);
        }
        return NULL;
}

/* A network namespace of our own with loopback up: a redirect elsewhere then goes nowhere. */
static bool enter_private_net(void) {
        struct ifreq ifr = {};
        int fd;
        bool ok;

        if (unshare(CLONE_NEWNET) < 0)
                return false;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                abort();
        strscpy(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
        close(fd);
        if (!ok)
                abort(); /* a namespace without loopback: nothing below would work */
        return true;
}

static void setup(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        pthread_t t;

        log_set_max_level(LOG_CRIT);
        private_net = enter_private_net();
        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(listen_fd, 16) < 0 ||
            getsockname(listen_fd, (struct sockaddr *) &sa, &len) < 0)
                abort();
        port = ntohs(sa.sin_port);
        if (pthread_create(&t, NULL, server_thread, NULL) != 0)
                abort();
        pthread_detach(t);
}

static bool mentions_location(const uint8_t *data, size_t size) {
        for (size_t i = 0; i + 8 <= size; i++)
                if (strncasecmp((const char *) data + i, "location", 8) == 0)
                        return true;
        return false;
}

static void check_response(int r, const struct http_response *res, size_t cap) {
        if (r == 0) {
                /* Only "a status" is promised: libcurl passes on what a status line says, even "HTTP/2 1"
                 * (status 1; found by this target), and every caller treats a status it does not know as
                 * a failure (tests/fuzz/corpus/http-response/S-status-1 keeps that path replayed). */
                if (!res->body || res->body[res->size] != 0 || res->size > cap || res->status <= 0)
                        abort();
                return;
        }
        if (r != -ETIMEDOUT && r != -ECONNREFUSED && r != -EHOSTUNREACH && r != -EPIPE && r != -EFBIG &&
            r != -EINVAL && r != -ELOOP && r != -EPROTO && r != -ENOMEM && r != -EIO)
                abort();
        if (res->body)
                abort();
}

static void get_file(size_t cap) {
        char url[64];
        struct http_response res;
        struct http_request req = {
                .url = url,
                .connect_timeout_ms = 2000,
                .timeout_ms = 5000,
                .max_response = cap,
        };
        int r;

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/seeds/node-1/user-data", port);
        r = http_request(&req, &res);
        check_response(r, &res, cap);
        http_response_done(&res);
}

static void get_record(void) {
        struct fb_config c;
        _cleanup_free_ char *body = NULL;
        struct join_record rec;
        size_t size = 0;
        int r;

        config_init(&c);
        snprintf(c.endpoint, sizeof(c.endpoint), "http://127.0.0.1:%u/", port);
        strscpy(c.cluster_name, sizeof(c.cluster_name), "lab");
        memcpy(c.cluster_key, key, sizeof(key));
        c.have_cluster_key = true;
        r = endpoint_get_record(&c, 0, &body, &size);
        if (r > 0) {
                if (!body || size > JOIN_RECORD_MAX || body[size] != 0)
                        abort();
                (void) join_record_open(c.cluster_key, c.cluster_name, body, size, &rec);
        } else if (body)
                abort();
        config_done(&c);
}

static void report(void) {
        struct fb_config c;

        config_init(&c);
        snprintf(c.endpoint, sizeof(c.endpoint), "http://127.0.0.1:%u/", port);
        strscpy(c.cluster_name, sizeof(c.cluster_name), "lab");
        strscpy(c.hostname, sizeof(c.hostname), "node-1");
        c.role = FB_ROLE_WORKER;
        memcpy(c.cluster_key, key, sizeof(key));
        c.have_cluster_key = true;
        endpoint_report(&c, "join", "running", "kubeadm join started");
        config_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0 || size > INPUT_MAX)
                return 0;
        if (listen_fd < 0)
                setup();
        if (!private_net && mentions_location(data, size))
                return 0;

        pthread_mutex_lock(&lock);
        response = data + 1;
        response_size = size - 1;
        pthread_mutex_unlock(&lock);

        switch (data[0]) {
        case 'S':
                get_file(SEED_FILE_MAX);
                break;
        case 'C':
                get_file(64);
                break;
        case 'P':
                report();
                break;
        default:
                get_record();
                break;
        }

        /* no connection of this input may be served the next one */
        pthread_mutex_lock(&lock);
        response = NULL;
        response_size = 0;
        pthread_mutex_unlock(&lock);
        return 0;
}
