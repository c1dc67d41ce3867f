// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "cardseq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "seqc", targets: ["seqc"]),
        .executable(name: "seqplay", targets: ["seqplay"]),
        .executable(name: "seqsim", targets: ["seqsim"]),
        .executable(name: "seqd", targets: ["seqd"]),
        .library(name: "SequenceCompiler", targets: ["SequenceCompiler"]),
        .library(name: "CAPFile", targets: ["CAPFile"]),
        .library(name: "APDUTypes", targets: ["APDUTypes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
    ],
    targets: [
        // Currency types shared by every other module: no dependencies.
        .target(name: "APDUTypes"),

        // Java Card CAP and IJC files: reading (from bytes, no file I/O) and building test files.
        .target(name: "CAPFile", dependencies: ["APDUTypes", "CZlib"]),
        // The system zlib, used only for raw inflate and CRC-32 of CAP (ZIP) entries.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),

        // Card cryptography (DES, triple DES, AES, CMAC, the SCP03 KDF) wrapped once over the system libcrypto.
        .target(name: "CardCrypto", dependencies: ["COpenSSL"]),
        // The system OpenSSL 3 libcrypto: single DES and triple DES, which swift-crypto does not expose.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // GlobalPlatform secure channels (SCP01, SCP02, SCP03): session keys, MAC chains, command wrapping.
        .target(
            name: "SecureChannel",
            dependencies: ["APDUTypes", "CardCrypto", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // The pure compiler: YAML source in, diagnostics and command plans out.
        .target(
            name: "SequenceCompiler",
            dependencies: [
                "APDUTypes",
                "BundleFormat",
                "CardCrypto",
                "SecureChannel",
                "CAPFile",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // Key storage behind an interface: a YAML key file for development, hardware tokens later.
        .target(
            name: "KeyStore",
            dependencies: [
                "APDUTypes",
                "CardCrypto",
                "SecureChannel",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // Signed bundles: the format, its canonical encoding, signing and the offline verifier.
        .target(
            name: "BundleFormat",
            dependencies: ["APDUTypes", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // The card channel abstraction: one protocol, no I/O.
        .target(name: "CardTransport", dependencies: ["APDUTypes"]),
        // The system pcsc-lite client library.
        .systemLibrary(name: "CPCSCLite", pkgConfig: "libpcsclite", providers: [.apt(["libpcsclite-dev"])]),
        // Card channels over PC/SC: reader listing and choice, connect, transmit.
        .target(name: "CardTransportPCSC", dependencies: ["APDUTypes", "CardTransport", "CPCSCLite"]),
        // The card side of vsmartcard's vpcd protocol: plugs a simulated card into pcscd over TCP.
        .target(name: "CardTransportVPCD", dependencies: ["APDUTypes"]),

        // Simulated cards, strict as silicon: a GlobalPlatform card manager and an ISO 7816 file card.
        .target(
            name: "CardSimulator",
            dependencies: [
                "APDUTypes", "CAPFile", "CardCrypto", "CardTransport", "SecureChannel",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Simulated cards set up from an issuer's card data and key file, and card image files.
        .target(
            name: "SimulatorSetup",
            dependencies: [
                "APDUTypes", "CardSimulator", "CardTransportVPCD", "KeyStore", "SecureChannel", "SequenceCompiler",
            ]
        ),

        // Replays a signed bundle over any card channel and reports what happened.
        .target(
            name: "SequencePlayer",
            dependencies: [
                "APDUTypes", "BundleFormat", "CardTransport", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The messages of the install protocol between seqplay and seqd (Codable, versioned).
        .target(name: "SequenceProtocol", dependencies: ["SequencePlayer"]),

        // The issuer's server: sessions, catalogue, keys, compile-and-sign, registry and audit.
        .target(
            name: "SequenceServer",
            dependencies: [
                "APDUTypes", "BundleFormat", "KeyStore", "SecureChannel", "SequenceCompiler", "SequencePlayer",
                "SequenceProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),

        // The client side of the protocol: HTTPS to seqd, the probe run on a card channel.
        .target(
            name: "SequenceClient",
            dependencies: [
                "APDUTypes", "BundleFormat", "CardTransport", "SequencePlayer", "SequenceProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // Executables: thin layers over the libraries.
        .executableTarget(
            name: "seqc",
            dependencies: [
                "APDUTypes",
                "CAPFile",
                "SequenceCompiler",
                "CardCrypto",
                "KeyStore",
                "SecureChannel",
                "BundleFormat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(
            name: "seqplay",
            dependencies: [
                "APDUTypes", "BundleFormat", "CardTransport", "CardTransportPCSC", "SequenceClient", "SequencePlayer",
                "SequenceProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "seqd",
            dependencies: [
                "SequenceServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "seqsim",
            dependencies: [
                "APDUTypes", "CardSimulator", "CardTransportVPCD", "KeyStore", "SequenceCompiler", "SimulatorSetup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The replay benchmark of issue 4: `swift run -c release replaybench` (pcscd running).
        .executableTarget(
            name: "replaybench",
            dependencies: [
                "APDUTypes", "BundleFormat", "CardSimulator", "CardTransport", "CardTransportPCSC", "CardTransportVPCD",
                "KeyStore", "SequenceCompiler", "SequencePlayer", "SequenceTestSupport", "SimulatorSetup",
            ]
        ),

        // The networked-install benchmark of issue 5: `swift run -c release netbench` (seqd built alongside).
        .executableTarget(
            name: "netbench",
            dependencies: [
                "APDUTypes", "BundleFormat", "CardSimulator", "CardTransport", "KeyStore", "SequenceClient",
                "SequenceCompiler", "SequencePlayer", "SequenceProtocol", "SequenceTestSupport", "SimulatorSetup",
            ]
        ),

        // The benchmark of issue 3: `swift run -c release seqbench`.
        .executableTarget(
            name: "seqbench",
            dependencies: [
                "APDUTypes", "BundleFormat", "CAPFile", "CardCrypto", "KeyStore", "SecureChannel", "SequenceCompiler",
                "SequenceTestSupport", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Test support and tests.
        .target(
            name: "SequenceTestSupport",
            dependencies: ["APDUTypes", "CAPFile", "CardCrypto", "SecureChannel", "SequenceCompiler"],
            path: "Tests/SequenceTestSupport"
        ),
        .testTarget(name: "APDUTypesTests", dependencies: ["APDUTypes"]),
        .testTarget(name: "CAPFileTests", dependencies: ["CAPFile", "APDUTypes"], exclude: ["Fixtures"]),
        .testTarget(name: "CardCryptoTests", dependencies: ["CardCrypto"], exclude: ["Vectors"]),
        .testTarget(
            name: "SecureChannelTests",
            dependencies: ["SecureChannel", "CardCrypto", "APDUTypes"],
            exclude: ["Vectors"]
        ),
        .testTarget(
            name: "SequenceCompilerTests",
            dependencies: ["SequenceCompiler", "SequenceTestSupport", "APDUTypes", "CAPFile"]
        ),
        .testTarget(
            name: "SequenceCompilerReferenceTests",
            dependencies: [
                "SequenceCompiler", "SequenceTestSupport", "APDUTypes", "CAPFile", "BundleFormat", "KeyStore",
                "SecureChannel", "CardCrypto",
            ],
            exclude: ["Inputs", "Golden"]
        ),
        .testTarget(
            name: "BundleFormatTests",
            dependencies: ["BundleFormat", "APDUTypes", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Golden", "Vectors"]
        ),
        .testTarget(name: "KeyStoreTests", dependencies: ["KeyStore", "SecureChannel", "CardCrypto"]),
        .testTarget(
            name: "CardTransportTests",
            dependencies: ["CardTransport", "CardTransportPCSC", "CardTransportVPCD", "APDUTypes"]
        ),
        .testTarget(
            name: "CardSimulatorTests",
            dependencies: [
                "CardSimulator", "CardTransport", "APDUTypes", "SecureChannel", "CardCrypto", "CAPFile",
                "BundleFormat", "SequenceTestSupport",
            ]
        ),
        .testTarget(
            name: "SequencePlayerTests",
            dependencies: ["SequencePlayer", "CardTransport", "APDUTypes", "BundleFormat", "SequenceTestSupport"]
        ),
        // Golden bundles replayed through the real pcscd (vpcd) onto simulated cards.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "APDUTypes", "BundleFormat", "CardCrypto", "CardSimulator", "CardTransport", "CardTransportPCSC",
                "CardTransportVPCD", "KeyStore", "SecureChannel", "SequenceCompiler", "SequencePlayer",
                "SequenceTestSupport", "SimulatorSetup",
            ]
        ),
        .testTarget(
            name: "SequenceServerTests",
            dependencies: [
                "APDUTypes", "BundleFormat", "CardSimulator", "KeyStore", "SecureChannel", "SequenceClient",
                "SequenceCompiler", "SequencePlayer", "SequenceProtocol", "SequenceServer", "SequenceTestSupport",
                "SimulatorSetup", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // The client of the networked install against a scripted server and simulated cards.
        .testTarget(
            name: "SequenceClientTests",
            dependencies: [
                "APDUTypes", "BundleFormat", "CardSimulator", "CardTransport", "KeyStore", "SequenceClient",
                "SequenceCompiler", "SequencePlayer", "SequenceProtocol", "SequenceServer", "SequenceTestSupport",
                "SimulatorSetup",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "GrammarTests",
            dependencies: ["SequenceCompiler", "SequenceTestSupport"]
        ),
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["SequenceTestSupport"],
            exclude: ["Golden"]
        ),
    ]
)

for target in package.targets where target.type != .system && target.type != .plugin {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.treatAllWarnings(as: .error))
    target.swiftSettings = settings
}
