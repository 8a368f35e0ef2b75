//! Zip reader (being written).
