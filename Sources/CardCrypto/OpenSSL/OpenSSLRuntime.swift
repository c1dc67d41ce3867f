import COpenSSL

/// The OpenSSL objects CardCrypto fetches once and then only reads: a private library context with
/// the default and legacy providers, every cipher it uses, and the CMAC implementation.
///
/// A private `OSSL_LIB_CTX` keeps CardCrypto's provider choice away from any other OpenSSL user in the
/// process: loading a provider explicitly into the default context turns off the implicit default
/// provider there, and would make the legacy algorithms available to everyone. A new context also
/// does not read `openssl.cnf`, so the ciphers do not depend on the machine's configuration.
///
/// Fetched `EVP_CIPHER` and `EVP_MAC` objects are immutable and may be shared between threads;
/// every operation makes its own `EVP_CIPHER_CTX` or `EVP_MAC_CTX`.
final class OpenSSLRuntime: @unchecked Sendable {
    /// How single DES is computed.
    enum DESBackend: Hashable, Sendable {
        /// OpenSSL's `DES-ECB` and `DES-CBC` from the legacy provider.
        case legacyProvider
        /// Two-key triple DES with the key K‖K, which is E(K) D(K) E(K) = single DES: works with the
        /// default provider alone.
        case tripleDESWithRepeatedKey
    }

    /// The runtime every public API uses, made on first use (Swift initializes globals once, thread-safely).
    static let shared = OpenSSLRuntime(loadingLegacyProvider: true)

    /// The private library context, or `nil` if OpenSSL could not make one.
    private let libraryContext: OpaquePointer?
    /// The providers loaded into ``libraryContext``, unloaded on deinit.
    private let providers: [OpaquePointer]
    /// The fetched ciphers, indexed by ``Cipher/rawValue``; `nil` where the providers lack one.
    private let ciphers: [OpaquePointer?]
    /// The fetched CMAC implementation, or `nil`.
    private let cmacImplementation: OpaquePointer?
    /// CMAC contexts for AES-128, AES-192 and AES-256, keyed with zeros, that ``cmacContext(keyLength:)``
    /// duplicates: setting the cipher by name makes OpenSSL fetch it again on every `EVP_MAC_init`, which
    /// costs more than the whole MAC of a short command.
    private let cmacTemplates: [OpaquePointer?]
    /// How single DES is computed with these providers.
    let desBackend: DESBackend

    /// Makes a library context, loads the default provider (and the legacy one when asked), and fetches everything.
    ///
    /// Failures are not thrown here: a missing cipher makes the operations that need it throw
    /// ``CardCryptoError/Code/openSSLFailure`` with a clear reason.
    init(loadingLegacyProvider: Bool) {
        let libraryContext = OSSL_LIB_CTX_new()
        var providers: [OpaquePointer] = []
        if let libraryContext {
            var names = ["default"]
            if loadingLegacyProvider {
                names.append("legacy")
            }
            for name in names {
                if let provider = OSSL_PROVIDER_load(libraryContext, name) {
                    providers.append(provider)
                }
            }
        }
        let ciphers = Cipher.allCases.map { cipher in
            libraryContext.flatMap { EVP_CIPHER_fetch($0, cipher.openSSLName, nil) }
        }
        self.libraryContext = libraryContext
        self.providers = providers
        self.ciphers = ciphers
        let cmacImplementation = libraryContext.flatMap { EVP_MAC_fetch($0, "CMAC", nil) }
        self.cmacImplementation = cmacImplementation
        self.cmacTemplates = Self.aesKeyLengths.map { keyLength in
            Self.makeCMACTemplate(cmacImplementation, keyLength: keyLength)
        }
        if ciphers[Cipher.desECB.rawValue] != nil && ciphers[Cipher.desCBC.rawValue] != nil {
            self.desBackend = .legacyProvider
        } else {
            self.desBackend = .tripleDESWithRepeatedKey
        }
        // A failed fetch of DES (legacy provider absent) leaves messages on this thread's error queue.
        ERR_clear_error()
    }

