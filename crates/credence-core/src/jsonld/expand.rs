//! JSON-LD 1.1 Expansion Algorithm (<https://www.w3.org/TR/json-ld11-api/#expansion-algorithm>),
//! in safe mode (undefined properties and relative IRIs are errors, not silently dropped).

use std::sync::Arc;

use serde_json::map::Entry;
use serde_json::{Map, Value};

use super::context::{
    ActiveContext, C_GRAPH, C_ID, C_INDEX, C_LANGUAGE, C_LIST, C_TYPE, ContextBudget, Flags, TermDefinition,
    expand_iri_ro, process_local, process_scoped,
};
use super::{JsonLdError, is_absolute_iri, is_keyword};

type Ctx = Arc<ActiveContext>;

/// Expands a whole document; the result is always an array of node objects. Its context
/// processing spends from `budget`.
pub(crate) fn expand_document(doc: &Value, budget: &ContextBudget) -> Result<Vec<Value>, JsonLdError> {
    let expanded = expand_element(&ActiveContext::empty(), None, doc, false, budget)?;
    let expanded = match expanded {
        Value::Object(mut map) if map.len() == 1 && map.contains_key("@graph") => {
            map.remove("@graph").unwrap_or(Value::Null)
        }
        other => other,
    };
    Ok(match expanded {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        single => vec![single],
    })
}

fn term_of<'a>(active: &'a ActiveContext, property: Option<&str>) -> Option<&'a TermDefinition> {
    property.and_then(|p| active.term(p))
}

fn as_array(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        single => vec![single],
    }
}

/// Expansion of one element (§5.1.2).
fn expand_element(
    active: &Ctx,
    property: Option<&str>,
    element: &Value,
    from_map: bool,
    budget: &ContextBudget,
) -> Result<Value, JsonLdError> {
    let scoped = term_of(active, property).and_then(|t| t.context.clone());
    match element {
        Value::Null => Ok(Value::Null),
        Value::Array(items) => expand_array(active, property, items, from_map, budget),
        Value::Object(map) => expand_object(active, property, map, from_map, scoped, budget),
        scalar => {
            if property.is_none() || property == Some("@graph") {
                return Ok(Value::Null);
            }
            let active = match scoped {
                Some(s) => process_scoped(active, &s, Flags::DEFAULT, budget)?,
                None => active.clone(),
            };
            expand_value(&active, property, scalar)
        }
    }
}

fn expand_array(
    active: &Ctx,
    property: Option<&str>,
    items: &[Value],
    from_map: bool,
    budget: &ContextBudget,
) -> Result<Value, JsonLdError> {
    let is_list = term_of(active, property).is_some_and(|t| t.container & C_LIST != 0);
    let mut result = Vec::with_capacity(items.len());
    for item in items {
        let expanded = expand_element(active, property, item, from_map, budget)?;
        match expanded {
            Value::Array(inner) if is_list => result.push(list_object(inner)),
            Value::Array(inner) => result.extend(inner),
            Value::Null => {}
            other => result.push(other),
        }
    }
    Ok(Value::Array(result))
}

fn list_object(items: Vec<Value>) -> Value {
    let mut map = Map::new();
    map.insert("@list".into(), Value::Array(items));
    Value::Object(map)
}

