//! The per-thread switch between fused CPU kernels and burn tensor operations.

thread_local! {
    static FUSED: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether optimizers on this thread use the fused CPU kernels for tensors on burn's `flex`
/// backend (the default) or burn tensor operations. Both compute the same update; the switch
/// exists to compare them (tests, benchmarks) and to rule the kernels out when debugging.
pub fn set_fused_kernels(enabled: bool) {
    FUSED.with(|f| f.set(enabled));
}

/// Whether fused CPU kernels are enabled on this thread (see [`set_fused_kernels`]).
pub fn fused_kernels_enabled() -> bool {
    FUSED.with(|f| f.get())
}
