//! What a `no_std` wasm module needs from its crate: an allocator and a panic handler. Shared
//! by the transport and the session crate (the latter includes this file by path), each of
//! which builds its own module.

/// A single-threaded allocator smaller and faster than the dlmalloc std would bring.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Nothing in these crates is meant to panic (bad input becomes an error event or a malformed
/// log entry), so a panic is a bug: trap at once instead of carrying formatting code for a
/// message nobody can see.
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
