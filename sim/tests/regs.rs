//! The register block: identification, capabilities, staging write / read-back /
//! delete, status codes.

use offload_tables::regs::{self, Table};
use sim::{Core, SimError};

/// Skips (outside CI) or fails (under CI) when this build has no RTL model.
fn no_rtl_model(test: &str) -> bool {
    test_support::prerequisite::skip(test, "the RTL model (Verilator)", sim::rtl_model_missing())
}

#[test]
fn identifies_itself() {
    if no_rtl_model("regs::identifies_itself") {
        return;
    }
    let mut s = Core::new().unwrap();
    assert_eq!(s.reg_read(regs::ID), regs::ID_VALUE);
    assert_eq!(s.reg_read(regs::VERSION), regs::VERSION_VALUE);
    assert_eq!(s.reg_read(regs::N_TABLES), regs::TABLE_COUNT);
    assert_eq!(s.reg_read(regs::N_PORTS), sim::N_PORTS as u32);
    assert_eq!(s.capacity(Table::Global), 1);
    assert_eq!(s.capacity(Table::LpmL1), 2 << 16);
    // the session table: entries in external memory, its geometry
    assert_eq!(s.reg_read(regs::SESS_MEM), regs::sess_mem::EXTERNAL);
    assert_eq!(s.reg_read(regs::SESS_LOOKUP_PORTS), 6);
    assert_eq!(s.reg_read(regs::SESS_IN_FLIGHT), 1 << 8);
    assert_eq!(s.reg_read(regs::SESS_ENTRY_STRIDE), 64);
    assert_eq!(s.capacity(Table::Session), 8 << sim::model::SESS_BUCKET_BITS);
    assert_eq!(s.capacity(Table::SessionTag), 1 << sim::model::SESS_BUCKET_BITS);
}

#[test]
fn session_commands_wait_for_the_memory() {
    if no_rtl_model("regs::session_commands_wait_for_the_memory") {
        return;
    }
    let mut s = Core::new().unwrap();
    let latency = s.memory_params().latency;
    // A read of external memory says PENDING until its data is in the staging words;
    // other commands meanwhile are not run.
    let bytes: Vec<u8> = (0..48).map(|i| i as u8 + 1).collect();
    s.write_entry(Table::Session, 9, &bytes).unwrap();
    s.reg_write(regs::TBL_INDEX, 9);
    s.reg_write(regs::TBL_CMD, regs::cmd::READ);
    assert_eq!(s.reg_read(regs::TBL_STATUS), regs::tbl_status::PENDING);
    s.reg_write(regs::TBL_CMD, regs::cmd::DELETE);
    let start = s.cycles();
    while s.reg_read(regs::TBL_STATUS) == regs::tbl_status::PENDING {
        assert!(s.cycles() - start < 100 * latency, "the read never landed");
    }
    assert!(s.cycles() - start >= latency, "the read took the memory's latency");
    assert_eq!(s.reg_read(regs::TBL_STATUS), regs::tbl_status::OK);
    let words: Vec<u32> = (0..12).map(|w| s.reg_read(regs::TBL_DATA + 4 * w)).collect();
    assert_eq!(regs::words_entry(&words, 48), bytes, "the entry, not deleted by the command refused meanwhile");
    assert_eq!(s.read_entry(Table::Session, 9).unwrap(), bytes);
    let stats = s.memory_stats().clone();
    assert!(stats.mgmt_writes >= 1 && stats.mgmt_reads >= 2, "{stats:?}");
}

#[test]
fn write_read_delete_every_table() {
    if no_rtl_model("regs::write_read_delete_every_table") {
        return;
    }
    let mut s = Core::new().unwrap();
    // the hit bits are read only (bad_commands_are_refused)
    for &t in Table::ALL.iter().filter(|&&t| t != Table::HitBits) {
        let n = t.entry_bytes();
        let idx = s.capacity(t) - 1;
        let bytes: Vec<u8> = (0..n).map(|i| (i as u8).wrapping_mul(37).wrapping_add(t.id() as u8 + 1)).collect();
        s.write_entry(t, idx, &bytes).unwrap();
        assert_eq!(s.read_entry(t, idx).unwrap(), bytes, "{t:?}");
        s.delete_entry(t, idx).unwrap();
        assert_eq!(s.read_entry(t, idx).unwrap(), vec![0; n], "{t:?}");
    }
}

#[test]
fn bad_commands_are_refused() {
    if no_rtl_model("regs::bad_commands_are_refused") {
        return;
    }
    let mut s = Core::new().unwrap();
    let cap = s.capacity(Table::Adjacency);
    assert_eq!(
        s.write_entry(Table::Adjacency, cap, &[1, 2, 3]),
        Err(SimError::Table { table: Table::Adjacency, index: cap, status: regs::tbl_status::BAD_INDEX })
    );
    s.reg_write(regs::TBL_SEL, 99);
    s.reg_write(regs::TBL_CMD, regs::cmd::WRITE);
    assert_eq!(s.reg_read(regs::TBL_STATUS), regs::tbl_status::BAD_TABLE);
    s.reg_write(regs::TBL_SEL, Table::Bucket.id());
    s.reg_write(regs::TBL_INDEX, 0);
    s.reg_write(regs::TBL_CMD, 7);
    assert_eq!(s.reg_read(regs::TBL_STATUS), regs::tbl_status::BAD_CMD);
    // the hit bits are read only; a read of a group beyond them is refused
    let groups = s.capacity(Table::HitBits);
    assert_eq!(groups, (8 << sim::model::SESS_BUCKET_BITS) / 512);
    for cmd in [regs::cmd::WRITE, regs::cmd::DELETE] {
        s.reg_write(regs::TBL_SEL, Table::HitBits.id());
        s.reg_write(regs::TBL_INDEX, 0);
        s.reg_write(regs::TBL_CMD, cmd);
        assert_eq!(s.reg_read(regs::TBL_STATUS), regs::tbl_status::BAD_CMD, "command {cmd}");
    }
    assert_eq!(
        s.read_entry(Table::HitBits, groups),
        Err(SimError::Table { table: Table::HitBits, index: groups, status: regs::tbl_status::BAD_INDEX })
    );
    assert_eq!(s.read_entry(Table::HitBits, groups - 1).unwrap(), vec![0; 64], "nothing hit yet");
}
