//! Errors of the command table: commands it cannot answer for, or that the
//! server would refuse before routing them.

use core::fmt;

use alloc::string::String;

/// A command the table cannot answer for, or that the server would refuse
/// before routing it.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// The argument vector is empty.
    Empty,
    /// No such command (the server: `unknown command`).
    UnknownCommand {
        /// The name as given (lossy UTF-8).
        name: String,
    },
    /// No such subcommand of a container command (the server: `unknown subcommand`).
    UnknownSubcommand {
        /// The container command, lower case.
        command: String,
        /// The subcommand as given (lossy UTF-8).
        subcommand: String,
    },
    /// The argument count fails the command's arity (the server: `wrong number of arguments`).
    WrongArity {
        /// The command, lower case (`container|sub` for subcommands).
        command: String,
    },
    /// `COMMAND GETKEYS` only: the command takes no keys at all.
    NoKeyArguments {
        /// The command.
        command: String,
    },
    /// `COMMAND GETKEYS` only: the arguments give no keys
    /// (the server: `Invalid arguments specified for command`).
    InvalidArguments {
        /// The command.
        command: String,
    },
    /// Keys in different hash slots (the server: `CROSSSLOT`).
    CrossSlot {
        /// Position in argv of the first key.
        first: usize,
        /// Position in argv of the first key in another slot.
        other: usize,
        /// Slot of the first key.
        first_slot: u16,
        /// Slot of the other key.
        other_slot: u16,
    },
    /// Keys of a MULTI/EXEC block in different hash slots (EXEC would fail).
    CrossSlotTransaction {
        /// (command index, argv position) of the first key.
        first: (usize, usize),
        /// (command index, argv position) of the first key in another slot.
        other: (usize, usize),
        /// Slot of the first key.
        first_slot: u16,
        /// Slot of the other key.
        other_slot: u16,
    },
    /// A command whose keys span slots and whose atomicity a split would break.
    NotSplittable {
        /// The command.
        command: String,
    },
    /// The table's hashing policy has no rule matching a key.
    NoRuleMatched {
        /// Position in argv of the key.
        pos: usize,
    },
    /// A `COMMAND` reply that cannot be read.
    MalformedReply {
        /// Where in the reply.
        at: String,
        /// What was expected there.
        expected: &'static str,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty command"),
            Self::UnknownCommand { name } => write!(f, "unknown command '{name}'"),
            Self::UnknownSubcommand { command, subcommand } => {
                write!(f, "unknown subcommand '{subcommand}' of '{command}'")
            }
            Self::WrongArity { command } => write!(f, "wrong number of arguments for '{command}' command"),
            Self::NoKeyArguments { command } => write!(f, "'{command}' has no key arguments"),
            Self::InvalidArguments { command } => write!(f, "invalid arguments for '{command}': no keys found"),
            Self::CrossSlot { first, other, first_slot, other_slot } => write!(
                f,
                "keys in request don't hash to the same slot: argument {first} is in slot {first_slot}, \
                 argument {other} in slot {other_slot}"
            ),
            Self::CrossSlotTransaction { first, other, first_slot, other_slot } => write!(
                f,
                "keys in the transaction don't hash to the same slot: command {} argument {} is in slot \
                 {first_slot}, command {} argument {} in slot {other_slot}",
                first.0, first.1, other.0, other.1
            ),
            Self::NotSplittable { command } => write!(
                f,
                "'{command}' keys span several slots and splitting it would break its atomicity"
            ),
            Self::NoRuleMatched { pos } => {
                write!(f, "argument {pos}: no rule of the hashing policy matches this key")
            }
            Self::MalformedReply { at, expected } => {
                write!(f, "malformed COMMAND reply at {at}: expected {expected}")
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for CommandError {}

#[cfg(feature = "alloc")]
impl CommandError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "ERR_KEYROUTE_EMPTY_COMMAND",
            Self::UnknownCommand { .. } | Self::UnknownSubcommand { .. } => {
                "ERR_KEYROUTE_UNKNOWN_COMMAND"
            }
            Self::WrongArity { .. } => "ERR_KEYROUTE_WRONG_ARITY",
            Self::NoKeyArguments { .. } => "ERR_KEYROUTE_NO_KEY_ARGUMENTS",
            Self::InvalidArguments { .. } => "ERR_KEYROUTE_INVALID_ARGUMENTS",
            Self::CrossSlot { .. } => "ERR_KEYROUTE_CROSSSLOT",
            Self::CrossSlotTransaction { .. } => "ERR_KEYROUTE_CROSSSLOT_TRANSACTION",
            Self::NotSplittable { .. } => "ERR_KEYROUTE_NOT_SPLITTABLE",
            Self::NoRuleMatched { .. } => "ERR_KEYROUTE_NO_RULE_MATCHED",
            Self::MalformedReply { .. } => "ERR_KEYROUTE_COMMAND_MALFORMED_REPLY",
        }
    }
}
