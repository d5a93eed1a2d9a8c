//! The simulated store's capacity: at most `capacity` calls served at once, each for a drawn
//! service time, the rest waiting in a FIFO queue. A call takes effect when its service ends, so
//! every retry adds to the queue that slows every other call: a retry storm can feed itself.

use std::collections::VecDeque;

use crate::clock::Nanos;
use crate::rng::WriterRng;
use crate::workload::dist::TimeDist;

/// What happened to a call that reached the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Admitted {
    /// Unlimited store: the call takes effect now.
    Now,
    /// A server took it; its service ends at this time.
    ServedUntil(Nanos),
    /// Every server is busy; it waits in the queue.
    Queued,
}

/// The servers and their queue, with the figures a report needs.
#[derive(Debug)]
pub(super) struct StoreServer {
    limit: Option<(u32, TimeDist)>,
    busy: u32,
    waiting: VecDeque<u32>,
    max_queue: u64,
    queue_per_window: Vec<u64>,
    window_ns: Nanos,
    busy_ns: u128,
}

impl StoreServer {
    /// Servers as `[sim]` says: `capacity` of them with `service_time`, or unlimited (`None`).
    pub(super) fn new(limit: Option<(u32, TimeDist)>, window_ns: Nanos) -> Self {
        Self {
            limit,
            busy: 0,
            waiting: VecDeque::new(),
            max_queue: 0,
            queue_per_window: Vec::new(),
            window_ns: window_ns.max(1),
            busy_ns: 0,
        }
    }

    /// True when calls take effect as they arrive.
    #[inline]
    pub(super) fn unlimited(&self) -> bool {
        self.limit.is_none()
    }

    fn serve(&mut self, now: Nanos, rng: &mut WriterRng) -> Nanos {
        let service = match self.limit {
            Some((_, dist)) => dist.sample(rng),
            None => 0,
        };
        self.busy_ns += u128::from(service);
        now + service
    }

    /// Call `call` reaches the store at `now`; `rng` draws its service time.
    #[inline]
    pub(super) fn arrive(&mut self, call: u32, now: Nanos, rng: &mut WriterRng) -> Admitted {
        let Some((capacity, _)) = self.limit else {
            return Admitted::Now;
        };
        if self.busy < capacity {
            self.busy += 1;
            return Admitted::ServedUntil(self.serve(now, rng));
        }
        self.waiting.push_back(call);
        let len = self.waiting.len() as u64;
        self.max_queue = self.max_queue.max(len);
        let w = (now / self.window_ns) as usize;
        if w >= self.queue_per_window.len() {
            self.queue_per_window.resize(w + 1, 0);
        }
        self.queue_per_window[w] = self.queue_per_window[w].max(len);
        Admitted::Queued
    }

    /// The call waiting longest, if any, whose service should start at `now` because one ended
    /// (the caller draws its service time with that call's writer's `rng` via [`Self::start`]).
    #[inline]
    pub(super) fn release(&mut self) -> Option<u32> {
        self.busy -= 1;
        self.waiting.pop_front()
    }

    /// Starts serving a call taken off the queue at `now`; returns when its service ends.
    #[inline]
    pub(super) fn start(&mut self, now: Nanos, rng: &mut WriterRng) -> Nanos {
        self.busy += 1;
        self.serve(now, rng)
    }

    /// The longest the queue was.
    pub(super) fn max_queue(&self) -> u64 {
        self.max_queue
    }

    /// The longest the queue was in each window.
    pub(super) fn queue_per_window(&self) -> &[u64] {
        &self.queue_per_window
    }

    /// Calls the store serves at once (`None`: unlimited).
    pub(super) fn capacity(&self) -> Option<u32> {
        self.limit.map(|(c, _)| c)
    }

    /// Share of `capacity × elapsed` spent serving.
    pub(super) fn utilisation(&self, elapsed_ns: Nanos) -> f64 {
        match self.limit {
            Some((c, _)) if elapsed_ns > 0 => {
                self.busy_ns as f64 / (f64::from(c) * elapsed_ns as f64)
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::writer_rng;
    use crate::units::Duration;

    #[test]
    fn serves_at_most_capacity_and_queues_in_order() {
        let service = TimeDist::Constant {
            value: Duration(10),
        };
        let mut s = StoreServer::new(Some((2, service)), 100);
        let mut rng = writer_rng(1, 0, 0);
        assert_eq!(s.arrive(0, 0, &mut rng), Admitted::ServedUntil(10));
        assert_eq!(s.arrive(1, 0, &mut rng), Admitted::ServedUntil(10));
        assert_eq!(s.arrive(2, 1, &mut rng), Admitted::Queued);
        assert_eq!(s.arrive(3, 2, &mut rng), Admitted::Queued);
        assert_eq!(s.max_queue(), 2);
        assert_eq!(s.release(), Some(2), "first queued, first served");
        assert_eq!(s.start(10, &mut rng), 20);
        assert_eq!(s.release(), Some(3));
        assert_eq!(s.start(10, &mut rng), 20);
        assert_eq!(s.release(), None);
        assert_eq!(s.release(), None);
        assert_eq!(s.arrive(4, 150, &mut rng), Admitted::ServedUntil(160));
        assert_eq!(s.queue_per_window(), &[2]);
        assert!(
            (s.utilisation(160) - 50.0 / 320.0).abs() < 1e-12,
            "5 services of 10ns on 2 servers over 160ns"
        );
    }

    #[test]
    fn unlimited_store_serves_at_once() {
        let mut s = StoreServer::new(None, 100);
        let mut rng = writer_rng(1, 0, 0);
        assert!(s.unlimited());
        assert_eq!(s.arrive(0, 5, &mut rng), Admitted::Now);
        assert_eq!(s.max_queue(), 0);
    }
}
