//! One answer, two formats: GeoReport v2 gives every resource as JSON and as
//! XML, chosen by the path's extension. Handlers build a [`Value`] tree once
//! and it is written in either form.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The format a path's extension asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// Splits `services.json` into `("services", Json)`. `None` for any other
/// extension, or none.
pub fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let format = match ext.to_ascii_lowercase().as_str() {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    (!name.is_empty()).then_some((name, format))
}

/// A GeoReport v2 answer. In XML, an object's fields become child elements
/// and a list's items are each wrapped in the list's item name.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    Obj(Vec<(&'static str, Value)>),
    List(&'static str, Vec<Value>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl Value {
    fn json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Str(s) => J::String(s.clone()),
            Value::Int(n) => J::from(*n),
            Value::Bool(b) => J::Bool(*b),
            Value::Null => J::Null,
            Value::Obj(fields) => J::Object(fields.iter().map(|(k, v)| (k.to_string(), v.json())).collect()),
            Value::List(_, items) => J::Array(items.iter().map(Value::json).collect()),
        }
    }

    fn xml(&self, name: &str, out: &mut String) {
        match self {
            Value::Null => {
                out.push('<');
                out.push_str(name);
                out.push_str("/>");
                return;
            }
            _ => {
                out.push('<');
                out.push_str(name);
                out.push('>');
            }
        }
        match self {
            Value::Str(s) => escape(s, out),
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Null => {}
            Value::Obj(fields) => {
                for (k, v) in fields {
                    v.xml(k, out);
                }
            }
            Value::List(item, items) => {
                for v in items {
                    v.xml(item, out);
                }
            }
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }

    /// The answer in `format`, with `root` as the XML document element.
    pub fn respond(&self, status: StatusCode, format: Format, root: &str) -> Response {
        let (body, content_type) = match format {
            Format::Json => (self.json().to_string(), "application/json"),
            Format::Xml => {
                let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
                self.xml(root, &mut out);
                (out, "text/xml; charset=utf-8")
            }
        };
        let mut r = (status, body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// A GeoReport v2 error answer: `[{"code": 400, "description": "…"}]`,
/// one entry per problem, the first hundred and then how many more.
pub fn errors(status: StatusCode, format: Format, descriptions: &[String]) -> Response {
    let items = peel_core::bounded::listed(descriptions, |n| format!("… and {n} more problems"))
        .iter()
        .map(|d| Value::Obj(vec![("code", Value::Int(status.as_u16() as i64)), ("description", d.as_str().into())]))
        .collect();
    Value::List("error", items).respond(status, format, "errors")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_choose_the_format() {
        assert_eq!(split("services.json"), Some(("services", Format::Json)));
        assert_eq!(split("asb-personal.XML"), Some(("asb-personal", Format::Xml)));
        assert_eq!(split("services"), None);
        assert_eq!(split("services.html"), None);
        assert_eq!(split(".json"), None);
    }

    #[test]
    fn the_same_tree_writes_as_json_and_xml() {
        let v = Value::List(
            "service",
            vec![Value::Obj(vec![
                ("service_code", "a&b".into()),
                ("metadata", Value::Bool(true)),
                ("order", Value::Int(1)),
                ("keywords", Value::Null),
                ("values", Value::List("value", vec![Value::Obj(vec![("key", "yes".into())])])),
            ])],
        );
        assert_eq!(
            v.json().to_string(),
            r#"[{"keywords":null,"metadata":true,"order":1,"service_code":"a&b","values":[{"key":"yes"}]}]"#
        );
        let mut x = String::new();
        v.xml("services", &mut x);
        assert_eq!(
            x,
            "<services><service><service_code>a&amp;b</service_code><metadata>true</metadata><order>1</order>\
             <keywords/><values><value><key>yes</key></value></values></service></services>"
        );
    }

    #[test]
    fn xml_text_is_escaped_and_control_characters_dropped() {
        let mut x = String::new();
        Value::from("<b>\"it's\"\u{1}</b>").xml("d", &mut x);
        assert_eq!(x, "<d>&lt;b&gt;&quot;it&apos;s&quot;&lt;/b&gt;</d>");
    }
}
