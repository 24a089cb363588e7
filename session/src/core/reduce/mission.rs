//! `/ws/mission`: the latest mission signal.

use super::Context;
use crate::core::event::MissionEvent;
use crate::core::log::Summary;
use crate::core::session::Session;
use crate::core::state::{Mission, Part};
use crate::core::text::Text;

impl<V: Clone> Session<V> {
    pub(super) fn reduce_mission(&mut self, event: MissionEvent, context: Context) -> Summary {
        let Context { at, .. } = context;
        let text = match event {
            MissionEvent::Signal { status, crew_id, seq } => {
                let text = Text::new(crew_id.as_deref().unwrap_or("mission")).s(": ").s(&status).done();
                let mission = Some(Mission { status, crew_id, seq, at });
                if self.state.mission != mission {
                    self.state.mission = mission;
                    self.mark(Part::Mission);
                }
                text
            }
        };
        Summary::Text(text)
    }
}
