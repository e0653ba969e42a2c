//! Synthetic data for benchmarks.
