// libqrencode, from Debian's libqrencode-dev (deploy/scripts/install-deps.sh).
#include <qrencode.h>
