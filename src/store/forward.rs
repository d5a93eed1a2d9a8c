//! Shared handles are stores too: `Arc<S>` and `&S` forward every call, so the decorators can
//! wrap the `Arc<dyn EventStore>` that [`StoreKind::build`](super::StoreKind::build) returns.

use std::sync::Arc;

use super::{ActorId, Event, EventStore, SaveError, Version};

macro_rules! forward_event_store {
    ($($handle:ty),*) => {$(
        impl<S: EventStore + ?Sized> EventStore for $handle {
            fn name(&self) -> &'static str {
                (**self).name()
            }
            fn save(&self, event: Event) -> Result<(), SaveError> {
                (**self).save(event)
            }
            fn latest_version(&self, actor: ActorId) -> Version {
                (**self).latest_version(actor)
            }
            fn events_into(&self, actor: ActorId, from_version: Version, out: &mut Vec<Event>) {
                (**self).events_into(actor, from_version, out)
            }
            fn event_count(&self) -> u64 {
                (**self).event_count()
            }
            fn actors(&self) -> Vec<ActorId> {
                (**self).actors()
            }
            fn heap_bytes(&self) -> usize {
                (**self).heap_bytes()
            }
        }
    )*};
}

forward_event_store!(Arc<S>, &S);
