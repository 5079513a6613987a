//! When to try again: MQTT.js' fixed period by default, or exponential backoff with jitter.

use super::options::Backoff;

pub struct ReconnectPolicy {
    period_ms: u64,
    backoff: Option<Backoff>,
    rng: XorShift,
}

impl ReconnectPolicy {
    pub fn new(period_ms: u64, backoff: Option<Backoff>, seed: u64) -> ReconnectPolicy {
        ReconnectPolicy {
            period_ms,
            backoff,
            rng: XorShift::new(seed),
        }
    }

    pub fn enabled(&self) -> bool {
        self.period_ms > 0 || self.backoff.is_some()
    }

    /// Delay before attempt number `failures + 1` after `failures` consecutive failures.
    pub fn delay_ms(&mut self, failures: u32) -> u64 {
        let Some(b) = &self.backoff else {
            return self.period_ms;
        };
        let mut delay = b.initial_ms as f64;
        for _ in 1..failures.min(64) {
            delay *= b.multiplier;
            if delay >= b.max_ms as f64 {
                break;
            }
        }
        let capped = if delay > b.max_ms as f64 {
            b.max_ms as f64
        } else {
            delay
        };
        let jittered = capped * (1.0 - b.jitter * self.rng.unit());
        if jittered < 1.0 {
            1
        } else {
            jittered as u64
        }
    }
}

/// Small PRNG for jitter; seeded from getrandom, quality is not a concern here.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn fixed_period_is_mqttjs_default() {
        let mut p = ReconnectPolicy::new(1000, None, 7);
        assert!(p.enabled());
        assert_eq!(p.delay_ms(1), 1000);
        assert_eq!(p.delay_ms(10), 1000);
        assert!(!ReconnectPolicy::new(0, None, 7).enabled());
    }

    #[test]
    fn backoff_grows_caps_and_jitters_downwards() {
        let b = Backoff {
            initial_ms: 500,
            max_ms: 8000,
            multiplier: 2.0,
            jitter: 0.0,
        };
        let mut p = ReconnectPolicy::new(1000, Some(b.clone()), 7);
        let delays: alloc::vec::Vec<u64> = (1..=7).map(|n| p.delay_ms(n)).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        let mut j = ReconnectPolicy::new(1000, Some(Backoff { jitter: 0.5, ..b }), 99);
        for n in 1..50 {
            let d = j.delay_ms(n);
            let full = (500u64 << (n - 1).min(4)).min(8000);
            assert!(
                d <= full && d >= full / 2,
                "attempt {n}: {d} not in [{}, {full}]",
                full / 2
            );
        }
    }
}
