//! Running counters, for dashboards and benchmarks. Not part of the snapshot, so counting every
//! message never re-renders a UI.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub messages_in: u64,
    pub messages_out: u64,
    /// UTF-16 length of text frames (exact bytes for ASCII, most JSON; counting exactly would
    /// cost a pass over every frame), byte length of binary frames.
    pub bytes_in: u64,
    /// UTF-8 bytes of the frames sent, as they went on the wire.
    pub bytes_out: u64,
    /// Socket attempts started (first connections and reconnections).
    pub attempts: u64,
    /// Connections that opened after an earlier one of the same `connect()` failed or dropped.
    pub reconnects: u64,
    /// Messages given to `send` that will never be sent (overflow, expiry, refused, stopped).
    pub dropped: u64,
    /// Error events reported.
    pub errors: u64,
    pub pings_sent: u64,
    pub pongs_received: u64,
}
