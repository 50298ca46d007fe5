//! Exit codes, shared by the front ends and the option checks (listed in `--help` and
//! the README).

/// Everything worked.
pub const OK: i32 = 0;
/// A command failed, nothing could be read, or the output could not be written.
pub const COMMAND_FAILED: i32 = 1;
/// Usage: a bad option, script or scenario; nothing ran.
pub const USAGE: i32 = 2;
/// `audit` found something at or above `--fail-on`, or `diff` a new finding at or
/// above its `--fail-on` (and no command failed).
pub const FINDINGS: i32 = 3;
/// Partial data: some region could not be read.
pub const PARTIAL: i32 = 4;
