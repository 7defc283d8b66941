import Crypto
import Testing
@testable import TollgateCore

/// `KeyedHMAC` implements RFC 2104's keying itself (on swift-crypto's hash
/// functions), so it is checked against RFC 4231's published HMAC-SHA-256/384/512
/// codes: a key shorter than a block, a four-byte key, and a 131-byte key that
/// is hashed first.
@Suite("KeyedHMAC against RFC 4231")
struct KeyedHMACVectorTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let name: String
        let key: [UInt8]
        let data: String
        let codes: [JWSAlgorithm: String]
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "test case 1", key: [UInt8](repeating: 0x0B, count: 20), data: "Hi There", codes: [
            .hs256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            .hs384: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
            .hs512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        ]),
        Vector(name: "test case 2", key: Array("Jefe".utf8), data: "what do ya want for nothing?", codes: [
            .hs256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            .hs384: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            .hs512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        ]),
        Vector(
            name: "test case 6", key: [UInt8](repeating: 0xAA, count: 131),
            data: "Test Using Larger Than Block-Size Key - Hash Key First",
            codes: [
                .hs256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                .hs384: "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
                .hs512: "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            ]
        ),
    ]

    @Test("the published code verifies; one flipped bit anywhere, a shorter code or another algorithm does not", arguments: vectors)
    func publishedCodes(vector: Vector) throws {
        let keyed = KeyedHMAC(SymmetricKey(data: vector.key))
        let data = Array(vector.data.utf8)
        for (algorithm, hex) in vector.codes {
            let code = try #require(Self.bytes(hex))
            #expect(Self.isValid(keyed, code, data, algorithm), "\(algorithm)")
            for index in code.indices {
                var flipped = code
                flipped[index] ^= 0x80
                #expect(!Self.isValid(keyed, flipped, data, algorithm), "\(algorithm), byte \(index)")
            }
            #expect(!Self.isValid(keyed, Array(code.dropLast()), data, algorithm))
            #expect(!Self.isValid(keyed, code + [0], data, algorithm))
            #expect(!Self.isValid(keyed, code, data + [0], algorithm))
            for other in [JWSAlgorithm.hs256, .hs384, .hs512, .rs256] where other != algorithm {
                #expect(!Self.isValid(keyed, code, data, other), "\(algorithm) code under \(other)")
            }
        }
    }

    @Test("a verification leaves the keyed state as it was: the same code verifies again after another input")
    func stateIsCopiedPerVerification() throws {
        let vector = Self.vectors[0]
        let keyed = KeyedHMAC(SymmetricKey(data: vector.key))
        let hex = try #require(vector.codes[.hs256])
        let code = try #require(Self.bytes(hex))
        let data = Array(vector.data.utf8)
        #expect(!Self.isValid(keyed, code, Array("something else".utf8), .hs256))
        #expect(Self.isValid(keyed, code, data, .hs256))
        #expect(Self.isValid(keyed, code, data, .hs256))
    }

    private static func isValid(_ keyed: KeyedHMAC, _ code: [UInt8], _ data: [UInt8], _ algorithm: JWSAlgorithm) -> Bool {
        code.withUnsafeBytes { code in data.withUnsafeBytes { keyed.isValid(code, for: $0, algorithm: algorithm) } }
    }

    private static func bytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { index in
            UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)
        }.reduce(into: [UInt8]?([])) { result, byte in
            if let byte { result?.append(byte) } else { result = nil }
        }
    }
}
