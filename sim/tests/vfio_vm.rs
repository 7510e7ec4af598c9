//! VFIO for real: boots a Linux VM under QEMU (TCG) with an emulated Intel IOMMU and two
//! PCI devices, binds them to vfio-pci, and runs `examples/vfio_selftest.rs` (a static
//! glibc build) against them:
//!
//! - QEMU's `edu` at 00:03.0: registers, MSI through an eventfd, DMA through the IOMMU,
//!   a DMA from an unmapped IOVA refused (and the guest kernel's DMAR fault log);
//! - `ivshmem-plain` at 00:04.0, backed by a file on the host: the guest maps BAR2
//!   through VFIO; this test checks the guest's writes in the file and answers through
//!   it, and the guest checks the answer;
//! - the same ivshmem as the simulated NIC: while the VM runs, this test serves the
//!   FPGA shell model + Verilator core (`sim::ivshmem::ShellServer`) on the backing
//!   file, and the guest runs `nicctl load client-node.toml --device vfio:0000:00:04.0`
//!   (the seed's client config; a static glibc build without the `sim` feature): probe
//!   ("OFSH"), reset, the config's tables through the command ring, read-back.
//!   Afterwards the test compares every entry of every table the card holds with a
//!   second card loaded in this process by the same driver code on the `sim` backend
//!   (`sim::Testbed`), and with the rendered config: one programming protocol, two
//!   transports, the same device contents.
//!
//! Needs root, `qemu-system-x86_64`, a Debian kernel in /boot with its vfio modules, and
//! a static busybox (`tools/setup.sh --tests` installs them); without them it prints why
//! and passes as skipped, or fails under `CI=true` (`test_support::prerequisite`).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use host_driver::node::{render_entries, NodeOptions};
use host_driver::Device;
use offload_tables::regs::{self, Table};
use offload_tables::shell;
use sim::ivshmem::ShellServer;
use sim::{SimCard, Testbed};

use test_support::vm_handshake as shm;

/// The config the guest loads into the simulated NIC (path in the workspace).
const NIC_CONFIG: &str = "examples/pod-to-service/client-node.toml";

/// The whole VM run, boot to power-off (about 5 s here).
const VM_TIMEOUT: Duration = Duration::from_secs(60);

/// Modules in load order; those a kernel does not have as a module are skipped
/// (`vfio_virqfd` was merged into `vfio` in 6.2).
const MODULES: &[&str] = &[
    "kernel/virt/lib/irqbypass.ko",
    "kernel/drivers/vfio/vfio.ko",
    "kernel/drivers/vfio/vfio_iommu_type1.ko",
    "kernel/drivers/vfio/vfio_virqfd.ko",
    "kernel/drivers/vfio/pci/vfio-pci-core.ko",
    "kernel/drivers/vfio/pci/vfio-pci.ko",
];

const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /mod/order); do insmod /mod/$m || echo "VM: insmod $m failed"; done
for d in 0000:00:03.0 0000:00:04.0; do
  echo vfio-pci > /sys/bus/pci/devices/$d/driver_override
  echo $d > /sys/bus/pci/drivers_probe
  echo "VM: $d driver $(basename $(readlink /sys/bus/pci/devices/$d/driver)) group $(basename $(readlink /sys/bus/pci/devices/$d/iommu_group))"
done
/selftest edu 0000:00:03.0
/selftest ivshmem 0000:00:04.0
if /nicctl load /nic.toml --device vfio:0000:00:04.0; then echo NICCTL-LOAD-OK; else echo NICCTL-LOAD-FAIL; fi
dmesg | grep -i -E "dmar.*(fault|fault addr)" | head -4 | sed 's/^/DMESG: /'
echo VM-DONE
poweroff -f
"#;

fn find_kernel() -> Option<(PathBuf, PathBuf)> {
    let mut found: Vec<(PathBuf, PathBuf)> = std::fs::read_dir("/boot")
        .ok()?
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let ver = name.strip_prefix("vmlinuz-")?;
            let mods = PathBuf::from("/lib/modules").join(ver);
            mods.join(MODULES[5]).is_file().then(|| (PathBuf::from("/boot").join(&name), mods))
        })
        .collect();
    found.sort();
    found.pop()
}

