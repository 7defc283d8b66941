import Yams

/// Readers for single values: each checks the YAML type and the value's own
/// grammar and reports a problem at the value.
extension ConfigReader {
    /// Any non-null, non-empty scalar, as written.
    mutating func string(_ node: Node, _ path: String) -> Located<String>? {
        guard let scalar = node.scalar, !node.isNull else {
            error("\(path): expected a string, found \(node.kindDescription)", at: node.location)
            return nil
        }
        guard !scalar.string.isEmpty else {
            error("\(path): must not be empty", at: node.location)
            return nil
        }
        return Located(scalar.string, at: node.location)
    }

    /// A decimal integer no smaller than `minimum`.
    mutating func integer(_ node: Node, _ path: String, minimum: Int) -> Int? {
        let expected = switch minimum {
        case 0: "zero or a positive integer"
        case 1: "a positive integer"
        default: "an integer of at least \(minimum)"
        }
        guard let text = node.scalar?.string, !node.isNull,
              let value = Int(text), text.allSatisfy({ $0.isASCIIDigit || $0 == "-" })
        else {
            error("\(path): expected \(expected), found \(node.kindDescription)", at: node.location)
            return nil
        }
        guard value >= minimum else {
            error("\(path): expected \(expected), found \(value)", at: node.location)
            return nil
        }
        return value
    }

    /// `true` or `false`.
    mutating func boolean(_ node: Node, _ path: String) -> Located<Bool>? {
        switch node.scalar?.string {
        case "true", "True", "TRUE": return Located(true, at: node.location)
        case "false", "False", "FALSE": return Located(false, at: node.location)
        default:
            error("\(path): expected true or false, found \(node.kindDescription)", at: node.location)
            return nil
        }
    }

    /// A duration string; zero only where `allowZero` says it means something.
    mutating func duration(_ node: Node, _ path: String, allowZero: Bool = false) -> Duration? {
        guard let text = string(node, path)?.value else { return nil }
        do {
            let value = try DurationParser.parse(text)
            guard allowZero || value > .zero else {
                error("\(path): must be longer than zero", at: node.location)
                return nil
            }
            return value
        } catch {
            self.error("\(path): \(error)", at: node.location)
            return nil
        }
    }

    /// A size (`16KiB` or plain bytes) larger than zero.
    mutating func size(_ node: Node, _ path: String) -> Int? {
        guard let text = string(node, path)?.value else { return nil }
        do {
            let value = try ByteSizeParser.parse(text)
            guard value > 0 else {
                error("\(path): must be larger than zero", at: node.location)
                return nil
            }
            return value
        } catch {
            self.error("\(path): \(error)", at: node.location)
            return nil
        }
    }

    /// One of `choices`, by raw value.
    mutating func choice<Choice: RawRepresentable>(_ node: Node, _ path: String, _ choices: [Choice]) -> Located<Choice>?
        where Choice.RawValue == String
    {
        if let text = node.scalar?.string, !node.isNull, let value = Choice(rawValue: text), choices.contains(where: { $0.rawValue == text }) {
            return Located(value, at: node.location)
        }
        let allowed = choices.map(\.rawValue).joined(separator: ", ")
        error("\(path): expected one of \(allowed), found \(node.kindDescription)", at: node.location)
        return nil
    }

    /// A list of strings, each checked by `problem` (a message, or nil when fine).
    /// - Parameter nonEmpty: when set, an empty list is reported with this explanation.
    mutating func strings(
        _ node: Node, _ path: String, nonEmpty: String? = nil, problem: (String) -> String? = { _ in nil }
    ) -> [Located<String>]? {
        guard let items = sequence(node, path: path) else { return nil }
        if items.isEmpty, let nonEmpty {
            error("\(path): \(nonEmpty)", at: node.location)
            return nil
        }
        var values: [Located<String>] = []
        for (index, item) in items.enumerated() {
            guard let value = string(item, "\(path)[\(index)]") else { continue }
            if let message = problem(value.value) {
                error("\(path)[\(index)]: \(message)", at: value.location)
                continue
            }
            values.append(value)
        }
        return values
    }

    /// A `host:port` address.
    mutating func address(_ node: Node, _ path: String) -> Located<HostPort>? {
        guard let text = string(node, path) else { return nil }
        do {
            return Located(try HostPort(parsing: text.value), at: text.location)
        } catch {
            self.error("\(path): \(error)", at: text.location)
            return nil
        }
    }
}
