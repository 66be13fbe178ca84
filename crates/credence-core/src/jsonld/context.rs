//! JSON-LD 1.1 Context Processing (<https://www.w3.org/TR/json-ld11-api/#context-processing-algorithms>)
//! with a process-wide memo of processed contexts.
//!
//! Every [`ActiveContext`] has a unique id. Processing local context `C` on top of active context
//! `A` is memoized under `(A.id, C, flags)` when `C` is a bundled URL, a scoped context from a
//! cached term definition, or (up to [`MAX_INLINE_ENTRIES`], each at most [`MAX_INLINE_TEXT`]
//! bytes) an inline context. Results derived from contexts that were not memoized are marked
//! non-cacheable so hostile input cannot fill the memo, which also stops at [`MAX_MEMO_TERMS`]
//! term definitions in all.
//!
//! Applying a context copies the active context's term definitions, so a document that applies
//! thousands of scoped contexts to a context of thousands of terms would cost seconds: each
//! document gets a [`ContextBudget`] of term definitions copied or created, and past it
//! processing stops with [`JsonLdError::ContextTooExpensive`].

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use serde_json::{Map, Value};

use super::loader::load_context_document;
use super::{JsonLdError, has_keyword_form, is_absolute_iri, is_keyword};

/// Maximum nesting of remote and scoped contexts.
const MAX_CONTEXT_RECURSION: usize = 32;
/// Maximum nesting of term definitions that need one another (a term whose IRI uses a prefix
/// defined in the same context, and so on), counted through scoped contexts too. Create Term
/// Definition recurses once per level, so an inline context chaining thousands of terms would
/// otherwise overflow the stack; the bundled contexts need 3.
const MAX_TERM_NESTING: usize = 64;
/// Maximum memo entries in total.
const MAX_ENTRIES: usize = 20_000;
/// Maximum memo entries keyed by inline context text.
const MAX_INLINE_ENTRIES: usize = 256;
/// Longest inline context (serialized) that is memoized.
const MAX_INLINE_TEXT: usize = 16 * 1024;
/// Maximum term definitions held by the memo's entries in all, their `previous` contexts
/// included (the memo's memory).
const MAX_MEMO_TERMS: usize = 1_000_000;
/// Term definitions one document's context processing may copy or create (see [`ContextBudget`]);
/// a verification shares one budget among its proof configurations. The vectors and the rich
/// credential need at most a few thousand from a cold memo.
pub(crate) const MAX_CONTEXT_WORK: u64 = 100_000;

pub(crate) const C_LIST: u8 = 1;
pub(crate) const C_SET: u8 = 2;
pub(crate) const C_INDEX: u8 = 4;
pub(crate) const C_ID: u8 = 8;
pub(crate) const C_TYPE: u8 = 16;
pub(crate) const C_GRAPH: u8 = 32;
pub(crate) const C_LANGUAGE: u8 = 64;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A scoped (`@context` inside a term definition) context, with an identity for the memo.
#[derive(Debug)]
pub(crate) struct ScopedContext {
    pub id: u64,
    pub value: Value,
    pub base_url: Option<String>,
}

/// A term definition (JSON-LD 1.1 API §4.2).
#[derive(Debug, Clone, Default)]
pub(crate) struct TermDefinition {
    /// `None` for a term mapped to null.
    pub iri: Option<String>,
    pub prefix: bool,
    pub protected: bool,
    pub reverse: bool,
    pub context: Option<Arc<ScopedContext>>,
    pub container: u8,
    /// `Some(None)`: explicitly no direction.
    pub direction: Option<Option<String>>,
    pub index: Option<String>,
    /// `Some(None)`: explicitly no language.
    pub language: Option<Option<String>>,
    pub nest: Option<String>,
    pub type_mapping: Option<String>,
}

impl TermDefinition {
    /// Equality ignoring the protected flag (for protected term redefinition checks).
    fn same_as(&self, other: &TermDefinition) -> bool {
        let same_context = match (&self.context, &other.context) {
            (None, None) => true,
            (Some(a), Some(b)) => a.value == b.value,
            _ => false,
        };
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.reverse == other.reverse
            && same_context
            && self.container == other.container
            && self.direction == other.direction
            && self.index == other.index
            && self.language == other.language
            && self.nest == other.nest
            && self.type_mapping == other.type_mapping
    }
}

/// Term definitions by term. Looked up for every key of every node, so it uses foldhash (fast,
/// seeded randomly per process) instead of SipHash.
pub(crate) type TermMap = HashMap<String, Arc<TermDefinition>, foldhash::fast::RandomState>;

/// An active context (JSON-LD 1.1 API §4.1).
#[derive(Debug, Clone)]
pub(crate) struct ActiveContext {
    pub id: u64,
    pub cacheable: bool,
    pub base: Option<String>,
    pub vocab: Option<String>,
    pub language: Option<String>,
    pub direction: Option<String>,
    pub terms: TermMap,
    pub previous: Option<Arc<ActiveContext>>,
}

