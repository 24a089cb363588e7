//! `share`: the tabs of one origin that use the same URL and share name hold one socket between
//! them. The browser half of `core/share.rs`: Web Locks elect the leader, a `BroadcastChannel`
//! carries what it relays, and a Worker keeps the time (hidden tabs throttle their own timers;
//! a Worker's messages are not throttled, so the leader's beacons and heartbeat keep their
//! deadlines). Full build only (cargo feature `share`).
//!
//! Who does what:
//! - The leader runs the transport as without `share`, and relays to the channel every event
//!   its listeners get (the frame's text, with the stream's session and `seq`), its snapshot
//!   when it changes, and its connection's errors.
//! - A follower opens no socket. Its core mirrors the leader's snapshot (`Connection::mirror`),
//!   so its status, snapshot and `connect()` promise follow the leader's, and its listeners get
//!   the relayed events, each `seq` once (`Connection::accept_relayed`). Its `send` and
//!   `sendWithAck` go to the leader, which sends them and posts the ack back to this tab.
//! - Handover: the lock passes to a waiting tab when the leader's closes, navigates away or
//!   crashes; a frozen leader's is taken (`steal`) after its beacons stop. The new leader
//!   resumes the stream after the last event its listeners got, and the followers re-post
//!   what still waits for an ack (the server dedupes by id).
//!
//! Every message on the channel is a plain object whose `k` says what it is; what a leader
//! posts carries its epoch `e`, and a tab acts on nothing from an older epoch than it knows.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, JsString, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, BroadcastChannel, MessageEvent, Worker};