/// Steps 7–12: the contexts that apply to an object, then its entries.
fn expand_object(
    active: &Ctx,
    property: Option<&str>,
    element: &Map<String, Value>,
    from_map: bool,
    property_scoped: Option<Arc<super::context::ScopedContext>>,
    budget: &ContextBudget,
) -> Result<Value, JsonLdError> {
    let mut active = active.clone();
    if let Some(previous) = active.previous.clone()
        && !from_map
        && !keeps_type_scoped_context(&active, element)
    {
        active = previous;
    }
    if let Some(scoped) = property_scoped {
        let flags = Flags { override_protected: true, ..Flags::DEFAULT };
        active = process_scoped(&active, &scoped, flags, budget)?;
    }
    if let Some(local) = element.get("@context") {
        active = process_local(&active, local, active.base.clone().as_deref(), Flags::DEFAULT, budget)?;
    }
    let type_scoped = active.clone();
    let mut input_type = None;
    for (key, value) in element {
        if expand_iri_ro(&active, key, false, true).as_deref() != Some("@type") {
            continue;
        }
        let mut terms: Vec<&str> = match value {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            Value::String(s) => vec![s.as_str()],
            _ => Vec::new(),
        };
        terms.sort_unstable();
        for term in &terms {
            if let Some(ctx) = type_scoped.term(term).and_then(|t| t.context.clone()) {
                let flags = Flags { propagate: false, ..Flags::DEFAULT };
                active = process_scoped(&active, &ctx, flags, budget)?;
            }
        }
        input_type = terms.last().and_then(|t| expand_iri_ro(&type_scoped, t, true, true)).map(|c| c.into_owned());
    }
    let mut expander =
        ObjectExpander { active, type_scoped, property, input_type, result: Map::with_capacity(element.len()), budget };
    expander.expand_entries(element)?;
    expander.finish()
}

/// Step 7: a value object or a lone `@id` reference keeps the type-scoped context.
fn keeps_type_scoped_context(active: &ActiveContext, element: &Map<String, Value>) -> bool {
    let expands_to = |k: &str, kw: &str| expand_iri_ro(active, k, false, true).as_deref() == Some(kw);
    element.keys().any(|k| expands_to(k, "@value"))
        || (element.len() == 1 && element.keys().all(|k| expands_to(k, "@id")))
}

struct ObjectExpander<'p> {
    active: Ctx,
    type_scoped: Ctx,
    property: Option<&'p str>,
    input_type: Option<String>,
    result: Map<String, Value>,
    budget: &'p ContextBudget,
}

