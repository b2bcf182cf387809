//! Sample account-manager (being written).
