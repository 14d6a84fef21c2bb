//! A store in memory, for tests of what is built on the store: it keeps nothing.

use super::{Entry, SecretStore, StoreError};
use std::cell::RefCell;
use std::collections::HashMap;

#[derive(Default)]
pub struct MemoryStore {
    entries: RefCell<HashMap<(String, &'static str), Vec<u8>>>,
}

fn slot(entry: Entry) -> (String, &'static str) {
    (entry.key_id().to_string(), entry.kind())
}

impl SecretStore for MemoryStore {
    fn name(&self) -> String {
        "a store in memory".to_string()
    }

    fn get(&self, entry: Entry) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.entries.borrow().get(&slot(entry)).cloned())
    }

    fn peek(&self, entry: Entry) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(entry)
    }

    fn exists(&self, entry: Entry) -> Result<bool, StoreError> {
        Ok(self.entries.borrow().contains_key(&slot(entry)))
    }

    fn set(&self, entry: Entry, secret: &[u8]) -> Result<(), StoreError> {
        self.entries
            .borrow_mut()
            .insert(slot(entry), secret.to_vec());
        Ok(())
    }

    fn delete(&self, entry: Entry) -> Result<bool, StoreError> {
        Ok(self.entries.borrow_mut().remove(&slot(entry)).is_some())
    }
}
