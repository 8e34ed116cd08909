/* SPDX-License-Identifier: MIT */
/* Running commands (firstboot/lib/spawn.c): exit status and signals, the timeout and the kill of the
 * whole process group (a command that ignores SIGTERM, with a grandchild that does too), output to the
 * log and the capture with its cap, stdin data, the minimal environment, signal state and session, no
 * descriptor of ours in the command, a command that is not there.
 *
 * The commands are this test program itself: symbolic links named kfb-* in a scratch directory on
 * KUBE_FIRSTBOOT_PATH, and main() acts as the command its argv[0] names (spawn passes the bare name). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "macro.h"
#include "spawn.h"

#define SIGRTMIN_GLIBC 32 /* the kernel's first real-time signal, which glibc keeps for itself with 33 */

static char scratch[64]; /* /tmp/kfb-test-spawn.XXXXXX */

/* ---- the commands ------------------------------------------------------------------------------ */

/* kfb-fds: the descriptors open in this process, one line "0 1 2" (the listing's own left out). */
static int cmd_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0, fds[256];

        if (!d)
                return 99;
        while ((de = readdir(d)) && n < (int) ELEMENTSOF(fds)) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] != '.' && fd != dirfd(d))
                        fds[n++] = fd;
        }
        closedir(d);
        for (int i = 0; i < n; i++) /* readdir's order is the kernel's: sort for the comparison */
                for (int j = i + 1; j < n; j++)
                        if (fds[j] < fds[i]) {
                                int t = fds[i];
                                fds[i] = fds[j];
                                fds[j] = t;
                        }
        for (int i = 0; i < n; i++)
                printf("%s%d", i ? " " : "", fds[i]);
        printf("\n");
        return 0;
}

/* kfb-ignore-term FILE: ignores SIGTERM, starts a grandchild that ignores it too, and waits forever;
 * FILE gets the grandchild's pid (written whole, by rename) once both are set. */
static int cmd_ignore_term(const char *file) {
        char tmp[PATH_MAX], text[32];
        pid_t grandchild;
        FILE *f;

        signal(SIGTERM, SIG_IGN);
        grandchild = fork();
        if (grandchild < 0)
                return 99;
        if (grandchild == 0) {
                snprintf(tmp, sizeof(tmp), "%s.tmp", file);
                snprintf(text, sizeof(text), "%d\n", (int) getpid());
                f = fopen(tmp, "we");
                if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, file) < 0)
                        _exit(99);
        }
        for (;;)
                pause();
}

static int command_main(const char *name, int argc, char **argv) {
        if (streq(name, "kfb-exit") && argc == 2)
                return atoi(argv[1]);
        if (streq(name, "kfb-raise") && argc == 2) {
                raise(atoi(argv[1]));
                return 99;
        }
        if (streq(name, "kfb-sleep")) {
                for (;;)
                        pause();
        }
        if (streq(name, "kfb-ignore-term") && argc == 2)
                return cmd_ignore_term(argv[1]);
        if (streq(name, "kfb-env")) {
                for (char **e = environ; *e; e++)
                        printf("%s\n", *e);
                return 0;
        }
        if (streq(name, "kfb-fds"))
                return cmd_fds();
        if (streq(name, "kfb-nested")) { /* what kfb-fds sees when run by a program that inherited more */
                const char *fds[] = { "kfb-fds", NULL };
                struct spawn_options opts = { .timeout_ms = 60000, .log_fd = -1, .capture_max = 4096 };
                struct spawn_result res;
                if (spawn_run(fds, &opts, &res) < 0 || res.exit_status != 0 || !res.output)
                        return 99;
                fputs(res.output, stdout);
                spawn_result_done(&res);
                return 0;
        }
        if (streq(name, "kfb-emit") && argc == 3) { /* kfb-emit N M: N bytes on stdout, then M on stderr */
                long n = atol(argv[1]), m = atol(argv[2]);
                for (long i = 0; i < n; i++)
                        putchar('a' + (int) (i % 26));
                fflush(stdout);
                for (long i = 0; i < m; i++)
                        fputc('E', stderr);
                return 0;
        }
        if (streq(name, "kfb-cat")) {
                char buf[4096];
                ssize_t n;
                while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
                        if (write(STDOUT_FILENO, buf, (size_t) n) != n)
                                return 99;
                return n == 0 ? 0 : 99;
        }
        if (streq(name, "kfb-state")) { /* signal mask and ignored signals, session and group */
                char line[256];
                FILE *f = fopen("/proc/self/status", "re");
                if (!f)
                        return 99;
                /* Signal n is bit n-1. 32 and 33 are glibc's own (thread cancellation, setxid): its
                 * sigaction() refuses them, so whatever the test harness left there stays (and every
                 * glibc program sets its own handlers for them when it starts): not counted. */
                while (fgets(line, sizeof(line), f))
                        if (strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0)
                                printf("%.7s %016llx\n", line,
                                       strtoull(line + 7, NULL, 16) & ~(3ULL << (SIGRTMIN_GLIBC - 1)));
                fclose(f);
                printf("session leader: %s\ngroup leader: %s\n", getsid(0) == getpid() ? "yes" : "no",
                       getpgrp() == getpid() ? "yes" : "no");
                return 0;
        }
        fprintf(stderr, "%s: unknown command\n", name);
        return 98;
}

