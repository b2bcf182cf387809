//! Sample foo-bar (being written).
