//! Numbers parsed the way `pandas.read_csv` (pandas 2.x, default `float_precision`) parses them,
//! so time-to-target values read from AlgoPerf logs are bit-identical to AlgoPerf's.
//!
//! pandas' `precise_xstrtod` accumulates up to 17 significant digits in a double
//! (`number = number·10 + digit`, each step rounded), then divides (or multiplies) by an exact
//! power of ten. With 17 digits the accumulation can round, so e.g. `2868.3276751041412`
//! becomes 2868.327675104141 — one unit in the last place below the correctly rounded value,
//! and that is the number AlgoPerf's published time-to-target tables hold.

/// Powers of ten 10⁰‥10³⁰⁸ as f64 literals (as the C table holds them).
fn power_of_ten(k: i32) -> f64 {
    format!("1e{k}").parse().expect("valid literal")
}

/// Parses `text` like pandas' `precise_xstrtod`; `None` if it is not a plain decimal number
/// (the caller falls back to NaN / `inf` handling).
pub fn pandas_float(text: &str) -> Option<f64> {
    const MAX_DIGITS: i32 = 17;
    let bytes = text.trim().as_bytes();
    let mut i = 0;
    let mut negative = false;
    if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
        negative = bytes[i] == b'-';
        i += 1;
    }
    let mut number = 0.0f64;
    let mut exponent: i32 = 0;
    let mut num_digits = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        if num_digits < MAX_DIGITS {
            number = number * 10.0 + (bytes[i] - b'0') as f64;
            num_digits += 1;
        } else {
            exponent += 1;
        }
        i += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let mut decimals = 0;
        while num_digits < MAX_DIGITS && i < bytes.len() && bytes[i].is_ascii_digit() {
            number = number * 10.0 + (bytes[i] - b'0') as f64;
            num_digits += 1;
            decimals += 1;
            i += 1;
        }
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        exponent -= decimals;
    }
    if num_digits == 0 {
        return None;
    }
    if negative {
        number = -number;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        let mut exp_negative = false;
        if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
            exp_negative = bytes[i] == b'-';
            i += 1;
        }
        let (mut n, mut digits) = (0i32, 0);
        while digits < MAX_DIGITS && i < bytes.len() && bytes[i].is_ascii_digit() {
            n = n
                .saturating_mul(10)
                .saturating_add((bytes[i] - b'0') as i32);
            digits += 1;
            i += 1;
        }
        if digits == 0 {
            return None;
        }
        exponent += if exp_negative { -n } else { n };
    }
    if i != bytes.len() {
        return None;
    }
    Some(if exponent > 308 {
        f64::INFINITY.copysign(number)
    } else if exponent > 0 {
        number * power_of_ten(exponent)
    } else if exponent < -308 {
        if exponent < -616 {
            0.0
        } else {
            number / power_of_ten(-308 - exponent) / power_of_ten(308)
        }
    } else {
        number / power_of_ten(-exponent)
    })
}

#[cfg(test)]
mod tests {
    use super::pandas_float;

    /// Values from pandas 2.2.3 `read_csv` (default float_precision) on the AlgoPerf v0.6 logs:
    /// `2868.3276751041412` reads as 2868.327675104141 (`round_trip` would give the literal).
    #[test]
    fn rounds_like_pandas() {
        assert_eq!(pandas_float("2868.3276751041412"), Some(2868.327675104141));
        assert_ne!(pandas_float("2868.3276751041412"), Some(2868.3276751041412));
        assert_eq!(pandas_float("7491.487124443054"), Some(7491.487124443054));
        assert_eq!(pandas_float("0.25"), Some(0.25));
        assert_eq!(pandas_float("-1.5e3"), Some(-1500.0));
        assert_eq!(pandas_float("43793"), Some(43793.0));
        assert_eq!(pandas_float("nan"), None);
        assert_eq!(pandas_float(""), None);
        assert_eq!(pandas_float("1.2.3"), None);
    }
}
