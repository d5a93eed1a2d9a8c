//! A server URL that never shows its password.

use std::fmt;

/// A PostgreSQL connection string (`postgres://user:password@host:port/db?…` or the
/// `key=value` form). [`fmt::Debug`], [`fmt::Display`] and `Serialize` write it with any
/// password replaced by `***`, so it can sit in a scenario that is logged or written to
/// results; only [`StoreUrl::expose`] gives the real text, for connecting.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl(String);

/// What a hidden password is written as.
const HIDDEN: &str = "***";

impl StoreUrl {
    /// Wraps a connection string.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The connection string with its password, for the client library only: never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The connection string with every password replaced by `***`.
    pub fn redacted(&self) -> String {
        let s = &self.0;
        match s.find("://") {
            Some(i) => redact_url(s, i + 3),
            None => redact_key_values(s),
        }
    }
}

/// `scheme://user:password@host/…?password=…`: hides the userinfo password and any
/// `password` query parameter.
fn redact_url(s: &str, authority_start: usize) -> String {
    let rest = &s[authority_start..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..authority_start]);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..=colon]);
                    out.push_str(HIDDEN);
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.find('?') {
        Some(q) => {
            out.push_str(&tail[..=q]);
            let params: Vec<String> = tail[q + 1..]
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}={HIDDEN}"),
                    _ => p.to_owned(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

/// `host=… password=secret user=…` or `password='a b'`: hides every `password` value.
fn redact_key_values(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = find_password_key(rest) {
        let after_key = &rest[i..];
        let eq = after_key.find('=').map_or(after_key.len(), |e| e + 1);
        out.push_str(&rest[..i]);
        out.push_str(&after_key[..eq]);
        out.push_str(HIDDEN);
        let value = after_key[eq..].trim_start();
        let skip = if let Some(quoted) = value.strip_prefix('\'') {
            // A quoted value ends at the first unescaped quote.
            let mut end = quoted.len();
            let mut escaped = false;
            for (j, c) in quoted.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '\'' if !escaped => {
                        end = j + 1;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            1 + end
        } else {
            value.find(char::is_whitespace).unwrap_or(value.len())
        };
        rest = &value[skip.min(value.len())..];
    }
    out.push_str(rest);
    out
}

/// Where a `password` key (followed by optional spaces and `=`) starts in `s`.
fn find_password_key(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("password") {
        let at = from + i;
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let after = lower[at + "password".len()..].trim_start();
        if before_ok && after.starts_with('=') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl serde::Serialize for StoreUrl {
    /// Written redacted: results and logs never hold the password (a scenario written back out
    /// loses it, by design).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

impl<'de> serde::Deserialize<'de> for StoreUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(StoreUrl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_password_form_is_hidden_and_the_rest_kept() {
        let cases = [
            (
                "postgres://rl:s3cret@127.0.0.1:15432/retrylab",
                "postgres://rl:***@127.0.0.1:15432/retrylab",
            ),
            (
                "postgresql://rl:p%40ss@db@host/x?sslmode=disable&password=s3cret",
                "postgresql://rl:***@host/x?sslmode=disable&password=***",
            ),
            ("postgres://rl@host:5432/db", "postgres://rl@host:5432/db"),
            ("postgres://host", "postgres://host"),
            (
                "host=h user=rl password=s3cret dbname=d",
                "host=h user=rl password=*** dbname=d",
            ),
            (
                "host=h password = 's3 \\'cret' port=1",
                "host=h password =*** port=1",
            ),
            ("user=passwordless host=h", "user=passwordless host=h"),
        ];
        for (url, expected) in cases {
            let u = StoreUrl::new(url);
            assert_eq!(u.redacted(), expected, "{url}");
            for shown in [
                format!("{u}"),
                format!("{u:?}"),
                serde_json::to_string(&u).unwrap(),
            ] {
                assert!(!shown.contains("s3"), "{shown}");
                assert!(!shown.contains("p%40ss"), "{shown}");
            }
            assert_eq!(u.expose(), url);
        }
    }
}
