/* SPDX-License-Identifier: MIT */
/* Replays a fuzz corpus without libFuzzer: feeds every file in the directory argv[1] to
 * LLVMFuzzerTestOneInput(). Exit 1 when the directory is missing or empty, so that a lost corpus
 * fails `make check` instead of passing vacuously. A crash or sanitizer report fails it too. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "macro.h"

#define REPLAY_INPUT_MAX (16 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int main(int argc, char *argv[]) {
        char **names = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;
        DIR *d;

        if (argc != 2) {
                fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
                return 1;
        }
        d = opendir(argv[1]);
        if (!d) {
                fprintf(stderr, "%s: cannot open corpus directory: %m\n", argv[1]);
                return 1;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (n == allocated) {
                        char **p = realloc(names, (allocated = allocated ? allocated * 2 : 64) * sizeof(*names));
                        if (!p)
                                return 1;
                        names = p;
                }
                names[n] = strdup(de->d_name);
                if (!names[n])
                        return 1;
                n++;
        }
        closedir(d);
        if (n == 0) {
                fprintf(stderr, "%s: empty corpus\n", argv[1]);
                return 1;
        }
        qsort(names, n, sizeof(*names), compare);

        for (size_t i = 0; i < n; i++) {
                char path[4096];
                char *data = NULL;
                size_t size = 0;
                int r;

                snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
                r = read_file_limited(path, REPLAY_INPUT_MAX, &data, &size);
                if (r < 0) {
                        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-r));
                        return 1;
                }
                LLVMFuzzerTestOneInput((const uint8_t *) data, size);
                free(data);
                free(names[i]);
        }
        free(names);
        printf("%zu inputs replayed from %s\n", n, argv[1]);
        return 0;
}
