/// Step 7, after the token: sender-constrained tokens (RFC 9449). A token
/// bound to a key (`cnf.jkt`) must come with the DPoP scheme and a proof
/// signed by that key, for this request, never seen before.
extension Gatekeeper {
    /// Nil when the request may go on; otherwise the refusal (or, for a Redis
    /// replay store, the request to record the proof's `jti` there).
    func senderConstraint(
        of principal: Principal, token: Substring, usesDPoP: Bool, facts: RequestFacts, cache: TokenCheck.CacheUse
    ) -> Authentication? {
        func refuse(_ rejection: Rejection) -> Authentication { Self.refusal(rejection, cache: cache) }
        if let certificate = principal.confirmation?.certificateThumbprint {
            // RFC 8705 §3: the certificate of this TLS connection, whatever the scheme.
            guard let presented = facts.clientCertificateThumbprint else {
                return refuse(Self.invalidToken("the token is bound to a client certificate (cnf.x5t#S256) and the connection presented none"))
            }
            guard presented == certificate else {
                return refuse(Self.invalidToken("the connection's client certificate is not the one the token is bound to (cnf.x5t#S256)"))
            }
        }
        let verifier = snapshot.issuers[principal.issuerIndex].dpop
        let policy = verifier.policy
        let boundKey = principal.confirmation?.jwkThumbprint
        guard usesDPoP else {
            if boundKey != nil {
                return refuse(Self.dpopInvalidToken("the token is bound to a DPoP key: send it with the DPoP scheme and a proof", policy))
            }
            if policy.mode == .required {
                return refuse(Self.dpopInvalidToken("this issuer's tokens must be sent with the DPoP scheme and a proof", policy))
            }
            return nil
        }
        guard let boundKey else {
            return refuse(Self.dpopInvalidToken("the token is not bound to a DPoP key (no cnf.jkt); send it with the Bearer scheme", policy))
        }
        let proofText: String
        switch facts.dpop {
        case .absent: return refuse(Self.invalidProof("the request has no DPoP proof header", policy))
        case .several: return refuse(Rejection(.invalidRequest, "the request has more than one DPoP header"))
        case .one(let text): proofText = text
        }
        if case .replayChecked(let check, let verdict)? = resumption, check.proof == proofText,
           check.issuerIndex == principal.issuerIndex {
            return judge(cache, verdict, policy)
        }
        guard let uri = requestURI(facts) else {
            return refuse(Self.invalidProof("the request URI cannot be determined for the DPoP proof's htu (no Host)", policy))
        }
        let proof: VerifiedDPoPProof
        do {
            proof = try verifier.verify(proofText, method: facts.method, uri: uri, accessToken: token, now: now, keyCache: state.proofKeys)
        } catch {
            return refuse(Self.invalidProof(error.description, policy))
        }
        guard proof.jwkThumbprint == boundKey else {
            return refuse(Self.invalidProof("the DPoP proof's key is not the key the token is bound to (cnf.jkt)", policy))
        }
        let check = ReplayCheck(
            issuerIndex: principal.issuerIndex, issuer: principal.issuer, jti: proof.jti,
            expiresAt: policy.acceptedUntil(issuedAt: proof.issuedAt), proof: proofText, earlier: tokenResumption,
            cacheUse: cache
        )
        switch policy.replay {
        case .memory: return judge(cache, snapshot.replayStore.record(check, now: now), policy)
        case .redis: return .needs(.checkReplay(check))
        }
    }

    /// `public_origin` (else the request's scheme and `Host`) and the target's path.
    private func requestURI(_ facts: RequestFacts) -> DPoPTargetURI? {
        if let origin = snapshot.publicOrigin { return DPoPTargetURI(origin: origin, target: facts.target) }
        guard let host = facts.host, !host.isEmpty else { return nil }
        return DPoPTargetURI(origin: facts.scheme + "://" + host, target: facts.target)
    }

    private func judge(_ cache: TokenCheck.CacheUse, _ verdict: ReplayVerdict, _ policy: DPoPPolicy) -> Authentication? {
        switch verdict {
        case .fresh: nil
        case .replayed:
            .refused(Self.invalidProof("the DPoP proof has been used before (jti)", policy), .refused(.dpopReplayed, cache: cache))
        case .unavailable(let reason):
            .refused(
                Self.invalidProof("the DPoP proof could not be checked for replay: \(reason)", policy),
                .refused(.replayStoreUnavailable, cache: cache)
            )
        }
    }

    /// A sender-constraint refusal with the result the metrics count for it.
    static func refusal(_ rejection: Rejection, cache: TokenCheck.CacheUse) -> Authentication {
        let result: TokenCheck.Result = switch rejection.code {
        case .invalidDPoPProof: .invalidDPoPProof
        case .invalidRequest: .invalidRequest
        default: .bindingMismatch
        }
        return .refused(rejection, .refused(result, cache: cache))
    }

    /// 401 `invalid_dpop_proof` with the DPoP challenge (RFC 9449 §7.1).
    static func invalidProof(_ description: String, _ policy: DPoPPolicy) -> Rejection {
        Rejection(.invalidDPoPProof, description, headers: [challenge(.invalidDPoPProof, description, policy)])
    }

    /// 401 `invalid_token` with the DPoP challenge: the token itself is not usable as presented.
    static func dpopInvalidToken(_ description: String, _ policy: DPoPPolicy) -> Rejection {
        Rejection(.invalidToken, description, headers: [challenge(.invalidToken, description, policy)])
    }

    private static func challenge(_ code: GatewayErrorCode, _ description: String, _ policy: DPoPPolicy) -> HeaderField {
        HeaderField(
            name: "WWW-Authenticate",
            value: "DPoP algs=\"\(policy.challengeAlgorithms)\", error=\"\(code.rawValue)\", error_description=\"\(description)\""
        )
    }
}
