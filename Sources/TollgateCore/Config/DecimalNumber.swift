/// A non-negative decimal written as ASCII digits with at most one `.`
/// (`30`, `1.5`), kept exact so that `1.5s` and `1.5KiB` convert without rounding.
struct DecimalNumber: Sendable, Hashable {
    /// All digits without the point: `1.5` → 15.
    var digits: Int128
    /// How many of them follow the point: `1.5` → 1.
    var fractionDigits: Int

    /// At most 18 integer digits and 18 fraction digits; no sign, no exponent, no spaces.
    init?(parsing text: Substring) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2,
              let integer = parts.first, !integer.isEmpty, integer.count <= 18,
              integer.allSatisfy(\.isASCIIDigit)
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || (!fraction.isEmpty && fraction.count <= 18),
              fraction.allSatisfy(\.isASCIIDigit)
        else { return nil }
        var value: Int128 = 0
        for character in integer + fraction {
            value = value * 10 + Int128(character.wholeNumberValue!)
        }
        digits = value
        fractionDigits = fraction.count
    }

    /// `self × unit` in the unit's base (bytes, attoseconds).
    enum Scaled: Sendable, Hashable {
        case whole(Int128)
        /// The product is not a whole number of the base (`1.5B`).
        case fractional
        case overflow
    }

    func scaled(by unit: Int128) -> Scaled {
        let (product, overflow) = digits.multipliedReportingOverflow(by: unit)
        guard !overflow else { return .overflow }
        var divisor: Int128 = 1
        for _ in 0..<fractionDigits { divisor *= 10 }
        guard product % divisor == 0 else { return .fractional }
        return .whole(product / divisor)
    }
}