impl ActiveContext {
    /// The shared empty context (no base IRI).
    pub fn empty() -> Arc<ActiveContext> {
        static EMPTY: OnceLock<Arc<ActiveContext>> = OnceLock::new();
        EMPTY
            .get_or_init(|| {
                Arc::new(ActiveContext {
                    id: 0,
                    cacheable: true,
                    base: None,
                    vocab: None,
                    language: None,
                    direction: None,
                    terms: TermMap::default(),
                    previous: None,
                })
            })
            .clone()
    }

    pub fn term(&self, term: &str) -> Option<&TermDefinition> {
        self.terms.get(term).map(|t| t.as_ref())
    }

    fn has_protected_terms(&self) -> bool {
        self.terms.values().any(|t| t.protected)
    }
}

/// How a local context is identified in the memo.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ContextKey {
    Url(String),
    Scoped(u64),
    Inline(String),
}

type MemoKey = (u64, u8, ContextKey);

fn memo() -> &'static RwLock<HashMap<MemoKey, Arc<ActiveContext>>> {
    static MEMO: OnceLock<RwLock<HashMap<MemoKey, Arc<ActiveContext>>>> = OnceLock::new();
    MEMO.get_or_init(|| RwLock::new(HashMap::new()))
}

static INLINE_ENTRIES: AtomicU64 = AtomicU64::new(0);
static MEMO_TERMS: AtomicU64 = AtomicU64::new(0);

/// Number of processed contexts currently memoized (for tests and diagnostics).
pub fn cached_context_count() -> usize {
    memo().read().map(|m| m.len()).unwrap_or(0)
}

fn memo_get(key: &MemoKey) -> Option<Arc<ActiveContext>> {
    memo().read().ok()?.get(key).cloned()
}

/// Memoizes `value` under `key` unless a bound is reached; true if it is memoized.
fn memo_put(key: MemoKey, value: &Arc<ActiveContext>) -> bool {
    if let ContextKey::Inline(text) = &key.2
        && (text.len() > MAX_INLINE_TEXT || INLINE_ENTRIES.fetch_add(1, Ordering::Relaxed) >= MAX_INLINE_ENTRIES as u64)
    {
        return false;
    }
    let terms = held_terms(value) as u64;
    let Ok(mut map) = memo().write() else {
        return false;
    };
    if map.len() >= MAX_ENTRIES || MEMO_TERMS.load(Ordering::Relaxed) + terms > MAX_MEMO_TERMS as u64 {
        return false;
    }
    if map.insert(key, value.clone()).is_none() {
        MEMO_TERMS.fetch_add(terms, Ordering::Relaxed);
    }
    true
}

/// The term definitions a memo entry keeps alive: its own and its `previous` contexts' (a
/// non-propagated null keeps a context that is in no other entry). Shared ones count again.
fn held_terms(context: &ActiveContext) -> usize {
    std::iter::successors(Some(context), |c| c.previous.as_deref()).map(|c| c.terms.len()).sum()
}

/// The context-processing work one document may do, in term definitions copied or created
/// (applying a context copies the active one; processing a context object creates its terms).
/// Memo hits cost nothing, so honest documents spend little of it.
#[derive(Debug)]
pub(crate) struct ContextBudget {
    left: Cell<u64>,
}

impl ContextBudget {
    pub(crate) fn new() -> Self {
        ContextBudget { left: Cell::new(MAX_CONTEXT_WORK) }
    }

    fn spend(&self, units: usize) -> Result<(), JsonLdError> {
        let units = u64::try_from(units).unwrap_or(u64::MAX);
        let left = self.left.get().checked_sub(units).ok_or(JsonLdError::ContextTooExpensive(MAX_CONTEXT_WORK))?;
        self.left.set(left);
        Ok(())
    }
}

/// What the context being processed is nested in: the remote contexts being loaded (to refuse
/// cycles and overflows) and the term definitions being created (see [`MAX_TERM_NESTING`]); and
/// the document's [`ContextBudget`].
#[derive(Debug, Clone)]
struct Nesting<'b> {
    urls: Vec<String>,
    terms: usize,
    budget: &'b ContextBudget,
}

impl<'b> Nesting<'b> {
    fn new(budget: &'b ContextBudget) -> Self {
        Nesting { urls: Vec::new(), terms: 0, budget }
    }
}

/// Options of one context-processing call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flags {
    pub override_protected: bool,
    pub propagate: bool,
    pub validate_scoped: bool,
}

impl Flags {
    pub const DEFAULT: Flags = Flags { override_protected: false, propagate: true, validate_scoped: true };

    fn bits(self) -> u8 {
        u8::from(self.override_protected) | (u8::from(self.propagate) << 1) | (u8::from(self.validate_scoped) << 2)
    }
}

/// Processes a document's (or element's) `@context` value.
pub(crate) fn process_local(
    active: &Arc<ActiveContext>,
    local: &Value,
    base_url: Option<&str>,
    flags: Flags,
    budget: &ContextBudget,
) -> Result<Arc<ActiveContext>, JsonLdError> {
    let key = match local {
        Value::String(url) => Some(ContextKey::Url(url.clone())),
        Value::Null => None,
        other => serde_json::to_string(other).ok().map(ContextKey::Inline),
    };
    memoized(active, key, flags, |remote| process(active, local, base_url, remote, flags), &mut Nesting::new(budget))
}

