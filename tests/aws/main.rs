//! Everything that talks to AWS, against the project's IAM/STS emulator on loopback (and, for
//! protect, gnome-keyring on a private D-Bus): the online audit, rotate and its recovery from
//! every step, protect and credential-process.

mod contain;
mod emulator;
mod incident;
mod online;
mod protect;
mod rotate;
mod rotate_recovery;
mod secret_store;
mod trail;
