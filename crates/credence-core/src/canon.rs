//! RDF Dataset Canonicalization (RDFC-1.0, <https://www.w3.org/TR/rdf-canon/>) with a work bound.
//!
//! `oxrdf`'s own implementation has no call limit, and the W3C "poison graph" tests make any
//! unbounded implementation run for minutes. This module implements the algorithm on quads split
//! into borrowed N-Quads pieces (from `oxrdf` quads, or built directly by the JSON-LD converter)
//! and bounds it three ways, each ending in an error rather than a hang or a crash:
//!
//! - work: the Hash N-Degree Quads step counts its calls and the permutations it tries; past
//!   [`CanonLimits::max_work`] it stops with [`CanonError::WorkLimitExceeded`] (and it stops at
//!   once when a permutation loop alone would need more than what is left);
//! - time: past [`CanonLimits::max_time`] (or [`CanonLimits::deadline`]) it stops with
//!   [`CanonError::TimeLimitExceeded`], because the cost of one work unit grows with the graph;
//! - depth: Hash N-Degree Quads recurses once per blank node along a path, so a ring or chain of
//!   thousands of look-alike blank nodes would overflow the thread's stack; past
//!   [`MAX_N_DEGREE_DEPTH`] levels it stops with [`CanonError::TooDeep`].
//!
//! The output is canonical N-Quads: one line per distinct quad, each ending in `\n`, sorted in
//! code-point order.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::ops::Range;
use std::time::{Duration, Instant};

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
    #[error(
        "canonicalization work limit of {limit} steps exceeded (blank node structure too symmetric: possible poison graph)"
    )]
    WorkLimitExceeded { limit: u64 },
    /// The dataset has more quads than [`CanonLimits::max_quads`].
    #[error("dataset has {found} quads, more than the limit of {limit}")]
    TooManyQuads { found: usize, limit: usize },
    /// RDF-star quoted triples are not part of RDFC-1.0.
    #[error("quoted triples are not supported by RDFC-1.0")]
    QuotedTriple,
    /// Canonicalization ran past [`CanonLimits::max_time`] or [`CanonLimits::deadline`].
    #[error(
        "canonicalization time limit of {limit_ms} ms exceeded (blank node structure too symmetric: possible poison graph)"
    )]
    TimeLimitExceeded { limit_ms: u64 },
    /// Hash N-Degree Quads had to follow a path of more than [`MAX_N_DEGREE_DEPTH`] blank nodes.
    #[error("canonicalization would follow a path of more than {limit} look-alike blank nodes (possible poison graph)")]
    TooDeep { limit: usize },
}

/// How deep Hash N-Degree Quads may recurse (one level per blank node along a path of blank
/// nodes whose hashes do not tell them apart).
///
/// RDFC-1.0 defines Hash N-Degree Quads recursively, and this module keeps it so (the code stays
/// the specification's steps, which is what keeps the output byte-exact). Each level costs stack
/// and holds a copy of the path's identifier issuer, so the depth is bounded either way, with an
/// explicit stack or without; a bound with a clear error is the simpler of the two. 128 levels
/// take a few hundred KiB of stack in a debug build, well inside a 2 MiB thread. The W3C tests
/// and credentials need far less (the deepest W3C test recurses 7 levels; a credential's blank
/// nodes are told apart by their first-degree hashes and do not recurse at all).
pub const MAX_N_DEGREE_DEPTH: usize = 128;

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
    /// Wall-clock time one canonicalization may take (`None`: no time limit). Checked as the work
    /// is spent and in the loops over quads and blank nodes, so it ends within about a millisecond
    /// of the limit.
    pub max_time: Option<Duration>,
    /// An instant by which canonicalization must end, whatever `max_time` says, so that several
    /// canonicalizations (a document's proofs, its endorsements) share one time budget; see
    /// [`CanonLimits::with_deadline_from_now`]. `None` by default.
    pub deadline: Option<Instant>,
}

