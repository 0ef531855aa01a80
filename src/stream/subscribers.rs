//! Who subscribes to an output port's topic: distinct peers, not
//! subscription frames.
//!
//! An XPUB with `ZMQ_XPUB_VERBOSER` passes up every subscribe and
//! unsubscribe it is sent. A frame read from it carries the metadata of the
//! connection it came from (libzmq makes one metadata object per
//! connection and attaches it to every message of that connection), so
//! the address of that object names the peer. Holding one frame of each
//! peer keeps its metadata alive, so no other connection can be given the
//! same address while the peer is tracked.
//!
//! Two kinds of frames carry no metadata: the subscriptions of `inproc://`
//! peers (no connection), and the unsubscriptions libzmq makes on a peer's
//! behalf when its connection ends — one for each of the peer's
//! subscriptions, all at once. Such an anonymous run of unsubscriptions (a
//! *burst*) is matched against the peers known to hold exactly those
//! prefixes; peers with the same prefixes are interchangeable for the
//! count. An `inproc://` subscription counts as a peer of its own.
//!
//! Only prefixes of the port's topic are kept (a prefix is stored as its
//! length), so a peer's entry is at most `topic.len() + 1` numbers and one
//! frame whatever it sends; what a peer sends about other topics, and
//! unsubscriptions of what it never subscribed, change nothing.

use std::collections::HashMap;

/// A peer's subscriptions that match the topic: sorted, distinct prefix
/// lengths.
type Prefixes = Vec<u32>;

/// A known peer.
struct Peer {
    /// A frame of the peer's, held so that its metadata (whose address is
    /// the peer's key) outlives the tracking.
    _frame: zmq::Message,
    prefixes: Prefixes,
}

/// The subscribers of one topic.
pub(super) struct Subscribers {
    topic: Box<[u8]>,
    /// Peers with metadata, by the address of their metadata.
    named: HashMap<usize, Peer>,
    /// Anonymous subscriptions (`inproc://` peers): how many per prefix.
    anonymous: HashMap<u32, usize>,
    /// Anonymous unsubscriptions read and not yet matched to peers.
    burst: Vec<u32>,
}

impl Subscribers {
    pub(super) fn new(topic: &[u8]) -> Self {
        Subscribers {
            topic: topic.into(),
            named: HashMap::new(),
            anonymous: HashMap::new(),
            burst: Vec::new(),
        }
    }

    /// Distinct peers with at least one subscription matching the topic.
    /// Call [`Subscribers::settle`] first when frames were read.
    pub(super) fn count(&self) -> usize {
        self.named.len() + self.anonymous.values().sum::<usize>()
    }

    /// Takes one frame read from the XPUB.
    pub(super) fn take(&mut self, mut frame: zmq::Message) {
        let Some((&kind, prefix)) = frame.split_first() else {
            return;
        };
        if kind > 1 || !self.topic.starts_with(prefix) {
            return;
        }
        let subscribe = kind == 1;
        // A prefix of the topic: far shorter than 4 GiB.
        let len = u32::try_from(prefix.len()).unwrap_or(u32::MAX);
        match (peer_key(&mut frame), subscribe) {
            (None, false) => self.burst.push(len),
            (None, true) => {
                self.settle();
                *self.anonymous.entry(len).or_default() += 1;
            }
            (Some(key), true) => {
                self.settle();
                let peer = self.named.entry(key).or_insert_with(|| Peer {
                    _frame: frame,
                    prefixes: Vec::new(),
                });
                if let Err(at) = peer.prefixes.binary_search(&len) {
                    peer.prefixes.insert(at, len);
                }
            }
            (Some(key), false) => {
                self.settle();
                if let Some(peer) = self.named.get_mut(&key) {
                    if let Ok(at) = peer.prefixes.binary_search(&len) {
                        peer.prefixes.remove(at);
                    }
                    if peer.prefixes.is_empty() {
                        self.named.remove(&key);
                    }
                }
            }
        }
    }

