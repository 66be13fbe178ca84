//! Deserialize JSON-LD to RDF (https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm)
//! directly from the expanded form. Merging nodes by `@id` (the node map) is not needed: an RDF
//! dataset is a set, so emitting each node's statements where it occurs gives the same dataset.

use std::collections::HashMap;

use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use serde_json::{Map, Value};

use super::JsonLdError;
use super::expand::{is_list_object, is_value_object};

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";
const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// Converts expanded JSON-LD (an array of node objects) to quads.
pub(crate) fn expanded_to_quads(expanded: &[Value]) -> Result<Vec<Quad>, JsonLdError> {
    let mut writer = QuadWriter { quads: Vec::with_capacity(64), labels: HashMap::new(), counter: 0 };
    for node in expanded {
        if let Value::Object(map) = node {
            writer.node(map, &GraphName::DefaultGraph)?;
        }
    }
    Ok(writer.quads)
}

struct QuadWriter {
    quads: Vec<Quad>,
    /// Document blank node label → generated label.
    labels: HashMap<String, BlankNode>,
    counter: usize,
}

/// An absolute IRI as a node. The check is the one N-Quads needs (a scheme, and no character
/// that cannot appear between `<` and `>`), much cheaper than full RFC 3987 parsing.
fn named(iri: &str) -> Result<NamedNode, JsonLdError> {
    let forbidden = |c: char| c <= ' ' || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\');
    if !super::is_absolute_iri(iri) || iri.contains(forbidden) {
        return Err(JsonLdError::invalid("invalid IRI", iri));
    }
    Ok(NamedNode::new_unchecked(iri))
}

impl QuadWriter {
    fn fresh(&mut self) -> BlankNode {
        let b = BlankNode::new_unchecked(format!("b{}", self.counter));
        self.counter += 1;
        b
    }

    fn blank(&mut self, label: &str) -> BlankNode {
        if let Some(b) = self.labels.get(label) {
            return b.clone();
        }
        let b = self.fresh();
        self.labels.insert(label.to_owned(), b.clone());
        b
    }

    fn resource(&mut self, id: &str) -> Result<NamedOrBlankNode, JsonLdError> {
        match id.strip_prefix("_:") {
            Some(label) => Ok(self.blank(label).into()),
            None => Ok(named(id)?.into()),
        }
    }

    fn push(&mut self, s: NamedOrBlankNode, p: NamedNode, o: Term, g: &GraphName) {
        self.quads.push(Quad::new(s, p, o, g.clone()));
    }

    /// Emits the statements of a node object; returns its subject.
    fn node(&mut self, node: &Map<String, Value>, graph: &GraphName) -> Result<NamedOrBlankNode, JsonLdError> {
        let subject = match node.get("@id").and_then(Value::as_str) {
            Some(id) => self.resource(id)?,
            None => self.fresh().into(),
        };
        for (key, value) in node {
            match key.as_str() {
                "@id" | "@index" => {}
                "@type" => self.types(&subject, value, graph)?,
                "@graph" => self.named_graph(&subject, value)?,
                "@included" => {
                    for item in value.as_array().into_iter().flatten() {
                        if let Value::Object(m) = item {
                            self.node(m, graph)?;
                        }
                    }
                }
                "@reverse" => self.reverse(&subject, value, graph)?,
                property if property.starts_with("_:") => {}
                property => {
                    let predicate = named(property)?;
                    for item in value.as_array().into_iter().flatten() {
                        if let Some(object) = self.object(item, graph)? {
                            self.push(subject.clone(), predicate.clone(), object, graph);
                        }
                    }
                }
            }
        }
        Ok(subject)
    }

    fn types(&mut self, subject: &NamedOrBlankNode, value: &Value, graph: &GraphName) -> Result<(), JsonLdError> {
        for t in value.as_array().into_iter().flatten().filter_map(Value::as_str) {
            let object: Term = self.resource(t)?.into();
            self.push(subject.clone(), named(RDF_TYPE)?, object, graph);
        }
        Ok(())
    }

    fn named_graph(&mut self, subject: &NamedOrBlankNode, value: &Value) -> Result<(), JsonLdError> {
        let graph: GraphName = match subject {
            NamedOrBlankNode::NamedNode(n) => n.clone().into(),
            NamedOrBlankNode::BlankNode(b) => b.clone().into(),
        };
        for item in value.as_array().into_iter().flatten() {
            if let Value::Object(m) = item {
                if !m.contains_key("@value") && !m.contains_key("@list") {
                    self.node(m, &graph)?;
                }
            }
        }
        Ok(())
    }

