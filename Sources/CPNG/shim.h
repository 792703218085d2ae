// libpng, from Debian's libpng-dev (deploy/scripts/install-deps.sh): its
// simplified write API, which reports errors in the image struct instead
// of longjmp-ing through Swift frames.
#include <png.h>