impl Default for CanonLimits {
    /// Generous for credentials (the W3C "evil" poison tests need 3,348 work units; credentials'
    /// blank nodes are told apart by their first-degree hashes and need almost none), small
    /// enough that the 10-node clique fails at once and that the worst graph a 1 MiB body can hold
    /// ends in well under `max_time`, even when a credential's sixteen endorsements each bring one
    /// (see "Hostile canonicalization: worst case" in docs/BENCHMARKS.md).
    fn default() -> Self {
        CanonLimits {
            max_quads: 100_000,
            max_blank_nodes: 10_000,
            max_work: 10_000,
            hash: HashAlgorithm::Sha256,
            max_time: Some(DEFAULT_MAX_TIME),
            deadline: None,
        }
    }
}

/// The default [`CanonLimits::max_time`].
pub const DEFAULT_MAX_TIME: Duration = Duration::from_millis(250);

impl CanonLimits {
    /// These limits with `max_time` counted from now for every canonicalization that uses them
    /// (an earlier `deadline` stays): one time budget for all the proofs of a document.
    pub fn with_deadline_from_now(mut self) -> Self {
        if let Some(max_time) = self.max_time {
            let from_now = Instant::now().checked_add(max_time);
            self.deadline = match (self.deadline, from_now) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        self
    }

    /// [`CanonError::TimeLimitExceeded`] if the deadline has passed (checked before work that
    /// the clock does not interrupt, such as JSON-LD expansion).
    pub(crate) fn check_deadline(&self) -> Result<(), CanonError> {
        self.start_clock().check()
    }

    /// The clock of one canonicalization starting now.
    fn start_clock(&self) -> Clock {
        let now = Instant::now();
        let own = self.max_time.and_then(|t| now.checked_add(t));
        let deadline = match (own, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // The limit named in the error: `max_time` when set, else what the deadline left.
        let limit = self.max_time.or_else(|| deadline.map(|d| d.saturating_duration_since(now)));
        let limit_ms = limit.map_or(0, |l| u64::try_from(l.as_millis()).unwrap_or(u64::MAX));
        Clock { deadline, limit_ms }
    }
}

/// When a canonicalization must stop.
#[derive(Debug, Clone, Copy)]
struct Clock {
    deadline: Option<Instant>,
    limit_ms: u64,
}

impl Clock {
    fn check(&self) -> Result<(), CanonError> {
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => {
                Err(CanonError::TimeLimitExceeded { limit_ms: self.limit_ms })
            }
            _ => Ok(()),
        }
    }
}

/// How many iterations of a loop over quads or blank nodes run between two clock checks.
const CLOCK_EVERY: usize = 256;

/// Result of canonicalization: the canonical N-Quads and the issued identifiers map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonicalized {
    /// Canonical N-Quads document (sorted lines, each ending in `\n`).
    pub nquads: String,
    /// Input blank node label → canonical label (`c14n0`, ...).
    pub issued: HashMap<String, String>,
    /// Work units spent in Hash N-Degree Quads.
    pub work: u64,
    /// Deepest nesting of Hash N-Degree Quads calls (at most [`MAX_N_DEGREE_DEPTH`]).
    pub depth: usize,
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
pub(crate) fn canonicalize_rendered(
    quads: Vec<Rendered<'_>>,
    limits: &CanonLimits,
) -> Result<Canonicalized, CanonError> {
    if quads.len() > limits.max_quads {
        return Err(CanonError::TooManyQuads { found: quads.len(), limit: limits.max_quads });
    }
    let clock = limits.start_clock();
    clock.check()?;
    let mut state = State::new(distinct(quads), limits, clock)?;
    state.issue_unique_first_degree();
    state.issue_by_n_degree()?;
    let labels = state.canonical_labels();
    let nquads = state.serialize(&labels);
    Ok(Canonicalized { nquads, issued: state.issued_map(&labels), work: state.work, depth: state.deepest })
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
///
/// Blank nodes are their indexes into `State::bnodes` and an identifier is its number (written
/// with the prefix when it is hashed or output), so that copying an issuer, which Hash N-Degree
/// Quads does for every permutation it tries, copies integers and allocates no strings.
#[derive(Debug, Clone)]
struct IdentifierIssuer {
    prefix: &'static str,
    /// Blank node → the number of its identifier.
    issued: FastMap<usize, usize>,
    /// Blank nodes in the order their identifiers were issued.
    order: Vec<usize>,
}

impl IdentifierIssuer {
    fn new(prefix: &'static str) -> Self {
        IdentifierIssuer { prefix, issued: FastMap::default(), order: Vec::new() }
    }

    fn get(&self, node: usize) -> Option<usize> {
        self.issued.get(&node).copied()
    }

    fn issue(&mut self, node: usize) -> usize {
        let next = self.order.len();
        *self.issued.entry(node).or_insert_with(|| {
            self.order.push(node);
            next
        })
    }

    /// Appends `_:` and the identifier numbered `number`.
    fn write_id(&self, out: &mut String, number: usize) {
        let _ = write!(out, "_:{}{number}", self.prefix);
    }
}

/// `n!`, or `u64::MAX` when it does not fit.
fn factorial(n: usize) -> u64 {
    (2..=n as u64).try_fold(1u64, |acc, k| acc.checked_mul(k)).unwrap_or(u64::MAX)
}

struct State<'a> {
    /// Each distinct quad as N-Quads pieces, blank nodes left as holes.
    rendered: Vec<Rendered<'a>>,
    /// The blank nodes of each quad in subject, object and graph position.
    quad_nodes: Vec<[Option<usize>; 3]>,
    /// Blank node labels in first-seen order: blank node `n` is `bnodes[n]`.
    bnodes: Vec<&'a str>,
    /// Blank node label → its index in `bnodes`.
    index: FastMap<&'a str, usize>,
    /// Per blank node: indexes into `rendered` of the quads mentioning it.
    node_quads: Vec<Vec<usize>>,
    /// Per blank node: its first-degree hash (4.6), computed once.
    first_degree: Vec<String>,
    canonical: IdentifierIssuer,
    /// First-degree hash → blank nodes still waiting for a canonical identifier.
    hash_to_bnodes: BTreeMap<String, Vec<usize>>,
    hash: HashAlgorithm,
    work: u64,
    max_work: u64,
    clock: Clock,
    /// Current nesting of Hash N-Degree Quads calls.
    depth: usize,
    /// Deepest nesting so far.
    deepest: usize,
}

impl<'a> State<'a> {
    fn new(rendered: Vec<Rendered<'a>>, limits: &CanonLimits, clock: Clock) -> Result<Self, CanonError> {
        let mut state = State {
            rendered,
            quad_nodes: Vec::new(),
            bnodes: Vec::new(),
            index: FastMap::default(),
            node_quads: Vec::new(),
            first_degree: Vec::new(),
            canonical: IdentifierIssuer::new("c14n"),
            hash_to_bnodes: BTreeMap::new(),
            hash: limits.hash,
            work: 0,
            max_work: limits.max_work,
            clock,
            depth: 0,
            deepest: 0,
        };
        state.index_blank_nodes();
        if state.bnodes.len() > limits.max_blank_nodes {
            return Err(CanonError::TooManyBlankNodes { found: state.bnodes.len(), limit: limits.max_blank_nodes });
        }
        state.first_degree.reserve(state.bnodes.len());
        for node in 0..state.bnodes.len() {
            if node % CLOCK_EVERY == CLOCK_EVERY - 1 {
                state.clock.check()?;
            }
            let hash = state.hash_first_degree(node);
            state.first_degree.push(hash.clone());
            state.hash_to_bnodes.entry(hash).or_default().push(node);
        }
        Ok(state)
    }

