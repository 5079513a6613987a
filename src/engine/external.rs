//! Payloads the driver keeps (issue #23's copy budget): a large PUBLISH payload can stay where
//! the page put it, outside the core, which knows it only by the driver's handle and its
//! length. The PUBLISH is encoded around it, the flush names it where it goes
//! (`transmit::Piece::External`), and the driver copies it once, into what it sends.
//!
//! The session holds a claim on each such payload wherever it would hold the bytes (offline
//! queue, in-flight entry for a resend, pending flush, a PACKET_SENT event); clones share the
//! claim, and when the last one is dropped the handle is listed in `Releases`, which the
//! driver drains to let the payload go. Released exactly once, and never while anything in
//! the session can still send it, by construction: no path has to remember to release.
//!
//! Only with the Cargo feature `splice-payloads`: without it (the WeChat core) the claim is a
//! type with no values, so every path that carries one compiles away.

#[cfg(feature = "splice-payloads")]
use alloc::rc::Rc;
use alloc::vec::Vec;
#[cfg(feature = "splice-payloads")]
use core::cell::Cell;

/// Handles of payloads the session no longer needs, in the order they were let go.
#[derive(Default)]
pub struct Releases {
    #[cfg(feature = "splice-payloads")]
    list: Rc<Cell<Vec<u32>>>,
}

impl Releases {
    /// The handles released since the last call.
    pub fn take(&self) -> Vec<u32> {
        #[cfg(feature = "splice-payloads")]
        return self.list.take();
        #[cfg(not(feature = "splice-payloads"))]
        Vec::new()
    }
}

/// The session's claim on a payload the driver keeps under a handle.
#[cfg(feature = "splice-payloads")]
#[derive(Clone)]
pub struct ExternalPayload(Rc<Claim>);

/// Without `splice-payloads` there are no payloads kept outside the core.
#[cfg(not(feature = "splice-payloads"))]
#[derive(Clone)]
pub enum ExternalPayload {}

#[cfg(feature = "splice-payloads")]
struct Claim {
    handle: u32,
    len: usize,
    releases: Rc<Cell<Vec<u32>>>,
}

#[cfg(feature = "splice-payloads")]
impl Drop for Claim {
    fn drop(&mut self) {
        let mut list = self.releases.take();
        list.push(self.handle);
        self.releases.set(list);
    }
}

impl ExternalPayload {
    /// A claim released into `releases`; `None` in a build without `splice-payloads`.
    #[allow(unused_variables)]
    pub(super) fn new(handle: u32, len: usize, releases: &Releases) -> Option<ExternalPayload> {
        #[cfg(feature = "splice-payloads")]
        return Some(ExternalPayload(Rc::new(Claim {
            handle,
            len,
            releases: releases.list.clone(),
        })));
        #[cfg(not(feature = "splice-payloads"))]
        None
    }

    /// The driver's name for the payload.
    pub fn handle(&self) -> u32 {
        #[cfg(feature = "splice-payloads")]
        return self.0.handle;
        #[cfg(not(feature = "splice-payloads"))]
        match *self {}
    }

    /// The payload's length in bytes.
    pub fn len(&self) -> usize {
        #[cfg(feature = "splice-payloads")]
        return self.0.len;
        #[cfg(not(feature = "splice-payloads"))]
        match *self {}
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for ExternalPayload {
    fn eq(&self, other: &Self) -> bool {
        self.handle() == other.handle() && self.len() == other.len()
    }
}

impl core::fmt::Debug for ExternalPayload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExternalPayload")
            .field("handle", &self.handle())
            .field("len", &self.len())
            .finish()
    }
}
