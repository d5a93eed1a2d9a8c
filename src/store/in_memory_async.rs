//! An in-memory store behind the async contract, so the async engine can run every scenario
//! without a server, and its own overhead shows against the threaded engine on the same store.
//!
//! Every call answers at once, without an await point: nothing here waits, so a writer task
//! runs until its next think or backoff wait, as a writer thread would.

use std::convert::Infallible;
use std::sync::Arc;

use super::{ActorId, AsyncEventStore, Event, EventStore, SaveError, Version};

/// An [`EventStore`] reached through [`AsyncEventStore`]; its reads never fail.
#[derive(Clone)]
pub struct InMemoryAsync(pub Arc<dyn EventStore>);

impl std::fmt::Debug for InMemoryAsync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("InMemoryAsync")
            .field(&self.0.name())
            .finish()
    }
}

impl AsyncEventStore for InMemoryAsync {
    type Error = Infallible;

    fn name(&self) -> &'static str {
        self.0.name()
    }

    async fn save(&self, event: Event) -> Result<(), SaveError> {
        self.0.save(event)
    }

    async fn latest_version(&self, actor: ActorId) -> Result<Version, Infallible> {
        Ok(self.0.latest_version(actor))
    }

    async fn events(&self, actor: ActorId, from: Version) -> Result<Vec<Event>, Infallible> {
        Ok(self.0.events(actor, from))
    }

    async fn event_at(
        &self,
        actor: ActorId,
        version: Version,
    ) -> Result<Option<Event>, Infallible> {
        let mut buf = Vec::with_capacity(1);
        self.0.events_into(actor, version.max(1), &mut buf);
        Ok(buf.first().copied().filter(|e| e.version == version))
    }

    async fn event_count(&self) -> Result<u64, Infallible> {
        Ok(self.0.event_count())
    }

    async fn actors(&self) -> Result<Vec<ActorId>, Infallible> {
        Ok(self.0.actors())
    }

    async fn prefill(&self, actors: u64, per_actor: u64, payload: u64) -> Result<(), Infallible> {
        for actor in 0..actors {
            for version in 1..=per_actor {
                // A fresh store accepts these in order; a refusal shows in the audit.
                let _ = self.0.save(Event {
                    actor,
                    version,
                    event_type: 0,
                    payload,
                    timestamp_ns: 0,
                });
            }
        }
        Ok(())
    }

    async fn read_all(&self) -> Result<Vec<Event>, Infallible> {
        let mut actors = self.0.actors();
        actors.sort_unstable();
        let mut all = Vec::with_capacity(usize::try_from(self.0.event_count()).unwrap_or(0));
        for actor in actors {
            self.0.events_into(actor, 1, &mut all);
        }
        Ok(all)
    }
}
