/// Test certificates for `InstallClientHTTPSTests`.
///
/// Self-signed P-256 server certificates for `localhost` and `127.0.0.1`, valid for 100 years,
/// made for these tests with
///
/// ```sh
/// openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
///   -subj "/CN=cardseq test server/O=cardseq tests" \
///   -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
///   -addext "keyUsage=critical,digitalSignature,keyCertSign" \
///   -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth"
/// ```
///
/// `keyCertSign` is what lets BoringSSL take a self-signed certificate as its own trust anchor.
/// The keys are for these tests only.
enum TestCertificates {
    /// The server's certificate.
    static let pinnedCertificate = """
        -----BEGIN CERTIFICATE-----
        MIICAzCCAamgAwIBAgIUVUP5+7uCT2agan/a+PvoCcx3880wCgYIKoZIzj0EAwIw
        NjEcMBoGA1UEAwwTY2FyZHNlcSB0ZXN0IHNlcnZlcjEWMBQGA1UECgwNY2FyZHNl
        cSB0ZXN0czAgFw0yNjExMjUxNDI4MTFaGA8yMTI2MTEwMTE0MjgxMVowNjEcMBoG
        A1UEAwwTY2FyZHNlcSB0ZXN0IHNlcnZlcjEWMBQGA1UECgwNY2FyZHNlcSB0ZXN0
        czBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFusJyAWHpKLdfTEy+KUgYvlnb/O
        H5K60rq6LCqFIcu4Ud4dGp2gtKXMGD4KhwFrZNguk7S2NKHecBPZmJIyvCijgZIw
        gY8wHQYDVR0OBBYEFE24bhHopxxNLIfeIuxvEs2GEhqmMB8GA1UdIwQYMBaAFE24
        bhHopxxNLIfeIuxvEs2GEhqmMBoGA1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATAO
        BgNVHQ8BAf8EBAMCAoQwDAYDVR0TAQH/BAIwADATBgNVHSUEDDAKBggrBgEFBQcD
        ATAKBggqhkjOPQQDAgNIADBFAiEA9NSOq0thGqd9vXkRQdR+CNHKtBTX1KsexiDV
        k2PCPlECICn/j8SXY8t8HCqy1TJKLxh49tv6WQzjTHLPYjVTIZAS
        -----END CERTIFICATE-----
        """

    /// Its private key.
    static let pinnedKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJbkfBaM2mem0T/Y4
        l9nmgivhTJRVefEXXktkkG1tBJuhRANCAARbrCcgFh6Si3X0xMvilIGL5Z2/zh+S
        utK6uiwqhSHLuFHeHRqdoLSlzBg+CocBa2TYLpO0tjSh3nAT2ZiSMrwo
        -----END PRIVATE KEY-----
        """

    /// The certificate of another server.
    static let otherCertificate = """
        -----BEGIN CERTIFICATE-----
        MIICAzCCAamgAwIBAgIUfmdstg+R6qpsFAmvH2ORsackmNcwCgYIKoZIzj0EAwIw
        NjEcMBoGA1UEAwwTY2FyZHNlcSB0ZXN0IHNlcnZlcjEWMBQGA1UECgwNY2FyZHNl
        cSB0ZXN0czAgFw0yNjExMjUxNDI4MTFaGA8yMTI2MTEwMTE0MjgxMVowNjEcMBoG
        A1UEAwwTY2FyZHNlcSB0ZXN0IHNlcnZlcjEWMBQGA1UECgwNY2FyZHNlcSB0ZXN0
        czBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABMS9wmJLeK7/pcO3tVpWLBeepVWh
        U+3ki+daaz1E39u0ODlJIIWUfFaqa+gmvocAiqq+hU0sYpB9l+K6KfBPxiyjgZIw
        gY8wHQYDVR0OBBYEFEA49RQ1qxvbm0Jh8aJd22XMpZdFMB8GA1UdIwQYMBaAFEA4
        9RQ1qxvbm0Jh8aJd22XMpZdFMBoGA1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATAO
        BgNVHQ8BAf8EBAMCAoQwDAYDVR0TAQH/BAIwADATBgNVHSUEDDAKBggrBgEFBQcD
        ATAKBggqhkjOPQQDAgNIADBFAiEA4bEfJMT1RH3dWmuJ/pTvpRUauxjiN7zqvQgn
        t2VHAXgCIG2etaSvBg4EogmJ0fVh1GikO8xDSYloJEeBaaXClNvS
        -----END CERTIFICATE-----
        """

    /// Its private key.
    static let otherKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBPDabbJrfvzTELqx
        b+2AQSXDAx5bTj8J3A4xTicF9L+hRANCAATEvcJiS3iu/6XDt7VaViwXnqVVoVPt
        5IvnWms9RN/btDg5SSCFlHxWqmvoJr6HAIqqvoVNLGKQfZfiuinwT8Ys
        -----END PRIVATE KEY-----
        """

}