impl ObjectExpander<'_> {
    /// Step 13 (and 14 for `@nest`).
    fn expand_entries(&mut self, element: &Map<String, Value>) -> Result<(), JsonLdError> {
        let mut nests: Vec<&str> = Vec::new();
        for (key, value) in element {
            if key == "@context" {
                continue;
            }
            let active = self.active.clone();
            let expanded_property = match expand_iri_ro(&active, key, false, true) {
                Some(p) if is_keyword(&p) || is_absolute_iri(&p) || p.starts_with("_:") => p,
                _ => return Err(JsonLdError::UndefinedTerm(key.clone())),
            };
            if is_keyword(&expanded_property) {
                if expanded_property == "@nest" {
                    nests.push(key);
                    continue;
                }
                self.keyword_entry(&expanded_property, value)?;
            } else {
                self.property_entry(key, &expanded_property, value)?;
            }
        }
        nests.sort_unstable();
        for key in nests {
            for nested in as_array(element.get(key).cloned().unwrap_or(Value::Null)) {
                let Value::Object(nested) = nested else {
                    return Err(JsonLdError::invalid("invalid @nest value", key));
                };
                if nested.keys().any(|k| expand_iri_ro(&self.active, k, false, true).as_deref() == Some("@value")) {
                    return Err(JsonLdError::invalid("invalid @nest value", key));
                }
                self.expand_entries(&nested)?;
            }
        }
        Ok(())
    }

    /// Step 13.4: an entry whose key expands to a keyword.
    fn keyword_entry(&mut self, keyword: &str, value: &Value) -> Result<(), JsonLdError> {
        if self.property == Some("@reverse") {
            return Err(JsonLdError::invalid("invalid reverse property map", keyword));
        }
        if self.result.contains_key(keyword) && !matches!(keyword, "@included" | "@type") {
            return Err(JsonLdError::invalid("colliding keywords", keyword));
        }
        let expanded = match keyword {
            "@id" => self.expand_id(value)?,
            "@type" => self.expand_type(value)?,
            "@graph" => {
                Value::Array(as_array(expand_element(&self.active, Some("@graph"), value, false, self.budget)?))
            }
            "@included" => self.expand_included(value)?,
            "@value" => self.expand_value_keyword(value)?,
            "@language" => match value {
                Value::String(l) => Value::String(l.to_ascii_lowercase()),
                other => return Err(JsonLdError::invalid("invalid language-tagged string", other.to_string())),
            },
            "@direction" => match value.as_str() {
                Some("ltr") | Some("rtl") => value.clone(),
                _ => return Err(JsonLdError::invalid("invalid base direction", value.to_string())),
            },
            "@index" => match value {
                Value::String(_) => value.clone(),
                other => return Err(JsonLdError::invalid("invalid @index value", other.to_string())),
            },
            "@list" => {
                if self.property.is_none() || self.property == Some("@graph") {
                    return Ok(());
                }
                Value::Array(as_array(expand_element(&self.active, self.property, value, false, self.budget)?))
            }
            "@set" => expand_element(&self.active, self.property, value, false, self.budget)?,
            "@reverse" => return self.expand_reverse(value),
            _ => return Ok(()),
        };
        self.result.insert(keyword.to_owned(), expanded);
        Ok(())
    }

    fn expand_id(&self, value: &Value) -> Result<Value, JsonLdError> {
        let Value::String(id) = value else {
            return Err(JsonLdError::invalid("invalid @id value", value.to_string()));
        };
        let iri = expand_iri_ro(&self.active, id, true, false).unwrap_or_default();
        require_absolute(&iri, "@id")?;
        Ok(Value::String(iri.into_owned()))
    }

    fn expand_type(&mut self, value: &Value) -> Result<Value, JsonLdError> {
        let items: Vec<&Value> = match value {
            Value::Array(a) => a.iter().collect(),
            single => vec![single],
        };
        let mut types = Vec::with_capacity(items.len());
        for item in items {
            let Value::String(t) = item else {
                return Err(JsonLdError::invalid("invalid type value", value.to_string()));
            };
            let iri = expand_iri_ro(&self.type_scoped, t, true, true).unwrap_or_default();
            require_absolute(&iri, "@type")?;
            types.push(Value::String(iri.into_owned()));
        }
        if let Some(Value::Array(existing)) = self.result.remove("@type") {
            let mut all = existing;
            all.extend(types);
            types = all;
        }
        Ok(Value::Array(types))
    }

    fn expand_included(&mut self, value: &Value) -> Result<Value, JsonLdError> {
        let items = as_array(expand_element(&self.active, None, value, false, self.budget)?);
        if items.iter().any(|i| !is_node_object(i)) {
            return Err(JsonLdError::invalid("invalid @included value", value.to_string()));
        }
        let mut all = match self.result.remove("@included") {
            Some(Value::Array(existing)) => existing,
            _ => Vec::new(),
        };
        all.extend(items);
        Ok(Value::Array(all))
    }

    fn expand_value_keyword(&self, value: &Value) -> Result<Value, JsonLdError> {
        if self.input_type.as_deref() == Some("@json") {
            return Ok(value.clone());
        }
        match value {
            Value::Array(_) | Value::Object(_) => {
                Err(JsonLdError::invalid("invalid value object value", value.to_string()))
            }
            scalar => Ok(scalar.clone()),
        }
    }

    /// Step 13.4.13.
    fn expand_reverse(&mut self, value: &Value) -> Result<(), JsonLdError> {
        if !value.is_object() {
            return Err(JsonLdError::invalid("invalid @reverse value", value.to_string()));
        }
        let Value::Object(expanded) = expand_element(&self.active, Some("@reverse"), value, false, self.budget)? else {
            return Ok(());
        };
        for (prop, items) in expanded {
            if prop == "@reverse" {
                if let Value::Object(forward) = items {
                    for (p, v) in forward {
                        add_values(&mut self.result, &p, as_array(v));
                    }
                }
                continue;
            }
            let items = as_array(items);
            if items.iter().any(|i| is_value_object(i) || is_list_object(i)) {
                return Err(JsonLdError::invalid("invalid reverse property value", prop));
            }
            add_reverse_values(&mut self.result, &prop, items);
        }
        Ok(())
    }

    /// Steps 13.5–13.14: an entry whose key expands to an IRI.
    fn property_entry(&mut self, key: &str, expanded_property: &str, value: &Value) -> Result<(), JsonLdError> {
        let term = self.active.terms.get(key).cloned();
        let container = term.as_ref().map_or(0, |t| t.container);
        let expanded = if term.as_ref().and_then(|t| t.type_mapping.as_deref()) == Some("@json") {
            let mut v = Map::new();
            v.insert("@value".into(), value.clone());
            v.insert("@type".into(), Value::String("@json".into()));
            Value::Object(v)
        } else if let (true, Value::Object(map)) = (container & C_LANGUAGE != 0, value) {
            self.expand_language_map(term.as_deref(), map)?
        } else if let (true, Value::Object(map)) = (container & (C_INDEX | C_TYPE | C_ID) != 0, value) {
            self.expand_index_map(key, term.as_deref(), container, map)?
        } else {
            expand_element(&self.active, Some(key), value, false, self.budget)?
        };
        if expanded.is_null() {
            return Ok(());
        }
        let mut expanded = expanded;
        if container & C_LIST != 0 && !is_list_object(&expanded) {
            expanded = list_object(as_array(expanded));
        }
        if container & C_GRAPH != 0 && container & (C_ID | C_INDEX) == 0 {
            let wrapped = as_array(expanded).into_iter().map(graph_object).collect();
            expanded = Value::Array(wrapped);
        }
        if term.as_ref().is_some_and(|t| t.reverse) {
            let items = as_array(expanded);
            if items.iter().any(|i| is_value_object(i) || is_list_object(i)) {
                return Err(JsonLdError::invalid("invalid reverse property value", key));
            }
            add_reverse_values(&mut self.result, expanded_property, items);
        } else {
            add_values(&mut self.result, expanded_property, as_array(expanded));
        }
        Ok(())
    }

    /// Step 13.7.
    fn expand_language_map(
        &self,
        term: Option<&TermDefinition>,
        map: &Map<String, Value>,
    ) -> Result<Value, JsonLdError> {
        let direction = match term.and_then(|t| t.direction.clone()) {
            Some(d) => d,
            None => self.active.direction.clone(),
        };
        let mut out = Vec::new();
        for (language, values) in map {
            for item in as_array(values.clone()) {
                let Value::String(text) = item else {
                    return Err(JsonLdError::invalid("invalid language map value", item.to_string()));
                };
                let mut v = Map::new();
                v.insert("@value".into(), Value::String(text));
                if expand_iri_ro(&self.active, language, false, true).as_deref() != Some("@none") {
                    v.insert("@language".into(), Value::String(language.to_ascii_lowercase()));
                }
                if let Some(d) = &direction {
                    v.insert("@direction".into(), Value::String(d.clone()));
                }
                out.push(Value::Object(v));
            }
        }
        Ok(Value::Array(out))
    }

    /// Step 13.8: index, id and type maps.
    fn expand_index_map(
        &self,
        key: &str,
        term: Option<&TermDefinition>,
        container: u8,
        map: &Map<String, Value>,
    ) -> Result<Value, JsonLdError> {
        let index_key = term.and_then(|t| t.index.clone()).unwrap_or_else(|| "@index".into());
        let mut out = Vec::new();
        for (index, index_value) in map {
            let mut map_context = if container & (C_ID | C_TYPE) != 0 {
                self.active.previous.clone().unwrap_or_else(|| self.active.clone())
            } else {
                self.active.clone()
            };
            if container & C_TYPE != 0
                && let Some(ctx) = map_context.term(index).and_then(|t| t.context.clone())
            {
                map_context = process_scoped(&map_context, &ctx, Flags::DEFAULT, self.budget)?;
            }
            let expanded_index = expand_iri_ro(&self.active, index, false, true).unwrap_or_default();
            let items = as_array(expand_element(
                &map_context,
                Some(key),
                &Value::Array(as_array(index_value.clone())),
                true,
                self.budget,
            )?);
            for item in items {
                out.push(self.index_item(item, index, &index_key, &expanded_index, container)?);
            }
        }
        Ok(Value::Array(out))
    }

    fn index_item(
        &self,
        item: Value,
        index: &str,
        index_key: &str,
        expanded_index: &str,
        container: u8,
    ) -> Result<Value, JsonLdError> {
        let mut item = if container & C_GRAPH != 0 && !is_graph_object(&item) { graph_object(item) } else { item };
        let Value::Object(obj) = &mut item else {
            return Ok(item);
        };
        let none = expanded_index == "@none";
        if container & C_INDEX != 0 && index_key != "@index" && !none {
            let re_expanded = expand_value(&self.active, Some(index_key), &Value::String(index.to_owned()))?;
            let prop = expand_iri_ro(&self.active, index_key, false, true).unwrap_or_default().into_owned();
            let mut values = vec![re_expanded];
            values.extend(as_array(obj.remove(&prop).unwrap_or(Value::Null)));
            obj.insert(prop, Value::Array(values));
            if obj.contains_key("@value") && obj.len() > 1 {
                return Err(JsonLdError::invalid("invalid value object", index.to_owned()));
            }
        } else if container & C_INDEX != 0 && !obj.contains_key("@index") && !none {
            obj.insert("@index".into(), Value::String(index.to_owned()));
        } else if container & C_ID != 0 && !obj.contains_key("@id") && !none {
            let id = expand_iri_ro(&self.active, index, true, false).unwrap_or_default();
            require_absolute(&id, "@id")?;
            obj.insert("@id".into(), Value::String(id.into_owned()));
        } else if container & C_TYPE != 0 && !none {
            let mut types = vec![Value::String(expanded_index.to_owned())];
            types.extend(as_array(obj.remove("@type").unwrap_or(Value::Null)));
            obj.insert("@type".into(), Value::Array(types));
        }
        Ok(item)
    }

    /// Steps 15–19: validation and simplification of the result.
    fn finish(self) -> Result<Value, JsonLdError> {
        let mut result = self.result;
        if result.contains_key("@value") {
            // A value object's @type is a single IRI (or @json), not an array.
            if let Some(Value::Array(types)) = result.get_mut("@type")
                && types.len() == 1
            {
                let single = types.remove(0);
                result.insert("@type".into(), single);
            }
            check_value_object(&result)?;
            if result.get("@value").is_some_and(Value::is_null) && result.get("@type") != Some(&json_type()) {
                return Ok(Value::Null);
            }
        } else if let Some(t) = result.get_mut("@type") {
            if !t.is_array() {
                *t = Value::Array(vec![t.take()]);
            }
        } else if result.contains_key("@set") || result.contains_key("@list") {
            let others = result.keys().filter(|k| !matches!(k.as_str(), "@set" | "@list" | "@index")).count();
            if others > 0 || (result.contains_key("@set") && result.contains_key("@list")) {
                return Err(JsonLdError::invalid("invalid set or list object", format!("{result:?}")));
            }
            if let Some(set) = result.remove("@set") {
                return Ok(set);
            }
        }
        if result.len() == 1 && result.contains_key("@language") {
            return Ok(Value::Null);
        }
        if self.property.is_none() || self.property == Some("@graph") {
            let drop = result.is_empty()
                || result.contains_key("@value")
                || result.contains_key("@list")
                || (result.len() == 1 && result.contains_key("@id"));
            if drop {
                return Ok(Value::Null);
            }
        }
        Ok(Value::Object(result))
    }
}

