//! `cargo xtask datasets`: the Debian data packages the workloads read, whether each is
//! installed, and their installation (as root) or the exact command to run (otherwise).

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

/// A Debian package a workload reads at run time.
struct DataPackage {
    package: &'static str,
    /// A file the package installs (present = installed).
    probe: &'static str,
    workloads: &'static str,
    license: &'static str,
}

const PACKAGES: &[DataPackage] = &[
    DataPackage {
        package: "dataset-fashion-mnist",
        probe: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
        workloads: "resnet_tiny, vit_tiny (a subset is committed in datasets/fashion-mnist)",
        license: "MIT",
    },
    DataPackage {
        package: "trans-de-en",
        probe: "/usr/share/trans/de-en",
        workloads: "transformer_tiny",
        license: "GPL-2+ (read at run time, never committed)",
    },
    DataPackage {
        package: "mricron-data",
        probe: "/usr/share/mricron/templates/ch2.nii.gz",
        workloads: "unet_tiny",
        license: "BSD-3-clause",
    },
];

/// Arguments of `cargo xtask datasets`.
#[derive(clap::Args)]
pub struct DatasetsArgs {
    /// Only report what is installed; install nothing.
    #[arg(long)]
    check: bool,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn apt_get(args: &[&str]) -> Result<bool> {
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("cannot run apt-get")?;
    Ok(status.success())
}

/// Reports and installs the data packages.
pub fn run(args: DatasetsArgs) -> Result<ExitCode> {
    let missing: Vec<&DataPackage> = PACKAGES
        .iter()
        .filter(|p| !Path::new(p.probe).exists())
        .collect();
    for p in PACKAGES {
        let state = if Path::new(p.probe).exists() {
            "installed"
        } else {
            "MISSING"
        };
        outln!(
            "{:<22} {:<9} for {}; {}",
            p.package,
            state,
            p.workloads,
            p.license
        );
    }
    if missing.is_empty() {
        outln!("every data package is installed (details: datasets/README.md)");
        return Ok(ExitCode::SUCCESS);
    }
    let names: Vec<&str> = missing.iter().map(|p| p.package).collect();
    let command = format!("apt-get install -y {}", names.join(" "));
    if args.check {
        outln!("to install: sudo {command}");
        return Ok(ExitCode::FAILURE);
    }
    if !is_root() {
        outln!("not root: run\n  sudo apt-get update && sudo {command}");
        return Ok(ExitCode::FAILURE);
    }
    let mut install = vec!["install", "-y", "-q"];
    install.extend(&names);
    // A fresh machine has no package lists yet: update once when the first try fails.
    let installed = apt_get(&install)? || (apt_get(&["update", "-q"])? && apt_get(&install)?);
    if !installed {
        bail!("`{command}` failed (see apt-get's output above)");
    }
    let still: Vec<&str> = missing
        .iter()
        .filter(|p| !Path::new(p.probe).exists())
        .map(|p| p.package)
        .collect();
    if !still.is_empty() {
        bail!(
            "installed, but these packages' files are still missing: {}",
            still.join(", ")
        );
    }
    outln!("installed {}", names.join(", "));
    Ok(ExitCode::SUCCESS)
}
