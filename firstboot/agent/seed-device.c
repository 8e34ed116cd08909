/* stub */
#include <errno.h>
#include "seed.h"
int seed_find_device(int wait_ms, struct seed *ret) {
        return -ENOENT;
}
