/* stub: replaced by the iso9660/FAT reader */
#include "log.h"
#include "seed.h"
int seed_read_image(const char *path, struct seed *ret) {
        return log_error_errno(EOPNOTSUPP, "%s: image seeds not implemented yet", path);
}