    fn reverse(&mut self, subject: &NamedOrBlankNode, value: &Value, graph: &GraphName) -> Result<(), JsonLdError> {
        let Value::Object(map) = value else {
            return Ok(());
        };
        for (property, items) in map {
            let predicate = named(property)?;
            for item in items.as_array().into_iter().flatten() {
                if let Value::Object(m) = item {
                    let other = self.node(m, graph)?;
                    self.push(other, predicate.clone(), subject.clone().into(), graph);
                }
            }
        }
        Ok(())
    }

    /// Object to RDF Conversion (§8.3): `None` when the item yields no term.
    fn object(&mut self, item: &Value, graph: &GraphName) -> Result<Option<Term>, JsonLdError> {
        let Value::Object(map) = item else {
            return Ok(None);
        };
        if is_value_object(item) {
            return literal(map).map(|l| Some(l.into()));
        }
        if is_list_object(item) {
            let items = map.get("@list").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
            return self.list(items, graph).map(Some);
        }
        if map.len() == 1 && map.contains_key("@id") {
            let id = map.get("@id").and_then(Value::as_str).unwrap_or_default();
            return Ok(Some(self.resource(id)?.into()));
        }
        Ok(Some(self.node(map, graph)?.into()))
    }

    /// List Conversion (§8.4).
    fn list(&mut self, items: &[Value], graph: &GraphName) -> Result<Term, JsonLdError> {
        if items.is_empty() {
            return Ok(named(RDF_NIL)?.into());
        }
        let heads: Vec<BlankNode> = items.iter().map(|_| self.fresh()).collect();
        for (i, item) in items.iter().enumerate() {
            if let Some(object) = self.object(item, graph)? {
                self.push(heads[i].clone().into(), named(RDF_FIRST)?, object, graph);
            }
            let rest: Term = match heads.get(i + 1) {
                Some(next) => next.clone().into(),
                None => named(RDF_NIL)?.into(),
            };
            self.push(heads[i].clone().into(), named(RDF_REST)?, rest, graph);
        }
        Ok(heads[0].clone().into())
    }
}

/// The literal of a value object.
fn literal(map: &Map<String, Value>) -> Result<Literal, JsonLdError> {
    let value = map.get("@value").unwrap_or(&Value::Null);
    let datatype = map.get("@type").and_then(Value::as_str);
    if datatype == Some("@json") {
        let text = serde_json_canonicalizer::to_string(value)
            .map_err(|e| JsonLdError::invalid("invalid JSON literal", e.to_string()))?;
        return Ok(Literal::new_typed_literal(text, named(RDF_JSON)?));
    }
    let (lexical, default_type) = match value {
        Value::Bool(b) => (b.to_string(), XSD_BOOLEAN),
        Value::Number(n) => number_lexical(n, datatype),
        Value::String(s) => (s.clone(), XSD_STRING),
        other => return Err(JsonLdError::invalid("invalid value object value", other.to_string())),
    };
    if let Some(language) = map.get("@language").and_then(Value::as_str) {
        return Literal::new_language_tagged_literal(lexical, language)
            .map_err(|e| JsonLdError::invalid("invalid language-tagged string", format!("{language}: {e}")));
    }
    let datatype = datatype.unwrap_or(default_type);
    if datatype == XSD_STRING {
        return Ok(Literal::new_simple_literal(lexical));
    }
    Ok(Literal::new_typed_literal(lexical, named(datatype)?))
}

/// Canonical lexical form of a JSON number: xsd:integer when integral (and below 10^21)
/// unless typed xsd:double, else xsd:double in the `1.5E0` form.
fn number_lexical(n: &serde_json::Number, datatype: Option<&str>) -> (String, &'static str) {
    let as_double = datatype == Some(XSD_DOUBLE);
    if !as_double {
        if let Some(i) = n.as_i64() {
            return (i.to_string(), XSD_INTEGER);
        }
        if let Some(u) = n.as_u64() {
            return (u.to_string(), XSD_INTEGER);
        }
    }
    let f = n.as_f64().unwrap_or(0.0);
    if !as_double && f.fract() == 0.0 && f.abs() < 1e21 {
        return (format!("{}", f as i128), XSD_INTEGER);
    }
    (canonical_double(f), XSD_DOUBLE)
}

/// `x.toExponential(15)` with trailing mantissa zeros removed and `E`, as jsonld.js writes it.
fn canonical_double(f: f64) -> String {
    let formatted = format!("{f:.15e}");
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let mut mantissa = mantissa.trim_end_matches('0').to_owned();
    if mantissa.ends_with('.') {
        mantissa.push('0');
    }
    format!("{mantissa}E{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_use_the_canonical_form() {
        assert_eq!(canonical_double(1.1), "1.1E0");
        assert_eq!(canonical_double(1e21), "1.0E21");
        assert_eq!(canonical_double(-0.000015), "-1.5E-5");
        assert_eq!(canonical_double(5.0), "5.0E0");
    }
}
