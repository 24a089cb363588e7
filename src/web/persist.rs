//! `queue.persist` (the full build): the core's `Store` and `Forget` actions carried out in
//! IndexedDB, and what a previous page stored handed back to the core (`Connection::restore`).
//! It decides nothing: what is stored and when it is forgotten are the core's.
//!
//! Database `agentwire`, version 1, object store `outbox`, out-of-line keys `[scope, order]`:
//! `scope` is `<first url>\n<persist name>` (the name alone for a url function), `order` a
//! number that grows across reloads (`Date.now() * 1000`, then +1 per write), so reading a
//! scope in key order gives the messages in the order they were queued. A value is
//! `{ frame, id, at, timeoutMs }`: the JSON text, the ack id (or null), `Date.now()` when it
//! was queued, and an acknowledged message's timeout (or null).
//!
//! The database opens when the transport is made. Until it is open, writes wait in `pending`
//! (a few milliseconds in which a crash loses them); then the scope's records are read,
//! restored into the core, and only then does a `connect()` asked for meanwhile reach the core.
//! With `share`, only a leader's core holds messages (a follower's go to the leader), so only
//! the leader writes; the records are read each time a tab comes to lead, before it takes over
//! (what a leader that crashed left is the next one's).
//! Each write is its own `readwrite` transaction, issued while `send` runs. IndexedDB missing or
//! failing is one `persist` error event; the transport then goes on without it.
//!
//! The browser's callbacks are JS-owned closures holding the driver weakly (as `handles.rs`'s),
//! one for the open and read, one for every write's `onerror`: no closure per request, and a
//! late event after `free()` finds nothing to do.

use std::rc::Rc;

