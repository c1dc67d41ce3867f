// The system OpenSSL 3 libcrypto, for the DES, triple-DES, AES and CMAC primitives of the CardCrypto target.
#ifndef CARDSEQ_COPENSSL_SHIM_H
#define CARDSEQ_COPENSSL_SHIM_H

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

// Keys a CMAC context for the named block cipher (such as "AES-128-CBC").
//
// OSSL_PARAM_construct_utf8_string stores the pointers it is given, and wants a mutable char *;
// building the parameter array here keeps both pointers alive for exactly the duration of
// EVP_MAC_init, which a Swift String bridged to a C string would not.
static inline int cardseq_cmac_init(
    EVP_MAC_CTX *ctx,
    const unsigned char *key,
    size_t key_length,
    const char *cipher_name
) {
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)cipher_name, 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(ctx, key, key_length, params);
}

#endif