fn static_busybox() -> Option<PathBuf> {
    let p = ["/bin/busybox", "/usr/bin/busybox"].iter().map(PathBuf::from).find(|p| p.is_file())?;
    let elf = std::fs::read(&p).ok()?;
    // A dynamically linked ELF64 has a PT_INTERP (3) program header; a static one does not.
    let u = |at: usize, n: usize| elf.get(at..at + n).map(|b| b.iter().rev().fold(0usize, |a, &x| a << 8 | x as usize));
    let (phoff, phentsize, phnum) = (u(0x20, 8)?, u(0x36, 2)?, u(0x38, 2)?);
    let dynamic = (0..phnum).any(|i| u(phoff + i * phentsize, 4) == Some(3));
    (elf.starts_with(b"\x7fELF\x02") && !dynamic).then_some(p)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// Builds the self-test and `nicctl` (without the `sim` backend) as static glibc
/// binaries (once; later runs are no-op builds).
fn build_guest_binaries(target_dir: &Path) -> (PathBuf, PathBuf) {
    let t0 = Instant::now();
    for (pkg, target) in [("host-driver", ["--example", "vfio-selftest"]), ("nicctl", ["--bin", "nicctl"])] {
        let status = Command::new(env!("CARGO"))
            .current_dir(workspace_root())
            .args(["build", "--offline", "--release", "-q", "-p", pkg, "--no-default-features"])
            .args(target)
            .args(["--target", "x86_64-unknown-linux-gnu", "--target-dir"])
            .arg(target_dir)
            // With an explicit --target these flags reach only the target crates.
            .env("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=+crt-static\x1f-Cstrip=symbols")
            .status()
            .expect("run cargo");
        assert!(status.success(), "static build of {pkg} {target:?} failed");
    }
    eprintln!("guest binaries built in {:?}", t0.elapsed());
    let out = target_dir.join("x86_64-unknown-linux-gnu/release");
    (out.join("examples/vfio-selftest"), out.join("nicctl"))
}

/// A `newc` cpio archive (the initramfs format): `(path, mode, contents)`.
fn cpio(entries: &[(&str, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut put = |ino: usize, name: &str, mode: u32, data: &[u8]| {
        let fields = [ino as u32, mode, 0, 0, 1, 0, data.len() as u32, 0, 0, 0, 0, name.len() as u32 + 1, 0];
        out.extend_from_slice(b"070701");
        for f in fields {
            out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.resize(out.len().next_multiple_of(4), 0);
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    };
    for (i, (name, mode, data)) in entries.iter().enumerate() {
        put(i + 1, name, *mode, data);
    }
    put(0, "TRAILER!!!", 0, &[]);
    out
}

const DIR: u32 = 0o040755;
const EXE: u32 = 0o100755;
const FILE: u32 = 0o100644;

fn build_initramfs(dir: &Path, busybox: &Path, mods: &Path, selftest: &Path, nicctl: &Path) -> PathBuf {
    let read = |p: &Path| std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
    let mut entries: Vec<(&str, u32, Vec<u8>)> =
        ["bin", "dev", "proc", "sys", "mod"].map(|d| (d, DIR, vec![])).to_vec();
    entries.push(("init", EXE, INIT.as_bytes().to_vec()));
    entries.push(("bin/busybox", EXE, read(busybox)));
    entries.push(("selftest", EXE, read(selftest)));
    entries.push(("nicctl", EXE, read(nicctl)));
    entries.push(("nic.toml", FILE, read(&workspace_root().join(NIC_CONFIG))));
    let mut order = String::new();
    let present: Vec<&str> = MODULES.iter().copied().filter(|m| mods.join(m).is_file()).collect();
    let names: Vec<String> = present.iter().map(|m| format!("mod/{}", m.rsplit('/').next().unwrap())).collect();
    for (m, name) in present.iter().zip(&names) {
        entries.push((name, FILE, read(&mods.join(m))));
        order.push_str(&name[4..]);
        order.push('\n');
    }
    entries.push(("mod/order", FILE, order.into_bytes()));
    let path = dir.join("initramfs.cpio");
    std::fs::write(&path, cpio(&entries)).expect("write initramfs");
    path
}

/// Kills and reaps QEMU whatever happens.
struct Vm(Child);

impl Drop for Vm {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Stops the shell server thread however the test ends (a panic included).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Every non-zero entry a card holds, table by table, index by index, read straight
/// from its Verilator core.
fn contents(card: &SimCard) -> Vec<(Table, usize, Vec<u8>)> {
    let mut out = Vec::new();
    // the hit bits are no table content (and reading them clears them)
    for &t in Table::ALL.iter().filter(|&&t| t != Table::HitBits) {
        let cap = card.core_counter(regs::CAP_BASE + 4 * t.id()) as usize;
        for i in 0..cap {
            let e = card.read_entry(t, i).unwrap_or_else(|e| panic!("host read of {} [{i}]: {e}", t.name()));
            if e.iter().any(|&b| b != 0) {
                out.push((t, i, e));
            }
        }
    }
    out
}

/// The card the guest loaded over ivshmem holds exactly what the same config loaded by
/// the same driver on the in-process `sim` backend does (tables, session table and
/// tags, port map: every entry), which is the rendered config, at generation 1.
fn check_nic_tables(served: &SimCard) {
    let (_, tables) = node_config::load_tables(&workspace_root().join(NIC_CONFIG)).expect("config");
    let local = Testbed::new(tables.clone(), &NodeOptions::default()).expect("in-process card");
    let (got, want) = (contents(served), contents(&local.card));
    assert_eq!(got.len(), want.len(), "entries on the card loaded over ivshmem vs the sim backend");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{} [{}]: the ivshmem-loaded card and the sim-loaded card differ", g.0.name(), g.1);
    }
    let ports = served.read32(shell::CORE_BASE + regs::N_PORTS).unwrap() as usize;
    for (t, i, e) in render_entries(&tables, ports) {
        let held = got.iter().find(|(gt, gi, _)| *gt == t && *gi == i).map(|(_, _, b)| &b[..e.len()]);
        assert_eq!(held, Some(&e[..]), "{} [{i}] is not the rendered config's entry", t.name());
    }
    assert_eq!(served.read32(shell::GENERATION).unwrap(), 1, "generation committed by the guest's load");
    // Straight to stderr (not captured), like the console report.
    let _ = writeln!(
        std::io::stderr(),
        "host-side NIC: {} entries equal to the sim-backend card's, every rendered entry among them, generation 1",
        got.len()
    );
}

/// The host side of the ivshmem handshake; true once answered.
fn serve_shm(file: &std::fs::File) -> bool {
    let word = |at: u64| {
        let mut b = [0; 4];
        file.read_exact_at(&mut b, at).expect("read shared file");
        u32::from_le_bytes(b)
    };
    if word(shm::GUEST_FLAG_AT) != shm::GUEST_FLAG {
        return false;
    }
    let mut data = vec![0; 4096];
    file.read_exact_at(&mut data, shm::GUEST_DATA).expect("read shared file");
    if let Some(i) = (0..4096).find(|&i| data[i] != shm::guest_byte(i)) {
        panic!("host: guest data differs at byte {i}: {:#x}", data[i]);
    }
    let nonce = word(shm::GUEST_FLAG_AT + 4);
    file.write_all_at(&nonce.wrapping_add(1).to_le_bytes(), shm::HOST_FLAG_AT + 4).expect("write shared file");
    file.write_all_at(&shm::HOST_FLAG.to_le_bytes(), shm::HOST_FLAG_AT).expect("write shared file");
    true
}

#[test]
fn vfio_backend_in_a_qemu_vm() {
    use test_support::prerequisite::{in_path, is_root, skip};
    let need = |what: &str, missing: Option<&str>| skip("vfio_vm", what, missing);
    if need("root (for /boot's kernel)", (!is_root()).then_some("not root"))
        || need("the RTL model", sim::rtl_model_missing())
    {
        return;
    }
    let qemu = in_path("qemu-system-x86_64");
    if need("qemu-system-x86_64", qemu.is_none().then_some("not on PATH")) {
        return;
    }
    let kernel = find_kernel();
    if need("a /boot/vmlinuz-* with vfio-pci.ko in /lib/modules", kernel.is_none().then_some("none found")) {
        return;
    }
    let busybox = static_busybox();
    if need("a static busybox", busybox.is_none().then_some("none found")) {
        return;
    }
    let (qemu, (kernel, mods), busybox) = (qemu.unwrap(), kernel.unwrap(), busybox.unwrap());

    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"));
    let guest_target = target.join("vfio-guest");
    let (selftest, nicctl) = build_guest_binaries(&guest_target);
    let dir = guest_target.join(format!("vm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("VM work dir");
    let initramfs = build_initramfs(&dir, &busybox, &mods, &selftest, &nicctl);

    let shm_path = dir.join("ivshmem.bin");
    let shared =
        std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&shm_path).unwrap();
    shared.set_len(shm::SIZE).unwrap();
    let host_data: Vec<u8> = (0..4096).map(shm::host_byte).collect();
    shared.write_all_at(&host_data, shm::HOST_DATA).unwrap();

    // The simulated NIC, served on the same file (its mailbox and rings do not overlap
    // the handshake's words) from before boot until the VM is gone.
    let server = Arc::new(ShellServer::open(&shm_path).expect("map the ivshmem file for the shell server"));
    let stop_server = Arc::new(AtomicBool::new(false));
    let serving = {
        let (server, stop) = (Arc::clone(&server), Arc::clone(&stop_server));
        std::thread::spawn(move || server.serve(&stop))
    };
    let _stop_on_exit = StopOnDrop(Arc::clone(&stop_server));

    let t0 = Instant::now();
    let mut child = Command::new(qemu)
        .args(["-machine", "q35", "-accel", "tcg", "-m", "256M", "-smp", "1"])
        .args(["-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot"])
        .args(["-device", "intel-iommu,intremap=on"])
        .arg("-kernel")
        .arg(&kernel)
        .arg("-initrd")
        .arg(&initramfs)
        .args(["-append", "console=ttyS0 intel_iommu=on panic=-1 quiet"])
        .args(["-device", "edu,addr=03.0"])
        .arg("-object")
        .arg(format!("memory-backend-file,id=shm,share=on,mem-path={},size={}", shm_path.display(), shm::SIZE))
        .args(["-device", "ivshmem-plain,memdev=shm,addr=04.0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qemu");
    let (tx, rx) = mpsc::channel::<String>();
    for out in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut vm = Vm(child);

    let mut log = Vec::new();
    let mut answered = false;
    let mut done = false;
    while t0.elapsed() < VM_TIMEOUT && !done {
        match rx.recv_timeout(Duration::from_millis(10)) {
            Ok(line) => {
                done = line.contains("VM-DONE");
                log.push(line);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if !answered {
            answered = serve_shm(&shared);
        }
    }
    // Let the power-off finish briefly, then make sure QEMU is gone either way.
    let stop = Instant::now();
    while stop.elapsed() < Duration::from_secs(5) && matches!(vm.0.try_wait(), Ok(None)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(vm);
    stop_server.store(true, Ordering::Relaxed);
    let served = serving.join().expect("shell server thread");
    while let Ok(line) = rx.try_recv() {
        log.push(line);
    }
    let elapsed = t0.elapsed();
    let log = log.join("\n");
    let report = format!(
        "--- VM console ({elapsed:?}) ---\n{log}\n--- end ---\nshell server: {served} register requests answered"
    );
    let _ = writeln!(std::io::stderr(), "{report}");
    let _ = std::fs::remove_dir_all(&dir);

    assert!(done, "VM stopped or hung (limit {VM_TIMEOUT:?}) before the self-tests finished");
    assert!(log.contains("SELFTEST edu PASS"), "edu self-test failed");
    assert!(log.contains("SELFTEST ivshmem PASS"), "ivshmem self-test failed");
    assert!(answered, "host never saw the guest's write in the shared file");
    assert!(log.contains("NICCTL-LOAD-OK"), "nicctl load into the served simulated NIC failed");
    assert!(log.contains("entries read back and verified at load"), "nicctl did not report a verified read-back");
    check_nic_tables(server.card());
    // The guest names the IOVA it unmapped; the emulated IOMMU must have faulted the
    // device's read from it and its write to it (the guest kernel logs both).
    let stale = log
        .lines()
        .find_map(|l| l.strip_prefix("unmapped IOVA ")?.split(':').next())
        .expect("guest reported the unmapped IOVA");
    for dir in ["Read", "Write"] {
        assert!(
            log.lines().any(|l| l.contains(&format!("[DMA {dir}")) && l.contains(&format!("fault addr {stale} "))),
            "no DMAR {dir} fault logged at unmapped IOVA {stale}"
        );
    }
}