/// Processes a scoped context of a term definition.
pub(crate) fn process_scoped(
    active: &Arc<ActiveContext>,
    scoped: &Arc<ScopedContext>,
    flags: Flags,
    budget: &ContextBudget,
) -> Result<Arc<ActiveContext>, JsonLdError> {
    let key = Some(ContextKey::Scoped(scoped.id));
    memoized(
        active,
        key,
        flags,
        |remote| process(active, &scoped.value, scoped.base_url.as_deref(), remote, flags),
        &mut Nesting::new(budget),
    )
}

fn memoized(
    active: &Arc<ActiveContext>,
    key: Option<ContextKey>,
    flags: Flags,
    compute: impl FnOnce(&mut Nesting) -> Result<ActiveContext, JsonLdError>,
    remote: &mut Nesting,
) -> Result<Arc<ActiveContext>, JsonLdError> {
    let memo_key = key.filter(|_| active.cacheable).map(|k| (active.id, flags.bits(), k));
    if let Some(found) = memo_key.as_ref().and_then(memo_get) {
        return Ok(found);
    }
    let mut result = compute(remote)?;
    result.id = next_id();
    // Cacheable (its id a memo key for what is derived from it) only if memoized itself: what
    // derives from a context processed anew each time could never be found again.
    result.cacheable = memo_key.is_some();
    let mut result = Arc::new(result);
    if let Some(k) = memo_key
        && !memo_put(k, &result)
    {
        Arc::make_mut(&mut result).cacheable = false;
    }
    Ok(result)
}

/// Context Processing Algorithm (§4.1.2).
fn process(
    active: &Arc<ActiveContext>,
    local: &Value,
    base_url: Option<&str>,
    remote: &mut Nesting,
    flags: Flags,
) -> Result<ActiveContext, JsonLdError> {
    // The copy of the active context, and each entry (term) of each context object processed.
    let items: &[Value] = match local {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    };
    let entries: usize = items.iter().map(|i| i.as_object().map_or(1, Map::len)).sum();
    remote.budget.spend(active.terms.len() + entries)?;
    let mut result: ActiveContext = (**active).clone();
    let mut propagate = flags.propagate;
    if let Some(p) = local.get("@propagate") {
        propagate = p.as_bool().ok_or_else(|| JsonLdError::invalid("invalid @propagate value", p.to_string()))?;
    }
    if !propagate && result.previous.is_none() {
        result.previous = Some(active.clone());
        mark_changed(&mut result);
    }
    for item in items {
        result = process_item(result, item, base_url, remote, Flags { propagate, ..flags })?;
    }
    Ok(result)
}

fn process_item(
    mut result: ActiveContext,
    item: &Value,
    base_url: Option<&str>,
    remote: &mut Nesting,
    flags: Flags,
) -> Result<ActiveContext, JsonLdError> {
    match item {
        Value::Null => nullify(result, flags, remote.budget).map(|mut r| {
            mark_changed(&mut r);
            r
        }),
        Value::String(url) => process_remote(result, url, remote, flags),
        Value::Object(map) => {
            // A context object wrapped in an `@context` entry is read as the object it
            // wraps, one level only, as jsonld.js (the Digital Bazaar stack) reads it; the
            // W3C Data Integrity suites sign documents written that way.
            let map = match map.get("@context") {
                Some(Value::Object(inner)) => inner,
                Some(other) => return Err(JsonLdError::invalid("invalid local context", other.to_string())),
                None => map,
            };
            process_definitions(&mut result, map, base_url, remote, flags)?;
            mark_changed(&mut result);
            Ok(result)
        }
        other => Err(JsonLdError::invalid("invalid local context", other.to_string())),
    }
}

/// An intermediate context whose content no longer matches its id: give it a fresh identity that
/// is never used as a memo key.
fn mark_changed(context: &mut ActiveContext) {
    context.id = next_id();
    context.cacheable = false;
}

fn nullify(result: ActiveContext, flags: Flags, budget: &ContextBudget) -> Result<ActiveContext, JsonLdError> {
    budget.spend(result.terms.len())?;
    if !flags.override_protected && result.has_protected_terms() {
        return Err(JsonLdError::InvalidContextNullification);
    }
    // A non-propagated null keeps the context it replaces as `previous`, which keeps its own: a
    // node with thousands of types whose scoped contexts are `null` would chain thousands of
    // contexts, and dropping the chain recurses once per link.
    if !flags.propagate
        && std::iter::successors(result.previous.as_deref(), |c| c.previous.as_deref()).count() >= MAX_CONTEXT_RECURSION
    {
        return Err(JsonLdError::ContextOverflow(MAX_CONTEXT_RECURSION));
    }
    let empty = ActiveContext::empty();
    let previous = if flags.propagate { None } else { Some(Arc::new(result)) };
    Ok(ActiveContext { previous, ..(*empty).clone() })
}

