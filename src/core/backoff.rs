//! How long to wait before reconnection attempt number `n`.
//!
//! `delay(n) = cap(n) * (1 - jitter * u)` with `u` uniform in `[0, 1)` and
//! `cap(n) = min(maxDelayMs, initialDelayMs * factor^(n-1))`: jitter is applied after the cap, so
//! at `jitter: 1` ("full jitter") the wait is uniform in `(0, cap]` and a crowd of clients that
//! lost the same server spreads out instead of reconnecting in lockstep.

use super::config::ReconnectConfig;
use super::rng::SplitMix64;
use super::Millis;

/// The largest wait for attempt `attempt` (1-based), before jitter.
pub fn delay_ceiling(config: &ReconnectConfig, attempt: u32) -> Millis {
    // Multiplying step by step (instead of powf, which costs the wasm module a libm routine)
    // stops as soon as the cap is reached, so even attempt u32::MAX takes few steps unless
    // factor is 1, where nothing grows and one step is enough.
    let mut ceiling = config.initial_delay_ms;
    if config.factor > 1.0 {
        for _ in 1..attempt {
            if ceiling >= config.max_delay_ms {
                break;
            }
            ceiling *= config.factor;
        }
    }
    ceiling.min(config.max_delay_ms)
}

/// The wait actually used for attempt `attempt`, drawing one random number.
pub fn jittered_delay(config: &ReconnectConfig, attempt: u32, rng: &mut SplitMix64) -> Millis {
    let ceiling = delay_ceiling(config, attempt);
    ceiling * (1.0 - config.jitter * rng.next_unit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(jitter: f64) -> ReconnectConfig {
        ReconnectConfig { jitter, ..ReconnectConfig::default() }
    }

    #[test]
    fn ceiling_doubles_from_the_initial_delay_until_the_cap() {
        let c = config(0.0);
        let ceilings: Vec<f64> = (1..=7).map(|n| delay_ceiling(&c, n)).collect();
        assert_eq!(ceilings, vec![1000.0, 2000.0, 4000.0, 8000.0, 16_000.0, 30_000.0, 30_000.0]);
    }

    #[test]
    fn ceiling_stays_at_the_cap_for_huge_attempt_numbers() {
        assert_eq!(delay_ceiling(&config(0.0), u32::MAX), 30_000.0);
    }

    #[test]
    fn zero_jitter_gives_the_plain_exponential_value() {
        let mut rng = SplitMix64::new(1);
        let c = config(0.0);
        assert_eq!(jittered_delay(&c, 3, &mut rng), 4000.0);
    }

    #[test]
    fn full_jitter_stays_within_zero_and_the_ceiling_and_uses_the_whole_range() {
        let mut rng = SplitMix64::new(99);
        let c = config(1.0);
        let delays: Vec<f64> = (0..5000).map(|_| jittered_delay(&c, 4, &mut rng)).collect();
        assert!(delays.iter().all(|d| *d > 0.0 && *d <= 8000.0));
        assert!(delays.iter().any(|d| *d < 400.0) && delays.iter().any(|d| *d > 7600.0));
    }

    #[test]
    fn half_jitter_stays_in_the_upper_half() {
        let mut rng = SplitMix64::new(5);
        let c = config(0.5);
        for _ in 0..1000 {
            let d = jittered_delay(&c, 2, &mut rng);
            assert!((1000.0..=2000.0).contains(&d), "{d}");
        }
    }

    #[test]
    fn jitter_applies_after_the_cap() {
        let mut rng = SplitMix64::new(3);
        let c = config(1.0);
        for _ in 0..1000 {
            assert!(jittered_delay(&c, 30, &mut rng) <= 30_000.0);
        }
    }

    #[test]
    fn seeded_sequences_are_reproducible() {
        let c = config(1.0);
        let run = |seed| {
            let mut rng = SplitMix64::new(seed);
            (1..10).map(|n| jittered_delay(&c, n, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(11), run(11));
        assert_ne!(run(11), run(12));
    }
}
