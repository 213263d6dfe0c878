//! Reading a JSON object field by field: unknown fields, wrong types and every rule a field breaks
//! are collected, so one answer names every bad field (claims and activities alike).

use super::FieldError;
use std::collections::BTreeMap;

/// An object's values as text, and the problems named while reading them.
type ReadFields = (BTreeMap<String, String>, Vec<FieldError>);

/// How the fields of one kind of JSON object are read.
pub(super) struct JsonFields {
    /// The documented fields, in their order.
    pub(super) known: &'static [&'static str],
    /// What an unknown field is told: "is not a field of a claim".
    pub(super) unknown: &'static str,
    /// A field that may also be a JSON number (an amount); its decimal text is read like a string.
    pub(super) number: &'static str,
    /// A field that may also be a JSON boolean.
    pub(super) flag: Option<&'static str>,
}

impl JsonFields {
    /// The object's values as text, and the fields named already: unknown ones and values of the
    /// wrong JSON type. `null` is an empty value.
    pub(super) fn read(&self, body: &serde_json::Value) -> Result<ReadFields, Vec<FieldError>> {
        let Some(object) = body.as_object() else {
            return Err(vec![FieldError {
                field: "(body)".into(),
                problem: "must be a JSON object".into(),
            }]);
        };
        let mut errors = Vec::new();
        let mut values = BTreeMap::new();
        for (field, value) in object {
            if !self.known.contains(&field.as_str()) {
                errors.push(FieldError {
                    field: field.clone(),
                    problem: self.unknown.into(),
                });
                continue;
            }
            let is_flag = self.flag == Some(field.as_str());
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                serde_json::Value::Number(n) if field == self.number => n.to_string(),
                serde_json::Value::Bool(b) if is_flag => b.to_string(),
                _ => {
                    errors.push(FieldError {
                        field: field.clone(),
                        problem: if is_flag {
                            "must be true or false".into()
                        } else {
                            "must be a string".into()
                        },
                    });
                    continue;
                }
            };
            values.insert(field.clone(), text);
        }
        Ok((values, errors))
    }

    /// Adds the rules' problems of fields not named yet, and puts every problem in the documented
    /// order of the fields (unknown ones last), each once.
    pub(super) fn finish<P>(
        &self,
        mut errors: Vec<FieldError>,
        rules: &[(String, P)],
        describe: impl Fn(&P) -> String,
    ) -> Vec<FieldError> {
        // A field of the wrong type is missing to the rules; it is named once.
        let named: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        errors.extend(
            rules
                .iter()
                .filter(|(field, _)| !named.contains(field))
                .map(|(field, p)| FieldError {
                    field: field.clone(),
                    problem: describe(p),
                }),
        );
        errors.sort_by_key(|e| {
            self.known
                .iter()
                .position(|c| *c == e.field)
                .unwrap_or(usize::MAX)
        });
        errors.dedup();
        errors
    }
}
