/* SPDX-License-Identifier: MIT */
/* The event loop: the listening socket, accepting, signals, shutdown, and libmicrohttpd driven in
 * external mode; the access log. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "log.h"
#include "macro.h"
#include "server-util.h"
#include "time-util.h"
#include "server.h"

#define ACCEPT_BATCH 64
#define SHUTDOWN_GRACE_USEC (2 * 1000000ULL)
#define SHUTDOWN_MAX_USEC (5 * 1000000ULL)
#define NOFILE_WANTED 65536

void access_log(const struct server *s, const char *client, const char *method, const char *path, unsigned status,
                uint64_t bytes, uint64_t usec, const char *end) {
        char st[12];

        if (!s->config->access_log)
                return;
        if (status)
                snprintf(st, sizeof(st), "%u", status);
        else
                snprintf(st, sizeof(st), "-");
        log_info("access client=%s method=%s path=%s status=%s bytes=%llu ms=%.1f%s%s", client, method, path, st,
                 (unsigned long long) bytes, (double) usec / 1000.0, end ? " end=" : "", end ? end : "");
}

void peer_format(const struct sockaddr_in *sa, char *buf, size_t size) {
        char addr[INET_ADDRSTRLEN];

        if (!inet_ntop(AF_INET, &sa->sin_addr, addr, sizeof(addr)))
                snprintf(addr, sizeof(addr), "?");
        snprintf(buf, size, "%s:%u", addr, (unsigned) ntohs(sa->sin_port));
}

/* ---- accepting ------------------------------------------------------------------------------ */

static void refuse(struct server *s, int fd, const struct sockaddr_in *peer) {
        static const char response[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                       "Connection: close\r\n"
                                       "Retry-After: 1\r\n"
                                       "Content-Type: text/plain; charset=utf-8\r\n"
                                       "Content-Length: 28\r\n"
                                       "\r\n"
                                       "503 too many connections\n\n\n";
        char client[24];

        if (!s->config->tls) /* plain text inside a TLS session would only be garbage */
                (void) !send(fd, response, sizeof(response) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void) shutdown(fd, SHUT_WR);
        close(fd);
        peer_format(peer, client, sizeof(client));
        access_log(s, client, "-", "-", 503, 28, 0, "connection-limit");
}

static void accept_one(struct server *s, int fd, const struct sockaddr_in *peer, uint64_t now) {
        struct stat st;
        int spare;

        if (fd < s->n_slots && fstat(fd, &st) == 0) {
                s->slots[fd].dev = st.st_dev;
                s->slots[fd].ino = st.st_ino;
                s->slots[fd].peer = *peer;
                conn_arm(s, fd, false, now);
        }
        /* libmicrohttpd closes a connection it refuses (connection limits); a duplicate lets us tell
         * the client why */
        spare = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (MHD_add_connection(s->daemon, fd, (const struct sockaddr *) (const void *) peer, sizeof(*peer)) != MHD_YES) {
                conn_disarm(s, fd);
                if (spare >= 0)
                        refuse(s, spare, peer);
                return;
        }
        if (spare >= 0)
                close(spare);
}

static void accept_all(struct server *s, uint64_t now) {
        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_in peer = {};
                socklen_t len = sizeof(peer);
                int fd = accept4(s->listen_fd, (struct sockaddr *) (void *) &peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd < 0) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return;
                        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                                continue;
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                                /* the listening socket stays readable: pause instead of spinning */
                                log_warning_errno(-errno, "cannot accept connections, pausing for 100 ms: %m");
                                s->accept_paused_until = now + 100000;
                                return;
                        }
                        log_warning_errno(-errno, "accept: %m");
                        return;
                }
                if (len != sizeof(peer) || peer.sin_family != AF_INET) {
                        close(fd);
                        continue;
                }
                accept_one(s, fd, &peer, now);
        }
}