use super::driver::Driver;
use super::resume::{ack_error, PendingAck};
use super::{clock, js, values};
use crate::core::share::{Role, ShareConfig, TabAction, TabGroup};
use crate::core::{ErrorKind, SendOutcome, Status};
use crate::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`. Bound here because web-sys has it only behind
    /// `--cfg=web_sys_unstable_apis`, a flag that would apply to the whole build.
    type LockManager;
    #[wasm_bindgen(method, js_name = request)]
    fn request(this: &LockManager, name: &str, options: &Object, callback: &Function) -> Promise;
}

/// The Worker's whole program: a tick every 100 ms. Given as source (a Blob URL), so the
/// package ships no extra file to serve.
const TICKER: &str = "setInterval(() => postMessage(0), 100)";

/// A `sendWithAck` made in this tab while another leads: kept until the leader posts its ack.
struct Ask {
    id: String,
    frame: JsString,
    deadline: f64,
    resolve: Function,
    reject: Function,
}

/// The lock request this tab has out (one at a time).
struct LockRequest {
    generation: u64,
    abort: Option<AbortController>,
    /// While the lock is held: resolving it releases the lock.
    release: Option<Function>,
}

pub struct SharedTabs {
    pub group: RefCell<TabGroup>,
    channel: BroadcastChannel,
    locks: LockManager,
    lock_name: String,
    epoch_key: String,
    request: RefCell<Option<LockRequest>>,
    generation: Cell<u64>,
    asks: RefCell<Vec<Ask>>,
    /// Plain sends made while no leader is known, posted when one is.
    outbox: RefCell<Vec<JsString>>,
    leader_known: Cell<bool>,
    ticker: RefCell<Option<Ticker>>,
    /// A tab that goes away says so, so the leader's `tabs` drops at once rather than after
    /// `peer_timeout_ms` (a leader's lock is released by the browser itself).
    _pagehide: Option<gloo_events::EventListener>,
    /// The channel's `onmessage`: held for as long as the channel is open.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    on_tick: Closure<dyn FnMut()>,
    /// This group's entry in [`GROUPS`].
    id: u64,
}

/// The lock's callbacks and the settle functions handed to the core for followers' messages
/// may run after the transport is freed (a lock request settles when it likes; a promise
/// outlives its owner), so they are the module's, made once, and find their transport through
/// this registry by the id bound into each: a freed one is simply not there.
struct Callbacks {
    granted: Closure<dyn FnMut(f64, f64, JsValue) -> JsValue>,
    ended: Closure<dyn FnMut(f64, f64, JsValue)>,
    settled: Closure<dyn FnMut(f64, f64, JsString, bool, JsValue)>,
}

thread_local! {
    static GROUPS: RefCell<(u64, Vec<(u64, Weak<Driver>)>)> = const { RefCell::new((0, Vec::new())) };
    static CALLBACKS: Callbacks = Callbacks {
        granted: Closure::new(|id: f64, generation: f64, _lock: JsValue| -> JsValue {
            match driver_of(id) {
                Some(driver) => driver.on_lock_granted(generation as u64).into(),
                None => Promise::resolve(&JsValue::UNDEFINED).into(),
            }
        }),
        ended: Closure::new(|id: f64, generation: f64, _why: JsValue| {
            if let Some(driver) = driver_of(id) {
                driver.on_lock_ended(generation as u64);
            }
        }),
        settled: Closure::new(|id: f64, tab: f64, ack_id: JsString, ok: bool, value: JsValue| {
            if let Some(share) = driver_of(id).and_then(|d| d.share()) {
                share.post_settled(tab, &ack_id, ok, &value);
            }
        }),
    };
}

fn driver_of(id: f64) -> Option<Rc<Driver>> {
    GROUPS.with(|groups| groups.borrow().1.iter().find(|(group, _)| *group as f64 == id).and_then(|(_, driver)| driver.upgrade()))
}

/// `callback` with the group's id and `rest` bound before its own arguments.
fn bound(callback: impl FnOnce(&Callbacks) -> Function, id: u64, rest: &[JsValue]) -> Function {
    let function = CALLBACKS.with(callback);
    let args = js_sys::Array::of1(&JsValue::NULL);
    args.push(&JsValue::from(id as f64));
    for value in rest {
        args.push(value);
    }
    let bind: Function = Reflect::get(&function, &"bind".into()).unwrap_or_default().unchecked_into();
    Reflect::apply(&bind, &function, &args).map(JsCast::unchecked_into).unwrap_or(function)
}

enum Ticker {
    Worker(Worker),
    /// Where Workers cannot be made (a page policy forbidding blob: workers): the window's own
    /// timer, which hidden-tab throttling may slow.
    Interval(#[allow(dead_code)] gloo_timers::callback::Interval),
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Ticker::Worker(worker) = self {
            // Ticks already queued for this page must find no handler (the closure goes next).
            worker.set_onmessage(None);
            worker.terminate();
        }
    }
}

impl SharedTabs {
    /// The group for `name` and `url`, or `None` where the browser lacks Web Locks or
    /// BroadcastChannel (each tab then keeps its own socket, and the snapshot says
    /// `shared: false`).
    pub fn new(driver: &Weak<Driver>, name: &str, url: &str) -> Option<Rc<SharedTabs>> {
        let global = js_sys::global();
        let navigator = Reflect::get(&global, &"navigator".into()).ok()?;
        let locks = Reflect::get(&navigator, &"locks".into()).ok().filter(|l| l.is_object())?;
        if !Reflect::get(&global, &"BroadcastChannel".into()).ok()?.is_function() {
            return None;
        }
        let scope = ["agentwire\n", name, "\n", url].concat();
        let channel = BroadcastChannel::new(&scope).ok()?;
        let tab = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let on_message = {
            let driver = driver.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(driver) = driver.upgrade() {
                    driver.on_channel_message(&event.data());
                }
            })
        };
        let on_tick = {
            let driver = driver.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(driver) = driver.upgrade() {
                    driver.on_share_tick();
                }
            })
        };
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let pagehide = web_sys::window().map(|window| {
            let channel = channel.clone();
            gloo_events::EventListener::new(&window, "pagehide", move |_| {
                let bye = Object::new();
                let _ = Reflect::set(&bye, &"k".into(), &"bye".into());
                let _ = Reflect::set(&bye, &"tab".into(), &(tab as f64).into());
                let _ = channel.post_message(&bye);
            })
        });
        let id = GROUPS.with(|groups| {
            let mut groups = groups.borrow_mut();
            groups.0 += 1;
            let id = groups.0;
            groups.1.push((id, driver.clone()));
            id
        });
        Some(Rc::new(SharedTabs {
            group: RefCell::new(TabGroup::new(ShareConfig::default(), tab)),
            channel,
            locks: locks.unchecked_into(),
            epoch_key: ["agentwire-epoch\n", &scope].concat(),
            lock_name: scope,
            request: RefCell::new(None),
            generation: Cell::new(0),
            asks: RefCell::new(Vec::new()),
            outbox: RefCell::new(Vec::new()),
            leader_known: Cell::new(false),
            ticker: RefCell::new(None),
            _pagehide: pagehide,
            _on_message: on_message,
            on_tick,
            id,
        }))
    }

    fn tab(&self) -> f64 {
        self.group.borrow().tab() as f64
    }

    fn is_leader(&self) -> bool {
        self.group.borrow().is_leader()
    }

    fn post(&self, fields: &[(&str, JsValue)]) {
        let message = Object::new();
        for (key, value) in fields {
            let _ = Reflect::set(&message, &JsValue::from_str(key), value);
        }
        // Fails only once the channel is closed (the transport is being freed).
        let _ = self.channel.post_message(&message);
    }

    /// Asks for the lock: queued behind the leader's, or (`steal`) taken from a silent one.
    fn request_lock(&self, steal: bool) {
        self.abandon_request();
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        let options = Object::new();
        let abort = if steal {
            let _ = Reflect::set(&options, &"steal".into(), &JsValue::TRUE);
            None
        } else {
            let abort = AbortController::new().ok();
            if let Some(abort) = &abort {
                let _ = Reflect::set(&options, &"signal".into(), &abort.signal());
            }
            abort
        };
        let generation_value = JsValue::from(generation as f64);
        let granted = bound(|c| c.granted.as_ref().clone().unchecked_into(), self.id, &[generation_value.clone()]);
        let ended = bound(|c| c.ended.as_ref().clone().unchecked_into(), self.id, &[generation_value]);
        let promise = self.locks.request(&self.lock_name, &options, &granted);
        // Settles when the lock is released (ours resolved), taken from us, or the queued request
        // aborted: in each case this request is over.
        let then: Function = Reflect::get(&promise, &"then".into()).unwrap_or_default().unchecked_into();
        let _ = then.call2(&promise, &ended, &ended);
        *self.request.borrow_mut() = Some(LockRequest { generation, abort, release: None });
    }

    /// Gives up the request this tab has out: releases the lock if held, leaves the queue if not.
    fn abandon_request(&self) {
        let request = self.request.borrow_mut().take();
        if let Some(request) = request {
            if let Some(release) = request.release {
                let _ = js::call0(&release);
            }
            if let Some(abort) = request.abort {
                abort.abort();
            }
        }
    }

    fn start_ticking(&self) {
        if self.ticker.borrow().is_some() {
            return;
        }
        let ticker = worker_ticker(self.on_tick.as_ref().unchecked_ref()).map(Ticker::Worker).unwrap_or_else(|| {
            let tick: Function = self.on_tick.as_ref().clone().unchecked_into();
            Ticker::Interval(gloo_timers::callback::Interval::new(100, move || {
                let _ = js::call0(&tick);
            }))
        });
        *self.ticker.borrow_mut() = Some(ticker);
    }

    fn stored_epoch(&self) -> u64 {
        local_storage().and_then(|s| s.get_item(&self.epoch_key).ok().flatten()).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    fn store_epoch(&self, epoch: u64) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(&self.epoch_key, &epoch.to_string());
        }
    }

    /// The leader tells follower `tab` how its `sendWithAck` ended.
    fn post_settled(&self, tab: f64, id: &JsString, ok: bool, value: &JsValue) {
        if ok {
            self.post(&[("k", "acked".into()), ("tab", tab.into()), ("id", id.into()), ("v", value.clone())]);
        } else {
            let kind = Reflect::get(value, &"kind".into()).unwrap_or_default();
            let message = Reflect::get(value, &"message".into()).unwrap_or_default();
            self.post(&[("k", "nack".into()), ("tab", tab.into()), ("id", id.into()), ("kind", kind), ("m", message)]);
        }
    }

    fn post_asks(&self) {
        let now = clock::now();
        for ask in self.asks.borrow().iter() {
            let timeout = (ask.deadline - now).max(1.0);
            self.post(&[("k", "ask".into()), ("tab", self.tab().into()), ("id", ask.id.as_str().into()), ("t", ask.frame.clone().into()), ("ms", timeout.into())]);
        }
        let outbox = core::mem::take(&mut *self.outbox.borrow_mut());
        for frame in outbox {
            self.post(&[("k", "send".into()), ("t", frame.into())]);
        }
    }
}

impl Drop for SharedTabs {
    fn drop(&mut self) {
        let id = self.id;
        GROUPS.with(|groups| groups.borrow_mut().1.retain(|(group, _)| *group != id));
        self.channel.set_onmessage(None);
        self.channel.close();
        self.abandon_request();
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn worker_ticker(on_tick: &Function) -> Option<Worker> {
    let parts = js_sys::Array::of1(&TICKER.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let worker = Worker::new(&url);
    let _ = web_sys::Url::revoke_object_url(&url);
    let worker = worker.ok()?;
    worker.set_onmessage(Some(on_tick));
    Some(worker)
}

use super::js::property as field;

fn number(message: &JsValue, name: &str) -> Option<f64> {
    field(message, name).as_f64()
}

impl Driver {
    pub fn share(&self) -> Option<Rc<SharedTabs>> {
        self.share.borrow().clone()
    }

    /// `connect()` with `share`: joins the group; the lock decides whether this tab opens the
    /// socket or follows the one that does.
    pub fn join_shared(&self, share: &SharedTabs) {
        let now = clock::now();
        match share.group.borrow().role() {
            Role::Out => {}
            // Already in the group: a connection that ended (closed 1000, gave up) starts again.
            Role::Leader { .. } => {
                self.report(|core, now| core.connect(now));
                return;
            }
            Role::Follower => return share.post(&[("k", "connect".into())]),
        }
        share.group.borrow_mut().join(now);
        share.start_ticking();
        share.request_lock(false);
        self.carry_out_share_actions(share);
        let tabs = share.group.borrow().tabs();
        self.report(|core, _| core.set_sharing(true, false, tabs));
    }

    /// `disconnect()` or `free()` with `share`: this tab leaves the group. A leader's lock
    /// passes to another tab; a follower's waiting `sendWithAck` promises fail with `kind`.
    pub fn leave_shared(&self, share: &SharedTabs, kind: ErrorKind) {
        if share.group.borrow().role() == Role::Out {
            return;
        }
        if share.is_leader() {
            // The followers' messages go to the next leader; this tab's own fail below.
            self.step_down(share);
        }
        share.group.borrow_mut().leave();
        share.abandon_request();
        share.ticker.borrow_mut().take();
        share.leader_known.set(false);
        share.post(&[("k", "bye".into()), ("tab", share.tab().into())]);
        let asks = core::mem::take(&mut *share.asks.borrow_mut());
        let message = if kind == ErrorKind::Freed { "the transport was freed before the ack arrived" } else { "the transport stopped before the ack arrived" };
        for ask in asks {
            let _ = js::call1(&ask.reject, &ack_error(kind, message));
        }
        share.outbox.borrow_mut().clear();
    }

    /// `send` in a follower tab: through the leader.
    pub fn send_shared(&self, share: &SharedTabs, frame: &JsString) -> Option<SendOutcome> {
        if share.is_leader() || share.group.borrow().role() == Role::Out {
            return None;
        }
        if share.leader_known.get() {
            share.post(&[("k", "send".into()), ("t", frame.into())]);
        } else {
            share.outbox.borrow_mut().push(frame.clone());
        }
        Some(if self.status() == Status::Connected { SendOutcome::Sent } else { SendOutcome::Queued })
    }

    /// `sendWithAck` in a follower tab: through the leader, which posts the ack back. Returns
    /// the settle functions when this tab leads (the caller sends as usual).
    pub fn send_with_ack_shared(&self, share: &SharedTabs, frame: JsString, id: String, timeout_ms: f64, resolve: Function, reject: Function) -> Option<(Function, Function)> {
        if share.is_leader() || share.group.borrow().role() == Role::Out {
            return Some((resolve, reject));
        }
        let deadline = clock::now() + timeout_ms;
        if share.leader_known.get() {
            share.post(&[("k", "ask".into()), ("tab", share.tab().into()), ("id", id.as_str().into()), ("t", frame.clone().into()), ("ms", timeout_ms.into())]);
        }
        share.asks.borrow_mut().push(Ask { id, frame, deadline, resolve, reject });
        None
    }

    /// Leader: every event its listeners get goes to the followers too.
    pub fn relay_message(&self, frame: &JsValue) {
        let Some(share) = self.share() else { return };
        if !share.is_leader() {
            return;
        }
        let (session, seq) = {
            let core = self.core.borrow();
            match core.tracks_sequence() {
                true => (core.snapshot().session_id.as_deref().map_or(JsValue::NULL, JsValue::from_str), JsValue::from(core.snapshot().last_seq as f64)),
                false => (JsValue::NULL, JsValue::NULL),
            }
        };
        let epoch = share.group.borrow().epoch() as f64;
        share.post(&[("k", "msg".into()), ("e", epoch.into()), ("t", frame.clone()), ("s", session), ("q", seq)]);
    }

    /// Leader: the snapshot changed (or a follower is new): the followers mirror it.
    pub fn relay_snapshot(&self) {
        let Some(share) = self.share() else { return };
        if !share.is_leader() {
            return;
        }
        let snapshot = values::snapshot_object(self.core.borrow().snapshot());
        let epoch = share.group.borrow().epoch() as f64;
        share.post(&[("k", "state".into()), ("e", epoch.into()), ("v", snapshot)]);
    }

    /// Leader: the connection's errors reach every tab's `onError`; a listener's stay in its tab.
    pub fn relay_error(&self, kind: ErrorKind, message: &str) {
        let Some(share) = self.share() else { return };
        if !share.is_leader() || kind == ErrorKind::Listener {
            return;
        }
        let epoch = share.group.borrow().epoch() as f64;
        share.post(&[("k", "error".into()), ("e", epoch.into()), ("kind", kind.as_str().into()), ("m", message.into())]);
    }

    fn on_lock_granted(&self, generation: u64) -> Promise {
        let Some(share) = self.share() else { return Promise::resolve(&JsValue::UNDEFINED) };
        let current = share.request.borrow().as_ref().is_some_and(|r| r.generation == generation);
        if !current || self.is_freed() || share.group.borrow().role() == Role::Out {
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        let mut release = None;
        let held = Promise::new(&mut |resolve, _| release = Some(resolve));
        if let Some(request) = share.request.borrow_mut().as_mut() {
            request.release = release;
            request.abort = None;
        }
        let now = clock::now();
        let stored = share.stored_epoch();
        let epoch = share.group.borrow_mut().handle_granted(stored, now);
        share.store_epoch(epoch);
        share.leader_known.set(true);
        // What this tab sent through the old leader and is not acknowledged goes out on its own
        // socket now, with the same ids.
        let asks = core::mem::take(&mut *share.asks.borrow_mut());
        let outbox = core::mem::take(&mut *share.outbox.borrow_mut());
        let tabs = share.group.borrow().tabs();
        {
            let mut core = self.core.borrow_mut();
            core.set_sharing(true, true, tabs);
            for frame in outbox {
                let bytes = super::frame::utf8_length(&frame);
                core.send(frame.into(), bytes, now);
            }
        }
        for ask in asks {
            let bytes = super::frame::utf8_length(&ask.frame);
            let timeout = (ask.deadline - now).max(1.0);
            let key = self.core.borrow_mut().send_with_ack(ask.frame.into(), ask.id, bytes, timeout, now);
            self.add_pending_ack(PendingAck { key, resolve: ask.resolve, reject: ask.reject, remote: false });
        }
        #[cfg(feature = "persist")]
        let restoring = self.restore_then_take_over();
        #[cfg(not(feature = "persist"))]
        let restoring = false;
        if !restoring {
            self.core.borrow_mut().take_over(now);
        }
        self.carry_out_share_actions(&share);
        self.pump();
        held
    }

    /// A lock request of this tab is over: released, aborted, or taken by a tab that stole it.
    fn on_lock_ended(&self, generation: u64) {
        let Some(share) = self.share() else { return };
        let current = share.request.borrow().as_ref().is_some_and(|r| r.generation == generation);
        if !current {
            return;
        }
        share.request.borrow_mut().take();
        if share.group.borrow().role() == Role::Out {
            return;
        }
        share.group.borrow_mut().handle_lost(clock::now());
        self.carry_out_share_actions(&share);
        // Back in the queue for the next election.
        if share.request.borrow().is_none() {
            share.request_lock(false);
        }
    }

    fn on_share_tick(&self) {
        let Some(share) = self.share() else { return };
        let now = clock::now();
        share.group.borrow_mut().handle_timeout(now);
        self.carry_out_share_actions(&share);
        if share.is_leader() {
            // The Worker's tick is not throttled in a hidden tab, the window's timer is.
            self.report(|core, now| core.handle_timeout(now));
        } else {
            let expired: Vec<Ask> = {
                let mut asks = share.asks.borrow_mut();
                let (expired, kept) = core::mem::take(&mut *asks).into_iter().partition(|ask| ask.deadline <= now);
                *asks = kept;
                expired
            };
            for ask in expired {
                let _ = js::call1(&ask.reject, &ack_error(ErrorKind::AckTimeout, "no ack within timeoutMs"));
            }
        }
    }

    fn carry_out_share_actions(&self, share: &SharedTabs) {
        loop {
            let action = share.group.borrow_mut().poll_action();
            let Some(action) = action else { break };
            let tab = share.tab();
            match action {
                TabAction::Beacon => {
                    let (epoch, tabs) = {
                        let group = share.group.borrow();
                        (group.epoch() as f64, group.tabs() as f64)
                    };
                    share.post(&[("k", "beacon".into()), ("e", epoch.into()), ("tabs", tabs.into())]);
                }
                TabAction::Hello => share.post(&[("k", "hello".into()), ("tab", tab.into())]),
                TabAction::Steal => share.request_lock(true),
                TabAction::StepDown => self.step_down(share),
                TabAction::NewLeader => {
                    share.leader_known.set(true);
                    share.post_asks();
                }
                TabAction::TabsChanged(tabs) => {
                    let leader = share.is_leader();
                    self.report(|core, _| core.set_sharing(true, leader, tabs));
                }
            }
        }
    }

    /// This tab no longer leads: its socket closes; what it held goes through the new leader.
    fn step_down(&self, share: &SharedTabs) {
        let now = clock::now();
        let held = self.core.borrow_mut().step_down(now);
        for outbound in held {
            let frame: JsString = outbound.frame.unchecked_into();
            match outbound.ack {
                None => share.outbox.borrow_mut().push(frame),
                Some(hold) => {
                    let pending = self.take_pending_ack(hold.key);
                    // A follower's own: it re-posts it to the new leader itself.
                    if let Some(pending) = pending.filter(|p| !p.remote) {
                        share.asks.borrow_mut().push(Ask { id: hold.id, frame, deadline: hold.deadline, resolve: pending.resolve, reject: pending.reject });
                    }
                }
            }
        }
        share.leader_known.set(false);
        let tabs = share.group.borrow().tabs();
        self.report(|core, _| core.set_sharing(true, false, tabs));
        if share.request.borrow().is_none() {
            share.request_lock(false);
        }
    }

    fn on_channel_message(&self, message: &JsValue) {
        let Some(share) = self.share() else { return };
        if self.is_freed() {
            return;
        }
        let kind = field(message, "k").as_string().unwrap_or_default();
        let now = clock::now();
        let epoch = number(message, "e").map(|e| e as u64);
        let tab = number(message, "tab");
        match kind.as_str() {
            // From a leader.
            "beacon" | "state" | "msg" | "error" => {
                let tabs = number(message, "tabs").map(|t| t as usize);
                let accepted = share.group.borrow_mut().handle_leader_word(epoch.unwrap_or(0), tabs, now);
                self.carry_out_share_actions(&share);
                if !accepted {
                    return;
                }
                match kind.as_str() {
                    "state" => {
                        if let Some(snapshot) = values::read_snapshot(&field(message, "v")) {
                            self.report(|core, _| core.mirror(snapshot));
                        }
                    }
                    "msg" => {
                        let session = field(message, "s").as_string();
                        let seq = number(message, "q").map(|q| q as u64);
                        let deliver = self.core.borrow_mut().accept_relayed(session.as_deref(), seq);
                        if deliver {
                            if let Ok(text) = field(message, "t").dyn_into::<JsString>() {
                                self.deliver_relayed(&text);
                            }
                        }
                    }
                    "error" => {
                        let kind = field(message, "kind").as_string().and_then(|k| ErrorKind::ALL.into_iter().find(|e| e.as_str() == k));
                        if let Some(kind) = kind {
                            let text = field(message, "m").as_string().unwrap_or_default();
                            self.report_error(kind, text, None);
                        }
                    }
                    _ => {}
                }
            }
            // From a follower, for the leader.
            "hello" | "send" | "ask" | "bye" | "connect" if share.is_leader() => {
                match kind.as_str() {
                    "connect" => {
                        self.report(|core, now| core.connect(now));
                    }
                    "hello" => {
                        let new = share.group.borrow_mut().handle_follower_word(tab.unwrap_or(0.0) as u64, now);
                        self.carry_out_share_actions(&share);
                        if new {
                            self.relay_snapshot();
                        }
                    }
                    "bye" => {
                        share.group.borrow_mut().handle_bye(tab.unwrap_or(0.0) as u64);
                        self.carry_out_share_actions(&share);
                    }
                    "send" => {
                        if let Ok(frame) = field(message, "t").dyn_into::<JsString>() {
                            let bytes = super::frame::utf8_length(&frame);
                            self.report(|core, now| core.send(frame.into(), bytes, now));
                        }
                    }
                    _ => self.take_ask(&share, message, tab.unwrap_or(0.0), now),
                }
            }
            // The leader's answer to one of this tab's `sendWithAck`.
            "acked" | "nack" if tab == Some(share.tab()) => {
                let id = field(message, "id").as_string().unwrap_or_default();
                let ask = {
                    let mut asks = share.asks.borrow_mut();
                    asks.iter().position(|a| a.id == id).map(|at| asks.remove(at))
                };
                if let Some(ask) = ask {
                    if kind == "acked" {
                        let _ = js::call1(&ask.resolve, &field(message, "v"));
                    } else {
                        let kind = field(message, "kind").as_string().and_then(|k| ErrorKind::ALL.into_iter().find(|e| e.as_str() == k));
                        let text = field(message, "m").as_string().unwrap_or_default();
                        let text = text.strip_prefix("sendWithAck(): ").unwrap_or(&text).to_owned();
                        let _ = js::call1(&ask.reject, &ack_error(kind.unwrap_or(ErrorKind::Disconnected), &text));
                    }
                }
            }
            _ => {}
        }
    }

    /// Leader: a follower's `sendWithAck`, sent with its id; the ack goes back to that tab.
    fn take_ask(&self, share: &SharedTabs, message: &JsValue, tab: f64, now: f64) {
        let (Ok(frame), Some(id)) = (field(message, "t").dyn_into::<JsString>(), field(message, "id").as_string()) else { return };
        let timeout = number(message, "ms").filter(|ms| *ms > 0.0).unwrap_or(crate::core::DEFAULT_ACK_TIMEOUT_MS);
        let (tab, id_value) = (JsValue::from(tab), JsValue::from_str(&id));
        let settled = |c: &Callbacks| -> Function { c.settled.as_ref().clone().unchecked_into() };
        let resolve = bound(settled, share.id, &[tab.clone(), id_value.clone(), JsValue::TRUE]);
        let reject = bound(settled, share.id, &[tab, id_value, JsValue::FALSE]);
        let bytes = super::frame::utf8_length(&frame);
        let key = self.core.borrow_mut().send_with_ack(frame.into(), id, bytes, timeout, now);
        self.add_pending_ack(PendingAck { key, resolve, reject, remote: true });
        self.pump();
    }
}
