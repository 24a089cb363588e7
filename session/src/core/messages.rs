//! The conversation: the user's messages and the assistant's, whose text is assembled from
//! `message_delta`s.
//!
//! Deltas append to a Rust `String`; the JS string is made once per snapshot, not per delta. A
//! stream of deltas for one message finds it without a map lookup (the last target is
//! remembered), so a delta costs O(1) however long the conversation.

use alloc::rc::Rc;

use crate::prelude::*;

use super::bounded::Bounded;
use super::index::Index;
use super::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
    // AG-UI's other roles.
    Developer,
    System,
    Tool,
    Reasoning,
    Activity,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::User, Role::Assistant, Role::Developer, Role::System, Role::Tool, Role::Reasoning, Role::Activity];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Developer => "developer",
            Role::System => "system",
            Role::Tool => "tool",
            Role::Reasoning => "reasoning",
            Role::Activity => "activity",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|role| role.as_str() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    Streaming,
    Complete,
    Cancelled,
}

impl MessageStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Streaming => "streaming",
            MessageStatus::Complete => "complete",
            MessageStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Rc<str>,
    pub role: Role,
    pub content: String,
    pub status: MessageStatus,
    pub session_id: Option<String>,
    /// The change that last touched this message (see `Versions`).
    pub version: u64,
}

/// How a `result` met the streamed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// No message with that id was streaming: created from `content`.
    Created,
    /// The streamed text equals `content`.
    Matched,
    /// The streamed text differed (`streamed` bytes of it); `content` replaced it.
    Replaced { streamed: usize },
}

#[derive(Debug, Clone)]
pub struct Messages {
    pub list: Bounded<Message>,
    index: Index,
    /// The message the last delta went to.
    last_target: Option<u64>,
}

impl Messages {
    pub fn new(limit: usize) -> Self {
        Messages { list: Bounded::new(limit), index: Index::default(), last_target: None }
    }

    fn find(&self, id: &str) -> Option<u64> {
        self.index.get(id)
    }

    fn push(&mut self, message: Message) -> u64 {
        let id = message.id.clone();
        let (seq, evicted) = self.list.push(message);
        if let Some(old) = evicted {
            self.index.remove(&old.id);
        }
        if self.list.get(seq).is_some() {
            self.index.insert(&id, seq);
        }
        seq
    }

    /// Appends `delta` to assistant message `id`, creating it (streaming) when first seen.
    /// Returns the message's id (shared, for the log).
    pub fn append_delta(&mut self, id: &str, delta: &str, session_id: Option<String>, version: u64) -> Rc<str> {
        self.append_delta_as(id, Role::Assistant, delta, session_id, version)
    }

    /// `append_delta` for a message that, when first seen, gets `role`.
    pub fn append_delta_as(
        &mut self,
        id: &str,
        role: Role,
        delta: &str,
        session_id: Option<String>,
        version: u64,
    ) -> Rc<str> {
        if let Some(seq) = self.last_target {
            if let Some(message) = self.list.get_mut(seq).filter(|m| &*m.id == id) {
                message.content.push_str(delta);
                message.version = version;
                return message.id.clone();
            }
        }
        let seq = match self.find(id) {
            Some(seq) => seq,
            None => self.push(Message {
                id: Rc::from(id),
                role,
                content: String::new(),
                status: MessageStatus::Streaming,
                session_id,
                version,
            }),
        };
        self.last_target = Some(seq);
        match self.list.get_mut(seq) {
            Some(message) => {
                message.content.push_str(delta);
                message.version = version;
                message.id.clone()
            }
            // Only with a limit of 0, which the options rule out.
            None => Rc::from(id),
        }
    }

    /// Completes assistant message `id` (or, without an id, the newest streaming one) with the
    /// final `content`, which wins over the streamed text.
    pub fn complete(
        &mut self,
        id: Option<&str>,
        content: &str,
        session_id: Option<String>,
        version: u64,
    ) -> (Rc<str>, Completion) {
        let seq = match id {
            Some(id) => self.find(id),
            None => self
                .list
                .iter()
                .rev()
                .find(|(_, m)| m.role == Role::Assistant && m.status == MessageStatus::Streaming)
                .map(|(seq, _)| seq),
        };
        if let Some(message) = seq.and_then(|seq| self.list.get_mut(seq)) {
            let completion = if message.content == content {
                Completion::Matched
            } else {
                let streamed = message.content.len();
                message.content.clear();
                message.content.push_str(content);
                Completion::Replaced { streamed }
            };
            message.status = MessageStatus::Complete;
            message.version = version;
            return (message.id.clone(), completion);
        }
        let id: Rc<str> = match id {
            Some(id) => Rc::from(id),
            None => Rc::from(Text::new("result_").n(version).done().as_str()),
        };
        self.push(Message {
            id: id.clone(),
            role: Role::Assistant,
            content: content.into(),
            status: MessageStatus::Complete,
            session_id,
            version,
        });
        (id, Completion::Created)
    }

