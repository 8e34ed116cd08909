/* SPDX-License-Identifier: MIT */
/* kubeadm-pin CA.crt...: prints, one a line, the "sha256:..." pin the agent computes for each CA
 * certificate (pubkeypin_from_file(), the function whose result goes into the join record), so that
 * tests/kubeadm/check-kubeadm.sh can compare it with what the real kubeadm prints for the same CA. */
#include <stdio.h>
#include <string.h>

#include "join/pubkeypin.h"

int main(int argc, char **argv) {
        char pin[PUBKEYPIN_LEN + 1];

        for (int i = 1; i < argc; i++) {
                int r = pubkeypin_from_file(argv[i], pin);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
                        return 1;
                }
                printf("%s\n", pin);
        }
        return argc > 1 ? 0 : 2;
}
