//! Deserialize JSON-LD to RDF (<https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm>)
//! directly from the expanded form. Merging nodes by `@id` (the node map) is not needed: an RDF
//! dataset is a set, so emitting each node's statements where it occurs gives the same dataset.

use std::borrow::Cow;
use std::collections::HashMap;

use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad};
use serde_json::{Map, Value};

use super::JsonLdError;
use super::expand::{is_list_object, is_value_object};
use crate::canon::{LiteralSuffix, Part, Rendered};

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";
const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// Converts expanded JSON-LD (an array of node objects) to statements that borrow their IRIs and
/// strings from `expanded`; blank nodes are numbered (see [`Statements::labels`]).
pub(crate) fn expanded_to_statements(expanded: &[Value]) -> Result<Statements<'_>, JsonLdError> {
    let mut writer = StatementWriter { statements: Vec::new(), labels: HashMap::default(), counter: 0 };
    for node in expanded {
        if let Value::Object(map) = node {
            writer.node(map, None)?;
        }
    }
    Ok(Statements { statements: writer.statements, blank_nodes: writer.counter })
}

/// The RDF statements of a document, borrowing from its expanded form.
pub(crate) struct Statements<'a> {
    statements: Vec<Statement<'a>>,
    /// Number of blank nodes (numbered `0..blank_nodes`).
    blank_nodes: usize,
}

impl<'a> Statements<'a> {
    /// The blank node labels (`b0`, `b1`, ...), indexed by blank node number.
    pub(crate) fn labels(&self) -> Vec<String> {
        (0..self.blank_nodes).map(|n| format!("b{n}")).collect()
    }

    /// The statements as N-Quads pieces for canonicalization, blank nodes labeled by `labels`.
    pub(crate) fn rendered<'b>(&'b self, labels: &'b [String]) -> Vec<Rendered<'b>> {
        self.statements.iter().map(|s| s.rendered(labels)).collect()
    }

    /// The statements as `oxrdf` quads.
    pub(crate) fn into_quads(self) -> Vec<Quad> {
        let labels: Vec<BlankNode> = self.labels().into_iter().map(BlankNode::new_unchecked).collect();
        self.statements.into_iter().map(|s| s.into_quad(&labels)).collect()
    }
}

/// An IRI or a numbered blank node.
#[derive(Clone, Copy)]
enum Resource<'a> {
    Iri(&'a str),
    Blank(usize),
}

impl<'a> Resource<'a> {
    fn rendered<'b>(self, labels: &'b [String]) -> Part<'b>
    where
        'a: 'b,
    {
        match self {
            Resource::Iri(iri) => Part::Iri(iri),
            // Blank node numbers are below `Statements::blank_nodes`, the length of `labels`.
            Resource::Blank(n) => Part::Blank(&labels[n]),
        }
    }

    fn into_oxrdf(self, labels: &[BlankNode]) -> NamedOrBlankNode {
        match self {
            Resource::Iri(iri) => NamedNode::new_unchecked(iri).into(),
            Resource::Blank(n) => labels[n].clone().into(),
        }
    }
}

/// The object of a statement.
enum Object<'a> {
    Resource(Resource<'a>),
    /// A literal without language tag; `datatype` is `xsd:string` for a simple literal.
    Typed {
        value: Cow<'a, str>,
        datatype: &'a str,
    },
    /// A language-tagged literal (validated).
    Tagged(Literal),
}

/// One RDF statement (a quad; `graph` is `None` for the default graph).
struct Statement<'a> {
    subject: Resource<'a>,
    predicate: &'a str,
    object: Object<'a>,
    graph: Option<Resource<'a>>,
}

impl<'a> Statement<'a> {
    fn rendered<'b>(&'b self, labels: &'b [String]) -> Rendered<'b> {
        let object = match &self.object {
            Object::Resource(r) => r.rendered(labels),
            Object::Typed { value, datatype } => {
                let suffix =
                    if *datatype == XSD_STRING { LiteralSuffix::None } else { LiteralSuffix::Datatype(datatype) };
                Part::literal(value, suffix)
            }
            Object::Tagged(literal) => Part::from_literal(literal),
        };
        Rendered {
            subject: self.subject.rendered(labels),
            predicate: self.predicate,
            object,
            graph: self.graph.map(|g| g.rendered(labels)),
        }
    }

