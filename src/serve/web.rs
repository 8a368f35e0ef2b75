//! What every request goes through: the access token (required when the workbench listens
//! beyond loopback), the security headers, cookies, the CSRF check of forms, and pages for
//! errors.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The cookie holding the reviewer's name (percent-encoded UTF-8).
pub const REVIEWER_COOKIE: &str = "certsift_reviewer";
/// The cookie holding the CSRF token forms must echo.
pub const CSRF_COOKIE: &str = "certsift_csrf";
/// The cookie holding the access token once given in a URL.
pub const TOKEN_COOKIE: &str = "certsift_token";

/// Scripts and styles only from the workbench itself, no inline code, no frames, forms only
/// to itself: an injected `<script>` would not run even if escaping ever failed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// The access rule, shared by every request.
#[derive(Debug, Clone)]
pub struct Access {
    /// The token every request must carry; `None` on loopback without `--token`.
    pub token: Option<String>,
}

/// Refuses a request without the token (when one is set), accepting it as
/// `Authorization: Bearer …`, the `certsift_token` cookie, or `?token=…` (which then sets the
/// cookie, so links inside the workbench need not carry it). Adds the security headers to
/// every response.
pub async fn guard(State(access): State<Arc<Access>>, request: Request, next: Next) -> Response {
    let mut set_token_cookie = None;
    if let Some(token) = &access.token {
        let headers = request.headers();
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let cookie = cookie(headers, TOKEN_COOKIE);
        let in_query = request.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix("token="))
                .map(percent_decode)
        });
        let given = [bearer.map(str::to_owned), cookie, in_query.clone()];
        if !given.iter().flatten().any(|t| same(t, token)) {
            return with_headers(
                (
                    StatusCode::UNAUTHORIZED,
                    "需要访问令牌：在地址后加 ?token=… (an access token is required)",
                )
                    .into_response(),
            );
        }
        if in_query.is_some() {
            set_token_cookie = Some(format!(
                "{TOKEN_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                percent_encode(token)
            ));
        }
    }
    let mut response = next.run(request).await;
    if let Some(cookie) = set_token_cookie
        && let Ok(value) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    with_headers(response)
}

fn with_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Compares two secrets in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of cookie `name`, percent-decoded.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
}

/// The reviewer named in the cookie, if any (trimmed, at most 40 characters).
pub fn reviewer(headers: &HeaderMap) -> Option<String> {
    let name = cookie(headers, REVIEWER_COOKIE)?;
    let name: String = name.trim().chars().take(40).collect();
    (!name.is_empty()).then_some(name)
}

/// The CSRF token of this browser, and the `Set-Cookie` value when it is new.
pub fn csrf(headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, CSRF_COOKIE) {
        Some(token) if token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (token, None)
        }
        _ => {
            let token = random_token();
            let set = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
            (token, Some(set))
        }
    }
}

/// Whether a form's `csrf` field matches this browser's cookie: a page of another site can
/// post a form here but can neither read nor set the cookie (SameSite=Strict).
pub fn csrf_ok(headers: &HeaderMap, sent: &str) -> bool {
    cookie(headers, CSRF_COOKIE).is_some_and(|token| !token.is_empty() && same(&token, sent))
}

/// 128 random bits, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The OS random source failing is not recoverable in any useful way; a zero token would
    // only weaken CSRF protection, never expose data, and is replaced on the next request.
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

/// `%XX`-decodes `text` as UTF-8 (lossily); `+` stays `+`.
pub fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Everything but unreserved ASCII (RFC 3986: letters, digits, `-._~`) is encoded.
const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but unreserved ASCII: safe in a cookie, a path segment or a
/// query value.
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}

/// A page that says what went wrong, in Chinese, with the status.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{status}</title>\
         <link rel=\"stylesheet\" href=\"/static/workbench.css\"></head><body><main>\
         <h1>{}</h1><p class=\"error\">{}</p><p><a href=\"/\">返回分诊页</a></p></main></body></html>",
        status.as_u16(),
        escape(message)
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// HTML-escapes text for the few pages built without a template.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_coding_round_trips_chinese_and_reserved_characters() {
        let name = "王 审核;=%";
        assert_eq!(percent_decode(&percent_encode(name)), name);
        assert_eq!(percent_decode("%E7%8E%8B%zz"), "王%zz");
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("xcertsift_csrf=1; certsift_csrf=abc"),
        );
        assert_eq!(cookie(&headers, CSRF_COOKIE).as_deref(), Some("abc"));
        assert!(csrf_ok(&headers, "abc"));
        assert!(!csrf_ok(&headers, "abd"));
        assert!(!csrf_ok(&HeaderMap::new(), ""));
    }

    #[test]
    fn error_pages_escape_their_message() {
        let escaped = escape("<script>alert('x')</script>");
        assert!(!escaped.contains('<'));
        assert!(escaped.contains("&lt;script&gt;"));
    }
}
