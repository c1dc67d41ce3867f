public import Foundation

/// A point in time at whole-second precision, written as an ISO 8601 UTC string: `2025-03-01T09:30:00Z`.
///
/// Bundles carry no clock of their own: the compiler passes the issue time from an injected clock
/// and the verifier passes its `now`, so the same inputs always give the same bytes. Only the one
/// form `YYYY-MM-DDTHH:MM:SSZ` (years 1970 to 9999) is read, so that every instant has exactly
/// one spelling in a signed payload.
public struct BundleTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64

    /// The latest timestamp that has the four-digit-year form: 9999-12-31T23:59:59Z.
    public static let latest = BundleTimestamp(secondsSince1970: 253_402_300_799)

    /// Creates a timestamp from seconds since 1970-01-01T00:00:00Z.
    public init(secondsSince1970: Int64) {
        self.secondsSince1970 = secondsSince1970
    }

    /// Creates a timestamp from a `Date`, dropping the fraction of a second.
    public init(_ date: Date) {
        self.secondsSince1970 = Int64(date.timeIntervalSince1970.rounded(.down))
    }

    /// The same instant as a `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: TimeInterval(secondsSince1970))
    }

    /// This timestamp moved by a number of seconds.
    public func adding(seconds: Int64) -> BundleTimestamp {
        BundleTimestamp(secondsSince1970: secondsSince1970 + seconds)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ`, or returns `nil` for any other text or an impossible date.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "Z")
        else {
            return nil
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else {
            return nil
        }
        guard year >= 1970, (1...12).contains(month), day >= 1,
            day <= Self.daysInMonth(year: year, month: month), hour < 24, minute < 60, second < 60
        else {
            return nil
        }
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        self.init(secondsSince1970: Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var iso8601: String {
        let days = Int(secondsSince1970.quotientAndRemainder(dividingBy: 86_400).quotient)
        var seconds = Int(secondsSince1970 - Int64(days) * 86_400)
        var dayCount = days
        if seconds < 0 {
            seconds += 86_400
            dayCount -= 1
        }
        let (year, month, day) = Self.civilDate(daysSinceEpoch: dayCount)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):"
            + "\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))Z"
    }

    /// The ISO 8601 form.
    public var description: String { iso8601 }

    /// Orders by instant.
    public static func < (lhs: BundleTimestamp, rhs: BundleTimestamp) -> Bool {
        lhs.secondsSince1970 < rhs.secondsSince1970
    }

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // The proleptic Gregorian day count, computed in 400-year eras as in Howard Hinnant's
    // public-domain "days_from_civil" description.
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
