//! Acknowledged message ids shared by every instance: `SET <id> NX PX <keep>` is the whole
//! decision (first writer acts, everyone after acks `duplicate: true`), and the TTL is the
//! protocol's "remembered for at least the age bound".

use redis::RedisResult;

use super::{keys, RedisBackend};
use crate::acks::Verdict;

impl RedisBackend {
    pub async fn check_ack(&self, endpoint: &str, id: &str) -> RedisResult<Verdict> {
        let set: Option<String> = redis::cmd("SET")
            .arg(keys::ack(endpoint, id))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(self.ack_keep.as_millis().max(1) as u64)
            .query_async(&mut self.conn())
            .await?;
        Ok(if set.is_some() {
            Verdict::Act
        } else {
            Verdict::Duplicate
        })
    }
}