/* ---- helpers ----------------------------------------------------------------------------------- */

static int run(const char *const argv[], const struct spawn_options *opts, struct spawn_result *res) {
        return spawn_run(argv, opts, res);
}

/* Waits for the child pid to end (reparented to us: we are a subreaper), at most limit_ms as a
 * generous bound against a hang; its wait status, or -1. */
static int wait_child(pid_t pid, int limit_ms) {
        sigset_t chld, saved;
        struct timespec end, now;
        int status = -1;

        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, &saved);
        clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_sec += limit_ms / 1000;
        for (;;) {
                struct timespec left;
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                if (w < 0) {
                        status = -1;
                        break;
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) {
                        status = -1;
                        break;
                }
                left.tv_sec = end.tv_sec - now.tv_sec > 1 ? 1 : 0;
                left.tv_nsec = left.tv_sec ? 0 : 10000000;
                (void) sigtimedwait(&chld, NULL, &left);
        }
        sigprocmask(SIG_SETMASK, &saved, NULL);
        return status;
}

/* ---- the tests ----------------------------------------------------------------------------------- */

static void test_exit_status(void **state) {
        static const int codes[] = { 0, 1, 3, 42, 126, 255 };
        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(codes); i++) {
                char code[8];
                const char *argv[] = { "kfb-exit", code, NULL };
                snprintf(code, sizeof(code), "%d", codes[i]);
                assert_int_equal(spawn_simple(argv, 60000, -1), codes[i]);
        }
}

static void test_signal(void **state) {
        const char *argv[] = { "kfb-raise", "10", NULL }; /* SIGUSR1: kills, no core */
        struct spawn_result res;
        (void) state;
        assert_int_equal(SIGUSR1, 10);
        assert_int_equal(run(argv, NULL, &res), 0);
        assert_int_equal(res.exit_status, 128 + SIGUSR1);
        assert_false(res.timed_out);
        spawn_result_done(&res);
}

static void test_timeout(void **state) {
        const char *argv[] = { "kfb-sleep", NULL };
        struct spawn_options opts = { .timeout_ms = 200, .log_fd = -1 };
        struct spawn_result res;
        (void) state;
        assert_int_equal(run(argv, &opts, &res), 0);
        assert_true(res.timed_out);
        assert_int_equal(res.exit_status, 128 + SIGTERM);
        spawn_result_done(&res);
        assert_int_equal(spawn_simple(argv, 200, -1), -ETIMEDOUT);
}

/* The timeout's SIGTERM does not stop the command nor its grandchild: the SIGKILL to the group ends
 * both. The timeout must pass after they are set (the file holds the grandchild's pid): when a busy
 * machine has not got there in time, the run says nothing and is tried with a longer timeout. */
