#ifndef CARDSEQ_CPCSCLITE_SHIM_H
#define CARDSEQ_CPCSCLITE_SHIM_H
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <PCSC/reader.h>

// Values that pcsclite.h defines as macros Swift does not import (pointer expressions, casts of
// negative numbers, arithmetic), re-exported as constants and functions.

/// The protocol control information for T=0 (SCARD_PCI_T0).
static inline const SCARD_IO_REQUEST *cardseq_pci_t0(void) { return SCARD_PCI_T0; }

/// The protocol control information for T=1 (SCARD_PCI_T1).
static inline const SCARD_IO_REQUEST *cardseq_pci_t1(void) { return SCARD_PCI_T1; }

/// The protocol control information for the raw protocol (SCARD_PCI_RAW).
static inline const SCARD_IO_REQUEST *cardseq_pci_raw(void) { return SCARD_PCI_RAW; }

/// The largest response of an extended APDU exchange: 64 KiB of data, header, Lc, Le and SW.
static const DWORD cardseq_max_buffer_size_extended = MAX_BUFFER_SIZE_EXTENDED;

/// The largest ATR a reader state holds.
static const DWORD cardseq_max_atr_size = MAX_ATR_SIZE;

/// The longest reader name pcsc-lite reports.
static const DWORD cardseq_max_readername = MAX_READERNAME;

/// The timeout that never expires.
static const DWORD cardseq_infinite = INFINITE;

#endif