fn process_remote(
    result: ActiveContext,
    url: &str,
    remote: &mut Nesting,
    flags: Flags,
) -> Result<ActiveContext, JsonLdError> {
    let url = resolve_context_url(url, result.base.as_deref());
    if !flags.validate_scoped && remote.urls.contains(&url) {
        return Ok(result);
    }
    if remote.urls.len() >= MAX_CONTEXT_RECURSION {
        return Err(JsonLdError::ContextOverflow(MAX_CONTEXT_RECURSION));
    }
    let document = load_context_document(&url)?;
    let context = document
        .get("@context")
        .ok_or_else(|| JsonLdError::invalid("invalid remote context", format!("{url} has no @context")))?;
    remote.urls.push(url.clone());
    let parent = Arc::new(result);
    let key = Some(ContextKey::Url(url.clone()));
    let flags_inner = Flags { override_protected: false, propagate: true, validate_scoped: flags.validate_scoped };
    let processed = memoized(
        &parent,
        key,
        flags_inner,
        |remote| process(&parent, context, Some(&url), remote, flags_inner),
        remote,
    )?;
    remote.urls.pop();
    remote.budget.spend(processed.terms.len())?;
    Ok((*processed).clone())
}

fn resolve_context_url(url: &str, base: Option<&str>) -> String {
    if is_absolute_iri(url) {
        return url.to_owned();
    }
    base.and_then(|b| oxiri::Iri::parse(b.to_owned()).ok())
        .and_then(|b| b.resolve(url).ok())
        .map(|i| i.into_inner())
        .unwrap_or_else(|| url.to_owned())
}

/// Steps 5.5–5.13: the keywords and term definitions of one context object.
fn process_definitions(
    result: &mut ActiveContext,
    map: &Map<String, Value>,
    base_url: Option<&str>,
    remote: &mut Nesting,
    flags: Flags,
) -> Result<(), JsonLdError> {
    if let Some(version) = map.get("@version")
        && version.as_f64() != Some(1.1)
    {
        return Err(JsonLdError::invalid("invalid @version value", version.to_string()));
    }
    let imported;
    let map = match map.get("@import") {
        Some(import) => {
            imported = merge_import(map, import, base_url)?;
            &imported
        }
        None => map,
    };
    if let Some(base) = map.get("@base").filter(|_| remote.urls.is_empty()) {
        result.base = match base {
            Value::Null => None,
            Value::String(b) => Some(resolve_context_url(b, result.base.as_deref())),
            other => return Err(JsonLdError::invalid("invalid base IRI", other.to_string())),
        };
    }
    if let Some(vocab) = map.get("@vocab") {
        result.vocab = match vocab {
            Value::Null => None,
            Value::String(v) => {
                let expanded = expand_iri(result, v, true, true, None)?;
                Some(expanded.ok_or_else(|| JsonLdError::invalid("invalid vocab mapping", v.clone()))?)
            }
            other => return Err(JsonLdError::invalid("invalid vocab mapping", other.to_string())),
        };
    }
    if let Some(language) = map.get("@language") {
        result.language = match language {
            Value::Null => None,
            Value::String(l) => Some(l.to_ascii_lowercase()),
            other => return Err(JsonLdError::invalid("invalid default language", other.to_string())),
        };
    }
    if let Some(direction) = map.get("@direction") {
        result.direction = parse_direction(direction)?;
    }
    if let Some(p) = map.get("@propagate")
        && !p.is_boolean()
    {
        return Err(JsonLdError::invalid("invalid @propagate value", p.to_string()));
    }
    let protected = match map.get("@protected") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(JsonLdError::invalid("invalid @protected value", other.to_string())),
    };
    let mut defining = Definer {
        local: map,
        defined: HashMap::new(),
        base_url,
        protected,
        override_protected: flags.override_protected,
        remote,
    };
    for term in map.keys() {
        if matches!(
            term.as_str(),
            "@base" | "@direction" | "@import" | "@language" | "@propagate" | "@protected" | "@version" | "@vocab"
        ) {
            continue;
        }
        defining.create_term(result, term)?;
    }
    Ok(())
}

fn merge_import(
    map: &Map<String, Value>,
    import: &Value,
    base_url: Option<&str>,
) -> Result<Map<String, Value>, JsonLdError> {
    let Value::String(url) = import else {
        return Err(JsonLdError::invalid("invalid @import value", import.to_string()));
    };
    let url = resolve_context_url(url, base_url);
    let document = load_context_document(&url)?;
    let Some(Value::Object(imported)) = document.get("@context") else {
        return Err(JsonLdError::invalid("invalid remote context", format!("@import {url}")));
    };
    if imported.contains_key("@import") {
        return Err(JsonLdError::invalid("invalid context entry", format!("{url} has @import")));
    }
    let mut merged = imported.clone();
    for (k, v) in map {
        if k != "@import" {
            merged.insert(k.clone(), v.clone());
        }
    }
    Ok(merged)
}

fn parse_direction(value: &Value) -> Result<Option<String>, JsonLdError> {
    match value {
        Value::Null => Ok(None),
        Value::String(d) if d == "ltr" || d == "rtl" => Ok(Some(d.clone())),
        other => Err(JsonLdError::invalid("invalid base direction", other.to_string())),
    }
}

