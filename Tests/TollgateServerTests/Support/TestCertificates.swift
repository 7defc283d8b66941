import Foundation

/// Certificates for the TLS tests, made once per test run with the `openssl`
/// CLI in a temporary directory: a test CA; server certificates for
/// 127.0.0.1 and localhost signed by it (RSA and ECDSA); one that expired in
/// 2020; a self-signed one nobody trusts; and a client certificate for mutual TLS.
struct TestCertificates: Sendable {
    /// A PEM certificate (chain) and its private key, as file paths.
    struct Pair: Sendable {
        var certificate: String
        var privateKey: String
        /// The subject's common name, which tells the tests which certificate a handshake saw.
        var commonName: String
    }

    let directory: URL
    /// The test CA's certificate, to trust.
    let ca: String
    let rsa: Pair
    let ecdsa: Pair
    let expired: Pair
    let untrusted: Pair
    let client: Pair
    /// Signed by the test CA but only for `other.invalid`, not 127.0.0.1.
    let wrongName: Pair

    /// Made on first use; a failure to make them fails every TLS test with openssl's output.
    static let shared: Result<TestCertificates, GatewayTestError> = Result { try TestCertificates.make() }
        .mapError { $0 as? GatewayTestError ?? GatewayTestError("\($0)") }

    static func get() throws -> TestCertificates { try shared.get() }

    private static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let maker = Maker(directory: directory)
        try maker.write("ca.cnf", Self.caConfig)
        try maker.write("index.txt", "")
        try maker.write("serial", "1000\n")
        try maker.openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "3", "-subj", "/CN=tollgate-test-ca",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"
        )
        let untrusted = Pair(
            certificate: maker.path("untrusted.pem"), privateKey: maker.path("untrusted.key"), commonName: "tollgate-test-untrusted"
        )
        try maker.openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "untrusted.key", "-out", "untrusted.pem", "-days", "3", "-subj", "/CN=tollgate-test-untrusted",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"
        )
        return TestCertificates(
            directory: directory,
            ca: maker.path("ca.pem"),
            rsa: try maker.leaf("rsa", key: ["rsa:2048"]),
            ecdsa: try maker.leaf("ecdsa", key: ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
            expired: try maker.leaf("expired", key: ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                                    validity: ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]),
            untrusted: untrusted,
            client: try maker.leaf("client", key: ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
            wrongName: try maker.leaf("wrong-name", key: ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], extensions: "other_name")
        )
    }

    /// Runs openssl in the certificates' directory.
    private struct Maker {
        let directory: URL

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        }

        /// A key and a certificate for `name` signed by the CA, valid for three days unless `validity` says otherwise.
        func leaf(_ name: String, key: [String], validity: [String] = ["-days", "3"], extensions: String = "leaf") throws -> Pair {
            let commonName = "tollgate-test-\(name)"
            try openssl(["req", "-newkey"] + key + ["-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(commonName)"])
            try openssl(
                ["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "\(name).csr",
                 "-out", "\(name).pem", "-extensions", extensions, "-notext"] + validity
            )
            return Pair(certificate: path("\(name).pem"), privateKey: path("\(name).key"), commonName: commonName)
        }

        func openssl(_ arguments: String...) throws {
            try openssl(arguments)
        }

        func openssl(_ arguments: [String]) throws {
            let result = try Command.run("/usr/bin/openssl", arguments, in: directory)
            guard result.status == 0 else {
                throw GatewayTestError("openssl \(arguments.joined(separator: " ")) failed:\n\(result.stderr)")
            }
        }
    }

    private static let caConfig = """
        [ca]
        default_ca = test_ca
        [test_ca]
        database = index.txt
        new_certs_dir = .
        serial = serial
        default_md = sha256
        policy = any
        unique_subject = no
        [any]
        commonName = supplied
        [leaf]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,keyEncipherment
        extendedKeyUsage = serverAuth,clientAuth
        subjectAltName = IP:127.0.0.1,DNS:localhost
        [other_name]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,keyEncipherment
        extendedKeyUsage = serverAuth,clientAuth
        subjectAltName = DNS:other.invalid

        """
}