static void test_timeout_kills_the_group(void **state) {
        char file[PATH_MAX];
        const char *argv[] = { "kfb-ignore-term", file, NULL };
        (void) state;

        snprintf(file, sizeof(file), "%s/grandchild.pid", scratch);
        assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
        for (int timeout_ms = 300; timeout_ms <= 40000; timeout_ms *= 2) {
                struct spawn_options opts = { .timeout_ms = timeout_ms, .log_fd = -1 };
                struct spawn_result res;
                char text[32] = "";
                pid_t grandchild;
                FILE *f;
                int status;

                (void) unlink(file);
                assert_int_equal(run(argv, &opts, &res), 0);
                assert_true(res.timed_out);
                spawn_result_done(&res);
                f = fopen(file, "re");
                if (!f || !fgets(text, sizeof(text), f)) {
                        if (f)
                                fclose(f);
                        while (waitpid(-1, NULL, WNOHANG) > 0) /* a grandchild killed before it wrote */
                                ;
                        continue;
                }
                fclose(f);
                /* both were set: SIGTERM was ignored, SIGKILL ended the command ... */
                assert_int_equal(res.exit_status, 128 + SIGKILL);
                /* ... and the grandchild, now ours to reap */
                grandchild = (pid_t) atoi(text);
                assert_true(grandchild > 0);
                status = wait_child(grandchild, 60000);
                assert_true(status != -1);
                assert_true(WIFSIGNALED(status));
                assert_int_equal(WTERMSIG(status), SIGKILL);
                assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);
                return;
        }
        fail_msg("the command never got its grandchild going before a 40 s timeout");
}

static void test_output_capture_and_cap(void **state) {
        const char *argv[] = { "kfb-emit", "100000", "3", NULL };
        char log_path[PATH_MAX];
        struct spawn_options opts = { .timeout_ms = 60000, .capture_max = 1000 };
        struct spawn_result res;
        struct stat st;
        int log_fd;
        (void) state;

        snprintf(log_path, sizeof(log_path), "%s/agent.log", scratch);
        log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(log_fd >= 0);
        opts.log_fd = log_fd;
        assert_int_equal(run(argv, &opts, &res), 0);
        assert_int_equal(res.exit_status, 0);
        /* the capture stops at its cap, NUL-terminated; the log gets everything, stderr included */
        assert_int_equal(res.output_size, 1000);
        assert_non_null(res.output);
        assert_int_equal(strlen(res.output), 1000);
        for (size_t i = 0; i < res.output_size; i++)
                assert_int_equal(res.output[i], 'a' + (int) (i % 26));
        spawn_result_done(&res);
        assert_int_equal(fstat(log_fd, &st), 0);
        assert_int_equal(st.st_size, 100003);
        close(log_fd);

        /* stdout and stderr in one capture; none asked for: none kept */
        {
                const char *small[] = { "kfb-emit", "2", "2", NULL };
                struct spawn_options o = { .timeout_ms = 60000, .log_fd = -1, .capture_max = 64 };
                assert_int_equal(run(small, &o, &res), 0);
                assert_string_equal(res.output, "abEE");
                spawn_result_done(&res);
                o.capture_max = 0;
                assert_int_equal(run(small, &o, &res), 0);
                assert_null(res.output);
                assert_int_equal(res.output_size, 0);
                spawn_result_done(&res);
        }
}

static void test_stdin(void **state) {
        const char *argv[] = { "kfb-cat", NULL };
        size_t size = 300000; /* more than a pipe holds: written as the command reads */
        char *data = malloc(size);
        struct spawn_options opts = { .timeout_ms = 60000, .log_fd = -1, .capture_max = 1 << 20 };
        struct spawn_result res;
        (void) state;

        assert_non_null(data);
        for (size_t i = 0; i < size; i++)
                data[i] = (char) ('0' + i % 10);
        opts.stdin_data = data;
        opts.stdin_size = size;
        assert_int_equal(run(argv, &opts, &res), 0);
        assert_int_equal(res.exit_status, 0);
        assert_int_equal(res.output_size, size);
        assert_memory_equal(res.output, data, size);
        spawn_result_done(&res);
        free(data);

        /* no data: end of file at once */
        opts.stdin_data = NULL;
        opts.stdin_size = 0;
        assert_int_equal(run(argv, &opts, &res), 0);
        assert_int_equal(res.exit_status, 0);
        assert_int_equal(res.output_size, 0);
        spawn_result_done(&res);
}

