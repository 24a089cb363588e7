//! What a `no_std` wasm module needs from its crate besides an allocator: a panic handler.

/// Nothing in this crate is meant to panic (bad input becomes an error event or a malformed
/// log entry), so a panic is a bug: trap at once instead of carrying formatting code for a
/// message nobody can see.
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
