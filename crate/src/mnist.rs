//! MNIST loading (SKELETON: issue 3).