static void test_environment_minimal(void **state) {
        const char *argv[] = { "kfb-env", NULL };
        const char *extra[] = { "KUBECONFIG=/etc/kubernetes/admin.conf", NULL };
        struct spawn_options opts = { .timeout_ms = 60000, .log_fd = -1, .capture_max = 4096, .extra_env = extra };
        struct spawn_result res;
        char want[PATH_MAX + 256];
        (void) state;

        assert_int_equal(setenv("KFB_TEST_NOT_FOR_COMMANDS", "secret", 1), 0);
        assert_int_equal(run(argv, &opts, &res), 0);
        assert_int_equal(res.exit_status, 0);
        snprintf(want, sizeof(want), "PATH=%s\nLANG=C\nLC_ALL=C\nHOME=/root\nKUBECONFIG=/etc/kubernetes/admin.conf\n",
                 scratch);
        assert_string_equal(res.output, want);
        spawn_result_done(&res);
        unsetenv("KFB_TEST_NOT_FOR_COMMANDS");
}

/* Blocked and ignored signals of ours are not the command's; it leads its own session and group. */
static void test_signal_state_and_session(void **state) {
        const char *argv[] = { "kfb-state", NULL };
        struct spawn_options opts = { .timeout_ms = 60000, .log_fd = -1, .capture_max = 4096 };
        struct spawn_result res;
        sigset_t usr1, saved;
        void (*saved_usr2)(int);
        (void) state;

        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, &saved);
        saved_usr2 = signal(SIGUSR2, SIG_IGN);
        assert_int_equal(run(argv, &opts, &res), 0);
        sigprocmask(SIG_SETMASK, &saved, NULL);
        signal(SIGUSR2, saved_usr2);
        assert_int_equal(res.exit_status, 0);
        assert_string_equal(res.output, "SigBlk: 0000000000000000\nSigIgn: 0000000000000000\n"
                                        "session leader: yes\ngroup leader: yes\n");
        spawn_result_done(&res);
}

/* Descriptors of ours, made close-on-exec as the agent makes all of them, and the ends of spawn's own
 * pipes: the command has 0, 1 and 2 only. */
static void test_no_descriptor_leaked(void **state) {
        const char *argv[] = { "kfb-fds", NULL };
        struct spawn_options opts = { .timeout_ms = 60000, .log_fd = -1, .capture_max = 4096 };
        struct spawn_result res;
        int file, sock, p[2];
        (void) state;

        file = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(file >= 0 && sock >= 0);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        opts.log_fd = p[1]; /* the log too */
        assert_int_equal(run(argv, &opts, &res), 0);
        assert_int_equal(res.exit_status, 0);
        assert_string_equal(res.output, "0 1 2\n");
        spawn_result_done(&res);
        close(file);
        close(sock);
        close(p[0]);
        close(p[1]);
}

/* A descriptor without close-on-exec that a program inherited (here: kfb-nested, from us) does not reach
 * the commands it runs. */
static void test_inherited_descriptor_not_passed_on(void **state) {
        const char *argv[] = { "kfb-nested", NULL };
        char search[128];
        const char *env[] = { search, NULL };
        struct spawn_options opts = { .timeout_ms = 60000, .log_fd = -1, .capture_max = 4096, .extra_env = env };
        struct spawn_result res;
        int inherited;
        (void) state;

        snprintf(search, sizeof(search), "%s=%s", SPAWN_PATH_ENV, scratch);
        inherited = open(scratch, O_RDONLY | O_DIRECTORY); /* deliberately without O_CLOEXEC */
        assert_true(inherited > STDERR_FILENO);
        assert_int_equal(run(argv, &opts, &res), 0);
        close(inherited);
        assert_int_equal(res.exit_status, 0);
        assert_string_equal(res.output, "0 1 2\n");
        spawn_result_done(&res);
}