    /// Marks streaming assistant messages cancelled: those of `session_id` when given, else the
    /// newest streaming one. Returns how many changed.
    pub fn cancel_streaming(&mut self, session_id: Option<&str>, version: u64) -> usize {
        let mut changed = 0;
        for (_, message) in self.list.iter_mut().rev() {
            if message.role != Role::Assistant || message.status != MessageStatus::Streaming {
                continue;
            }
            let matches = match session_id {
                Some(id) => message.session_id.as_deref() == Some(id),
                None => true,
            };
            if matches {
                message.status = MessageStatus::Cancelled;
                message.version = version;
                changed += 1;
                if session_id.is_none() {
                    break;
                }
            }
        }
        changed
    }

    /// AG-UI's `TEXT_MESSAGE_START`: message `id` streams from now, as `role` (a start for a
    /// message already there changes nothing but its role).
    pub fn start(&mut self, id: &str, role: Role, version: u64) {
        match self.find(id).and_then(|seq| self.list.get_mut(seq)) {
            Some(message) => {
                message.role = role;
                message.version = version;
            }
            None => {
                let seq = self.push(Message {
                    id: Rc::from(id),
                    role,
                    content: String::new(),
                    status: MessageStatus::Streaming,
                    session_id: None,
                    version,
                });
                self.last_target = Some(seq);
            }
        }
    }

    /// The id of the message the last delta (or start) went to.
    pub fn last_target_id(&self) -> Option<Rc<str>> {
        self.last_target.and_then(|seq| self.list.get(seq)).map(|m| m.id.clone())
    }

    /// AG-UI's `TEXT_MESSAGE_END`: message `id` is complete. False if there is no such message.
    pub fn end(&mut self, id: &str, version: u64) -> bool {
        match self.find(id).and_then(|seq| self.list.get_mut(seq)) {
            Some(message) => {
                message.status = MessageStatus::Complete;
                message.version = version;
                true
            }
            None => false,
        }
    }

    /// Every streaming message becomes `status` (a run's end). Returns how many changed.
    pub fn end_streaming(&mut self, status: MessageStatus, version: u64) -> usize {
        let mut changed = 0;
        for (_, message) in self.list.iter_mut() {
            if message.status == MessageStatus::Streaming {
                message.status = status;
                message.version = version;
                changed += 1;
            }
        }
        changed
    }

    /// AG-UI's `MESSAGES_SNAPSHOT`: the conversation is `messages` (complete), and nothing else.
    pub fn replace_all(&mut self, messages: impl Iterator<Item = (String, Role, String)>, version: u64) {
        *self = Messages::new(self.list.limit());
        for (id, role, content) in messages {
            self.push(Message {
                id: Rc::from(id.as_str()),
                role,
                content,
                status: MessageStatus::Complete,
                session_id: None,
                version,
            });
        }
    }

    /// The user's own message (the server does not echo it).
    pub fn add_user(&mut self, id: &str, text: &str, version: u64) {
        self.add_complete(id, Role::User, text, version);
    }

    /// A complete message (a tool's result as AG-UI's `tool` message, the user's own).
    pub fn add_complete(&mut self, id: &str, role: Role, text: &str, version: u64) {
        self.push(Message {
            id: Rc::from(id),
            role,
            content: text.into(),
            status: MessageStatus::Complete,
            session_id: None,
            version,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_for_two_interleaved_messages_go_to_the_right_one() {
        let mut messages = Messages::new(10);
        messages.append_delta("a", "Hel", None, 1);
        messages.append_delta("b", "Wor", None, 2);
        messages.append_delta("a", "lo", None, 3);
        messages.append_delta("b", "ld", None, 4);
        let texts: Vec<_> = messages.list.iter().map(|(_, m)| (&*m.id, m.content.as_str(), m.version)).collect();
        assert_eq!(texts, [("a", "Hello", 3), ("b", "World", 4)]);
    }

    #[test]
    fn an_evicted_message_is_forgotten_and_a_later_delta_starts_it_again() {
        let mut messages = Messages::new(1);
        messages.append_delta("a", "1", None, 1);
        messages.append_delta("b", "2", None, 2);
        messages.append_delta("a", "3", None, 3);
        let texts: Vec<_> = messages.list.iter().map(|(_, m)| (&*m.id, m.content.as_str())).collect();
        assert_eq!(texts, [("a", "3")]);
        assert_eq!(messages.index.len(), 1);
    }
}
