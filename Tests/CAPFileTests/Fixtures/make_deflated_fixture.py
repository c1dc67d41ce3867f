#!/usr/bin/env python3
"""Makes wallet-deflated.cap, a CAP archive shaped like the Java Card converter's output.

Input: an IJC file from `seqc cap generate --ijc --descriptor ...`. The script adds the package
name `com/example/wallet` to the Header, appends a Debug component (string_count 0, package_count 0),
updates the Directory sizes to match, and writes a JAR-like ZIP to a pipe so that every entry is
deflated and followed by a data descriptor (general purpose flag bit 3), with a directory entry and a
manifest that the reader must skip.

Regenerate (the result depends on the zlib version, so it is checked in rather than rebuilt):

    seqc cap generate --package-aid A000000151000000 --applet A00000015100000001 \
        --applet A00000015100000002 --version 1.2 --size 2000 --descriptor --ijc --output /tmp/w.ijc
    python3 make_deflated_fixture.py /tmp/w.ijc > wallet-deflated.cap
"""

import struct
import sys
import zipfile

NAMES = {1: "Header", 2: "Directory", 3: "Applet", 4: "Import", 5: "ConstantPool", 6: "Class",
         7: "Method", 8: "StaticField", 9: "RefLocation", 10: "Export", 11: "Descriptor", 12: "Debug"}
PACKAGE = b"com/example/wallet"


def components(ijc):
    offset = 0
    while offset < len(ijc):
        tag, size = ijc[offset], struct.unpack(">H", ijc[offset + 1:offset + 3])[0]
        yield tag, bytearray(ijc[offset + 3:offset + 3 + size])
        offset += 3 + size


def main():
    infos = dict(components(open(sys.argv[1], "rb").read()))
    header = infos[1]
    assert header[-1] == 0, "expected an empty package name"
    infos[1] = header[:-1] + bytes([len(PACKAGE)]) + PACKAGE
    infos[12] = bytearray(b"\x00\x00\x00\x00")
    directory = infos[2]
    for tag in (1, 12):
        struct.pack_into(">H", directory, 2 * (tag - 1), len(infos[tag]))

    out = zipfile.ZipFile(sys.stdout.buffer, "w", compression=zipfile.ZIP_DEFLATED)
    def entry(name, data):
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
        out.writestr(info, data)

    entry("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nCreated-By: fixture\r\n\r\n")
    entry("com/example/wallet/javacard/", b"")
    for tag in sorted(infos):
        entry(f"com/example/wallet/javacard/{NAMES[tag]}.cap",
              bytes([tag]) + struct.pack(">H", len(infos[tag])) + bytes(infos[tag]))
    out.close()


if __name__ == "__main__":
    main()
