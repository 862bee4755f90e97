//! Generated values (`"generate"`): random UUIDs and hex, and the time the
//! function answers.
//!
//! Contract: evaluation stays a function of its inputs: the randomness and
//! the time come from the [`Generator`] the trigger passes beside the event,
//! made once per invocation: live (the operating system's randomness, the
//! clock when the invocation starts) in Lambda, or fixed (`--seed`,
//! `--fixed-time`) where outputs must be reproduced exactly. Each rule is
//! evaluated once per invocation, so a claim sent to both tokens carries one
//! value. A generated value is never logged.

use std::cell::{Cell, OnceCell};

use serde_json::Value;

use crate::model::source::{Generate, TimeFormat};

/// Where one invocation's generated values come from.
#[derive(Debug, Clone)]
pub struct Generator {
    /// Milliseconds since the Unix epoch: given, or read from the clock at
    /// the first `"now"` (an invocation without one never reads it).
    now_ms: OnceCell<i64>,
    /// `None`: the operating system's randomness; `Some`: a seeded sequence.
    seeded: Option<Cell<u64>>,
}

impl Generator {
    /// Random from the operating system, at `now_ms`.
    pub fn live(now_ms: i64) -> Self {
        Self::new(None, Some(now_ms))
    }

    /// `seed`'s sequence or the system's randomness, at `now_ms` or at the
    /// clock's time when first asked.
    pub fn new(seed: Option<u64>, now_ms: Option<i64>) -> Self {
        let now = OnceCell::new();
        if let Some(ms) = now_ms {
            let _ = now.set(ms);
        }
        Self {
            now_ms: now,
            seeded: seed.map(Cell::new),
        }
    }

    fn now(&self) -> i64 {
        *self.now_ms.get_or_init(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        })
    }

    /// A reproducible sequence from `seed`, at `now_ms`.
    pub fn seeded(seed: u64, now_ms: i64) -> Self {
        Self::new(Some(seed), Some(now_ms))
    }

    /// The value of a `generate` source; `None` only if the operating
    /// system gives no randomness (the rule's `ifMissing` decides).
    pub fn value(&self, kind: Generate) -> Option<Value> {
        match kind {
            Generate::Uuid => {
                let mut b = [0u8; 16];
                self.fill(&mut b)?;
                b[6] = (b[6] & 0x0f) | 0x40; // version 4
                b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
                let h = hex(&b);
                Some(Value::String(format!(
                    "{}-{}-{}-{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..32]
                )))
            }
            Generate::RandomHex(n) => {
                let mut b = vec![0u8; usize::from(n)];
                self.fill(&mut b)?;
                Some(Value::String(hex(&b)))
            }
            Generate::Now(TimeFormat::EpochSeconds) => {
                Some(Value::from(self.now().div_euclid(1000)))
            }
            Generate::Now(TimeFormat::EpochMillis) => Some(Value::from(self.now())),
            Generate::Now(TimeFormat::Iso8601) => Some(Value::String(iso8601(self.now()))),
        }
    }

    fn fill(&self, buf: &mut [u8]) -> Option<()> {
        match &self.seeded {
            Some(state) => {
                for chunk in buf.chunks_mut(8) {
                    // splitmix64: a well-mixed, reproducible sequence (never
                    // used where unpredictability matters).
                    let mut z = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
                    state.set(z);
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    z ^= z >> 31;
                    chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
                }
                Some(())
            }
            None => os_random(buf),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn os_random(buf: &mut [u8]) -> Option<()> {
    getrandom::getrandom(buf).ok()
}

/// The browser build has no operating system to ask: no value.
#[cfg(target_arch = "wasm32")]
fn os_random(_: &mut [u8]) -> Option<()> {
    None
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `2026-12-04T15:04:05Z`: UTC, whole seconds.
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Reads an RFC 3339 time (`2026-12-04T15:04:05Z`, fractions of a second
/// and `+01:00` offsets allowed) as milliseconds since the Unix epoch.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not an RFC 3339 time, as 2026-12-04T15:04:05Z");
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let s = text.get(r).ok_or_else(bad)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (year, month, day, hour, minute, second) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(bad());
    }
    let mut rest = &text[19..];
    let mut ms = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let f = &frac[..digits];
        ms = f
            .chars()
            .chain("000".chars())
            .take(3)
            .collect::<String>()
            .parse()
            .map_err(|_| bad())?;
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && &rest[3..4] == ":" =>
        {
            let oh: i64 = rest[1..3].parse().map_err(|_| bad())?;
            let om: i64 = rest[4..6].parse().map_err(|_| bad())?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(year, month, day);
    Ok((days * 86_400 + hour * 3600 + minute * 60 + second - offset) * 1000 + ms)
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        let t = parse_rfc3339("2026-12-04T15:04:05Z").unwrap();
        assert_eq!(t, 1_796_396_645_000);
        assert_eq!(iso8601(t), "2026-12-04T15:04:05Z");
        assert_eq!(
            parse_rfc3339("2026-12-04T16:04:05.250+01:00").unwrap(),
            t + 250
        );
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00Z");
        for bad in [
            "",
            "2026-12-04",
            "2026-13-04T00:00:00Z",
            "2026-12-04T15:04:05",
            "x026-12-04T15:04:05Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn seeded_values_repeat_and_live_ones_have_their_shape() {
        let first = Generator::seeded(7, 0);
        let again = Generator::seeded(7, 0);
        let one = first.value(Generate::Uuid);
        assert_eq!(one, again.value(Generate::Uuid));
        assert_ne!(one, first.value(Generate::Uuid), "the sequence moves on");
        let live = Generator::live(0);
        let u = live.value(Generate::Uuid).unwrap();
        let u = u.as_str().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(
            live.value(Generate::Uuid).unwrap(),
            live.value(Generate::Uuid).unwrap()
        );
        let h = live.value(Generate::RandomHex(16)).unwrap();
        assert!(
            h.as_str().unwrap().len() == 32
                && h.as_str()
                    .unwrap()
                    .bytes()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        let t = Generator::live(1_796_396_645_123);
        assert_eq!(
            t.value(Generate::Now(TimeFormat::EpochSeconds)),
            Some(Value::from(1_796_396_645))
        );
        assert_eq!(
            t.value(Generate::Now(TimeFormat::EpochMillis)),
            Some(Value::from(1_796_396_645_123_i64))
        );
        assert_eq!(
            t.value(Generate::Now(TimeFormat::Iso8601)),
            Some(Value::from("2026-12-04T15:04:05Z"))
        );
    }
}
