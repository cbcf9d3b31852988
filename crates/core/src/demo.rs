//! Deterministic demo company (F6).