use js_sys::{Array, Function, JsString, Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{Event, IdbDatabase, IdbFactory, IdbKeyRange, IdbRequest, IdbTransactionMode};

use super::driver::Driver;
use super::{clock, js};
use crate::core::errors::ErrorFields;
use crate::core::{ErrorKind, Millis, Restored, UrlSource};
use crate::prelude::*;

const DATABASE: &str = "agentwire";
const VERSION: u32 = 1;
const STORE: &str = "outbox";

/// Where the database stands.
enum Db {
    /// `indexedDB.open` asked; writes wait in `pending`.
    Opening,
    /// Open; the scope's records are being read (`getAllKeys`, `getAll`, one transaction).
    Reading(IdbDatabase, IdbRequest, IdbRequest),
    Open(IdbDatabase),
    /// Unavailable or failed: nothing is written any more.
    Off,
}

enum Write {
    Put(f64, Object),
    Delete(f64),
}

/// One transport's persistence, kept by the driver while `queue.persist` is on.
pub struct Persist {
    scope: String,
    db: Db,
    pending: Vec<Write>,
    /// The core's persist keys and the `order` of their records.
    orders: Vec<(u64, f64)>,
    /// The previous page's records are not in the core yet: `connect()` waits.
    restoring: bool,
    connect_deferred: bool,
    /// `share`: the records are read when this tab comes to lead (and every time it does: what
    /// a leader that crashed left is the next one's), and the restore ends in `take_over`.
    shared: bool,
    /// `share`: a leadership began while the database was opening; read once it opens.
    read_when_open: bool,
    take_over_deferred: bool,
    on_open_event: Function,
    on_write_error: Function,
}

/// The scope of a transport's records: the same URL and persist name, the same messages.
pub fn scope(urls: &UrlSource, name: &str) -> String {
    match urls {
        UrlSource::List(urls) => [urls.first().map_or("", String::as_str), "\n", name].concat(),
        UrlSource::Dynamic => name.to_owned(),
    }
}

thread_local! {
    static LAST_ORDER: core::cell::Cell<f64> = const { core::cell::Cell::new(0.0) };
}

/// A key order later than any this page or an earlier one (at up to 1,000 writes a
/// millisecond) gave.
fn next_order() -> f64 {
    LAST_ORDER.with(|last| {
        let order = (js_sys::Date::now() * 1000.0).max(last.get() + 1.0);
        last.set(order);
        order
    })
}

fn db_key(scope: &str, order: f64) -> JsValue {
    Array::of2(&JsString::from(scope), &order.into()).into()
}

use super::js::property as field;

fn optional_number(value: &JsValue) -> Option<f64> {
    value.as_f64().filter(|v| v.is_finite())
}

/// The `error` of a failed request or transaction, as text.
fn error_of(target: &JsValue) -> String {
    let error = field(target, "error");
    if error.is_undefined() || error.is_null() {
        "unknown error".into()
    } else {
        js::thrown_message(&error)
    }
}

impl Driver {
    /// Opens the database and starts reading the previous page's records (from
    /// `Driver::new`).
    pub(super) fn start_persist(self: &Rc<Self>, scope: String) {
        let this = Rc::downgrade(self);
        let on_open_event = Closure::<dyn Fn(Event)>::new({
            let this = this.clone();
            move |event: Event| {
                if let Some(driver) = this.upgrade() {
                    driver.on_open_event(&event);
                } else if event.type_() == "success" {
                    close_opened(&event);
                }
            }
        })
        .into_js_value()
        .unchecked_into::<Function>();
        let on_write_error = Closure::<dyn Fn(Event)>::new(move |event: Event| {
            if let Some(driver) = this.upgrade() {
                let target = event.target().map(JsValue::from).unwrap_or_default();
                driver.persist_failed_now(&["a write failed: ", &error_of(&target)].concat());
            }
        })
        .into_js_value()
        .unchecked_into::<Function>();
        let db = match open_database(&on_open_event) {
            Ok(()) => Db::Opening,
            Err(problem) => {
                self.report(|core, _| core.report_error(ErrorKind::Persist, persist_message(&problem), ErrorFields::default(), None));
                Db::Off
            }
        };
        #[cfg(feature = "share")]
        let shared = self.share.borrow().is_some();
        #[cfg(not(feature = "share"))]
        let shared = false;
        let restoring = matches!(db, Db::Opening) && !shared;
        *self.persist.borrow_mut() = Some(Persist {
            scope,
            db,
            pending: Vec::new(),
            orders: Vec::new(),
            restoring,
            connect_deferred: false,
            shared,
            read_when_open: false,
            take_over_deferred: false,
            on_open_event,
            on_write_error,
        });
    }

    /// `connect()`: to the core now, or once the previous page's messages are restored, so
    /// they go out first.
    pub(super) fn connect_after_restore(&self) {
        if let Some(persist) = self.persist.borrow_mut().as_mut().filter(|p| p.restoring) {
            persist.connect_deferred = true;
            return;
        }
        self.report(|core, now| core.connect(now));
    }

    /// `share`: this tab now leads. What the store holds (a previous page's, or a leader's that
    /// crashed) goes into the core first; true when the caller must leave `take_over` to the
    /// restore.
    #[cfg(feature = "share")]
    pub(super) fn restore_then_take_over(&self) -> bool {
        let started = {
            let mut persist = self.persist.borrow_mut();
            let Some(p) = persist.as_mut().filter(|p| p.shared && !p.restoring) else { return false };
            match core::mem::replace(&mut p.db, Db::Off) {
                Db::Opening => {
                    p.db = Db::Opening;
                    p.read_when_open = true;
                    Ok(true)
                }
                Db::Open(db) => match read_scope(&db, &p.scope, &p.on_open_event) {
                    Ok((keys, values)) => {
                        p.db = Db::Reading(db, keys, values);
                        Ok(true)
                    }
                    Err(problem) => {
                        p.db = Db::Open(db);
                        Err(problem)
                    }
                },
                other => {
                    p.db = other;
                    Ok(false)
                }
            }
            .map(|started| {
                if started {
                    p.restoring = true;
                    p.take_over_deferred = true;
                }
                started
            })
        };
        match started {
            Ok(started) => started,
            Err(problem) => {
                self.persist_failed_now(&problem);
                false
            }
        }
    }

    /// `disconnect()`: a `connect()` waiting for the restore is called off.
    pub(super) fn cancel_deferred_connect(&self) {
        if let Some(persist) = self.persist.borrow_mut().as_mut() {
            persist.connect_deferred = false;
            persist.take_over_deferred = false;
        }
    }

    /// `Action::Store`: the write request exists before the call that queued the message
    /// returns (or waits in `pending` while the database opens).
    pub(super) fn persist_store(&self, key: u64, frame: &JsValue, ack_id: Option<&str>, timeout_ms: Option<Millis>) {
        let mut persist = self.persist.borrow_mut();
        let Some(p) = persist.as_mut().filter(|p| !matches!(p.db, Db::Off)) else { return };
        let order = next_order();
        p.orders.push((key, order));
        let value = Object::new();
        for (name, value_of) in [
            ("frame", frame.clone()),
            ("id", ack_id.map_or(JsValue::NULL, JsValue::from_str)),
            ("at", js_sys::Date::now().into()),
            ("timeoutMs", timeout_ms.map_or(JsValue::NULL, JsValue::from)),
        ] {
            let _ = Reflect::set(&value, &name.into(), &value_of);
        }
        let failed = p.write(Write::Put(order, value)).err();
        drop(persist);
        if let Some(problem) = failed {
            self.persist_failed(&problem);
        }
    }

    /// `Action::Forget`: deletes the record of persist key `key`.
    pub(super) fn persist_forget(&self, key: u64) {
        let mut persist = self.persist.borrow_mut();
        let Some(p) = persist.as_mut() else { return };
        let Some(at) = p.orders.iter().position(|(k, _)| *k == key) else { return };
        let (_, order) = p.orders.swap_remove(at);
        if matches!(p.db, Db::Off) {
            return;
        }
        let failed = p.write(Write::Delete(order)).err();
        drop(persist);
        if let Some(problem) = failed {
            self.persist_failed(&problem);
        }
    }

    /// `free()`: lets go of the database and the callbacks. The records stay, for the next
    /// transport with the same URL and name (as after a reload); writes already issued complete.
    pub(super) fn drop_persist(&self) {
        let persist = self.persist.borrow_mut().take();
        if let Some(Persist { db: Db::Open(db) | Db::Reading(db, ..), .. }) = &persist {
            db.close();
        }
    }

    fn on_open_event(&self, event: &Event) {
        let target = event.target().map(JsValue::from).unwrap_or_default();
        match event.type_().as_str() {
            "upgradeneeded" => {
                let db: IdbDatabase = field(&target, "result").unchecked_into();
                if let Err(thrown) = db.create_object_store(STORE) {
                    self.persist_failed_now(&["the object store could not be created: ", &js::thrown_message(&thrown)].concat());
                }
            }
            "success" => self.database_opened(field(&target, "result").unchecked_into()),
            "complete" => self.records_read(),
            "blocked" => self.persist_failed_now("opening the database is blocked by another page"),
            // The open request or the read transaction failed.
            _ => self.persist_failed_now(&error_of(&target)),
        }
    }

    /// The database is open: read the scope's records, then issue the writes that waited (in
    /// transactions that IndexedDB runs after the read, so it sees only earlier pages' records).
    fn database_opened(&self, db: IdbDatabase) {
        let started = {
            let mut persist = self.persist.borrow_mut();
            match persist.as_mut() {
                // `share`, and this tab does not lead yet: nothing to read now.
                Some(p) if matches!(p.db, Db::Opening) && p.shared && !p.read_when_open => {
                    p.db = Db::Open(db);
                    let pending = core::mem::take(&mut p.pending);
                    pending.into_iter().try_for_each(|write| p.write(write))
                }
                Some(p) if matches!(p.db, Db::Opening) => match read_scope(&db, &p.scope, &p.on_open_event) {
                    Ok((keys, values)) => {
                        p.db = Db::Reading(db, keys, values);
                        let pending = core::mem::take(&mut p.pending);
                        pending.into_iter().try_for_each(|write| p.write(write))
                    }
                    Err(problem) => {
                        p.db = Db::Open(db);
                        Err(problem)
                    }
                },
                // Freed meanwhile, or given up (blocked): nobody will use it.
                _ => {
                    db.close();
                    Ok(())
                }
            }
        };
        if let Err(problem) = started {
            self.persist_failed_now(&problem);
        }
    }

    /// The read transaction completed: hand the records to the core, then the deferred
    /// `connect()`.
    fn records_read(&self) {
        let read = {
            let mut persist = self.persist.borrow_mut();
            let Some(p) = persist.as_mut() else { return };
            let Db::Reading(db, keys, values) = core::mem::replace(&mut p.db, Db::Off) else { return };
            p.db = Db::Open(db);
            (keys.result().unwrap_or_default(), values.result().unwrap_or_default())
        };
        let (keys, values): (Array, Array) = (read.0.unchecked_into(), read.1.unchecked_into());
        let wall_clock = js_sys::Date::now();
        let mut orders = Vec::new();
        let mut items = Vec::new();
        let mut unreadable = Vec::new();
        for (key, value) in keys.iter().zip(values.iter()) {
            let order = Reflect::get_u32(&key, 1).ok().and_then(|o| o.as_f64()).unwrap_or(f64::NAN);
            let frame = field(&value, "frame");
            match (frame.dyn_into::<JsString>(), optional_number(&field(&value, "at"))) {
                (Ok(frame), Some(at)) if !order.is_nan() => {
                    orders.push(order);
                    items.push(Restored {
                        bytes: super::frame::utf8_length(&frame),
                        frame: frame.into(),
                        ack_id: field(&value, "id").as_string(),
                        timeout_ms: optional_number(&field(&value, "timeoutMs")),
                        age_ms: (wall_clock - at).max(0.0),
                    });
                }
                _ => unreadable.push(key),
            }
        }
        self.finish_restore(orders, items, unreadable);
    }

    fn finish_restore(&self, orders: Vec<f64>, items: Vec<Restored<JsValue>>, unreadable: Vec<JsValue>) {
        let now = clock::now();
        let keys = self.core.borrow_mut().restore(items, now);
        let (connect, failed) = {
            let mut persist = self.persist.borrow_mut();
            let Some(p) = persist.as_mut() else { return };
            p.orders.extend(keys.into_iter().zip(orders));
            p.restoring = false;
            // Records this version cannot read would be read again by every page: delete them.
            let failed = unreadable.iter().try_for_each(|key| p.delete_key(key)).err();
            p.read_when_open = false;
            let start = if core::mem::take(&mut p.take_over_deferred) {
                Some(true)
            } else {
                core::mem::take(&mut p.connect_deferred).then_some(false)
            };
            (start, failed)
        };
        if let Some(problem) = failed {
            self.persist_failed(&problem);
        }
        match connect {
            Some(true) => self.core.borrow_mut().take_over(now),
            Some(false) => self.core.borrow_mut().connect(now),
            None => {}
        }
        self.pump();
    }

    /// IndexedDB failed: reported once, and nothing is written from then on. A restore still
    /// waiting ends empty, so a deferred `connect()` goes ahead. From inside the action loop.
    fn persist_failed(&self, problem: &str) {
        let (first, restoring) = {
            let mut persist = self.persist.borrow_mut();
            let Some(p) = persist.as_mut() else { return };
            let first = !matches!(p.db, Db::Off);
            if let Db::Open(db) | Db::Reading(db, ..) = core::mem::replace(&mut p.db, Db::Off) {
                db.close();
            }
            p.pending.clear();
            (first, p.restoring)
        };
        if first {
            self.core.borrow_mut().report_error(ErrorKind::Persist, persist_message(problem), ErrorFields::default(), None);
        }
        if restoring {
            self.finish_restore(Vec::new(), Vec::new(), Vec::new());
        }
    }

    /// The same, from a browser callback: then the core's actions are carried out.
    fn persist_failed_now(&self, problem: &str) {
        if self.is_freed() {
            return;
        }
        self.persist_failed(problem);
        self.pump();
    }
}

impl Persist {
    fn write(&mut self, write: Write) -> Result<(), String> {
        let db = match &self.db {
            Db::Opening => {
                self.pending.push(write);
                return Ok(());
            }
            Db::Reading(db, ..) | Db::Open(db) => db,
            Db::Off => return Ok(()),
        };
        let failed = |thrown: JsValue| ["a write could not be issued: ", &js::thrown_message(&thrown)].concat();
        let store = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).and_then(|t| t.object_store(STORE)).map_err(failed)?;
        let request = match write {
            Write::Put(order, value) => store.put_with_key(&value, &db_key(&self.scope, order)),
            Write::Delete(order) => store.delete(&db_key(&self.scope, order)),
        }
        .map_err(failed)?;
        request.set_onerror(Some(&self.on_write_error));
        Ok(())
    }

    fn delete_key(&self, key: &JsValue) -> Result<(), String> {
        let Db::Open(db) = &self.db else { return Ok(()) };
        let failed = |thrown: JsValue| ["a delete could not be issued: ", &js::thrown_message(&thrown)].concat();
        let store = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).and_then(|t| t.object_store(STORE)).map_err(failed)?;
        store.delete(key).map_err(failed)?.set_onerror(Some(&self.on_write_error));
        Ok(())
    }
}

