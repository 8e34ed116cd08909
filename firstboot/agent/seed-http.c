/* stub */
#include "log.h"
#include "seed.h"
int seed_read_url(const char *url, int deadline_ms, struct seed *ret) {
        return log_error_errno(EOPNOTSUPP, "%s: http seeds not implemented yet", url);
}
