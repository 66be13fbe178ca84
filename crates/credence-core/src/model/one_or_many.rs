//! `OneOrMany<T>`: a JSON value that may be a single item or an array of items.

use serde::{Deserialize, Serialize};

/// A property that JSON-LD lets be written as one value or as an array.
///
/// Deserialization accepts both forms and remembers which one it saw, so a parsed
/// document serializes back to the same shape. Newly built values should use
/// [`OneOrMany::Many`] where the Open Badges examples use arrays (e.g. `type`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value written without an array.
    One(T),
    /// An array of values.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// Iterates over the items whatever the form.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        match self {
            OneOrMany::One(item) => std::slice::from_ref(item).iter(),
            OneOrMany::Many(items) => items.iter(),
        }
    }

    /// The first item, if any.
    pub fn first(&self) -> Option<&T> {
        self.iter().next()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.iter().len()
    }

    /// True when this is an empty array.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl OneOrMany<String> {
    /// True when one of the items equals `wanted` (used for `type` checks).
    pub fn contains_str(&self, wanted: &str) -> bool {
        self.iter().any(|item| item == wanted)
    }

    /// `["a", "b"]` from string slices: the array form the specification's examples use.
    pub fn strings(items: &[&str]) -> Self {
        OneOrMany::Many(items.iter().map(|s| (*s).to_owned()).collect())
    }
}

impl<T> From<T> for OneOrMany<T> {
    fn from(item: T) -> Self {
        OneOrMany::One(item)
    }
}

impl<T> From<Vec<T>> for OneOrMany<T> {
    fn from(items: Vec<T>) -> Self {
        OneOrMany::Many(items)
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_form_it_was_given() {
        let one: OneOrMany<String> = serde_json::from_value(json!("Profile")).unwrap();
        assert_eq!(serde_json::to_value(&one).unwrap(), json!("Profile"));
        let many: OneOrMany<String> = serde_json::from_value(json!(["Profile"])).unwrap();
        assert_eq!(serde_json::to_value(&many).unwrap(), json!(["Profile"]));
        assert!(one.contains_str("Profile") && many.contains_str("Profile"));
        assert_eq!(many.len(), 1);
    }
}
