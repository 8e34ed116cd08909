/* stub */
#include "seed.h"
int cmdline_find_seed(const char *cmdline, char *ret, size_t size) {
        return 0;
}