fn json_type() -> Value {
    Value::String("@json".into())
}

/// Step 15 checks of a value object.
fn check_value_object(result: &Map<String, Value>) -> Result<(), JsonLdError> {
    if result.keys().any(|k| !matches!(k.as_str(), "@direction" | "@index" | "@language" | "@type" | "@value")) {
        return Err(JsonLdError::invalid("invalid value object", format!("{result:?}")));
    }
    let typed = result.get("@type");
    if typed.is_some() && (result.contains_key("@language") || result.contains_key("@direction")) {
        return Err(JsonLdError::invalid("invalid value object", "@type with @language or @direction"));
    }
    if typed == Some(&json_type()) {
        return Ok(());
    }
    let value = result.get("@value").unwrap_or(&Value::Null);
    if value.is_null() {
        return Ok(());
    }
    if !value.is_string() && result.contains_key("@language") {
        return Err(JsonLdError::invalid("invalid language-tagged value", value.to_string()));
    }
    if let Some(t) = typed {
        match t.as_str() {
            Some(iri) if is_absolute_iri(iri) => {}
            _ => return Err(JsonLdError::invalid("invalid typed value", t.to_string())),
        }
    }
    Ok(())
}

fn require_absolute(iri: &str, what: &'static str) -> Result<(), JsonLdError> {
    if is_absolute_iri(iri) || iri.starts_with("_:") || (what == "@type" && iri == "@json") {
        Ok(())
    } else {
        Err(JsonLdError::RelativeIri(iri.to_owned(), what))
    }
}

