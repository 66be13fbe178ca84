//! RDF Dataset Canonicalization (RDFC-1.0, <https://www.w3.org/TR/rdf-canon/>) with a work bound.
//!
//! `oxrdf`'s own implementation has no call limit, and the W3C "poison graph" tests make any
//! unbounded implementation run for minutes. This module implements the algorithm on quads split
//! into borrowed N-Quads pieces (from `oxrdf` quads, or built directly by the JSON-LD converter)
//! and counts the work of the Hash N-Degree Quads step (calls and permutations tried); past the
//! budget in [`CanonLimits`] it stops with [`CanonError::WorkLimitExceeded`].
//!
//! The output is canonical N-Quads: one line per distinct quad, each ending in `\n`, sorted in
//! code-point order.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::ops::Range;

use oxrdf::{GraphName, NamedOrBlankNode, Quad, Term};
use sha2::{Digest, Sha256, Sha384};
use thiserror::Error;

/// Why canonicalization stopped.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CanonError {
    /// The dataset has more blank nodes than [`CanonLimits::max_blank_nodes`].
    #[error("dataset has {found} blank nodes, more than the limit of {limit}")]
    TooManyBlankNodes { found: usize, limit: usize },
    /// Hash N-Degree Quads needed more work than [`CanonLimits::max_work`] (poison graph).
    #[error("canonicalization work limit of {limit} steps exceeded (blank node structure too symmetric: possible poison graph)")]
    WorkLimitExceeded { limit: u64 },
    /// The dataset has more quads than [`CanonLimits::max_quads`].
    #[error("dataset has {found} quads, more than the limit of {limit}")]
    TooManyQuads { found: usize, limit: usize },
    /// RDF-star quoted triples are not part of RDFC-1.0.
    #[error("quoted triples are not supported by RDFC-1.0")]
    QuotedTriple,
}

/// Hash function used by RDFC-1.0 (SHA-256 unless a test asks for SHA-384).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashAlgorithm {
    #[default]
    Sha256,
    Sha384,
}

/// Bounds that make canonicalization of hostile input end with an error instead of hanging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonLimits {
    /// Maximum number of quads accepted.
    pub max_quads: usize,
    /// Maximum number of distinct blank nodes accepted.
    pub max_blank_nodes: usize,
    /// Maximum work units for Hash N-Degree Quads: one per call plus one per permutation tried.
    pub max_work: u64,
    /// Hash function (RDFC-1.0 default is SHA-256).
    pub hash: HashAlgorithm,
}

impl Default for CanonLimits {
    /// Generous for credentials (the W3C "evil" poison tests pass), small enough that the
    /// 10-node clique fails in a few milliseconds.
    fn default() -> Self {
        CanonLimits {
            max_quads: 100_000,
            max_blank_nodes: 10_000,
            max_work: 20_000,
            hash: HashAlgorithm::Sha256,
        }
    }
}

/// Result of canonicalization: the canonical N-Quads and the issued identifiers map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonicalized {
    /// Canonical N-Quads document (sorted lines, each ending in `\n`).
    pub nquads: String,
    /// Input blank node label → canonical label (`c14n0`, ...).
    pub issued: HashMap<String, String>,
    /// Work units spent in Hash N-Degree Quads.
    pub work: u64,
}

/// Canonicalizes `quads` with RDFC-1.0 and the default [`CanonLimits`]; returns canonical N-Quads.
pub fn canonicalize(quads: &[Quad]) -> Result<String, CanonError> {
    canonicalize_with(quads, &CanonLimits::default()).map(|c| c.nquads)
}

/// Canonicalizes `quads` with RDFC-1.0 under the given limits.
pub fn canonicalize_with(quads: &[Quad], limits: &CanonLimits) -> Result<Canonicalized, CanonError> {
    if quads.len() > limits.max_quads {
        return Err(CanonError::TooManyQuads { found: quads.len(), limit: limits.max_quads });
    }
    let rendered = quads.iter().map(Rendered::new).collect::<Result<Vec<_>, _>>()?;
    canonicalize_rendered(rendered, limits)
}