    deinit {
        for template in cmacTemplates {
            EVP_MAC_CTX_free(template)
        }
        for cipher in ciphers {
            EVP_CIPHER_free(cipher)
        }
        EVP_MAC_free(cmacImplementation)
        for provider in providers.reversed() {
            OSSL_PROVIDER_unload(provider)
        }
        OSSL_LIB_CTX_free(libraryContext)
    }

    /// The fetched cipher.
    ///
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` when the providers do not have it.
    func evpCipher(_ cipher: Cipher) throws(CardCryptoError) -> OpaquePointer {
        guard let evpCipher = ciphers[cipher.rawValue] else {
            throw CardCryptoError(
                code: .openSSLFailure,
                reason: "OpenSSL's providers have no cipher '\(cipher.openSSLName)'"
            )
        }
        return evpCipher
    }

    /// The AES key lengths CMAC templates are made for.
    private static let aesKeyLengths = [16, 24, 32]

    private static func makeCMACTemplate(_ cmac: OpaquePointer?, keyLength: Int) -> OpaquePointer? {
        guard let cmac, let context = EVP_MAC_CTX_new(cmac) else {
            return nil
        }
        let zeroKey = [UInt8](repeating: 0, count: keyLength)
        let cipherName = "AES-\(keyLength * 8)-CBC"
        guard cardseq_cmac_init(context, zeroKey, keyLength, cipherName) == 1 else {
            EVP_MAC_CTX_free(context)
            return nil
        }
        return context
    }

    /// A new CMAC context for AES with the given key length, ready to be keyed with
    /// `EVP_MAC_init(context, key, keyLength, nil)`; the caller frees it.
    ///
    /// The new context is a duplicate of a shared template that is only ever read, so many threads may
    /// ask at once.
    ///
    /// - Parameter keyLength: 16, 24 or 32.
    /// - Returns: An `EVP_MAC_CTX` owned by the caller.
    /// - Throws: ``CardCryptoError/Code/openSSLFailure`` when the providers have no CMAC or AES.
    func cmacContext(keyLength: Int) throws(CardCryptoError) -> OpaquePointer {
        guard let index = Self.aesKeyLengths.firstIndex(of: keyLength), let template = cmacTemplates[index] else {
            throw CardCryptoError(
                code: .openSSLFailure,
                reason: "OpenSSL's providers have no CMAC with AES-\(keyLength * 8)-CBC"
            )
        }
        guard let context = EVP_MAC_CTX_dup(template) else {
            throw .openSSLFailure("EVP_MAC_CTX_dup")
        }
        return context
    }
}

/// The OpenSSL ciphers CardCrypto uses, all without padding.
enum Cipher: Int, CaseIterable, Sendable {
    case desECB
    case desCBC
    case tripleDES2ECB
    case tripleDES2CBC
    case tripleDES3ECB
    case tripleDES3CBC
    case aes128ECB
    case aes128CBC
    case aes192ECB
    case aes192CBC
    case aes256ECB
    case aes256CBC

    /// The name `EVP_CIPHER_fetch` knows the cipher by.
    var openSSLName: String {
        switch self {
        case .desECB: "DES-ECB"
        case .desCBC: "DES-CBC"
        case .tripleDES2ECB: "DES-EDE-ECB"
        case .tripleDES2CBC: "DES-EDE-CBC"
        case .tripleDES3ECB: "DES-EDE3-ECB"
        case .tripleDES3CBC: "DES-EDE3-CBC"
        case .aes128ECB: "AES-128-ECB"
        case .aes128CBC: "AES-128-CBC"
        case .aes192ECB: "AES-192-ECB"
        case .aes192CBC: "AES-192-CBC"
        case .aes256ECB: "AES-256-ECB"
        case .aes256CBC: "AES-256-CBC"
        }
    }
}

/// The calling thread's OpenSSL error queue.
enum OpenSSLErrorQueue {
    /// Empties the queue and returns its oldest message as `": message"`, or an empty string.
    static func drain() -> String {
        let code = ERR_get_error()
        defer { ERR_clear_error() }
        guard code != 0 else {
            return ""
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
            guard let base = buffer.baseAddress else {
                return ""
            }
            ERR_error_string_n(code, base, buffer.count)
            return ": " + String(cString: base)
        }
    }
}
