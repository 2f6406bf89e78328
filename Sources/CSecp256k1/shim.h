// libsecp256k1 with its recovery module (Debian libsecp256k1-dev, Homebrew secp256k1).
#include <secp256k1.h>
#include <secp256k1_recovery.h>
