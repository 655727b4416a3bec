//! Networks (being written).
