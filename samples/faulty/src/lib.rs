//! Sample faulty (being written).
