import Yams

/// A configuration file composed into a YAML node tree with source marks.
///
/// libyaml accepts a key twice in one mapping and Yams then stops at the first such
/// mapping, so a repeated key is reported here at its second occurrence, renamed to a
/// placeholder the reader skips, and the text composed again: the rest of the file
/// is still checked. A YAML syntax error is reported at libyaml's mark.
struct YAMLDocument {
    /// nil when the file is empty or is not valid YAML.
    var root: Node?
    /// Placeholder keys standing for repeated keys already reported.
    var skippedKeys: Set<String> = []
    /// Syntax and duplicate-key problems, as (location, message).
    var problems: [(location: SourceLocation, message: String)] = []

    /// After this many mappings with repeated keys the file is not analysed further.
    private static let maximumRepeatedKeys = 100

    init(yaml: String) {
        var text = yaml
        for attempt in 0...Self.maximumRepeatedKeys {
            do {
                root = try Yams.compose(yaml: text)
                return
            } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
                let key = duplicates.first ?? ""
                let first = SourceLocation(line: context.mark.line, column: context.mark.column)
                let repeats = Self.repeatedKeys(key, after: first, in: text)
                guard attempt < Self.maximumRepeatedKeys, !repeats.isEmpty else {
                    problems.append((first, "duplicate key '\(key)' in this mapping"))
                    return
                }
                for (index, repeated) in repeats.enumerated().reversed() {
                    problems.append((repeated.location, "duplicate key '\(key)' (first given at line \(first.line))"))
                    let placeholder = "tollgate-repeated-key-\(attempt)-\(index)"
                    skippedKeys.insert(placeholder)
                    text = Self.replacing(repeated, with: placeholder, in: text)
                }
            } catch {
                problems.append(Self.syntaxProblem(error, yaml: text))
                return
            }
        }
    }

    /// Where a key repeats in a block mapping: later lines, indented to the first key's
    /// column, starting with the key (plain or quoted) and `:`, before the mapping ends.
    private static func repeatedKeys(_ key: String, after first: SourceLocation, in text: String)
        -> [(location: SourceLocation, length: Int)]
    {
        var found: [(location: SourceLocation, length: Int)] = []
        let indent = first.column - 1
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line < lines.count else { return found }
        for index in first.line..<lines.count {
            let line = Array(lines[index].unicodeScalars)
            let leading = line.prefix(while: { $0 == " " }).count
            if leading == line.count || line[leading] == "#" || line[leading] == "\r" { continue }
            if leading < indent { break }
            guard leading == indent else { continue }
            let rest = String(String.UnicodeScalarView(line[leading...]))
            for spelling in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(spelling) {
                let after = rest.dropFirst(spelling.count).drop(while: { $0 == " " })
                if after.first == ":" {
                    found.append((SourceLocation(line: index + 1, column: first.column), spelling.unicodeScalars.count))
                    break
                }
            }
        }
        return found
    }

    private static func replacing(_ key: (location: SourceLocation, length: Int), with placeholder: String, in text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var scalars = Array(lines[key.location.line - 1].unicodeScalars)
        let start = key.location.column - 1
        scalars.replaceSubrange(start..<start + key.length, with: placeholder.unicodeScalars)
        lines[key.location.line - 1] = String(String.UnicodeScalarView(scalars))
        return lines.joined(separator: "\n")
    }

    private static func syntaxProblem(_ error: any Error, yaml: String) -> (location: SourceLocation, message: String) {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text), which started at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return (SourceLocation(line: mark.line, column: mark.column), "invalid YAML: \(problem)\(during)")
        case .reader(let problem, let offset, _, _):
            return (location(ofCharacterOffset: offset ?? 0, in: yaml), "invalid YAML: \(problem)")
        default:
            return (SourceLocation(line: 1, column: 1), "invalid YAML: \(error)")
        }
    }

    private static func location(ofCharacterOffset offset: Int, in text: String) -> SourceLocation {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return SourceLocation(line: line, column: column)
    }
}