/// Canonicalizes quads already split into N-Quads pieces (the JSON-LD path builds these directly,
/// without `oxrdf` terms in between). Duplicates are removed here.
pub(crate) fn canonicalize_rendered(quads: Vec<Rendered<'_>>, limits: &CanonLimits) -> Result<Canonicalized, CanonError> {
    if quads.len() > limits.max_quads {
        return Err(CanonError::TooManyQuads { found: quads.len(), limit: limits.max_quads });
    }
    let mut state = State::new(distinct(quads), limits)?;
    state.issue_unique_first_degree();
    state.issue_by_n_degree()?;
    let nquads = state.serialize();
    Ok(Canonicalized { nquads, issued: state.canonical.into_map(), work: state.work })
}

/// Serializes quads as N-Quads lines sorted in code-point order, duplicates removed, no relabeling.
pub fn to_sorted_nquads(quads: &[Quad]) -> String {
    let mut lines: Vec<String> = quads.iter().map(|q| nquad_line(q, &|b| b.to_owned())).collect();
    lines.sort_unstable();
    lines.dedup();
    lines.concat()
}

/// Hash map with a fast, per-process randomly seeded hasher (keys are blank node labels).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Issues identifiers with a prefix and a counter, remembering the issue order.
#[derive(Debug, Clone)]
struct IdentifierIssuer {
    prefix: &'static str,
    issued: FastMap<String, String>,
    order: Vec<String>,
}

impl IdentifierIssuer {
    fn new(prefix: &'static str) -> Self {
        IdentifierIssuer { prefix, issued: FastMap::default(), order: Vec::new() }
    }

    fn get(&self, id: &str) -> Option<&str> {
        self.issued.get(id).map(String::as_str)
    }

    fn issue(&mut self, id: &str) -> String {
        if let Some(existing) = self.issued.get(id) {
            return existing.clone();
        }
        let new_id = format!("{}{}", self.prefix, self.order.len());
        self.issued.insert(id.to_owned(), new_id.clone());
        self.order.push(id.to_owned());
        new_id
    }

    fn into_map(self) -> HashMap<String, String> {
        self.issued.into_iter().collect()
    }
}

struct State<'a> {
    /// Each distinct quad as N-Quads pieces, blank nodes left as holes.
    rendered: Vec<Rendered<'a>>,
    /// Blank node label → indexes into `rendered` of the quads mentioning it.
    bnode_quads: FastMap<&'a str, Vec<usize>>,
    /// Blank nodes in first-seen order (for deterministic iteration).
    bnodes: Vec<&'a str>,
    canonical: IdentifierIssuer,
    /// First-degree hash → blank nodes still waiting for a canonical identifier.
    hash_to_bnodes: BTreeMap<String, Vec<&'a str>>,
    hash: HashAlgorithm,
    work: u64,
    max_work: u64,
}

impl<'a> State<'a> {
    fn new(rendered: Vec<Rendered<'a>>, limits: &CanonLimits) -> Result<Self, CanonError> {
        let mut state = State {
            rendered,
            bnode_quads: FastMap::default(),
            bnodes: Vec::new(),
            canonical: IdentifierIssuer::new("c14n"),
            hash_to_bnodes: BTreeMap::new(),
            hash: limits.hash,
            work: 0,
            max_work: limits.max_work,
        };
        state.index_blank_nodes();
        if state.bnodes.len() > limits.max_blank_nodes {
            return Err(CanonError::TooManyBlankNodes {
                found: state.bnodes.len(),
                limit: limits.max_blank_nodes,
            });
        }
        for i in 0..state.bnodes.len() {
            let bnode = state.bnodes[i];
            let hash = state.hash_first_degree(bnode);
            state.hash_to_bnodes.entry(hash).or_default().push(bnode);
        }
        Ok(state)
    }

