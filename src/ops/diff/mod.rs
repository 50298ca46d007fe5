//! What differs between two estates.

pub mod objects;