static int listen_socket(const struct server_config *config) {
        struct sockaddr_in sa = {
                .sin_family = AF_INET,
                .sin_port = htons(config->listen_port),
                .sin_addr.s_addr = htonl(config->listen_addr),
        };
        _cleanup_close_ int fd = -1;
        char where[24];
        int one = 1;

        peer_format(&sa, where, sizeof(where));
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(-errno, "socket: %m");
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return log_error_errno(-errno, "SO_REUSEADDR: %m");
        if (bind(fd, (struct sockaddr *) (void *) &sa, sizeof(sa)) < 0) {
                if (errno == EACCES && config->listen_port < 1024)
                        return log_error_errno(-errno, "cannot listen on %s: %m (a port below 1024 needs "
                                               "privileges the server does not have: forward it to 8780, see "
                                               "kube-firstboot-server(8))", where);
                return log_error_errno(-errno, "cannot listen on %s: %m", where);
        }
        if (listen(fd, 1024) < 0)
                return log_error_errno(-errno, "cannot listen on %s: %m", where);
        log_info("listening on %s%s", where, config->tls ? " (https)" : "");
        return TAKE_FD(fd);
}

static void raise_nofile(struct server *s) {
        struct rlimit rl;
        unsigned need;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return;
        if (rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max < NOFILE_WANTED ? rl.rlim_max : NOFILE_WANTED;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
                (void) getrlimit(RLIMIT_NOFILE, &rl);
        }
        /* each connection needs its socket, a duplicate while it is added, and a file being sent */
        need = s->config->limits.max_connections * 2 + 64;
        if (rl.rlim_cur < need) {
                unsigned max = rl.rlim_cur > 128 ? (unsigned) ((rl.rlim_cur - 64) / 2) : 32;
                log_warning("limits.max_connections %u needs %u file descriptors but the limit is %llu: using %u",
                            s->config->limits.max_connections, need, (unsigned long long) rl.rlim_cur, max);
                s->config->limits.max_connections = max;
        }
        s->n_slots = rl.rlim_cur > NOFILE_WANTED ? NOFILE_WANTED : (int) rl.rlim_cur;
}

int server_init(struct server *s, struct server_config *config) {
        sigset_t mask;
        int r;

        *s = (struct server) {
                .config = config,
                .listen_fd = -1,
                .signal_fd = -1,
                .mhd_fd = -1,
                .hangup_fd = -1,
                .slots_head = -1,
                .slots_tail = -1,
                .started = now_realtime_sec(),
        };

        raise_nofile(s);
        s->slots = calloc((size_t) s->n_slots, sizeof(*s->slots));
        s->user_data_going_out = calloc(config->n_nodes ? config->n_nodes : 1, sizeof(bool));
        if (!s->slots || !s->user_data_going_out)
                return log_error_errno(-ENOMEM, "out of memory");
        for (int i = 0; i < s->n_slots; i++)
                s->slots[i].prev = s->slots[i].next = -1;

        join_waits_init(s);
        s->hangup_fd = epoll_create1(EPOLL_CLOEXEC);
        if (s->hangup_fd < 0)
                return log_error_errno(-errno, "epoll_create1: %m");
        r = store_open(&s->store, config);
        if (r < 0)
                return r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "sigprocmask: %m");
        s->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (s->signal_fd < 0)
                return log_error_errno(-errno, "signalfd: %m");
        signal(SIGPIPE, SIG_IGN);

        s->listen_fd = listen_socket(config);
        if (s->listen_fd < 0)
                return s->listen_fd;
        return http_daemon_start(s);
}

static void begin_shutdown(struct server *s, uint64_t now) {
        if (s->shutting_down)
                return;
        log_info("shutting down");
        s->shutting_down = true;
        s->shutdown_started = now;
        if (s->listen_fd >= 0) {
                close(s->listen_fd);
                s->listen_fd = -1;
        }
}

static void read_signals(struct server *s, uint64_t now) {
        struct signalfd_siginfo si;

        while (read(s->signal_fd, &si, sizeof(si)) == (ssize_t) sizeof(si))
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                        begin_shutdown(s, now);
}