fn add_reverse_values(result: &mut Map<String, Value>, key: &str, values: Vec<Value>) {
    let mut reverse = match result.remove("@reverse") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    add_values(&mut reverse, key, values);
    result.insert("@reverse".into(), Value::Object(reverse));
}

/// Appends `values` to the array at `key`, creating it (without copying `values`) if absent.
fn add_values(map: &mut Map<String, Value>, key: &str, values: Vec<Value>) {
    match map.entry(key) {
        Entry::Vacant(entry) => {
            entry.insert(Value::Array(values));
        }
        Entry::Occupied(mut entry) => match entry.get_mut() {
            Value::Array(existing) => existing.extend(values),
            other => {
                let mut all = vec![other.take()];
                all.extend(values);
                *other = Value::Array(all);
            }
        },
    }
}

fn graph_object(item: Value) -> Value {
    let mut map = Map::new();
    map.insert("@graph".into(), Value::Array(as_array(item)));
    Value::Object(map)
}

pub(crate) fn is_value_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key("@value"))
}

pub(crate) fn is_list_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key("@list"))
}

fn is_graph_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.contains_key("@graph") && m.keys().all(|k| matches!(k.as_str(), "@graph" | "@id" | "@index"))
    })
}

fn is_node_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| !m.contains_key("@value") && !m.contains_key("@list") && !m.contains_key("@set"))
}

