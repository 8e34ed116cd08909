/* SPDX-License-Identifier: MIT */
/* The agent's side of the join protocol (firstboot/agent/join/endpoint.c): URLs, and the record GET/PUT
 * and progress reports against a one-answer-per-connection HTTP server on the loopback. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "join/endpoint.h"
#include "join/joinrecord.h"
#include "log-capture.h"
#include "log.h"
#include "macro.h"
#include "text-assert.h"

static void sample_config(struct fb_config *c, const char *endpoint) {
        config_init(c);
        strcpy(c->cluster_name, "lab");
        strcpy(c->hostname, "node-1");
        c->role = FB_ROLE_WORKER;
        snprintf(c->endpoint, sizeof(c->endpoint), "%s", endpoint);
        for (size_t i = 0; i < sizeof(c->cluster_key); i++)
                c->cluster_key[i] = (uint8_t) i;
        c->have_cluster_key = true;
}

static void test_cluster_url(void **unused) {
        struct fb_config c;
        char url[128], small[40];

        sample_config(&c, "http://192.168.220.1:8780/");
        assert_int_equal(endpoint_cluster_url(&c, "join", url, sizeof(url)), 0);
        assert_string_equal(url, "http://192.168.220.1:8780/v1/clusters/lab/join");
        /* a base without the slash, and one with a path */
        strcpy(c.endpoint, "http://192.168.220.1:8780");
        assert_int_equal(endpoint_cluster_url(&c, "nodes/node-1", url, sizeof(url)), 0);
        assert_string_equal(url, "http://192.168.220.1:8780/v1/clusters/lab/nodes/node-1");
        strcpy(c.endpoint, "https://meta.lab/kfb/");
        assert_int_equal(endpoint_cluster_url(&c, "join", url, sizeof(url)), 0);
        assert_string_equal(url, "https://meta.lab/kfb/v1/clusters/lab/join");
        /* never a cut URL */
        assert_int_equal(endpoint_cluster_url(&c, "join", small, sizeof(small)), -ENAMETOOLONG);
        config_done(&c);
}

/* ---- a loopback server: one canned answer per connection, each request kept for the test ---------- */

struct server {
        pid_t pid;
        int port;
        int requests; /* read end: the requests, each followed by a NUL */
};

static void serve(int listen_fd, int out_fd, const char *const answers[], size_t n) {
        for (size_t i = 0; i < n; i++) {
                char buf[16384];
                size_t len = 0;
                long body = -1;
                int fd = accept(listen_fd, NULL, NULL);

                if (fd < 0)
                        _exit(1);
                for (;;) {
                        ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
                        char *end;
                        if (k <= 0)
                                break;
                        len += (size_t) k;
                        buf[len] = 0;
                        end = strstr(buf, "\r\n\r\n");
                        if (!end)
                                continue;
                        if (body < 0) {
                                const char *cl = strcasestr(buf, "\r\nContent-Length:");
                                body = cl ? strtol(cl + 17, NULL, 10) : 0;
                        }
                        if (len >= (size_t) (end + 4 - buf) + (size_t) body)
                                break;
                }
                if (write(out_fd, buf, len + 1) != (ssize_t) len + 1 ||
                    write(fd, answers[i], strlen(answers[i])) != (ssize_t) strlen(answers[i]))
                        _exit(1);
                close(fd);
        }
        _exit(0);
}

static void server_config(struct fb_config *c, const struct server *s) {
        char url[64];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s->port);
        sample_config(c, url);
}

/* Serves answers (from answer(), taken over and freed here), one a connection, on addr (host order). */
static void server_start_at(struct server *s, uint32_t addr, char *answers[], size_t n) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(addr) };
        socklen_t alen = sizeof(a);
        int fd, pipefd[2];

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(listen(fd, 8), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &alen), 0);
        s->port = ntohs(a.sin_port);
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        s->pid = fork();
        assert_true(s->pid >= 0);
        if (s->pid == 0) {
                close(pipefd[0]);
                serve(fd, pipefd[1], (const char *const *) answers, n);
        }
        close(fd);
        close(pipefd[1]);
        s->requests = pipefd[0];
        for (size_t i = 0; i < n; i++)
                free(answers[i]);
}

