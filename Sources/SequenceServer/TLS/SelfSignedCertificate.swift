import APDUTypes
import Crypto
public import Foundation
import X509

/// A P-256 self-signed TLS certificate for `127.0.0.1` and `localhost`: what `seqd serve
/// --self-signed DIR` makes at first start and reuses afterwards.
///
/// Clients trust it by its SHA-256 fingerprint (printed at start), as a demo or a lab needs; a
/// real deployment uses a certificate from the issuer's CA (`--tls-certificate`, `--tls-key`).
public struct SelfSignedCertificate: Sendable {
    /// The certificate, PEM.
    public var certificatePEM: String
    /// The private key, PKCS #8 PEM; written with mode `0600`.
    public var privateKeyPEM: String
    /// The SHA-256 of the certificate's DER form, as colon-separated upper-case hex.
    public var fingerprint: String

    /// The certificate file's name in the directory.
    public static let certificateFileName = "seqd-certificate.pem"
    /// The private key file's name in the directory.
    public static let privateKeyFileName = "seqd-key.pem"

    /// Reads the certificate and key from a directory, or makes them there when absent.
    ///
    /// - Parameters:
    ///   - directory: Where the two PEM files live; created when missing.
    ///   - now: The start of the certificate's validity (one minute earlier, for clock skew); it
    ///     is valid for 825 days.
    /// - Returns: The certificate, its key and its fingerprint.
    /// - Throws: ``ServerSetupError`` with code ``ServerSetupError/Code/certificate``.
    public static func loadOrCreate(
        directory: String,
        now: Date = Date()
    ) throws(ServerSetupError)
        -> SelfSignedCertificate
    {
        let certificatePath = directory + "/" + certificateFileName
        let keyPath = directory + "/" + privateKeyFileName
        let files = FileManager.default
        if files.fileExists(atPath: certificatePath), files.fileExists(atPath: keyPath) {
            do {
                let certificate = try String(contentsOfFile: certificatePath, encoding: .utf8)
                let key = try String(contentsOfFile: keyPath, encoding: .utf8)
                guard let der = Self.derBytes(pem: certificate) else {
                    throw ServerSetupError(.certificate, "'\(certificatePath)' holds no PEM certificate")
                }
                return SelfSignedCertificate(
                    certificatePEM: certificate,
                    privateKeyPEM: key,
                    fingerprint: Self.fingerprint(der: der)
                )
            } catch let error as ServerSetupError {
                throw error
            } catch {
                throw ServerSetupError(.certificate, "cannot read '\(certificatePath)' or '\(keyPath)': \(error)")
            }
        }
        let made = try make(now: now)
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard
                files.createFile(
                    atPath: keyPath,
                    contents: Data(made.privateKeyPEM.utf8),
                    attributes: [.posixPermissions: 0o600]
                )
            else {
                throw ServerSetupError(.certificate, "cannot write '\(keyPath)'")
            }
            try Data(made.certificatePEM.utf8).write(to: URL(fileURLWithPath: certificatePath))
        } catch let error as ServerSetupError {
            throw error
        } catch {
            throw ServerSetupError(.certificate, "cannot write the certificate into '\(directory)': \(error)")
        }
        return made
    }

    /// Makes a new certificate and key.
    ///
    /// - Parameter now: The start of the validity period.
    /// - Returns: The certificate, its key and its fingerprint.
    /// - Throws: ``ServerSetupError`` with code ``ServerSetupError/Code/certificate``.
    public static func make(now: Date = Date()) throws(ServerSetupError) -> SelfSignedCertificate {
        let key = P256.Signing.PrivateKey()
        do {
            let name = try DistinguishedName {
                CommonName("seqd")
                OrganizationName("cardseq")
            }
            // Subject alternative names: DNS localhost ([2] IA5String) and IP 127.0.0.1 ([7] 4 bytes),
            // written directly because the IP form needs SwiftASN1's octet string type.
            let names =
                BERTLV.encode(tag: 0x82, value: Array("localhost".utf8))
                + BERTLV.encode(tag: 0x87, value: [127, 0, 0, 1])
            let alternativeNames = Certificate.Extension(
                oid: .X509ExtensionID.subjectAlternativeName,
                critical: false,
                value: ArraySlice(BERTLV.encode(tag: 0x30, value: names))
            )
            // The certificate is its own trust anchor: BoringSSL (swift-nio-ssl, the client's TLS)
            // accepts a pinned self-signed certificate only when it may sign certificates, with
            // a path length of 0 so it cannot vouch for any other.
            var extensions = try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([.serverAuth])
            }
            try extensions.append(alternativeNames)
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-60),
                notValidAfter: now.addingTimeInterval(825 * 86_400),
                issuer: name,
                subject: name,
                extensions: extensions,
                issuerPrivateKey: Certificate.PrivateKey(key)
            )
            // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
            // (RFC 5280 section 4.1), with ecdsa-with-SHA256 (1.2.840.10045.4.3.2, RFC 5758 section 3.2).
            let tbs = Array(certificate.tbsCertificateBytes)
            let signature = try key.signature(for: tbs).derRepresentation
            let algorithm: [UInt8] = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
            let der = BERTLV.encode(
                tag: 0x30,
                value: tbs + algorithm + BERTLV.encode(tag: 0x03, value: [0x00] + Array(signature))
            )
            return SelfSignedCertificate(
                certificatePEM: Self.pem(der: der, label: "CERTIFICATE"),
                privateKeyPEM: key.pemRepresentation,
                fingerprint: Self.fingerprint(der: der)
            )
        } catch {
            throw ServerSetupError(.certificate, "cannot make a self-signed certificate: \(error)")
        }
    }

    /// The SHA-256 fingerprint of a certificate's DER form, `AB:CD:…`.
    public static func fingerprint(der: [UInt8]) -> String {
        Array(SHA256.hash(data: der)).map { Hex.string([$0]) }.joined(separator: ":")
    }

    /// The DER bytes of the first `CERTIFICATE` block of a PEM text.
    public static func derBytes(pem: String) -> [UInt8]? {
        let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN CERTIFICATE-----"),
            let end = lines[begin...].firstIndex(of: "-----END CERTIFICATE-----")
        else {
            return nil
        }
        return Data(base64Encoded: lines[(begin + 1)..<end].joined()).map { Array($0) }
    }

    private static func pem(der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString()
        var lines = ["-----BEGIN \(label)-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let next = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<next]))
            index = next
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }
}
