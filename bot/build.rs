//! Builds the bot again when a file under `locales/` is added or removed:
//! the bundles are embedded with `include_dir!`, which on stable Rust sees
//! an edited file but not a new one.

fn main() {
    println!("cargo:rerun-if-changed=locales");
}
