/* SPDX-License-Identifier: MIT */
/* measure CMD ARGS...: runs CMD once and prints "WALL_USEC MAXRSS_KIB EXIT_STATUS" on stdout (CMD's own
 * output goes where this program's does, unless MEASURE_QUIET=1 sends it to /dev/null). Wall time from
 * just before fork() to the return of wait4(); peak RSS is wait4()'s ru_maxrss: the largest of CMD and
 * the children it waited for. For the benchmarks in bench/ (a few microseconds of its own overhead,
 * where /usr/bin/time has 10 ms resolution). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        struct timespec t0, t1;
        struct rusage ru;
        int status, quiet = getenv("MEASURE_QUIET") && strcmp(getenv("MEASURE_QUIET"), "1") == 0;
        pid_t pid;

        if (argc < 2) {
                fprintf(stderr, "usage: measure CMD [ARGS...]\n");
                return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid = fork();
        if (pid < 0)
                return 2;
        if (pid == 0) {
                if (quiet) {
                        int fd = open("/dev/null", O_WRONLY);
                        if (fd >= 0) {
                                dup2(fd, 1);
                                dup2(fd, 2);
                        }
                }
                execvp(argv[1], argv + 1);
                _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) != pid)
                return 2;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%lld %ld %d\n", (long long) (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
               ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}
