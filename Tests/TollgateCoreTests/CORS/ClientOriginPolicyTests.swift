import Testing
import TollgateCore

@Suite struct ClientOriginPolicyTests {
    let policy = try! ClientOriginPolicy(clients: [
        ClientConfig(clientId: Located("dashboard-spa"), allowedOrigins: [Located("https://dashboard.example.com")]),
        ClientConfig(clientId: Located("partner"), allowedOrigins: [Located("https://*.partner.test")]),
        ClientConfig(clientId: Located("partner"), allowedOrigins: [Located("http://localhost:3000")]),
        ClientConfig(clientId: Located("locked"), allowedOrigins: []),
    ])

    @Test func listedClientMustUseOneOfItsOrigins() {
        #expect(policy.isListed(clientId: "dashboard-spa"))
        #expect(policy.isAllowed(origin: "https://dashboard.example.com", clientId: "dashboard-spa"))
        #expect(policy.isAllowed(origin: "HTTPS://Dashboard.Example.com:443", clientId: "dashboard-spa"))
        #expect(!policy.isAllowed(origin: "https://other.example.com", clientId: "dashboard-spa"))
        #expect(!policy.isAllowed(origin: "https://dashboard.example.com.evil.com", clientId: "dashboard-spa"))
        #expect(!policy.isAllowed(origin: "http://dashboard.example.com", clientId: "dashboard-spa"))
        #expect(!policy.isAllowed(origin: "null", clientId: "dashboard-spa"))
    }

    @Test func aClientListedTwiceHasBothLists() {
        #expect(policy.isAllowed(origin: "https://app.partner.test", clientId: "partner"))
        #expect(policy.isAllowed(origin: "http://localhost:3000", clientId: "partner"))
        #expect(!policy.isAllowed(origin: "https://dashboard.example.com", clientId: "partner"))
    }

    @Test func aClientWithAnEmptyListMayUseNoOrigin() {
        #expect(policy.isListed(clientId: "locked"))
        #expect(!policy.isAllowed(origin: "https://dashboard.example.com", clientId: "locked"))
    }

    @Test func unlistedOrMissingClientsAreUnaffected() {
        #expect(!policy.isListed(clientId: "cli-tool"))
        #expect(policy.isAllowed(origin: "https://anywhere.test", clientId: "cli-tool"))
        #expect(policy.isAllowed(origin: "https://anywhere.test", clientId: nil))
        #expect(!policy.isListed(clientId: "Dashboard-SPA"), "client ids are compared exactly")
        #expect(ClientOriginPolicy.unrestricted.isAllowed(origin: "https://x.test", clientId: "dashboard-spa"))
    }

    @Test func badOriginInAClientListIsAConfigErrorWithItsLocation() {
        let location = TollgateCore.SourceLocation(line: 12, column: 24)
        #expect(throws: CORSConfigError.invalidOrigin(OriginError(text: "dashboard.example.com", reason: .missingScheme, location: location))) {
            try ClientOriginPolicy(clients: [
                ClientConfig(clientId: Located("spa"), allowedOrigins: [Located("dashboard.example.com", at: location)]),
            ])
        }
    }
}
