#!/usr/bin/env python3
"""Re-checks every vector file here with an independent implementation (Python `cryptography`).

Usage: python3 -m pip install cryptography && python3 check_vectors.py
Prints one line per file and exits non-zero on the first mismatch. Not run by CI: the Swift tests
are the check of CardCrypto; this script is the check of the data.
"""

import json
import pathlib
import sys

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

HERE = pathlib.Path(__file__).resolve().parent


def h(text):
    return bytes.fromhex(text)


def block_cipher(key, algorithm):
    if algorithm == "AES":
        return algorithms.AES(key)
    # Single DES is triple DES with K1 = K2 = K3; two-key triple DES is K1 K2 K1.
    if len(key) == 8:
        return TripleDES(key * 3)
    if len(key) == 16:
        return TripleDES(key + key[:8])
    return TripleDES(key)


def encrypt(key, algorithm, mode, data):
    encryptor = Cipher(block_cipher(key, algorithm), mode).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def decrypt(key, algorithm, mode, data):
    decryptor = Cipher(block_cipher(key, algorithm), mode).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def pad80(data, block_size):
    data = data + b"\x80"
    return data + bytes((-len(data)) % block_size)


def cmac(key, data):
    mac = CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


def cbc_mac(key, iv, data):
    if not data or len(data) % 8:
        raise ValueError("invalidDataLength")
    return encrypt(key, "DES", modes.CBC(iv), data)[-8:]


def retail_mac(key, iv, data):
    if not data or len(data) % 8:
        raise ValueError("invalidDataLength")
    chaining = iv
    if len(data) > 8:
        chaining = encrypt(key[:8], "DES", modes.CBC(iv), data[:-8])[-8:]
    last = bytes(a ^ b for a, b in zip(data[-8:], chaining))
    return encrypt(key, "DES", modes.ECB(), last)


def scp03_kdf(key, constant, context, bits):
    output = b""
    counter = 1
    while len(output) * 8 < bits:
        block = bytes(11) + bytes([constant, 0]) + bits.to_bytes(2, "big") + bytes([counter]) + context
        output += cmac(key, block)
        counter += 1
    return output[: bits // 8]


def kdf3(key, constant, context):
    output = b""
    counter = 1
    while len(output) < len(key):
        output += cmac(key, bytes([counter, 0, 0, 0, constant, 0]) + context)
        counter += 1
    return output[: len(key)]


def kcv(key, algorithm):
    if algorithm == "AES":
        return encrypt(key, "AES", modes.CBC(bytes(16)), b"\x01" * 16)[:3]
    return encrypt(key, "DES", modes.ECB(), bytes(8))[:3]


def check_case(document, group, case):
    algorithm = document["algorithm"]
    group_type = group["type"]
    key = h(case.get("key", ""))
    cipher_family = "AES" if algorithm.startswith("AES") else "DES"
    if group_type == "BlockCipherTest":
        mode = modes.ECB() if group["mode"] == "ECB" else modes.CBC(h(case["iv"]))
        message, ciphertext = h(case["msg"]), h(case["ct"])
        assert encrypt(key, cipher_family, mode, message) == ciphertext
        mode = modes.ECB() if group["mode"] == "ECB" else modes.CBC(h(case["iv"]))
        assert decrypt(key, cipher_family, mode, ciphertext) == message
        return
    if group_type == "MacTest":
        message = h(case["msg"])
        if group.get("padding") == "iso9797-1-method-2":
            message = pad80(message, 8)
        if "error" in case:
            try:
                retail_mac(key, h(case["iv"]), message)
            except ValueError as error:
                assert str(error) == case["error"]
                return
            raise AssertionError("expected " + case["error"])
        if algorithm == "AES-CMAC":
            tag = cmac(key, message)
        elif algorithm == "ISO9797-1-MAC-ALGORITHM-1":
            tag = cbc_mac(key, h(case["iv"]), message)
        else:
            tag = retail_mac(key, h(case["iv"]), message)
        assert (tag == h(case["tag"])) == (case["result"] == "valid")
        return
    if group_type == "PaddingTest":
        assert pad80(h(case["msg"]), group["blockSize"]) == h(case["padded"])
        return
    if group_type == "KdfTest":
        output = h(case["out"])
        assert scp03_kdf(key, int(case["constant"], 16), h(case["context"]), len(output) * 8) == output
        return
    if group_type == "Kdf3Test":
        assert kdf3(key, int(case["constant"], 16), h(case["context"])) == h(case["out"])
        return
    if group_type == "KeyCheckValueTest":
        assert kcv(key, group["keyAlgorithm"]) == h(case["kcv"])
        return
    if group_type == "DerivedKeyCheckValueTest":
        derived = scp03_kdf(key, int(case["constant"], 16), h(case["context"]), len(key) * 8)
        assert kcv(derived, "AES") == h(case["kcv"])
        return
    raise AssertionError("unknown group type " + group_type)


def main():
    failures = 0
    for path in sorted(HERE.glob("*.json")):
        document = json.loads(path.read_text())
        count = 0
        for group in document["testGroups"]:
            for case in group["tests"]:
                try:
                    check_case(document, group, case)
                except AssertionError as error:
                    failures += 1
                    print(f"{path.name} tcId {case['tcId']}: FAILED {error}")
                count += 1
        assert count == document["numberOfTests"], path.name
        print(f"{path.name}: {count} cases checked")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