/// Value Expansion (§5.3.2).
fn expand_value(active: &ActiveContext, property: Option<&str>, value: &Value) -> Result<Value, JsonLdError> {
    let term = term_of(active, property);
    let type_mapping = term.and_then(|t| t.type_mapping.as_deref());
    if let (Some(kind @ ("@id" | "@vocab")), Value::String(s)) = (type_mapping, value) {
        let iri = expand_iri_ro(active, s, true, kind == "@vocab").unwrap_or_default();
        require_absolute(&iri, "@id")?;
        let mut map = Map::new();
        map.insert("@id".into(), Value::String(iri.into_owned()));
        return Ok(Value::Object(map));
    }
    let mut result = Map::new();
    result.insert("@value".into(), value.clone());
    match type_mapping {
        Some(t) if !matches!(t, "@id" | "@vocab" | "@none") => {
            result.insert("@type".into(), Value::String(t.to_owned()));
        }
        _ if value.is_string() => {
            let language = match term.and_then(|t| t.language.clone()) {
                Some(l) => l,
                None => active.language.clone(),
            };
            let direction = match term.and_then(|t| t.direction.clone()) {
                Some(d) => d,
                None => active.direction.clone(),
            };
            if let Some(l) = language {
                result.insert("@language".into(), Value::String(l));
            }
            if let Some(d) = direction {
                result.insert("@direction".into(), Value::String(d));
            }
        }
        _ => {}
    }
    Ok(Value::Object(result))
}
