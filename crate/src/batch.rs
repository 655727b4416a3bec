//! Mini-batches (being written).
