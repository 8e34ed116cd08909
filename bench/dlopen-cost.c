/* SPDX-License-Identifier: MIT */
/* dlopen-cost LIB...: what loading each library costs a process, as the agent loads libcrypto and
 * libcurl on first use (firstboot/lib/crypto-dl.c, curl-dl.c): prints, per library, the wall time of
 * dlopen(RTLD_NOW) (plus curl_global_init() for libcurl, which initialises OpenSSL) and the process's
 * peak RSS (VmHWM) after it. For bench/agent.sh's cost centres. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long hwm_kib(void) {
        char line[256];
        long kib = -1;
        FILE *f = fopen("/proc/self/status", "re");

        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "VmHWM:", 6) == 0)
                        sscanf(line + 6, "%ld", &kib);
        if (f)
                fclose(f);
        return kib;
}

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char *argv[]) {
        printf("  before: peak RSS %.2f MiB\n", hwm_kib() / 1024.0);
        for (int i = 1; i < argc; i++) {
                double t0 = now_ms();
                void *h = dlopen(argv[i], RTLD_NOW);
                if (!h) {
                        printf("  %s: %s\n", argv[i], dlerror());
                        return 1;
                }
                if (strncmp(argv[i], "libcurl", 7) == 0) {
                        int (*init)(long) = (int (*)(long)) dlsym(h, "curl_global_init");
                        if (init)
                                init(3); /* CURL_GLOBAL_DEFAULT */
                }
                printf("  + %-16s %6.2f ms, peak RSS %.2f MiB\n", argv[i], now_ms() - t0, hwm_kib() / 1024.0);
        }
        return 0;
}