/// State of the Create Term Definition algorithm over one local context.
struct Definer<'a, 'b> {
    local: &'a Map<String, Value>,
    /// `false` while being defined (cycle detection), `true` when done.
    defined: HashMap<String, bool>,
    base_url: Option<&'a str>,
    protected: bool,
    override_protected: bool,
    remote: &'a mut Nesting<'b>,
}

const TERM_KEYS: &[&str] = &[
    "@id",
    "@reverse",
    "@container",
    "@context",
    "@direction",
    "@index",
    "@language",
    "@nest",
    "@prefix",
    "@protected",
    "@type",
];

impl Definer<'_, '_> {
    /// Create Term Definition (§4.2.2), at most [`MAX_TERM_NESTING`] definitions deep.
    fn create_term(&mut self, active: &mut ActiveContext, term: &str) -> Result<(), JsonLdError> {
        if self.remote.terms >= MAX_TERM_NESTING {
            return Err(JsonLdError::invalid(
                "invalid term definition",
                format!("{term}: term definitions depend on one another more than {MAX_TERM_NESTING} levels deep"),
            ));
        }
        self.remote.terms += 1;
        let result = self.create_term_once(active, term);
        self.remote.terms -= 1;
        result
    }

    fn create_term_once(&mut self, active: &mut ActiveContext, term: &str) -> Result<(), JsonLdError> {
        match self.defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => return Err(JsonLdError::invalid("cyclic IRI mapping", term)),
            None => {}
        }
        if term.is_empty() {
            return Err(JsonLdError::invalid("invalid term definition", "empty term"));
        }
        self.defined.insert(term.to_owned(), false);
        let value = self.local.get(term).cloned().unwrap_or(Value::Null);
        if term == "@type" {
            return self.define_type_keyword(active, &value);
        }
        if is_keyword(term) {
            return Err(JsonLdError::invalid("keyword redefinition", term));
        }
        if has_keyword_form(term) {
            self.defined.insert(term.to_owned(), true);
            return Ok(());
        }
        let previous = active.terms.remove(term);
        let (map, simple_term) = match value {
            Value::Null => (Map::from_iter([("@id".to_owned(), Value::Null)]), false),
            Value::String(s) => (Map::from_iter([("@id".to_owned(), Value::String(s))]), true),
            Value::Object(m) => (m, false),
            other => return Err(JsonLdError::invalid("invalid term definition", format!("{term}: {other}"))),
        };
        let Some(definition) = self.build_definition(active, term, &map, simple_term)? else {
            self.defined.insert(term.to_owned(), true);
            return Ok(());
        };
        let definition = match previous {
            Some(prev) if prev.protected && !self.override_protected => {
                if !definition.same_as(&prev) {
                    active.terms.insert(term.to_owned(), prev);
                    return Err(JsonLdError::ProtectedTermRedefinition(term.to_owned()));
                }
                prev
            }
            _ => Arc::new(definition),
        };
        active.terms.insert(term.to_owned(), definition);
        self.defined.insert(term.to_owned(), true);
        Ok(())
    }

    /// `@type` may only be given `@container: @set` and `@protected`.
    fn define_type_keyword(&mut self, active: &mut ActiveContext, value: &Value) -> Result<(), JsonLdError> {
        let Value::Object(map) = value else {
            return Err(JsonLdError::invalid("keyword redefinition", "@type"));
        };
        let allowed = map.iter().all(|(k, v)| match k.as_str() {
            "@container" => v == "@set",
            "@protected" => v.is_boolean(),
            _ => false,
        });
        if !allowed || map.is_empty() {
            return Err(JsonLdError::invalid("keyword redefinition", "@type"));
        }
        let protected = map.get("@protected").and_then(Value::as_bool).unwrap_or(self.protected);
        let definition = TermDefinition {
            iri: Some("@type".into()),
            protected,
            container: if map.contains_key("@container") { C_SET } else { 0 },
            ..TermDefinition::default()
        };
        if let Some(prev) = active.terms.get("@type")
            && prev.protected
            && !self.override_protected
            && !definition.same_as(prev)
        {
            return Err(JsonLdError::ProtectedTermRedefinition("@type".into()));
        }
        active.terms.insert("@type".into(), Arc::new(definition));
        self.defined.insert("@type".into(), true);
        Ok(())
    }

    /// Steps 10–26. `Ok(None)` means the definition is ignored (keyword-like IRI).
    fn build_definition(
        &mut self,
        active: &mut ActiveContext,
        term: &str,
        map: &Map<String, Value>,
        simple_term: bool,
    ) -> Result<Option<TermDefinition>, JsonLdError> {
        if let Some(key) = map.keys().find(|k| !TERM_KEYS.contains(&k.as_str())) {
            return Err(JsonLdError::invalid("invalid term definition", format!("{term}: unexpected {key}")));
        }
        let mut def = TermDefinition { protected: self.protected, ..TermDefinition::default() };
        if let Some(p) = map.get("@protected") {
            def.protected = p.as_bool().ok_or_else(|| JsonLdError::invalid("invalid @protected value", term))?;
        }
        if let Some(t) = map.get("@type") {
            def.type_mapping = Some(self.type_mapping(active, term, t)?);
        }
        if let Some(reverse) = map.get("@reverse") {
            return self.reverse_definition(active, term, map, reverse, def);
        }
        match map.get("@id") {
            Some(id) if id.as_str() != Some(term) => {
                if !self.explicit_iri(active, term, id, simple_term, &mut def)? {
                    return Ok(None);
                }
            }
            _ => self.implicit_iri(active, term, &mut def)?,
        }
        if let Some(c) = map.get("@container") {
            def.container = parse_container(term, c)?;
            if def.container & C_TYPE != 0 {
                match def.type_mapping.as_deref() {
                    None => def.type_mapping = Some("@id".into()),
                    Some("@id") | Some("@vocab") => {}
                    Some(other) => return Err(JsonLdError::invalid("invalid type mapping", other)),
                }
            }
        }
        self.index_mapping(active, term, map, &mut def)?;
        if let Some(ctx) = map.get("@context") {
            def.context = Some(self.scoped_context(active, term, ctx)?);
        }
        if let Some(l) = map.get("@language").filter(|_| !map.contains_key("@type")) {
            def.language = Some(match l {
                Value::Null => None,
                Value::String(s) => Some(s.to_ascii_lowercase()),
                other => return Err(JsonLdError::invalid("invalid language mapping", other.to_string())),
            });
        }
        if let Some(d) = map.get("@direction").filter(|_| !map.contains_key("@type")) {
            def.direction = Some(parse_direction(d)?);
        }
        if let Some(n) = map.get("@nest") {
            match n {
                Value::String(s) if !is_keyword(s) || s == "@nest" => def.nest = Some(s.clone()),
                other => return Err(JsonLdError::invalid("invalid @nest value", other.to_string())),
            }
        }
        if let Some(p) = map.get("@prefix") {
            if term.contains(':') || term.contains('/') {
                return Err(JsonLdError::invalid("invalid term definition", format!("{term}: @prefix")));
            }
            def.prefix = p.as_bool().ok_or_else(|| JsonLdError::invalid("invalid @prefix value", term))?;
            if def.prefix && def.iri.as_deref().is_some_and(is_keyword) {
                return Err(JsonLdError::invalid("invalid term definition", term));
            }
        }
        Ok(Some(def))
    }

    fn type_mapping(&mut self, active: &mut ActiveContext, term: &str, t: &Value) -> Result<String, JsonLdError> {
        let Value::String(t) = t else {
            return Err(JsonLdError::invalid("invalid type mapping", format!("{term}: {t}")));
        };
        let expanded = self.expand(active, t, false, true)?;
        match expanded {
            Some(e) if matches!(e.as_str(), "@id" | "@json" | "@none" | "@vocab") || is_absolute_iri(&e) => Ok(e),
            _ => Err(JsonLdError::invalid("invalid type mapping", format!("{term}: {t}"))),
        }
    }

    fn reverse_definition(
        &mut self,
        active: &mut ActiveContext,
        term: &str,
        map: &Map<String, Value>,
        reverse: &Value,
        mut def: TermDefinition,
    ) -> Result<Option<TermDefinition>, JsonLdError> {
        if map.contains_key("@id") || map.contains_key("@nest") {
            return Err(JsonLdError::invalid("invalid reverse property", term));
        }
        let Value::String(r) = reverse else {
            return Err(JsonLdError::invalid("invalid IRI mapping", format!("{term}: @reverse")));
        };
        if has_keyword_form(r) {
            return Ok(None);
        }
        match self.expand(active, r, false, true)? {
            Some(iri) if iri.contains(':') => def.iri = Some(iri),
            _ => return Err(JsonLdError::invalid("invalid IRI mapping", format!("{term}: {r}"))),
        }
        if let Some(c) = map.get("@container") {
            def.container = match c {
                Value::Null => 0,
                Value::String(s) if s == "@set" => C_SET,
                Value::String(s) if s == "@index" => C_INDEX,
                other => return Err(JsonLdError::invalid("invalid reverse property", other.to_string())),
            };
        }
        def.reverse = true;
        Ok(Some(def))
    }

    /// Step 14. Returns false if the definition must be ignored.
    fn explicit_iri(
        &mut self,
        active: &mut ActiveContext,
        term: &str,
        id: &Value,
        simple_term: bool,
        def: &mut TermDefinition,
    ) -> Result<bool, JsonLdError> {
        let id = match id {
            Value::Null => {
                def.iri = None;
                return Ok(true);
            }
            Value::String(s) => s,
            other => return Err(JsonLdError::invalid("invalid IRI mapping", format!("{term}: {other}"))),
        };
        if !is_keyword(id) && has_keyword_form(id) {
            return Ok(false);
        }
        let iri = self
            .expand(active, id, false, true)?
            .filter(|i| is_keyword(i) || i.contains(':'))
            .ok_or_else(|| JsonLdError::invalid("invalid IRI mapping", format!("{term}: {id}")))?;
        if iri == "@context" {
            return Err(JsonLdError::invalid("invalid keyword alias", term));
        }
        let inner_colon = term.get(1..term.len().saturating_sub(1)).is_some_and(|m| m.contains(':'));
        if inner_colon || term.contains('/') {
            self.defined.insert(term.to_owned(), true);
            let as_iri = self.expand(active, term, false, true)?;
            if as_iri.as_deref() != Some(iri.as_str()) {
                return Err(JsonLdError::invalid("invalid IRI mapping", format!("{term} expands differently")));
            }
        }
        if !term.contains(':') && !term.contains('/') && simple_term {
            def.prefix = iri.starts_with("_:") || iri.ends_with([':', '/', '?', '#', '[', ']', '@']);
        }
        def.iri = Some(iri);
        Ok(true)
    }

    /// Steps 15–18: the IRI of a term without an explicit `@id`.
    fn implicit_iri(
        &mut self,
        active: &mut ActiveContext,
        term: &str,
        def: &mut TermDefinition,
    ) -> Result<(), JsonLdError> {
        if let Some((prefix, suffix)) = term.get(1..).and_then(|rest| rest.find(':')).map(|i| term.split_at(i + 1)) {
            let suffix = &suffix[1..];
            if self.local.contains_key(prefix) {
                self.create_term(active, prefix)?;
            }
            def.iri = Some(match active.term(prefix).and_then(|p| p.iri.clone()) {
                Some(p) => format!("{p}{suffix}"),
                None => term.to_owned(),
            });
        } else if term.contains('/') {
            let iri = self.expand(active, term, false, true)?;
            def.iri = Some(
                iri.filter(|i| is_absolute_iri(i)).ok_or_else(|| JsonLdError::invalid("invalid IRI mapping", term))?,
            );
        } else if term == "@type" {
            def.iri = Some("@type".into());
        } else {
            let vocab = active
                .vocab
                .as_ref()
                .ok_or_else(|| JsonLdError::invalid("invalid IRI mapping", format!("{term}: no @vocab")))?;
            def.iri = Some(format!("{vocab}{term}"));
        }
        Ok(())
    }

    fn index_mapping(
        &mut self,
        active: &mut ActiveContext,
        term: &str,
        map: &Map<String, Value>,
        def: &mut TermDefinition,
    ) -> Result<(), JsonLdError> {
        let Some(index) = map.get("@index") else {
            return Ok(());
        };
        let Value::String(index) = index else {
            return Err(JsonLdError::invalid("invalid term definition", format!("{term}: @index")));
        };
        if def.container & C_INDEX == 0 {
            return Err(JsonLdError::invalid("invalid term definition", format!("{term}: @index without container")));
        }
        match self.expand(active, index, false, true)? {
            Some(i) if is_absolute_iri(&i) => def.index = Some(index.clone()),
            _ => return Err(JsonLdError::invalid("invalid term definition", format!("{term}: @index {index}"))),
        }
        Ok(())
    }

    /// Step 21: keeps the scoped context after checking that it processes.
    fn scoped_context(
        &mut self,
        active: &ActiveContext,
        term: &str,
        ctx: &Value,
    ) -> Result<Arc<ScopedContext>, JsonLdError> {
        let scoped =
            Arc::new(ScopedContext { id: next_id(), value: ctx.clone(), base_url: self.base_url.map(str::to_owned) });
        let flags = Flags { override_protected: true, propagate: true, validate_scoped: false };
        self.remote.budget.spend(active.terms.len())?;
        let mut check_against = active.clone();
        check_against.id = next_id();
        check_against.cacheable = false;
        let check_against = Arc::new(check_against);
        let mut remote = self.remote.clone();
        process(&check_against, &scoped.value, scoped.base_url.as_deref(), &mut remote, flags).map_err(
            |e| match e {
                JsonLdError::ContextNotAllowed(_) | JsonLdError::ContextTooExpensive(_) => e,
                other => JsonLdError::invalid("invalid scoped context", format!("{term}: {other}")),
            },
        )?;
        Ok(scoped)
    }

    fn expand(
        &mut self,
        active: &mut ActiveContext,
        value: &str,
        document_relative: bool,
        vocab: bool,
    ) -> Result<Option<String>, JsonLdError> {
        expand_iri(active, value, document_relative, vocab, Some(self))
    }
}