    fn index_blank_nodes(&mut self) {
        for (index, quad) in self.rendered.iter().enumerate() {
            for bnode in quad.blank_nodes().into_iter().flatten() {
                let list = self.bnode_quads.entry(bnode).or_insert_with(|| {
                    self.bnodes.push(bnode);
                    Vec::new()
                });
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
    }

    fn digest(&self, data: &str) -> String {
        self.digest_parts([data])
    }

    /// The hex digest of the concatenation of `parts`, without building it.
    fn digest_parts<'s>(&self, parts: impl IntoIterator<Item = &'s str>) -> String {
        fn run<'p, D: Digest>(parts: impl IntoIterator<Item = &'p str>) -> String {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part.as_bytes());
            }
            lower_hex(&hasher.finalize())
        }
        match self.hash {
            HashAlgorithm::Sha256 => run::<Sha256>(parts),
            HashAlgorithm::Sha384 => run::<Sha384>(parts),
        }
    }

    /// 4.6 Hash First Degree Quads.
    fn hash_first_degree(&self, reference: &str) -> String {
        let quads = self.bnode_quads.get(reference).map(Vec::as_slice).unwrap_or_default();
        let lines = Lines::render(quads.iter().map(|&i| &self.rendered[i]), |b| if b == reference { "a" } else { "z" });
        self.digest_parts(lines.sorted())
    }

    /// Step 4: blank nodes with a unique first-degree hash get canonical ids in hash order.
    fn issue_unique_first_degree(&mut self) {
        let unique: Vec<String> = self
            .hash_to_bnodes
            .iter()
            .filter(|(_, list)| list.len() == 1)
            .map(|(hash, _)| hash.clone())
            .collect();
        for hash in unique {
            if let Some(list) = self.hash_to_bnodes.remove(&hash) {
                self.canonical.issue(list[0]);
            }
        }
    }

    /// Step 5: the remaining blank nodes, by Hash N-Degree Quads.
    fn issue_by_n_degree(&mut self) -> Result<(), CanonError> {
        let groups: Vec<Vec<&'a str>> = std::mem::take(&mut self.hash_to_bnodes).into_values().collect();
        for group in groups {
            let mut results: Vec<(String, IdentifierIssuer)> = Vec::new();
            for bnode in group {
                if self.canonical.get(bnode).is_some() {
                    continue;
                }
                let mut temporary = IdentifierIssuer::new("b");
                temporary.issue(bnode);
                results.push(self.hash_n_degree(bnode, temporary)?);
            }
            results.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, issuer) in results {
                for existing in &issuer.order {
                    self.canonical.issue(existing);
                }
            }
        }
        Ok(())
    }

    fn spend(&mut self) -> Result<(), CanonError> {
        self.work += 1;
        if self.work > self.max_work {
            return Err(CanonError::WorkLimitExceeded { limit: self.max_work });
        }
        Ok(())
    }

    /// 4.7 Hash Related Blank Node.
    fn hash_related(&self, related: &str, quad: &Rendered<'_>, issuer: &IdentifierIssuer, position: char) -> String {
        let identifier = match self.canonical.get(related).or_else(|| issuer.get(related)) {
            Some(id) => format!("_:{id}"),
            None => self.hash_first_degree(related),
        };
        let mut input = String::new();
        input.push(position);
        if position != 'g' {
            let _ = write!(input, "<{}>", quad.predicate);
        }
        input.push_str(&identifier);
        self.digest(&input)
    }

    /// 4.8 Hash N-Degree Quads, counting work.
    fn hash_n_degree(
        &mut self,
        identifier: &str,
        mut issuer: IdentifierIssuer,
    ) -> Result<(String, IdentifierIssuer), CanonError> {
        self.spend()?;
        let related_by_hash = self.related_hashes(identifier, &issuer)?;
        let mut data_to_hash = String::new();
        for (related_hash, list) in related_by_hash {
            data_to_hash.push_str(&related_hash);
            let (chosen_path, chosen_issuer) = self.choose_path(&list, &issuer)?;
            data_to_hash.push_str(&chosen_path);
            issuer = chosen_issuer;
        }
        Ok((self.digest(&data_to_hash), issuer))
    }

    fn related_hashes(
        &self,
        identifier: &str,
        issuer: &IdentifierIssuer,
    ) -> Result<BTreeMap<String, Vec<&'a str>>, CanonError> {
        let mut map: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
        for &index in self.bnode_quads.get(identifier).map(Vec::as_slice).unwrap_or_default() {
            let quad = &self.rendered[index];
            let [s, o, g] = quad.blank_nodes();
            for (component, position) in [(s, 's'), (o, 'o'), (g, 'g')] {
                if let Some(related) = component.filter(|b| *b != identifier) {
                    let hash = self.hash_related(related, quad, issuer, position);
                    map.entry(hash).or_default().push(related);
                }
            }
        }
        Ok(map)
    }

    /// Steps 5.4.1–5.4.5: tries every permutation of `list`, keeping the smallest path.
    fn choose_path(
        &mut self,
        list: &[&'a str],
        issuer: &IdentifierIssuer,
    ) -> Result<(String, IdentifierIssuer), CanonError> {
        let mut chosen_path = String::new();
        let mut chosen_issuer: Option<IdentifierIssuer> = None;
        let mut permutation: Vec<usize> = (0..list.len()).collect();
        loop {
            self.spend()?;
            let order: Vec<&str> = permutation.iter().map(|&i| list[i]).collect();
            if let Some((path, issuer_copy)) = self.try_permutation(&order, issuer, &chosen_path)?
                && (chosen_issuer.is_none() || path < chosen_path) {
                    chosen_path = path;
                    chosen_issuer = Some(issuer_copy);
                }
            if !next_permutation(&mut permutation) {
                break;
            }
        }
        Ok((chosen_path, chosen_issuer.unwrap_or_else(|| issuer.clone())))
    }

    fn try_permutation(
        &mut self,
        order: &[&'a str],
        issuer: &IdentifierIssuer,
        chosen_path: &str,
    ) -> Result<Option<(String, IdentifierIssuer)>, CanonError> {
        let worse = |path: &str| {
            !chosen_path.is_empty() && path.len() >= chosen_path.len() && path > chosen_path
        };
        let mut issuer_copy = issuer.clone();
        let mut path = String::new();
        let mut recursion_list = Vec::new();
        for &related in order {
            if let Some(id) = self.canonical.get(related) {
                let _ = write!(path, "_:{id}");
            } else {
                if issuer_copy.get(related).is_none() {
                    recursion_list.push(related);
                }
                let _ = write!(path, "_:{}", issuer_copy.issue(related));
            }
            if worse(&path) {
                return Ok(None);
            }
        }
        for related in recursion_list {
            let (hash, result_issuer) = self.hash_n_degree(related, issuer_copy.clone())?;
            let _ = write!(path, "_:{}<{}>", issuer_copy.issue(related), hash);
            issuer_copy = result_issuer;
            if worse(&path) {
                return Ok(None);
            }
        }
        Ok(Some((path, issuer_copy)))
    }

    fn serialize(&self) -> String {
        let lines = Lines::render(self.rendered.iter(), |b| self.canonical.get(b).unwrap_or(b));
        let mut sorted = lines.sorted();
        sorted.dedup();
        sorted.concat()
    }
}

/// Distinct quads of `input`, in first-occurrence order (an RDF dataset is a set).
fn distinct(mut input: Vec<Rendered<'_>>) -> Vec<Rendered<'_>> {
    let first_occurrences: Vec<bool> = {
        let mut seen = std::collections::HashSet::with_capacity_and_hasher(input.len(), foldhash::fast::RandomState::default());
        input.iter().map(|q| seen.insert(q)).collect()
    };
    let mut keep = first_occurrences.into_iter();
    input.retain(|_| keep.next().unwrap_or(false));
    input
}

/// N-Quads lines written into one buffer, to sort and join without one allocation per line.
struct Lines {
    text: String,
    ranges: Vec<Range<usize>>,
}

impl Lines {
    /// Renders each quad as a line, blank node labels mapped through `label`.
    fn render<'a, 'b>(
        quads: impl ExactSizeIterator<Item = &'b Rendered<'a>>,
        label: impl Fn(&'a str) -> &'b str + Copy,
    ) -> Self
    where
        'a: 'b,
    {
        let mut lines = Lines { text: String::with_capacity(quads.len() * 128), ranges: Vec::with_capacity(quads.len()) };
        for quad in quads {
            let start = lines.text.len();
            quad.write_line(&mut lines.text, label);
            lines.ranges.push(start..lines.text.len());
        }
        lines
    }

    /// The lines sorted in code-point order.
    fn sorted(&self) -> Vec<&str> {
        let mut lines: Vec<&str> = self.ranges.iter().map(|r| &self.text[r.clone()]).collect();
        lines.sort_unstable();
        lines
    }
}

/// A term of a pre-rendered quad, borrowed from the quad; written out at output time.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) enum Part<'a> {
    /// An IRI, written `<iri>`.
    Iri(&'a str),
    /// A blank node, written `_:` and its (mapped) label.
    Blank(&'a str),
    /// A literal whose lexical form needs no escaping, with its language tag or datatype suffix.
    Literal { value: &'a str, suffix: LiteralSuffix<'a> },
    /// Anything else, pre-rendered.
    Text(String),
}

/// What follows the quoted lexical form of a literal.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) enum LiteralSuffix<'a> {
    /// `xsd:string`: nothing.
    None,
    /// `@` and a language tag.
    Language(&'a str),
    /// `^^<datatype>`.
    Datatype(&'a str),
}

impl<'a> Part<'a> {
    /// A literal with lexical form `value`; pre-rendered by `oxrdf` when the value needs escaping.
    pub(crate) fn literal(value: &'a str, suffix: LiteralSuffix<'a>) -> Self {
        if !needs_escape(value) {
            return Part::Literal { value, suffix };
        }
        let literal = match suffix {
            LiteralSuffix::None => oxrdf::Literal::new_simple_literal(value),
            LiteralSuffix::Language(language) => oxrdf::Literal::new_language_tagged_literal_unchecked(value, language),
            LiteralSuffix::Datatype(datatype) => {
                oxrdf::Literal::new_typed_literal(value, oxrdf::NamedNode::new_unchecked(datatype))
            }
        };
        Part::Text(literal.to_string())
    }

    /// An `oxrdf` literal in canonical N-Quads form.
    pub(crate) fn from_literal(literal: &'a oxrdf::Literal) -> Self {
        let suffix = if let Some(language) = literal.language() {
            LiteralSuffix::Language(language)
        } else if literal.datatype() == oxrdf::vocab::xsd::STRING {
            LiteralSuffix::None
        } else {
            LiteralSuffix::Datatype(literal.datatype().as_str())
        };
        Part::literal(literal.value(), suffix)
    }

    fn blank_label(&self) -> Option<&'a str> {
        match self {
            Part::Blank(label) => Some(label),
            _ => None,
        }
    }

    fn push_to<'b>(&'b self, out: &mut String, label: impl Fn(&'a str) -> &'b str) {
        match self {
            Part::Iri(iri) => {
                out.push('<');
                out.push_str(iri);
                out.push('>');
            }
            Part::Blank(b) => {
                out.push_str("_:");
                out.push_str(label(b));
            }
            Part::Literal { value, suffix } => {
                out.push('"');
                out.push_str(value);
                out.push('"');
                match suffix {
                    LiteralSuffix::None => {}
                    LiteralSuffix::Language(language) => {
                        out.push('@');
                        out.push_str(language);
                    }
                    LiteralSuffix::Datatype(datatype) => {
                        out.push_str("^^<");
                        out.push_str(datatype);
                        out.push('>');
                    }
                }
            }
            Part::Text(t) => out.push_str(t),
        }
    }
}

/// A quad as N-Quads pieces, so that hashing and output only concatenate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Rendered<'a> {
    pub subject: Part<'a>,
    /// The predicate IRI (without `<` `>`).
    pub predicate: &'a str,
    pub object: Part<'a>,
    /// `None` for the default graph.
    pub graph: Option<Part<'a>>,
}

impl<'a> Rendered<'a> {
    /// The pieces of an `oxrdf` quad; RDF-star quoted triples are refused.
    fn new(quad: &'a Quad) -> Result<Self, CanonError> {
        let subject = match &quad.subject {
            NamedOrBlankNode::BlankNode(b) => Part::Blank(b.as_str()),
            NamedOrBlankNode::NamedNode(n) => Part::Iri(n.as_str()),
        };
        #[allow(unreachable_patterns)]
        let object = match &quad.object {
            Term::BlankNode(b) => Part::Blank(b.as_str()),
            Term::NamedNode(n) => Part::Iri(n.as_str()),
            Term::Literal(l) => Part::from_literal(l),
            _ => return Err(CanonError::QuotedTriple),
        };
        let graph = match &quad.graph_name {
            GraphName::NamedNode(n) => Some(Part::Iri(n.as_str())),
            GraphName::BlankNode(b) => Some(Part::Blank(b.as_str())),
            GraphName::DefaultGraph => None,
        };
        Ok(Rendered { subject, predicate: quad.predicate.as_str(), object, graph })
    }

    /// Blank node labels in subject, object and graph position.
    fn blank_nodes(&self) -> [Option<&'a str>; 3] {
        [self.subject.blank_label(), self.object.blank_label(), self.graph.as_ref().and_then(Part::blank_label)]
    }

    /// Appends the N-Quads line (with `\n`), blank node labels mapped through `label`.
    fn write_line<'b>(&'b self, out: &mut String, label: impl Fn(&'a str) -> &'b str + Copy) {
        self.subject.push_to(out, label);
        out.push_str(" <");
        out.push_str(self.predicate);
        out.push_str("> ");
        self.object.push_to(out, label);
        if let Some(g) = &self.graph {
            out.push(' ');
            g.push_to(out, label);
        }
        out.push_str(" .\n");
    }
}

/// True if a lexical form needs N-Quads escaping (then `oxrdf` renders it).
fn needs_escape(value: &str) -> bool {
    value.bytes().any(|b| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\') || value.contains(['\u{FFFE}', '\u{FFFF}'])
}

/// One canonical N-Quads line (with `\n`), blank node labels mapped through `label`.
fn nquad_line(quad: &Quad, label: &dyn Fn(&str) -> String) -> String {
    let mut line = String::with_capacity(128);
    match &quad.subject {
        NamedOrBlankNode::NamedNode(n) => {
            let _ = write!(line, "{n}");
        }
        NamedOrBlankNode::BlankNode(b) => {
            let _ = write!(line, "_:{}", label(b.as_str()));
        }
    }
    let _ = write!(line, " {} ", quad.predicate);
    #[allow(unreachable_patterns)]
    match &quad.object {
        Term::BlankNode(b) => {
            let _ = write!(line, "_:{}", label(b.as_str()));
        }
        other => {
            let _ = write!(line, "{other}");
        }
    }
    match &quad.graph_name {
        GraphName::NamedNode(n) => {
            let _ = write!(line, " {n}");
        }
        GraphName::BlankNode(b) => {
            let _ = write!(line, " _:{}", label(b.as_str()));
        }
        GraphName::DefaultGraph => {}
    }
    line.push_str(" .\n");
    line
}

/// Lowercase hexadecimal of `bytes` (what `hex::encode` gives, without a per-char iterator).
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Advances to the next lexicographic permutation; false after the last one.
fn next_permutation(items: &mut [usize]) -> bool {
    if items.len() < 2 {
        return false;
    }
    let mut i = items.len() - 1;
    while i > 0 && items[i - 1] >= items[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = items.len() - 1;
    while items[j] <= items[i - 1] {
        j -= 1;
    }
    items.swap(i - 1, j);
    items[i..].reverse();
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn parse(text: &str) -> Vec<Quad> {
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| Quad::from_str(l).unwrap()).collect()
    }

    #[test]
    fn lower_hex_matches_hex_encode() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&bytes), hex::encode(&bytes));
    }

    #[test]
    fn permutations_are_all_visited() {
        let mut p = vec![0, 1, 2, 3];
        let mut n = 1;
        while next_permutation(&mut p) {
            n += 1;
        }
        assert_eq!(n, 24);
    }

    #[test]
    fn relabels_a_simple_blank_node() {
        let quads = parse("_:x <http://ex/p> \"v\" .\n<http://ex/s> <http://ex/q> _:x .\n");
        let out = canonicalize(&quads).unwrap();
        assert_eq!(out, "<http://ex/s> <http://ex/q> _:c14n0 .\n_:c14n0 <http://ex/p> \"v\" .\n");
    }

    #[test]
    fn a_clique_runs_out_of_budget() {
        let mut text = String::new();
        for i in 0..8 {
            for j in 0..8 {
                if i != j {
                    text.push_str(&format!("_:n{i} <http://ex/p> _:n{j} .\n"));
                }
            }
        }
        let err = canonicalize(&parse(&text)).unwrap_err();
        assert!(matches!(err, CanonError::WorkLimitExceeded { .. }));
    }
}