    fn index_blank_nodes(&mut self) {
        self.quad_nodes.reserve(self.rendered.len());
        for (index, quad) in self.rendered.iter().enumerate() {
            let mut nodes = [None; 3];
            for (slot, label) in nodes.iter_mut().zip(quad.blank_nodes()) {
                let Some(label) = label else {
                    continue;
                };
                let node = *self.index.entry(label).or_insert_with(|| {
                    self.bnodes.push(label);
                    self.node_quads.push(Vec::new());
                    self.bnodes.len() - 1
                });
                let list = &mut self.node_quads[node];
                if list.last() != Some(&index) {
                    list.push(index);
                }
                *slot = Some(node);
            }
            self.quad_nodes.push(nodes);
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
    fn hash_first_degree(&self, node: usize) -> String {
        let reference = self.bnodes[node];
        let quads = self.node_quads[node].iter().map(|&i| &self.rendered[i]);
        let lines = Lines::render(quads, |b| if b == reference { "a" } else { "z" });
        self.digest_parts(lines.sorted())
    }

    /// Step 4: blank nodes with a unique first-degree hash get canonical ids in hash order.
    fn issue_unique_first_degree(&mut self) {
        let unique: Vec<String> =
            self.hash_to_bnodes.iter().filter(|(_, list)| list.len() == 1).map(|(hash, _)| hash.clone()).collect();
        for hash in unique {
            if let Some(list) = self.hash_to_bnodes.remove(&hash) {
                self.canonical.issue(list[0]);
            }
        }
    }

    /// Step 5: the remaining blank nodes, by Hash N-Degree Quads.
    fn issue_by_n_degree(&mut self) -> Result<(), CanonError> {
        let groups: Vec<Vec<usize>> = std::mem::take(&mut self.hash_to_bnodes).into_values().collect();
        for group in groups {
            let mut results: Vec<(String, IdentifierIssuer)> = Vec::new();
            for node in group {
                if self.canonical.get(node).is_some() {
                    continue;
                }
                let mut temporary = IdentifierIssuer::new("b");
                temporary.issue(node);
                results.push(self.hash_n_degree(node, temporary)?);
            }
            results.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, issuer) in results {
                for &existing in &issuer.order {
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
        self.clock.check()
    }

    /// 4.7 Hash Related Blank Node.
    fn hash_related(&self, related: usize, quad: &Rendered<'_>, issuer: &IdentifierIssuer, position: char) -> String {
        let mut input = String::with_capacity(quad.predicate.len() + 80);
        input.push(position);
        if position != 'g' {
            input.push('<');
            input.push_str(quad.predicate);
            input.push('>');
        }
        if let Some(number) = self.canonical.get(related) {
            self.canonical.write_id(&mut input, number);
        } else if let Some(number) = issuer.get(related) {
            issuer.write_id(&mut input, number);
        } else {
            input.push_str(&self.first_degree[related]);
        }
        self.digest(&input)
    }

    /// 4.8 Hash N-Degree Quads, counting work and bounded to [`MAX_N_DEGREE_DEPTH`] levels.
    fn hash_n_degree(
        &mut self,
        node: usize,
        issuer: IdentifierIssuer,
    ) -> Result<(String, IdentifierIssuer), CanonError> {
        self.spend()?;
        if self.depth >= MAX_N_DEGREE_DEPTH {
            return Err(CanonError::TooDeep { limit: MAX_N_DEGREE_DEPTH });
        }
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        let result = self.hash_n_degree_steps(node, issuer);
        self.depth -= 1;
        result
    }

    /// Steps 4.8.3.1–4.8.3.5 of Hash N-Degree Quads.
    fn hash_n_degree_steps(
        &mut self,
        node: usize,
        mut issuer: IdentifierIssuer,
    ) -> Result<(String, IdentifierIssuer), CanonError> {
        let related_by_hash = self.related_hashes(node, &issuer)?;
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
        node: usize,
        issuer: &IdentifierIssuer,
    ) -> Result<BTreeMap<String, Vec<usize>>, CanonError> {
        let mut map: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (count, &index) in self.node_quads[node].iter().enumerate() {
            if count % CLOCK_EVERY == CLOCK_EVERY - 1 {
                self.clock.check()?;
            }
            let quad = &self.rendered[index];
            for (component, position) in self.quad_nodes[index].into_iter().zip(['s', 'o', 'g']) {
                if let Some(related) = component.filter(|&b| b != node) {
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
        list: &[usize],
        issuer: &IdentifierIssuer,
    ) -> Result<(String, IdentifierIssuer), CanonError> {
        // Every permutation costs one work unit: when there are more than the budget has left,
        // the loop below would end in this same error, after trying them.
        if self.work.saturating_add(factorial(list.len())) > self.max_work {
            return Err(CanonError::WorkLimitExceeded { limit: self.max_work });
        }
        let mut chosen_path = String::new();
        let mut chosen_issuer: Option<IdentifierIssuer> = None;
        let mut permutation: Vec<usize> = (0..list.len()).collect();
        let mut order: Vec<usize> = Vec::with_capacity(list.len());
        loop {
            self.spend()?;
            order.clear();
            order.extend(permutation.iter().map(|&i| list[i]));
            if let Some((path, issuer_copy)) = self.try_permutation(&order, issuer, &chosen_path)?
                && (chosen_issuer.is_none() || path < chosen_path)
            {
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
        order: &[usize],
        issuer: &IdentifierIssuer,
        chosen_path: &str,
    ) -> Result<Option<(String, IdentifierIssuer)>, CanonError> {
        let worse = |path: &str| !chosen_path.is_empty() && path.len() >= chosen_path.len() && path > chosen_path;
        let mut issuer_copy = issuer.clone();
        let mut path = String::new();
        let mut recursion_list = Vec::new();
        for &related in order {
            if let Some(number) = self.canonical.get(related) {
                self.canonical.write_id(&mut path, number);
            } else {
                if issuer_copy.get(related).is_none() {
                    recursion_list.push(related);
                }
                let number = issuer_copy.issue(related);
                issuer_copy.write_id(&mut path, number);
            }
            if worse(&path) {
                return Ok(None);
            }
        }
        for related in recursion_list {
            let (hash, result_issuer) = self.hash_n_degree(related, issuer_copy.clone())?;
            let number = issuer_copy.issue(related);
            issuer_copy.write_id(&mut path, number);
            path.push('<');
            path.push_str(&hash);
            path.push('>');
            issuer_copy = result_issuer;
            if worse(&path) {
                return Ok(None);
            }
        }
        Ok(Some((path, issuer_copy)))
    }

    /// The canonical label (`c14n0`, ...) of every blank node, by index.
    fn canonical_labels(&self) -> Vec<String> {
        (0..self.bnodes.len())
            .map(|node| match self.canonical.get(node) {
                Some(number) => format!("{}{number}", self.canonical.prefix),
                None => self.bnodes[node].to_owned(),
            })
            .collect()
    }

    fn serialize(&self, labels: &[String]) -> String {
        let label = |b: &'a str| -> &str { self.index.get(b).map_or(b, |&node| labels[node].as_str()) };
        let lines = Lines::render(self.rendered.iter(), label);
        let mut sorted = lines.sorted();
        sorted.dedup();
        sorted.concat()
    }

    /// Input label → canonical label, for every blank node.
    fn issued_map(&self, labels: &[String]) -> HashMap<String, String> {
        self.bnodes.iter().zip(labels).map(|(b, c)| ((*b).to_owned(), c.clone())).collect()
    }
}

/// Distinct quads of `input`, in first-occurrence order (an RDF dataset is a set).
fn distinct(mut input: Vec<Rendered<'_>>) -> Vec<Rendered<'_>> {
    let first_occurrences: Vec<bool> = {
        let mut seen =
            std::collections::HashSet::with_capacity_and_hasher(input.len(), foldhash::fast::RandomState::default());
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
        let mut lines =
            Lines { text: String::with_capacity(quads.len() * 128), ranges: Vec::with_capacity(quads.len()) };
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
        let limits = CanonLimits { max_time: None, ..CanonLimits::default() };
        let err = canonicalize_with(&parse(&text), &limits).unwrap_err();
        assert!(matches!(err, CanonError::WorkLimitExceeded { .. }));
    }

    fn ring(n: usize) -> Vec<Quad> {
        let text: String = (0..n).map(|i| format!("_:r{i} <http://ex/next> _:r{} .\n", (i + 1) % n)).collect();
        parse(&text)
    }

    #[test]
    fn permutations_beyond_the_budget_are_not_tried() {
        // A 10-node clique: each node's nine neighbours look alike, 9! permutations.
        let mut text = String::new();
        for i in 0..10 {
            for j in (0..10).filter(|&j| j != i) {
                text.push_str(&format!("_:n{i} <http://ex/p> _:n{j} .\n"));
            }
        }
        let limits = CanonLimits { max_time: None, ..CanonLimits::default() };
        let started = Instant::now();
        let err = canonicalize_with(&parse(&text), &limits).unwrap_err();
        assert_eq!(err, CanonError::WorkLimitExceeded { limit: limits.max_work });
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
        assert_eq!(factorial(9), 362_880);
        assert_eq!(factorial(100), u64::MAX);
    }

    #[test]
    fn the_time_limit_and_the_deadline_stop_n_degree_hashing() {
        let limits = CanonLimits { max_time: Some(Duration::ZERO), ..CanonLimits::default() };
        assert_eq!(canonicalize_with(&ring(20), &limits).unwrap_err(), CanonError::TimeLimitExceeded { limit_ms: 0 });
        let past = CanonLimits { max_time: None, deadline: Some(Instant::now()), ..CanonLimits::default() };
        assert!(matches!(canonicalize_with(&ring(20), &past), Err(CanonError::TimeLimitExceeded { .. })));
        let generous = CanonLimits { max_time: Some(Duration::from_secs(60)), ..CanonLimits::default() };
        assert!(canonicalize_with(&ring(20), &generous).is_ok());
        let message = CanonError::TimeLimitExceeded { limit_ms: 250 }.to_string();
        assert_eq!(
            message,
            "canonicalization time limit of 250 ms exceeded (blank node structure too symmetric: possible poison graph)"
        );
    }

    #[test]
    fn a_deadline_from_now_keeps_the_earlier_one() {
        let limits = CanonLimits::default().with_deadline_from_now();
        let deadline = limits.deadline.unwrap();
        assert!(deadline <= Instant::now() + DEFAULT_MAX_TIME);
        let again = limits.with_deadline_from_now();
        assert_eq!(again.deadline, Some(deadline));
        let unlimited = CanonLimits { max_time: None, ..CanonLimits::default() }.with_deadline_from_now();
        assert_eq!(unlimited.deadline, None);
    }

    #[test]
    fn a_path_longer_than_the_recursion_bound_is_refused() {
        let limits = CanonLimits { max_time: None, max_work: u64::MAX, ..CanonLimits::default() };
        let ok = canonicalize_with(&ring(MAX_N_DEGREE_DEPTH / 2), &limits).unwrap();
        assert!(ok.depth > 1 && ok.depth <= MAX_N_DEGREE_DEPTH, "{}", ok.depth);
        let err = canonicalize_with(&ring(MAX_N_DEGREE_DEPTH + 2), &limits).unwrap_err();
        assert_eq!(err, CanonError::TooDeep { limit: MAX_N_DEGREE_DEPTH });
    }
}
