//! A transport with listeners that record every message, status change and error it reports,
//! for the tests to assert on (like `window.track` in tests/browser/pages/index.html).

use std::cell::RefCell;
use std::ops::Deref;
use std::rc::{Rc, Weak};

use agentwire::core::{ErrorKind, Status, StatusChange};
use agentwire::{ListenerHandle, Options, TransportError, WebSocketTransport};
use wasm_bindgen::JsValue;

thread_local! {
    /// Every transport a recorder made, so the next test can free those a failed one left.
    static MADE: RefCell<Vec<Weak<WebSocketTransport>>> = const { RefCell::new(Vec::new()) };
}

/// Frees the transports of earlier tests that are still alive (a failed test stops at its
/// panic: no destructor runs, so its transport would go on connecting in this page).
pub(super) fn free_leftovers() {
    let made = MADE.with(|made| made.take());
    for transport in made.iter().filter_map(Weak::upgrade) {
        transport.free();
    }
}

pub struct Recorder {
    transport: Rc<WebSocketTransport>,
    messages: Rc<RefCell<Vec<JsValue>>>,
    statuses: Rc<RefCell<Vec<StatusChange>>>,
    errors: Rc<RefCell<Vec<TransportError>>>,
    /// Dropping these would remove the listeners.
    _listening: [ListenerHandle; 3],
}

impl Recorder {
    /// A transport with `options` (in status `idle`), recording from the start.
    pub fn new(options: Options) -> Self {
        let transport = match WebSocketTransport::with_options(options) {
            Ok(transport) => Rc::new(transport),
            Err(refused) => panic!("the options were refused: {refused}"),
        };
        MADE.with(|made| made.borrow_mut().push(Rc::downgrade(&transport)));
        let messages = Rc::new(RefCell::new(Vec::new()));
        let statuses = Rc::new(RefCell::new(Vec::new()));
        let errors = Rc::new(RefCell::new(Vec::new()));
        let _listening = [
            transport.on_message("*", {
                let messages = messages.clone();
                move |message| messages.borrow_mut().push(message.clone())
            }),
            transport.on_status_change({
                let statuses = statuses.clone();
                move |change| statuses.borrow_mut().push(change.clone())
            }),
            transport.on_error_event({
                let errors = errors.clone();
                move |error| errors.borrow_mut().push(error.clone())
            }),
        ];
        Self { transport, messages, statuses, errors, _listening }
    }

    /// Connects; fails the test if the transport ends in `disconnected` or `error` first.
    pub async fn connect(&self) {
        if let Err(error) = self.transport.connected().await {
            panic!("connected() failed: {}", js_sys::JSON::stringify(&error).map(String::from).unwrap_or_default());
        }
    }

    /// The messages received so far (through a `"*"` listener), as JSON text.
    pub fn messages(&self) -> Vec<String> {
        self.messages.borrow().iter().map(json_text).collect()
    }

    pub fn message_count(&self) -> usize {
        self.messages.borrow().len()
    }

    /// Every status change reported so far, in order.
    pub fn statuses(&self) -> Vec<StatusChange> {
        self.statuses.borrow().clone()
    }

    /// The `status` of each change reported so far.
    pub fn status_sequence(&self) -> Vec<Status> {
        self.statuses.borrow().iter().map(|change| change.status).collect()
    }

    /// Every error event reported so far, in order.
    pub fn errors(&self) -> Vec<TransportError> {
        self.errors.borrow().clone()
    }

    pub fn error_kinds(&self) -> Vec<ErrorKind> {
        self.errors.borrow().iter().map(|error| error.kind).collect()
    }
}

impl Deref for Recorder {
    type Target = WebSocketTransport;

    fn deref(&self) -> &WebSocketTransport {
        &self.transport
    }
}

impl Drop for Recorder {
    /// A test that ends frees its transport: socket closed, timer cancelled, listeners gone.
    fn drop(&mut self) {
        self.transport.free();
    }
}

/// `JSON.stringify(value)`: what a message looks like on the wire.
pub fn json_text(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).map(String::from).unwrap_or_else(|_| "<not JSON>".into())
}