    /// Matches the anonymous unsubscriptions read so far to peers: the peer
    /// holding the most of them (all its prefixes within the burst), else an
    /// anonymous subscription, else one prefix of a peer that holds it among
    /// others.
    pub(super) fn settle(&mut self) {
        self.burst.sort_unstable();
        while let Some(&first) = self.burst.first() {
            let best = self
                .named
                .iter()
                .filter(|(_, peer)| within(&peer.prefixes, &self.burst))
                .max_by_key(|(_, peer)| peer.prefixes.len())
                .map(|(key, _)| *key);
            if let Some(key) = best {
                if let Some(peer) = self.named.remove(&key) {
                    remove_each(&mut self.burst, &peer.prefixes);
                }
                continue;
            }
            self.burst.remove(0);
            if let Some(n) = self.anonymous.get_mut(&first) {
                *n -= 1;
                if *n == 0 {
                    self.anonymous.remove(&first);
                }
                continue;
            }
            let holder = self
                .named
                .iter()
                .find(|(_, peer)| peer.prefixes.binary_search(&first).is_ok())
                .map(|(key, _)| *key);
            if let Some(key) = holder {
                if let Some(peer) = self.named.get_mut(&key) {
                    peer.prefixes.retain(|&l| l != first);
                    if peer.prefixes.is_empty() {
                        self.named.remove(&key);
                    }
                }
            }
        }
    }
}

/// The peer a frame came from: the address of its connection's metadata
/// (see the module docs), `None` for a frame without metadata.
fn peer_key(frame: &mut zmq::Message) -> Option<usize> {
    // Every ZMTP 3 handshake carries Socket-Type; Peer-Address is the
    // engine's own, for older peers.
    ["Socket-Type", "Peer-Address"]
        .into_iter()
        .find_map(|property| frame.gets(property).map(|v| v.as_ptr() as usize))
}

/// True when every prefix of `set` (distinct) is in `burst` (sorted, may
/// repeat).
fn within(set: &[u32], burst: &[u32]) -> bool {
    set.iter().all(|l| burst.binary_search(l).is_ok())
}

/// Removes one of each of `set` from `burst`, keeping it sorted.
fn remove_each(burst: &mut Vec<u32>, set: &[u32]) {
    for l in set {
        if let Ok(at) = burst.binary_search(l) {
            burst.remove(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &[u8] = b"asr";

    fn frame(kind: u8, prefix: &[u8]) -> zmq::Message {
        let mut bytes = vec![kind];
        bytes.extend_from_slice(prefix);
        zmq::Message::from(&bytes[..])
    }

    #[test]
    fn anonymous_subscriptions_count_and_unsubscribe_once_each() {
        let mut subs = Subscribers::new(TOPIC);
        subs.take(frame(1, b"asr"));
        subs.take(frame(1, b""));
        subs.take(frame(1, b"video"));
        subs.take(frame(1, b"asr2"));
        assert_eq!(subs.count(), 2, "only prefixes of the topic count");
        subs.take(frame(0, b"asr"));
        subs.take(frame(0, b"asr"));
        subs.settle();
        assert_eq!(subs.count(), 1, "a second unsubscription finds nothing");
        subs.take(frame(0, b""));
        subs.settle();
        assert_eq!(subs.count(), 0);
    }

    #[test]
    fn bursts_and_flags_outside_the_protocol_change_nothing_else() {
        let mut subs = Subscribers::new(TOPIC);
        subs.take(frame(1, b"as"));
        subs.take(frame(7, b"as"));
        subs.take(zmq::Message::new());
        assert_eq!(subs.count(), 1);
        subs.take(frame(0, b"a"));
        subs.take(frame(0, b"zzz"));
        subs.settle();
        assert_eq!(subs.count(), 1, "unsubscribing what nobody holds");
        assert!(subs.burst.is_empty());
    }

    #[test]
    fn set_helpers() {
        assert!(within(&[0, 3], &[0, 0, 3]));
        assert!(!within(&[0, 2], &[0, 3]));
        let mut burst = vec![0, 0, 3, 3];
        remove_each(&mut burst, &[0, 3]);
        assert_eq!(burst, vec![0, 3]);
    }
}
