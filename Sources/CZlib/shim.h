// The system zlib, for raw inflate and CRC-32 in the CAPFile target.
#ifndef CARDSEQ_CZLIB_SHIM_H
#define CARDSEQ_CZLIB_SHIM_H

#include <zlib.h>

#endif
