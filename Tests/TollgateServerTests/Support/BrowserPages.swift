import Foundation

/// The pages a real browser runs against the gateway: probe pages that call
/// `fetch()` and report what they could read, and a driver page that loads
/// each probe in an iframe (so each runs on its own origin), collects the
/// reports and writes them, base64-encoded JSON, into `<pre id="results">`.
enum BrowserPages {
    /// One `fetch()` a probe page makes.
    struct Fetch: Encodable {
        var name: String
        var url: String
        var headers: [String: String]
    }

    /// What a page could read from one `fetch()`: a status and body, or the error it threw.
    struct Outcome: Decodable, Sendable {
        var name: String
        var origin: String
        var status: Int?
        var body: String?
        var error: String?
        var message: String?

        var json: [String: Any] {
            guard let data = body?.data(using: .utf8) else { return [:] }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        }
    }

    /// A page that runs `fetches` one after another and posts the outcomes to its parent.
    static func probe(_ fetches: [Fetch]) throws -> String {
        let list = String(decoding: try JSONEncoder().encode(fetches), as: UTF8.self)
        return """
            <!doctype html>
            <html><body><script>
            (async () => {
              const outcomes = [];
              for (const spec of \(list)) {
                const outcome = { name: spec.name, origin: self.origin };
                try {
                  const response = await fetch(spec.url, { headers: spec.headers, cache: "no-store" });
                  outcome.status = response.status;
                  outcome.body = await response.text();
                } catch (error) {
                  outcome.error = error.name;
                  outcome.message = String(error.message);
                }
                outcomes.push(outcome);
              }
              parent.postMessage(outcomes, "*");
            })();
            </script></body></html>
            """
    }

    /// A page that loads `probes` (full URLs) in iframes one at a time and
    /// writes every outcome into the DOM.
    static func driver(probes: [String]) throws -> String {
        let list = String(decoding: try JSONEncoder().encode(probes), as: UTF8.self)
        return """
            <!doctype html>
            <html><body><pre id="results">pending</pre><script>
            function run(url) {
              return new Promise((resolve) => {
                const frame = document.createElement("iframe");
                window.addEventListener("message", function heard(event) {
                  if (event.source !== frame.contentWindow) return;
                  window.removeEventListener("message", heard);
                  resolve(event.data);
                });
                frame.src = url;
                document.body.appendChild(frame);
              });
            }
            (async () => {
              const outcomes = [];
              for (const url of \(list)) outcomes.push(...(await run(url)));
              const bytes = new TextEncoder().encode(JSON.stringify(outcomes));
              let binary = "";
              for (const byte of bytes) binary += String.fromCharCode(byte);
              document.getElementById("results").textContent = btoa(binary);
            })().catch((error) => {
              document.getElementById("results").textContent = "driver failed: " + error;
            });
            </script></body></html>
            """
    }

    /// The outcomes a dumped driver page holds, by fetch name.
    static func outcomes(in dom: String) throws -> [String: Outcome] {
        guard let start = dom.range(of: "<pre id=\"results\">"),
              let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex)
        else { throw GatewayTestError("no results element in the page the browser dumped:\n\(dom)") }
        let text = String(dom[start.upperBound..<end.lowerBound])
        guard let data = Data(base64Encoded: text) else {
            throw GatewayTestError("the page did not finish its fetches; results element holds: \(text)")
        }
        let list = try JSONDecoder().decode([Outcome].self, from: data)
        return Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
