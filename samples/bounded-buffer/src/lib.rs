//! Sample bounded-buffer (being written).