    fn into_quad(self, labels: &[BlankNode]) -> Quad {
        let object: oxrdf::Term = match self.object {
            Object::Resource(r) => r.into_oxrdf(labels).into(),
            Object::Typed { value, datatype } if datatype == XSD_STRING => Literal::new_simple_literal(value).into(),
            Object::Typed { value, datatype } => {
                Literal::new_typed_literal(value, NamedNode::new_unchecked(datatype)).into()
            }
            Object::Tagged(literal) => literal.into(),
        };
        let graph = match self.graph.map(|g| g.into_oxrdf(labels)) {
            None => GraphName::DefaultGraph,
            Some(NamedOrBlankNode::NamedNode(n)) => n.into(),
            Some(NamedOrBlankNode::BlankNode(b)) => b.into(),
        };
        Quad::new(self.subject.into_oxrdf(labels), NamedNode::new_unchecked(self.predicate), object, graph)
    }
}

struct StatementWriter<'a> {
    statements: Vec<Statement<'a>>,
    /// Document blank node label → blank node number.
    labels: HashMap<&'a str, usize, foldhash::fast::RandomState>,
    counter: usize,
}

/// Checks that `iri` is an absolute IRI usable in N-Quads ([`crate::iri::check_iri`]).
fn named(iri: &str) -> Result<&str, JsonLdError> {
    crate::iri::check_iri(iri).map_err(|_| JsonLdError::invalid("invalid IRI", iri))?;
    Ok(iri)
}

impl<'a> StatementWriter<'a> {
    fn fresh(&mut self) -> Resource<'a> {
        self.counter += 1;
        Resource::Blank(self.counter - 1)
    }

    fn blank(&mut self, label: &'a str) -> Resource<'a> {
        if let Some(&n) = self.labels.get(label) {
            return Resource::Blank(n);
        }
        let b = self.fresh();
        self.labels.insert(label, self.counter - 1);
        b
    }

    fn resource(&mut self, id: &'a str) -> Result<Resource<'a>, JsonLdError> {
        match id.strip_prefix("_:") {
            Some(label) => Ok(self.blank(label)),
            None => Ok(Resource::Iri(named(id)?)),
        }
    }

    fn push(&mut self, subject: Resource<'a>, predicate: &'a str, object: Object<'a>, graph: Option<Resource<'a>>) {
        self.statements.push(Statement { subject, predicate, object, graph });
    }

    /// Emits the statements of a node object; returns its subject.
    fn node(&mut self, node: &'a Map<String, Value>, graph: Option<Resource<'a>>) -> Result<Resource<'a>, JsonLdError> {
        let subject = match node.get("@id").and_then(Value::as_str) {
            Some(id) => self.resource(id)?,
            None => self.fresh(),
        };
        for (key, value) in node {
            match key.as_str() {
                "@id" | "@index" => {}
                "@type" => self.types(subject, value, graph)?,
                "@graph" => self.named_graph(subject, value)?,
                "@included" => {
                    for item in value.as_array().into_iter().flatten() {
                        if let Value::Object(m) = item {
                            self.node(m, graph)?;
                        }
                    }
                }
                "@reverse" => self.reverse(subject, value, graph)?,
                property if property.starts_with("_:") => {}
                property => {
                    let predicate = named(property)?;
                    for item in value.as_array().into_iter().flatten() {
                        if let Some(object) = self.object(item, graph)? {
                            self.push(subject, predicate, object, graph);
                        }
                    }
                }
            }
        }
        Ok(subject)
    }

    fn types(
        &mut self,
        subject: Resource<'a>,
        value: &'a Value,
        graph: Option<Resource<'a>>,
    ) -> Result<(), JsonLdError> {
        for t in value.as_array().into_iter().flatten().filter_map(Value::as_str) {
            let object = Object::Resource(self.resource(t)?);
            self.push(subject, RDF_TYPE, object, graph);
        }
        Ok(())
    }

    fn named_graph(&mut self, subject: Resource<'a>, value: &'a Value) -> Result<(), JsonLdError> {
        for item in value.as_array().into_iter().flatten() {
            if let Value::Object(m) = item
                && !m.contains_key("@value")
                && !m.contains_key("@list")
            {
                self.node(m, Some(subject))?;
            }
        }
        Ok(())
    }

    fn reverse(
        &mut self,
        subject: Resource<'a>,
        value: &'a Value,
        graph: Option<Resource<'a>>,
    ) -> Result<(), JsonLdError> {
        let Value::Object(map) = value else {
            return Ok(());
        };
        for (property, items) in map {
            let predicate = named(property)?;
            for item in items.as_array().into_iter().flatten() {
                if let Value::Object(m) = item {
                    let other = self.node(m, graph)?;
                    self.push(other, predicate, Object::Resource(subject), graph);
                }
            }
        }
        Ok(())
    }

    /// Object to RDF Conversion (§8.3): `None` when the item yields no term.
    fn object(&mut self, item: &'a Value, graph: Option<Resource<'a>>) -> Result<Option<Object<'a>>, JsonLdError> {
        let Value::Object(map) = item else {
            return Ok(None);
        };
        if is_value_object(item) {
            return literal(map).map(Some);
        }
        if is_list_object(item) {
            let items = map.get("@list").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
            return self.list(items, graph).map(|r| Some(Object::Resource(r)));
        }
        if map.len() == 1 && map.contains_key("@id") {
            let id = map.get("@id").and_then(Value::as_str).unwrap_or_default();
            return Ok(Some(Object::Resource(self.resource(id)?)));
        }
        Ok(Some(Object::Resource(self.node(map, graph)?)))
    }

    /// List Conversion (§8.4).
    fn list(&mut self, items: &'a [Value], graph: Option<Resource<'a>>) -> Result<Resource<'a>, JsonLdError> {
        if items.is_empty() {
            return Ok(Resource::Iri(RDF_NIL));
        }
        let heads: Vec<Resource<'a>> = items.iter().map(|_| self.fresh()).collect();
        for (i, item) in items.iter().enumerate() {
            if let Some(object) = self.object(item, graph)? {
                self.push(heads[i], RDF_FIRST, object, graph);
            }
            let rest = heads.get(i + 1).copied().unwrap_or(Resource::Iri(RDF_NIL));
            self.push(heads[i], RDF_REST, Object::Resource(rest), graph);
        }
        Ok(heads[0])
    }
}