fn parse_container(term: &str, value: &Value) -> Result<u8, JsonLdError> {
    let items: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        single => vec![single],
    };
    let mut bits = 0u8;
    for item in items {
        bits |= match item.as_str() {
            Some("@list") => C_LIST,
            Some("@set") => C_SET,
            Some("@index") => C_INDEX,
            Some("@id") => C_ID,
            Some("@type") => C_TYPE,
            Some("@graph") => C_GRAPH,
            Some("@language") => C_LANGUAGE,
            _ => return Err(JsonLdError::invalid("invalid container mapping", format!("{term}: {value}"))),
        };
    }
    let valid = match bits {
        C_LIST | C_SET | C_INDEX | C_ID | C_TYPE | C_GRAPH | C_LANGUAGE => true,
        b if b & C_LIST != 0 => false,
        b if b & C_GRAPH != 0 => b & !(C_GRAPH | C_ID | C_INDEX | C_SET) == 0,
        b => b & C_SET != 0 && (b & !C_SET).count_ones() == 1,
    };
    if !valid {
        return Err(JsonLdError::invalid("invalid container mapping", format!("{term}: {value}")));
    }
    Ok(bits)
}

/// IRI Expansion (§5.2.2). `definer` is the local context being processed, if any.
fn expand_iri(
    active: &mut ActiveContext,
    value: &str,
    document_relative: bool,
    vocab: bool,
    mut definer: Option<&mut Definer<'_, '_>>,
) -> Result<Option<String>, JsonLdError> {
    if is_keyword(value) {
        return Ok(Some(value.to_owned()));
    }
    if has_keyword_form(value) {
        return Ok(None);
    }
    if let Some(d) = definer.as_deref_mut()
        && d.local.contains_key(value)
        && d.defined.get(value) != Some(&true)
    {
        d.create_term(active, value)?;
    }
    if let Some(term) = active.term(value)
        && (term.iri.as_deref().is_some_and(is_keyword) || vocab)
    {
        return Ok(term.iri.clone());
    }
    if let Some(colon) = value.get(1..).and_then(|rest| rest.find(':')).map(|i| i + 1) {
        let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
        if prefix == "_" || suffix.starts_with("//") {
            return Ok(Some(value.to_owned()));
        }
        if let Some(d) = definer
            && d.local.contains_key(prefix)
            && d.defined.get(prefix) != Some(&true)
        {
            d.create_term(active, prefix)?;
        }
        if let Some(p) = active.term(prefix)
            && let (Some(iri), true) = (&p.iri, p.prefix)
        {
            return Ok(Some(format!("{iri}{suffix}")));
        }
        if is_absolute_iri(value) {
            return Ok(Some(value.to_owned()));
        }
    }
    Ok(Some(finish_relative(active, value, document_relative, vocab)))
}

