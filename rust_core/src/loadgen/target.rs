//! What to send: the parsed target URL and the request template every connection repeats.

use std::net::{SocketAddr, ToSocketAddrs};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue, HOST};
use hyper::{HeaderMap, Method, Request, Uri};

use super::LoadError;

/// One request, built once and cloned per send.
#[derive(Clone, Debug)]
pub struct Template {
    /// Resolved address to connect to (first result of the name lookup).
    pub addr: SocketAddr,
    method: Method,
    path: Uri,
    headers: HeaderMap,
    body: Bytes,
}

/// Splits `http://host[:port][/path]` into host, port and origin-form path.
fn split_url(url: &str) -> Result<(&str, u16, &str), LoadError> {
    let invalid = |reason: &'static str| LoadError::Url {
        url: url.to_owned(),
        reason,
    };
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid("only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(invalid("missing host"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
            let port = port.parse().map_err(|_| invalid("bad port"))?;
            (host, port)
        }
        _ => (authority, 80),
    };
    Ok((
        host.trim_start_matches('[').trim_end_matches(']'),
        port,
        path,
    ))
}

impl Template {
    /// Parses the URL, resolves its host once and validates method and headers.
    pub fn new(
        url: &str,
        method: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Self, LoadError> {
        let (host, port, path) = split_url(url)?;
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|source| LoadError::Resolve {
                host: host.to_owned(),
                reason: source.to_string(),
            })?
            .next()
            .ok_or_else(|| LoadError::Resolve {
                host: host.to_owned(),
                reason: "no address".to_owned(),
            })?;
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| LoadError::Request {
            reason: format!("bad method {method:?}"),
        })?;
        let path: Uri = path.parse().map_err(|_| LoadError::Url {
            url: url.to_owned(),
            reason: "bad path",
        })?;
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| LoadError::Request {
                reason: format!("bad header name {name:?}"),
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| LoadError::Request {
                reason: format!("bad value for header {name}"),
            })?;
            map.append(name, value);
        }
        if !map.contains_key(HOST) {
            let authority = if port == 80 {
                host.to_owned()
            } else {
                format!("{host}:{port}")
            };
            let value = HeaderValue::from_str(&authority).map_err(|_| LoadError::Url {
                url: url.to_owned(),
                reason: "bad host",
            })?;
            map.insert(HOST, value);
        }
        Ok(Self {
            addr,
            method,
            path,
            headers: map,
            body,
        })
    }

    /// A fresh request (cheap: the body is reference-counted).
    pub fn request(&self) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.path.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_host_port_and_path() {
        assert!(matches!(
            split_url("http://127.0.0.1:8080/v1/chat/completions?x=1"),
            Ok(("127.0.0.1", 8080, "/v1/chat/completions?x=1"))
        ));
        assert!(matches!(
            split_url("http://localhost"),
            Ok(("localhost", 80, "/"))
        ));
        assert!(matches!(split_url("http://[::1]:9/"), Ok(("::1", 9, "/"))));
    }

    #[test]
    fn rejects_https_and_bad_ports() {
        assert!(split_url("https://example.com/").is_err());
        assert!(split_url("http://127.0.0.1:99999/").is_err());
        assert!(split_url("http:///path").is_err());
    }

    #[test]
    fn template_adds_host_and_keeps_headers() -> Result<(), LoadError> {
        let t = Template::new(
            "http://127.0.0.1:9/x",
            "POST",
            &[("x-mock-ttft-ms".to_owned(), "20".to_owned())],
            Bytes::from_static(b"{}"),
        )?;
        let r = t.request();
        assert_eq!(r.method(), Method::POST);
        assert_eq!(r.uri().path(), "/x");
        assert_eq!(r.headers()[HOST], "127.0.0.1:9");
        assert_eq!(r.headers()["x-mock-ttft-ms"], "20");
        Ok(())
    }

    #[test]
    fn template_rejects_bad_header_names() {
        let t = Template::new(
            "http://127.0.0.1:9/",
            "GET",
            &[("bad header".to_owned(), "v".to_owned())],
            Bytes::new(),
        );
        assert!(t.is_err());
    }
}