static int poll_timeout_ms(struct server *s, uint64_t now) {
        MHD_UNSIGNED_LONG_LONG mhd_ms;
        uint64_t wake = 0;

#define EARLIER(t) do { if ((t) != 0 && (wake == 0 || (t) < wake)) wake = (t); } while (0)
        if (s->mhd_pending)
                return 0;
        if (MHD_get_timeout(s->daemon, &mhd_ms) == MHD_YES)
                EARLIER(now + (mhd_ms > 3600000 ? 3600000 : (uint64_t) mhd_ms) * 1000);
        if (s->slots_head >= 0)
                EARLIER(s->slots[s->slots_head].deadline);
        EARLIER(s->waiters.next_deadline);
        if (s->accept_paused_until > now)
                EARLIER(s->accept_paused_until);
        if (s->shutting_down)
                EARLIER(now + 50000);
#undef EARLIER
        if (wake == 0)
                return -1;
        if (wake <= now)
                return 0;
        /* round up: waking a little late is fine, waking early only spins */
        return (int) ((wake - now + 999) / 1000);
}

static bool shutdown_done(struct server *s, uint64_t now) {
        uint64_t elapsed = now - s->shutdown_started;

        if (!s->shutting_down)
                return false;
        /* every long poll must have been answered: stopping libmicrohttpd with suspended connections
         * is not allowed */
        if (s->waiters.n_waiting == 0 && s->waiters.n_resuming == 0 && (s->active_requests == 0 || elapsed >= SHUTDOWN_GRACE_USEC))
                return true;
        if (elapsed >= SHUTDOWN_MAX_USEC) {
                log_warning("%u requests still open after %llu s, stopping anyway", s->active_requests,
                            (unsigned long long) (SHUTDOWN_MAX_USEC / 1000000));
                return true;
        }
        return false;
}

int server_run(struct server *s) {
        for (;;) {
                struct pollfd fds[4];
                nfds_t n = 0;
                int listen_index = -1, timeout;
                uint64_t now = now_usec();

                if (shutdown_done(s, now))
                        break;
                timeout = poll_timeout_ms(s, now);
                fds[n++] = (struct pollfd) { .fd = s->signal_fd, .events = POLLIN };
                fds[n++] = (struct pollfd) { .fd = s->mhd_fd, .events = POLLIN };
                fds[n++] = (struct pollfd) { .fd = s->hangup_fd, .events = POLLIN };
                if (s->listen_fd >= 0 && s->accept_paused_until <= now) {
                        listen_index = (int) n;
                        fds[n++] = (struct pollfd) { .fd = s->listen_fd, .events = POLLIN };
                }
                if (poll(fds, n, timeout) < 0 && errno != EINTR)
                        return log_error_errno(-errno, "poll: %m");

                now = now_usec();
                if (fds[0].revents)
                        read_signals(s, now);
                if (fds[2].revents)
                        join_hangups(s);
                if (listen_index >= 0 && s->listen_fd >= 0 && (fds[listen_index].revents & POLLIN))
                        accept_all(s, now);
                /* a resumed connection is only picked up by the next MHD_run() */
                for (int i = 0; i < 4; i++) {
                        s->mhd_pending = false;
                        if (MHD_run(s->daemon) != MHD_YES)
                                log_debug("MHD_run failed");
                        if (!s->mhd_pending)
                                break;
                }
                /* after MHD_run(), so a request head that has just arrived counts as in time */
                now = now_usec();
                deadlines_expire(s, now);
                /* resuming a long poll sets mhd_pending: the next poll() does not sleep */
                waitlist_expire(&s->waiters, now, s->shutting_down);
        }
        return 0;
}

void server_done(struct server *s) {
        if (s->daemon) {
                http_forget_responses(s);
                MHD_stop_daemon(s->daemon);
        }
        if (s->listen_fd >= 0)
                close(s->listen_fd);
        if (s->signal_fd >= 0)
                close(s->signal_fd);
        if (s->hangup_fd >= 0)
                close(s->hangup_fd);
        store_close(&s->store);
        free(s->slots);
        free(s->user_data_going_out);
        *s = (struct server) { .listen_fd = -1, .signal_fd = -1, .mhd_fd = -1, .hangup_fd = -1 };
}
