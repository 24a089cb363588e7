//! Charts the agent attached (`chart {chart_id, url, symbol}`), one per chart id: the same
//! question asked twice gives the same chart id, which updates the entry instead of repeating it.

use crate::prelude::*;

use super::bounded::Bounded;

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub id: String,
    pub url: String,
    pub symbol: Option<String>,
    pub session_id: Option<String>,
    pub version: u64,
}

#[derive(Debug, Clone)]
pub struct Charts {
    pub list: Bounded<Chart>,
}

impl Charts {
    pub fn new(limit: usize) -> Self {
        Charts { list: Bounded::new(limit) }
    }

    /// Adds or updates chart `id`. True if anything changed. Linear in the (bounded) list:
    /// charts are rare events.
    pub fn upsert(
        &mut self,
        id: String,
        url: String,
        symbol: Option<String>,
        session_id: Option<String>,
        version: u64,
    ) -> bool {
        if let Some((_, chart)) = self.list.iter_mut().find(|(_, chart)| chart.id == id) {
            if chart.url == url && chart.symbol == symbol && chart.session_id == session_id {
                return false;
            }
            *chart = Chart { id, url, symbol, session_id, version };
            return true;
        }
        self.list.push(Chart { id, url, symbol, session_id, version });
        true
    }
}