fn finish_relative(active: &ActiveContext, value: &str, document_relative: bool, vocab: bool) -> String {
    if vocab && let Some(v) = &active.vocab {
        return format!("{v}{value}");
    }
    if document_relative && let Some(base) = active.base.as_deref() {
        return resolve_context_url(value, Some(base));
    }
    value.to_owned()
}

/// IRI expansion against a finished active context (no local context being defined).
/// Borrows from the context or the value when no new string is needed.
pub(crate) fn expand_iri_ro<'a>(
    active: &'a ActiveContext,
    value: &'a str,
    document_relative: bool,
    vocab: bool,
) -> Option<Cow<'a, str>> {
    if is_keyword(value) {
        return Some(Cow::Borrowed(value));
    }
    if has_keyword_form(value) {
        return None;
    }
    if let Some(term) = active.term(value)
        && (term.iri.as_deref().is_some_and(is_keyword) || vocab)
    {
        return term.iri.as_deref().map(Cow::Borrowed);
    }
    if let Some(colon) = value.get(1..).and_then(|rest| rest.find(':')).map(|i| i + 1) {
        let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
        if prefix == "_" || suffix.starts_with("//") {
            return Some(Cow::Borrowed(value));
        }
        if let Some(p) = active.term(prefix)
            && let (Some(iri), true) = (&p.iri, p.prefix)
        {
            return Some(Cow::Owned(format!("{iri}{suffix}")));
        }
        if is_absolute_iri(value) {
            return Some(Cow::Borrowed(value));
        }
    }
    Some(Cow::Owned(finish_relative(active, value, document_relative, vocab)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_inline_contexts_are_not_memoized() {
        let context = Arc::new(ActiveContext { id: next_id(), ..(*ActiveContext::empty()).clone() });
        let big = ContextKey::Inline("x".repeat(MAX_INLINE_TEXT + 1));
        assert!(!memo_put((context.id, 0, big), &context));
        let url = ContextKey::Url(format!("https://ex.test/{}", context.id));
        assert!(memo_put((context.id, 0, url.clone()), &context));
        assert!(memo_get(&(context.id, 0, url)).is_some());
    }

    #[test]
    fn memo_entries_count_the_contexts_they_keep() {
        let mut terms = TermMap::default();
        terms.insert("a".into(), Arc::new(TermDefinition::default()));
        terms.insert("b".into(), Arc::new(TermDefinition::default()));
        let kept = Arc::new(ActiveContext { terms, ..(*ActiveContext::empty()).clone() });
        let mut one = TermMap::default();
        one.insert("c".into(), Arc::new(TermDefinition::default()));
        let entry = ActiveContext { terms: one, previous: Some(kept), ..(*ActiveContext::empty()).clone() };
        assert_eq!(held_terms(&entry), 3);
    }

    #[test]
    fn the_budget_counts_down_to_an_error() {
        let budget = ContextBudget::new();
        assert!(budget.spend(usize::try_from(MAX_CONTEXT_WORK).unwrap()).is_ok());
        assert_eq!(budget.spend(1), Err(JsonLdError::ContextTooExpensive(MAX_CONTEXT_WORK)));
    }
}
