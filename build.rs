//! Build script: rebuild the binary when the default theme changes, since
//! `include_dir!` embeds it but does not tell cargo to watch its files.

fn main() {
    println!("cargo:rerun-if-changed=themes/default");
    println!("cargo:rerun-if-changed=assets");
}
