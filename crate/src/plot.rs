//! Figures (SKELETON: issue 4).
