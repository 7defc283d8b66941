import Testing
import TollgateCore

/// The `Authorization` header parser, byte by byte: schemes without case,
/// spaces trimmed, bad shapes named (including a case FuzzAuthorization found).
@Suite struct AuthorizationCredentialTests {
    @Test("Bearer and DPoP in any case, the token trimmed", arguments: [
        ("Bearer abc", AuthorizationCredential.bearer("abc")),
        ("bEaReR   abc  ", .bearer("abc")),
        ("DPoP x.y.z", .dpop("x.y.z")),
        ("dpop  x", .dpop("x")),
    ])
    func schemes(value: String, expected: AuthorizationCredential) {
        #expect(AuthorizationCredential(.one(value)) == expected)
    }

    @Test("an empty token or two headers is invalid; another scheme is no credential")
    func invalidAndAbsent() {
        for value in ["Bearer", "Bearer    ", "DPoP ", "dpop"] {
            guard case .invalid = AuthorizationCredential(.one(value)) else {
                Issue.record("\(value.debugDescription) not invalid")
                continue
            }
        }
        guard case .invalid = AuthorizationCredential(.several) else { Issue.record("two headers accepted"); return }
        for value in ["Basic dXNlcg==", "Bearerabc", "Bearer\tabc", "", "DPoPx"] {
            #expect(AuthorizationCredential(.one(value)) == .absent, "\(value.debugDescription)")
        }
    }

    /// Found by FuzzAuthorization: the scheme's space followed by a combining
    /// mark, which joins the space in one grapheme. The parser splits on the
    /// byte, so the mark is the token (not JWT-shaped, so never verified as one).
    @Test("a combining mark right after the scheme's space is the token, read by bytes")
    func combiningMarkAfterScheme() {
        let credential = AuthorizationCredential(.one("bearer \u{34A}   "))
        #expect(credential == .bearer("\u{34A}"))
        #expect(credential.token.map { CompactJWS.isJWTShaped(String($0)) } == false)
    }
}
