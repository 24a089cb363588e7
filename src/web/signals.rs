//! The browser's signals about connectivity: `online` / `offline` on the global scope, and a
//! hidden tab becoming visible (background tabs throttle timers, so deadlines must be checked at
//! once).
//!
//! One set of gloo-events listeners for the whole module, shared by its transports: a page
//! with ten transports adds three listeners, not thirty, and a transport holds nothing for them.
//! Each transport's [`SignalSubscription`] (RAII, like the listeners themselves) registers it;
//! the listeners are added with the first subscription and removed, by being dropped, with the
//! last. Listened to where the environment has them: workers have no document, Node neither.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, EventTarget, VisibilityState};

use super::resources;

/// What the signals tell a transport.
pub trait SignalEvents {
    fn browser_online(&self);
    fn browser_offline(&self);
    fn tab_visible(&self);
}

#[derive(Clone, Copy)]
enum Signal {
    Online,
    Offline,
    Visible,
}

struct Listeners {
    attached: Vec<EventListener>,
    subscribers: Vec<(u64, Weak<dyn SignalEvents>)>,
    last_id: u64,
}

thread_local! {
    static LISTENERS: RefCell<Option<Listeners>> = const { RefCell::new(None) };
}

/// Keeps one transport told about the browser's signals; dropping it stops that.
pub struct SignalSubscription {
    id: u64,
}

impl SignalSubscription {
    pub fn new<E: SignalEvents + 'static>(events: &Rc<E>) -> Self {
        let events: Rc<dyn SignalEvents> = events.clone();
        let subscriber = Rc::downgrade(&events);
        LISTENERS.with(|listeners| {
            let mut listeners = listeners.borrow_mut();
            let listeners = listeners.get_or_insert_with(|| Listeners { attached: attach(), subscribers: Vec::new(), last_id: 0 });
            listeners.last_id += 1;
            listeners.subscribers.push((listeners.last_id, subscriber));
            Self { id: listeners.last_id }
        })
    }

    /// Listeners attached for this module's transports (the leak checks count them).
    pub fn attached() -> usize {
        LISTENERS.with(|listeners| listeners.borrow().as_ref().map_or(0, |l| l.attached.len()))
    }

    /// Whether the browser says it is offline (`navigator.onLine` is false; where nothing says,
    /// it is taken to be online).
    pub fn offline() -> bool {
        let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or_default();
        // Only read from an object: a caught exception costs a leaked slot (see js.rs).
        navigator.is_object() && js_sys::Reflect::get(&navigator, &"onLine".into()).ok().and_then(|v| v.as_bool()) == Some(false)
    }
}

impl Drop for SignalSubscription {
    fn drop(&mut self) {
        // Taken out under the borrow, dropped (which removes the DOM listeners) after it.
        let emptied = LISTENERS.with(|listeners| {
            let mut slot = listeners.borrow_mut();
            let listeners = slot.as_mut()?;
            listeners.subscribers.retain(|(id, _)| *id != self.id);
            if listeners.subscribers.is_empty() {
                slot.take()
            } else {
                None
            }
        });
        if let Some(emptied) = emptied {
            resources::closures_dropped(emptied.attached.len());
        }
    }
}

/// Tells every subscribed transport; none is borrowed from while it runs (a transport may free
/// itself, or another, when told).
fn tell(signal: Signal) {
    let subscribers: Vec<Weak<dyn SignalEvents>> = LISTENERS.with(|listeners| {
        listeners.borrow().as_ref().map_or_else(Vec::new, |l| l.subscribers.iter().map(|(_, s)| s.clone()).collect())
    });
    for subscriber in subscribers.iter().filter_map(Weak::upgrade) {
        match signal {
            Signal::Online => subscriber.browser_online(),
            Signal::Offline => subscriber.browser_offline(),
            Signal::Visible => subscriber.tab_visible(),
        }
    }
}

fn attach() -> Vec<EventListener> {
    let global = js_sys::global();
    let mut attached = Vec::with_capacity(3);
    if has_event_target(&global) {
        let target: &EventTarget = global.unchecked_ref();
        attached.push(EventListener::new(target, "online", |_| tell(Signal::Online)));
        attached.push(EventListener::new(target, "offline", |_| tell(Signal::Offline)));
    }
    let document = js_sys::Reflect::get(&global, &"document".into()).unwrap_or_default();
    if has_event_target(&document) {
        let document: Document = document.unchecked_into();
        attached.push(EventListener::new(&document.clone(), "visibilitychange", move |_| {
            if document.visibility_state() == VisibilityState::Visible {
                tell(Signal::Visible);
            }
        }));
    }
    resources::closures_created(attached.len());
    attached
}

fn has_event_target(value: &JsValue) -> bool {
    value.is_object() && js_sys::Reflect::get(value, &"addEventListener".into()).is_ok_and(|f| f.is_function())
}
