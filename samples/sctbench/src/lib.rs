//! Sample sctbench (being written).
