//! Tests for the Word reader: hand-written WordprocessingML zipped in memory, plus a sweep over
//! the real-world files in `shared/realworld/docx`.