/// The literal of a value object.
fn literal(map: &Map<String, Value>) -> Result<Object<'_>, JsonLdError> {
    let value = map.get("@value").unwrap_or(&Value::Null);
    let datatype = map.get("@type").and_then(Value::as_str);
    if datatype == Some("@json") {
        let text = serde_json_canonicalizer::to_string(value)
            .map_err(|e| JsonLdError::invalid("invalid JSON literal", e.to_string()))?;
        return Ok(Object::Typed { value: Cow::Owned(text), datatype: RDF_JSON });
    }
    let (lexical, default_type): (Cow<'_, str>, &str) = match value {
        Value::Bool(b) => (Cow::Borrowed(if *b { "true" } else { "false" }), XSD_BOOLEAN),
        Value::Number(n) => {
            let (lexical, datatype) = number_lexical(n, datatype);
            (Cow::Owned(lexical), datatype)
        }
        Value::String(s) => (Cow::Borrowed(s.as_str()), XSD_STRING),
        other => return Err(JsonLdError::invalid("invalid value object value", other.to_string())),
    };
    if let Some(language) = map.get("@language").and_then(Value::as_str) {
        return Literal::new_language_tagged_literal(lexical, language)
            .map(Object::Tagged)
            .map_err(|e| JsonLdError::invalid("invalid language-tagged string", format!("{language}: {e}")));
    }
    let datatype = datatype.unwrap_or(default_type);
    if datatype == XSD_STRING {
        return Ok(Object::Typed { value: lexical, datatype: XSD_STRING });
    }
    Ok(Object::Typed { value: lexical, datatype: named(datatype)? })
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
    fn named_refuses_characters_n_quads_cannot_carry() {
        assert!(named("https://ex.test/caf\u{e9}").is_ok());
        for bad in [
            "https://ex.test/a b",
            "https://ex.test/<",
            "https://ex.test/\\",
            "https://ex.test/`",
            "https://ex.test/\u{7}",
            "relative",
        ] {
            assert!(named(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn doubles_use_the_canonical_form() {
        assert_eq!(canonical_double(1.1), "1.1E0");
        assert_eq!(canonical_double(1e21), "1.0E21");
        assert_eq!(canonical_double(-0.000015), "-1.5E-5");
        assert_eq!(canonical_double(5.0), "5.0E0");
    }
}