/* With 0-2 closed in the agent, spawn's pipes land there and must still reach the command whole. */
static void test_stdio_closed_in_agent(void **state) {
        const char *argv[] = { "kfb-cat", NULL };
        struct spawn_options opts = { .timeout_ms = 60000, .log_fd = -1, .capture_max = 64, .stdin_data = "hello",
                                      .stdin_size = 5 };
        struct spawn_result res;
        int saved[3];
        (void) state;

        for (int fd = 0; fd < 3; fd++) {
                saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10);
                assert_true(saved[fd] >= 0);
                close(fd);
        }
        int r = run(argv, &opts, &res);
        for (int fd = 0; fd < 3; fd++) {
                assert_int_equal(dup3(saved[fd], fd, 0), fd);
                close(saved[fd]);
        }
        assert_int_equal(r, 0);
        assert_int_equal(res.exit_status, 0);
        assert_string_equal(res.output, "hello");
        spawn_result_done(&res);
}

static void test_missing_command(void **state) {
        const char *argv[] = { "kfb-not-there", NULL };
        const char *slash[] = { "/bin/true", NULL };
        struct spawn_result res;
        char exe[PATH_MAX];
        (void) state;

        assert_int_equal(run(argv, NULL, &res), -ENOENT);
        assert_int_equal(res.exit_status, -1);
        assert_null(res.output);
        assert_int_equal(spawn_simple(argv, 60000, -1), -ENOENT);
        assert_int_equal(spawn_find("kfb-not-there", exe, sizeof(exe)), -ENOENT);
        /* names only: a path is refused, not run */
        assert_int_equal(run(slash, NULL, &res), -EINVAL);
        /* found on the search path, as an absolute path */
        assert_int_equal(spawn_find("kfb-exit", exe, sizeof(exe)), 0);
        assert_true(strncmp(exe, scratch, strlen(scratch)) == 0 && streq(exe + strlen(scratch), "/kfb-exit"));
}

static int setup(void **state) {
        static const char *const names[] = { "kfb-exit", "kfb-raise", "kfb-sleep", "kfb-ignore-term", "kfb-env",
                                             "kfb-fds", "kfb-nested", "kfb-emit", "kfb-cat", "kfb-state" };
        char self[PATH_MAX], link[PATH_MAX + 32];
        ssize_t n;
        (void) state;

        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
                return -1;
        self[n] = 0;
        snprintf(scratch, sizeof(scratch), "/tmp/kfb-test-spawn.XXXXXX");
        if (!mkdtemp(scratch))
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                snprintf(link, sizeof(link), "%s/%s", scratch, names[i]);
                if (symlink(self, link) < 0)
                        return -1;
        }
        return setenv(SPAWN_PATH_ENV, scratch, 1);
}

static int teardown(void **state) {
        DIR *d = opendir(scratch);
        struct dirent *de;
        char p[PATH_MAX + 256];
        (void) state;

        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.') {
                        snprintf(p, sizeof(p), "%s/%s", scratch, de->d_name);
                        (void) unlink(p);
                }
        if (d)
                closedir(d);
        return rmdir(scratch);
}

int main(int argc, char **argv) {
        const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exit_status),
                cmocka_unit_test(test_signal),
                cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_timeout_kills_the_group),
                cmocka_unit_test(test_output_capture_and_cap),
                cmocka_unit_test(test_stdin),
                cmocka_unit_test(test_environment_minimal),
                cmocka_unit_test(test_signal_state_and_session),
                cmocka_unit_test(test_no_descriptor_leaked),
                cmocka_unit_test(test_inherited_descriptor_not_passed_on),
                cmocka_unit_test(test_stdio_closed_in_agent),
                cmocka_unit_test(test_missing_command),
        };

        if (strncmp(name, "kfb-", 4) == 0)
                return command_main(name, argc, argv);
        return cmocka_run_group_tests(tests, setup, teardown);
}
