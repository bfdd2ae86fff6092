//! Error bodies.