/* The same on 127.0.0.1, and configures c to use the server. */
static void server_start(struct server *s, struct fb_config *c, char *answers[], size_t n) {
        server_start_at(s, INADDR_LOOPBACK, answers, n);
        server_config(c, s);
}

/* What the server was sent, up to its end (free()). */
static char *server_requests(struct server *s, size_t *ret_size) {
        size_t size = 0, alloc = 65536;
        char *all = malloc(alloc);
        ssize_t k;

        assert_non_null(all);
        while ((k = read(s->requests, all + size, alloc - size - 1)) > 0)
                size += (size_t) k;
        all[size] = 0;
        close(s->requests);
        *ret_size = size;
        return all;
}

/* Waits for the server to have answered all; returns what it was sent (free()). */
static char *server_stop(struct server *s, size_t *ret_size) {
        char *all = server_requests(s, ret_size);
        int status;

        assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return all;
}

static const char *next_request(const char *all, size_t size, const char *at) {
        const char *next = at + strlen(at) + 1;
        return next < all + size ? next : NULL;
}

static bool starts_with(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static char *answer(const char *status, const char *body) {
        char *a;
        assert_true(asprintf(&a, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                 "Content-Length: %zu\r\n\r\n%s",
                             status, strlen(body), body) > 0);
        return a;
}

static void test_get_record(void **unused) {
        char *answers[3] = { answer("200 OK", "{\"sealed\":1}"), answer("404 Not Found", ""),
                             answer("503 Service Unavailable", "") };
        _cleanup_free_ char *all = NULL, *body = NULL;
        const char *req;
        struct fb_config c;
        struct server s;
        size_t size = 0, n;

        server_start(&s, &c, answers, ELEMENTSOF(answers));
        assert_int_equal(endpoint_get_record(&c, 5, &body, &size), 1);
        assert_int_equal(size, strlen("{\"sealed\":1}"));
        assert_memory_equal(body, "{\"sealed\":1}", size);
        assert_int_equal(endpoint_get_record(&c, 5, &body, &size), 0);  /* no record yet */
        assert_int_equal(endpoint_get_record(&c, 0, &body, &size), -EAGAIN); /* try again */
        all = server_stop(&s, &n);

        req = all;
        assert_true(starts_with(req, "GET /v1/clusters/lab/join?wait=5 HTTP/1.1\r\n"));
        req = next_request(all, n, req);
        assert_non_null(req);
        req = next_request(all, n, req);
        assert_non_null(req);
        assert_true(starts_with(req, "GET /v1/clusters/lab/join?wait=0 HTTP/1.1\r\n"));
        config_done(&c);
}

static void test_put_record(void **unused) {
        char *answers[2] = { answer("201 Created", "{}"), answer("403 Forbidden", "") };
        _cleanup_free_ char *all = NULL;
        char bearer[JOIN_BEARER_LEN + 1], header[128];
        const char *req, *second;
        struct fb_config c;
        struct server s;
        size_t n;

        server_start(&s, &c, answers, ELEMENTSOF(answers));
        assert_int_equal(endpoint_put_record(&c, "{\"v\":1}", 7, 30000), 0);
        /* another cluster key: refused at once, no retry */
        assert_int_equal(endpoint_put_record(&c, "{\"v\":2}", 7, 30000), -EACCES);
        all = server_stop(&s, &n);

        assert_int_equal(join_derive_bearer(c.cluster_key, bearer), 0);
        snprintf(header, sizeof(header), "\r\nAuthorization: Bearer %s\r\n", bearer);
        req = all;
        assert_true(starts_with(req, "PUT /v1/clusters/lab/join HTTP/1.1\r\n"));
        assert_non_null(strstr(req, header));
        assert_non_null(strcasestr(req, "\r\nContent-Type: application/json\r\n"));
        assert_non_null(strstr(req, "\r\n\r\n{\"v\":1}"));
        second = next_request(all, n, req);
        assert_non_null(second);
        assert_non_null(strstr(second, "\r\n\r\n{\"v\":2}"));
        assert_null(next_request(all, n, second));
        config_done(&c);
}

static void test_report(void **unused) {
        char *answers[2] = { answer("200 OK", "{}"), answer("500 Internal Server Error", "") };
        _cleanup_free_ char *all = NULL;
        const char *req;
        struct fb_config c;
        struct server s;
        size_t n;

        server_start(&s, &c, answers, ELEMENTSOF(answers));
        assert_int_equal(endpoint_report(&c, "host", "running", "prepare the host"), 0);
        assert_int_equal(endpoint_report(&c, "join", "failed", "stage role failed"), -EIO);
        all = server_stop(&s, &n);

        req = all;
        assert_true(starts_with(req, "PUT /v1/clusters/lab/nodes/node-1 HTTP/1.1\r\n"));
        assert_contains_all(req, "\"node\":\"node-1\"", "\"role\":\"worker\"", "\"stage\":\"host\"",
                            "\"status\":\"running\"", "\"message\":\"prepare the host\"");
        req = next_request(all, n, req);
        assert_non_null(req);
        assert_contains_all(req, "\"stage\":\"join\"", "\"status\":\"failed\"");

        /* without an endpoint, or without the cluster key, there is nobody to report to: no request */
        strcpy(c.endpoint, "");
        assert_int_equal(endpoint_report(&c, "host", "running", "x"), 0);
        strcpy(c.endpoint, "http://127.0.0.1:1/");
        c.have_cluster_key = false;
        assert_int_equal(endpoint_report(&c, "host", "running", "x"), 0);
        config_done(&c);
}

/* Ends a server that may still wait for a connection; returns what it was sent (free()). */
static char *server_kill(struct server *s, size_t *ret_size) {
        int status;

        assert_int_equal(kill(s->pid, SIGKILL), 0);
        assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
        /* the server writes a request here before it answers it: all it got is in the pipe by now */
        return server_requests(s, ret_size);
}

/* An endpoint that answers a PUT with a redirect to another address (127.0.0.2, where a listener
 * records what reaches it): the request carrying the bearer is not repeated there, the record's PUT
 * (307) fails at once naming the redirect's host, and the progress report (303, which libcurl would
 * follow as a GET with the same headers) is not delivered. */
static void test_redirect_not_followed(void **unused) {
        struct server s, elsewhere;
        struct fb_config c;
        char *answers[2], *other[2] = { answer("201 Created", "{}"), answer("201 Created", "{}") }, location[256];
        _cleanup_free_ char *all = NULL, *got_elsewhere = NULL;
        char bearer[JOIN_BEARER_LEN + 1];
        size_t n, n_elsewhere;

        server_start_at(&elsewhere, INADDR_LOOPBACK + 1, other, ELEMENTSOF(other));
        for (size_t i = 0; i < ELEMENTSOF(answers); i++) {
                snprintf(location, sizeof(location), "%s\r\nLocation: http://127.0.0.2:%d/v1/clusters/lab/%s",
                         i == 0 ? "307 Temporary Redirect" : "303 See Other", elsewhere.port,
                         i == 0 ? "join" : "nodes/node-1");
                answers[i] = answer(location, "");
        }
        server_start(&s, &c, answers, ELEMENTSOF(answers));
        log_capture_start();
        assert_int_equal(endpoint_put_record(&c, "{\"v\":1}", 7, 30000), -EREMOTE);
        {
                const char *log = log_capture_end();
                char host[64];
                snprintf(host, sizeof(host), "a redirect to 127.0.0.2:%d: not followed", elsewhere.port);
                assert_logged(log, host);
                assert_int_equal(join_derive_bearer(c.cluster_key, bearer), 0);
                assert_null(strstr(log, bearer));
        }
        assert_int_equal(endpoint_report(&c, "host", "running", "prepare the host"), -EREMOTE);
        all = server_stop(&s, &n);
        got_elsewhere = server_kill(&elsewhere, &n_elsewhere);
        assert_int_equal(n_elsewhere, 0);
        /* both requests reached the endpoint itself, with the bearer */
        assert_non_null(strstr(all, bearer));
        assert_non_null(next_request(all, n, all));
        config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cluster_url),
                cmocka_unit_test(test_get_record),
                cmocka_unit_test(test_put_record),
                cmocka_unit_test(test_report),
                cmocka_unit_test(test_redirect_not_followed),
        };
        signal(SIGPIPE, SIG_IGN);
        log_set_max_level(LOG_CRIT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
