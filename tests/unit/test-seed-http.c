/* SPDX-License-Identifier: MIT */
/* The HTTP client (firstboot/lib/http.c) and NoCloud-net (seed-http.c) against a real server on
 * 127.0.0.1 (tests/lib/seed-httpd.py) that misbehaves on request. The cases here need deadlines shorter
 * than the agent's five minutes; tests/integration/test-seed-http.sh runs the agent itself. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"
#include "http.h"
#include "log.h"
#include "macro.h"
#include "seed/seed.h"
#include "time-util.h"

struct server {
        pid_t pid;
        int port;
        char dir[64];
        char url[128]; /* base URL of the seed: http://127.0.0.1:PORT/seed/ */
};

static const char *top(void) {
        const char *t = getenv("TOP");
        return t ? t : ".";
}

static const char *python(void) {
        const char *p = getenv("PYTHON");
        if (p)
                return p;
        /* Debian's own interpreter: a pyenv shim on PATH can take seconds to start. */
        return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

static void copy_file(const char *from, const char *to) {
        char *data = NULL;
        size_t size;

        assert_int_equal(read_file_limited(from, 1024 * 1024, &data, &size), 0);
        assert_true(write_file_atomic(to, data, size, 0644, WRITE_ATOMIC_MKDIR) >= 0);
        free(data);
}

/* Starts the server on a seed directory holding the given files of tests/data/seed-sources/small. */
static void server_start(struct server *s, const char *const *files, const char *const *extra) {
        char port_file[128], log_file[128], script[4096], path[4096];
        const char *argv[32];
        size_t n = 0;
        uint64_t deadline;

        snprintf(s->dir, sizeof(s->dir), "/tmp/kfb-http.XXXXXX");
        assert_non_null(mkdtemp(s->dir));
        for (size_t i = 0; files && files[i]; i++) {
                char from[4096];
                snprintf(from, sizeof(from), "%s/tests/data/seed-sources/small/%s", top(), files[i]);
                snprintf(path, sizeof(path), "%s/seed/%s", s->dir, files[i]);
                copy_file(from, path);
        }
        snprintf(script, sizeof(script), "%s/tests/lib/seed-httpd.py", top());
        snprintf(port_file, sizeof(port_file), "%s/port", s->dir);
        snprintf(log_file, sizeof(log_file), "%s/log", s->dir);
        argv[n++] = python();
        argv[n++] = script;
        argv[n++] = "--dir";
        argv[n++] = s->dir;
        argv[n++] = "--port-file";
        argv[n++] = port_file;
        argv[n++] = "--log";
        argv[n++] = log_file;
        for (size_t i = 0; extra && extra[i] && n < ELEMENTSOF(argv) - 1; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;
        /* fork + exec: <spawn.h> is shadowed by the project's own spawn.h on the include path. */
        s->pid = fork();
        assert_true(s->pid >= 0);
        if (s->pid == 0) {
                execvp(argv[0], (char *const *) argv);
                _exit(127);
        }

        for (deadline = deadline_in_ms(20000); !deadline_passed(deadline); sleep_ms(20)) {
                char *data = NULL;
                if (read_file_limited(port_file, 64, &data, NULL) == 0) {
                        s->port = atoi(data);
                        free(data);
                        break;
                }
        }
        if (s->port <= 0)
                fail_msg("seed-httpd.py did not start within 20 s");
        snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/seed/", s->port);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        return remove(path);
}

static void server_stop(struct server *s) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Requests the server logged for a path ending in name. */
static unsigned server_requests(const struct server *s, const char *name) {
        char path[128], *data = NULL, needle[64];
        unsigned n = 0;

        snprintf(path, sizeof(path), "%s/log", s->dir);
        if (read_file_limited(path, 1024 * 1024, &data, NULL) < 0)
                return 0;
        snprintf(needle, sizeof(needle), "/%s ", name);
        for (char *p = data; (p = strstr(p, needle)); p++)
                n++;
        free(data);
        return n;
}

static void assert_seed_file(const struct seed *s, enum seed_file f, const char *name) {
        char path[4096], *want = NULL;
        size_t size;

        snprintf(path, sizeof(path), "%s/tests/data/seed-sources/small/%s", top(), name);
        assert_int_equal(read_file_limited(path, 1024 * 1024, &want, &size), 0);
        assert_non_null(s->data[f]);
        assert_int_equal(s->size[f], size);
        assert_memory_equal(s->data[f], want, size);
        free(want);
}

static const char *const all_files[] = { "meta-data", "user-data", "network-config", "vendor-data", NULL };
static const char *const required_files[] = { "meta-data", "user-data", NULL };

static void test_fetch_all(void **state) {
        struct server srv = {};
        struct seed s = {};
        char url[160], name[200];

        server_start(&srv, all_files, NULL);
        assert_int_equal(seed_read_url(srv.url, 10000, &s), 0);
        assert_seed_file(&s, SEED_META_DATA, "meta-data");
        assert_seed_file(&s, SEED_USER_DATA, "user-data");
        assert_seed_file(&s, SEED_NETWORK_CONFIG, "network-config");
        assert_seed_file(&s, SEED_VENDOR_DATA, "vendor-data");
        snprintf(name, sizeof(name), "%smeta-data", srv.url);
        assert_string_equal(s.name[SEED_META_DATA], name);
        assert_string_equal(s.origin, srv.url);
        seed_done(&s);

        /* Without the trailing slash the files are still found under the directory. */
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/seed", srv.port);
        assert_int_equal(seed_read_url(url, 10000, &s), 0);
        assert_string_equal(s.name[SEED_USER_DATA], strcat(strcpy(name, srv.url), "user-data"));
        seed_done(&s);
        server_stop(&srv);
}

static void test_optional_files_absent(void **state) {
        struct server srv = {};
        struct seed s = {};

        server_start(&srv, required_files, NULL);
        assert_int_equal(seed_read_url(srv.url, 10000, &s), 0);
        assert_seed_file(&s, SEED_META_DATA, "meta-data");
        assert_null(s.data[SEED_NETWORK_CONFIG]);
        assert_null(s.data[SEED_VENDOR_DATA]);
        /* A 404 on an optional file is final: asked once. */
        assert_int_equal(server_requests(&srv, "network-config"), 1);
        seed_done(&s);
        server_stop(&srv);
}

static void test_faults_are_retried(void **state) {
        static const char *const faults[] = { "--fail500", "1", "--not-found-meta", "1", "--truncate", "1", NULL };
        struct server srv = {};
        struct seed s = {};

        server_start(&srv, all_files, faults);
        assert_int_equal(seed_read_url(srv.url, 30000, &s), 0);
        assert_seed_file(&s, SEED_META_DATA, "meta-data");
        assert_seed_file(&s, SEED_USER_DATA, "user-data");
        /* A 500, a 404, a truncated body, then the real one. */
        assert_int_equal(server_requests(&srv, "meta-data"), 4);
        seed_done(&s);
        server_stop(&srv);
}

static void expect_timeout(const char *url, int deadline_ms) {
        struct seed s = {};
        uint64_t start = now_usec() / USEC_PER_MSEC, elapsed;

        assert_int_equal(seed_read_url(url, deadline_ms, &s), -ETIMEDOUT);
        elapsed = now_usec() / USEC_PER_MSEC - start;
        /* Never before the deadline, however fast the machine; the upper bound only tells "gave up at the
         * deadline" from "waited for the server" (a hanging server holds on for 100 s). */
        if (elapsed + 50 < (uint64_t) deadline_ms || elapsed > (uint64_t) deadline_ms + 30000)
                fail_msg("gave up after %llu ms with a deadline of %d ms", (unsigned long long) elapsed, deadline_ms);
        seed_done(&s);
}

static void test_required_file_never_there(void **state) {
        static const char *const meta_only[] = { "meta-data", NULL };
        struct server srv = {};

        server_start(&srv, meta_only, NULL);
        expect_timeout(srv.url, 5000);
        /* Retried, with backoff (500 ms doubling): more than once, and no more often than the backoff allows
         * in 5 s (at 0, 0.5, 1.5 and 3.5 s), far fewer than a busy loop would. */
        assert_in_range(server_requests(&srv, "user-data"), 2, 5);
        server_stop(&srv);
}

static void test_nothing_listens(void **state) {
        struct server srv = {};
        char url[128];

        /* A port that was just in use and is now closed. */
        server_start(&srv, required_files, NULL);
        snprintf(url, sizeof(url), "%s", srv.url);
        server_stop(&srv);
        expect_timeout(url, 1500);
}

static void test_server_hangs(void **state) {
        static const char *const hang[] = { "--hang", "100", NULL };
        struct server srv = {};

        server_start(&srv, all_files, hang);
        expect_timeout(srv.url, 1500);
        server_stop(&srv);
}

static void test_truncated_forever(void **state) {
        static const char *const truncate[] = { "--truncate", "1000", NULL };
        struct server srv = {};

        server_start(&srv, all_files, truncate);
        expect_timeout(srv.url, 2000);
        assert_true(server_requests(&srv, "meta-data") >= 2);
        server_stop(&srv);
}

static void test_too_large(void **state) {
        struct server srv = {};
        struct seed s = {};
        char path[160], *big;
        uint64_t start;

        server_start(&srv, required_files, NULL);
        big = malloc(SEED_FILE_MAX + 1);
        assert_non_null(big);
        memset(big, '#', SEED_FILE_MAX + 1);
        snprintf(path, sizeof(path), "%s/seed/user-data", srv.dir);
        assert_true(write_file_atomic(path, big, SEED_FILE_MAX + 1, 0644, 0) >= 0);
        free(big);
        start = now_usec() / USEC_PER_MSEC;
        assert_int_equal(seed_read_url(srv.url, 20000, &s), -EFBIG);
        /* Final at once: no retries (one request), not after waiting out the 20 s deadline. */
        assert_true(now_usec() / USEC_PER_MSEC - start < 15000);
        assert_int_equal(server_requests(&srv, "user-data"), 1);
        seed_done(&s);

        /* Exactly at the limit is fine. */
        big = malloc(SEED_FILE_MAX);
        assert_non_null(big);
        memset(big, '#', SEED_FILE_MAX);
        assert_true(write_file_atomic(path, big, SEED_FILE_MAX, 0644, 0) >= 0);
        free(big);
        assert_int_equal(seed_read_url(srv.url, 20000, &s), 0);
        assert_int_equal(s.size[SEED_USER_DATA], SEED_FILE_MAX);
        seed_done(&s);
        server_stop(&srv);
}

static void test_forbidden_is_final(void **state) {
        static const char *const forbidden[] = { "--status", "meta-data=403", NULL };
        struct server srv = {};
        struct seed s = {};

        server_start(&srv, all_files, forbidden);
        assert_int_equal(seed_read_url(srv.url, 20000, &s), -EACCES);
        assert_int_equal(server_requests(&srv, "meta-data"), 1);
        seed_done(&s);
        server_stop(&srv);
}

static void test_bad_urls(void **state) {
        static const char *const urls[] = {
                "ftp://127.0.0.1/seed/",
                "http://user:secret@127.0.0.1/seed/",
                "http://127.0.0.1/seed/?token=x",
                "http://127.0.0.1/se ed/",
                "http:///seed/",
                "file:///seed/",
        };
        for (size_t i = 0; i < ELEMENTSOF(urls); i++) {
                struct seed s = {};
                assert_int_equal(seed_read_url(urls[i], 1000, &s), -EINVAL);
        }
}

static void test_http_client(void **state) {
        struct server srv = {};
        struct http_response resp;
        char url[200], ftp_redirect[64], http_redirect[200];
        const char *extra[] = { "--redirect", ftp_redirect, "--redirect", http_redirect, NULL };
        static const char body[] = "{\"join\": \"record\"}\n";
        static const char *const headers[] = { "X-Test: 1", NULL };

        snprintf(ftp_redirect, sizeof(ftp_redirect), "to-ftp=ftp://127.0.0.1/x");
        /* The port is known only once the server runs: redirect to a path on the same server via "/". */
        snprintf(http_redirect, sizeof(http_redirect), "to-http=/seed/meta-data");
        server_start(&srv, required_files, extra);

        /* PUT, then GET it back. */
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/records/lab/join", srv.port);
        assert_int_equal(http_request(&(struct http_request) { .method = "PUT", .url = url, .body = body,
                                                               .body_size = sizeof(body) - 1,
                                                               .content_type = "application/json",
                                                               .headers = headers },
                                      &resp), 0);
        assert_int_equal(resp.status, 201);
        http_response_done(&resp);
        assert_int_equal(http_request(&(struct http_request) { .url = url }, &resp), 0);
        assert_int_equal(resp.status, 200);
        assert_int_equal(resp.size, sizeof(body) - 1);
        assert_string_equal(resp.body, body);
        http_response_done(&resp);

        /* A 404 is a response, not an error. */
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/nothing", srv.port);
        assert_int_equal(http_request(&(struct http_request) { .url = url }, &resp), 0);
        assert_int_equal(resp.status, 404);
        http_response_done(&resp);

        /* The response cap: refused when announced larger (Content-Length), at the limit accepted. */
        snprintf(url, sizeof(url), "%smeta-data", srv.url);
        assert_int_equal(http_request(&(struct http_request) { .url = url, .max_response = 10 }, &resp), -EFBIG);
        http_response_done(&resp);
        assert_int_equal(http_request(&(struct http_request) { .url = url, .max_response = 61 }, &resp), 0);
        assert_int_equal(resp.size, 61);
        http_response_done(&resp);

        /* Redirects: followed within http, refused to another protocol. */
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/to-http", srv.port);
        assert_int_equal(http_request(&(struct http_request) { .url = url }, &resp), 0);
        assert_int_equal(resp.status, 200);
        assert_int_equal(resp.size, 61);
        http_response_done(&resp);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/to-ftp", srv.port);
        assert_int_equal(http_request(&(struct http_request) { .url = url }, &resp), -EINVAL);
        http_response_done(&resp);

        /* Only GET and PUT; only http and https. */
        assert_int_equal(http_request(&(struct http_request) { .method = "DELETE", .url = url }, &resp), -EINVAL);
        assert_int_equal(http_request(&(struct http_request) { .url = "file:///etc/passwd" }, &resp), -EINVAL);
        server_stop(&srv);
}

static void test_http_truncated(void **state) {
        static const char *const truncate[] = { "--truncate", "1", NULL };
        struct server srv = {};
        struct http_response resp;
        char url[200];

        server_start(&srv, required_files, truncate);
        snprintf(url, sizeof(url), "%suser-data", srv.url);
        assert_int_equal(http_request(&(struct http_request) { .url = url }, &resp), -EPIPE);
        assert_null(resp.body);
        assert_int_equal(http_request(&(struct http_request) { .url = url }, &resp), 0);
        assert_int_equal(resp.status, 200);
        http_response_done(&resp);
        server_stop(&srv);
}

static void test_http_timeouts(void **state) {
        static const char *const hang[] = { "--hang", "1", NULL };
        struct server srv = {};
        struct http_response resp;
        char url[200];
        uint64_t start;

        server_start(&srv, required_files, hang);
        snprintf(url, sizeof(url), "%smeta-data", srv.url);
        start = now_usec() / USEC_PER_MSEC;
        assert_int_equal(http_request(&(struct http_request) { .url = url, .timeout_ms = 500 }, &resp), -ETIMEDOUT);
        /* the 500 ms timeout ended it: the server answers only after 1 s, which would be a 200 */
        assert_in_range(now_usec() / USEC_PER_MSEC - start, 450, 30000);
        server_stop(&srv);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fetch_all),
                cmocka_unit_test(test_optional_files_absent),
                cmocka_unit_test(test_faults_are_retried),
                cmocka_unit_test(test_required_file_never_there),
                cmocka_unit_test(test_nothing_listens),
                cmocka_unit_test(test_server_hangs),
                cmocka_unit_test(test_truncated_forever),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_forbidden_is_final),
                cmocka_unit_test(test_bad_urls),
                cmocka_unit_test(test_http_client),
                cmocka_unit_test(test_http_truncated),
                cmocka_unit_test(test_http_timeouts),
        };
        log_set_max_level(getenv("TEST_VERBOSE") ? LOG_DEBUG : LOG_CRIT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
