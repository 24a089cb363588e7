//! AG-UI activities (`ACTIVITY_SNAPSHOT`, `ACTIVITY_DELTA`): structured progress an agent shows
//! beside its messages (a plan, a search's sources), one per message id, each a JSON object
//! patched like the shared state.

use crate::prelude::*;

use super::bounded::Bounded;
use super::index::Index;
use super::json::Json;
use super::json_patch::{self, Operation};

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub message_id: String,
    pub activity_type: String,
    pub content: Json,
    pub version: u64,
}

#[derive(Debug, Clone)]
pub struct Activities {
    pub list: Bounded<Activity>,
    index: Index,
}

impl Activities {
    pub fn new(limit: usize) -> Self {
        Activities { list: Bounded::new(limit), index: Index::default() }
    }

    fn find(&self, message_id: &str) -> Option<u64> {
        self.index.get(message_id).filter(|seq| self.list.get(*seq).is_some())
    }

    /// Sets activity `message_id` to `content`; with `replace: false` an existing one is kept.
    /// True if anything changed.
    pub fn snapshot(
        &mut self,
        message_id: &str,
        activity_type: String,
        content: Json,
        replace: bool,
        version: u64,
    ) -> bool {
        if let Some(activity) = self.find(message_id).and_then(|seq| self.list.get_mut(seq)) {
            if !replace {
                return false;
            }
            activity.content = content.sharing_with(&activity.content);
            activity.activity_type = activity_type;
            activity.version = version;
            return true;
        }
        let (seq, evicted) =
            self.list.push(Activity { message_id: message_id.into(), activity_type, content, version });
        if let Some(old) = evicted {
            if self.index.get(&old.message_id) == Some(seq - self.list.limit() as u64) {
                self.index.remove(&old.message_id);
            }
        }
        self.index.insert(message_id, seq);
        true
    }

    /// Patches activity `message_id` (one not seen yet starts as `{}`); on failure nothing
    /// changes and the problem is returned.
    pub fn patch(
        &mut self,
        message_id: &str,
        activity_type: String,
        patch: &[Operation],
        version: u64,
    ) -> Result<(), String> {
        let base = match self.find(message_id).and_then(|seq| self.list.get(seq)) {
            Some(activity) => activity.content.clone(),
            None => Json::empty_object(),
        };
        let content = json_patch::apply(&base, patch)?;
        self.snapshot(message_id, activity_type, content, true, version);
        Ok(())
    }
}