fn persist_message(problem: &str) -> String {
    ["queue.persist: IndexedDB ", problem, "; the queue is kept in memory only"].concat()
}

/// `indexedDB.open('agentwire', 1)`, its events to `on_event`.
fn open_database(on_event: &Function) -> Result<(), String> {
    let factory = Reflect::get(&js_sys::global(), &"indexedDB".into()).unwrap_or_default();
    if factory.is_undefined() || factory.is_null() {
        return Err("is not available here".into());
    }
    let factory: IdbFactory = factory.unchecked_into();
    let request = factory.open_with_u32(DATABASE, VERSION).map_err(|thrown| ["could not be opened: ", &js::thrown_message(&thrown)].concat())?;
    request.set_onupgradeneeded(Some(on_event));
    request.set_onblocked(Some(on_event));
    request.set_onsuccess(Some(on_event));
    request.set_onerror(Some(on_event));
    Ok(())
}

/// One read-only transaction for the scope's keys and values (the same order); its
/// `complete` or `error` goes to `on_event`.
fn read_scope(db: &IdbDatabase, scope: &str, on_event: &Function) -> Result<(IdbRequest, IdbRequest), String> {
    let failed = |thrown: JsValue| ["could not be read: ", &js::thrown_message(&thrown)].concat();
    let transaction = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readonly).map_err(failed)?;
    let store = transaction.object_store(STORE).map_err(failed)?;
    let range = IdbKeyRange::bound(&db_key(scope, 0.0), &db_key(scope, f64::INFINITY)).map_err(failed)?;
    let keys = store.get_all_keys_with_key(&range).map_err(failed)?;
    let values = store.get_all_with_key(&range).map_err(failed)?;
    transaction.set_oncomplete(Some(on_event));
    transaction.set_onerror(Some(on_event));
    Ok((keys, values))
}

/// A database that opened after its transport was gone.
fn close_opened(event: &Event) {
    let target = event.target().map(JsValue::from).unwrap_or_default();
    if let Ok(db) = field(&target, "result").dyn_into::<IdbDatabase>() {
        db.close();
    }
}
