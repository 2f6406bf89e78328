#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unix time from the realtime clock, for deadlines, record timestamps and journal entries (the one place that reads
/// it: tests inject their own clocks instead).
public enum WallClock {
    /// Milliseconds since the Unix epoch.
    public static func millis() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    /// Seconds since the Unix epoch.
    public static func seconds() -> UInt64 { millis() / 1000 }
}
