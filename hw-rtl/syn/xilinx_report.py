#!/usr/bin/env python3
"""Report of hw-rtl/syn/xilinx.sh: reads Yosys JSON netlists and prints, per engine
(module) and for the whole design, the Xilinx cells and the longest register-to-register
path in LUT levels, then the memory census and the closing line

    max LUT levels: N, multi-port memories: M

Usage: xilinx_report.py CENSUS.il MAPPED.json FLAT.json

CENSUS.il is the RTLIL dump of the memory cells after `memory -nomap` (before memories
are mapped): every
$mem_v2 cell with more than two read ports or more than one write port is a multi-port
memory, which no FPGA block RAM has. MAPPED.json is the mapped design with its hierarchy
(per-engine figures); FLAT.json the same flattened (the whole design's paths, across
engines).

LUT levels count the LUTs (and LUT RAMs, whose read is a LUT) on a path that starts and
ends at a flip-flop, shift register, block RAM, UltraRAM, a DSP with its pipeline
registers or the design's ports; a DSP without them counts as DSP_LEVELS. Carry chains,
the slice's wide multiplexers (MUXF7/8/9) and inverters (absorbed into LUTs) pass
through uncounted; their count along the same path is printed beside it. Within one engine a submodule instance
also starts and ends paths. An estimate of logic depth, not a timing closure.
"""

import json
import re
import sys
from collections import defaultdict

SEQUENTIAL = re.compile(r"^(FD[CEPRS]E?|FD[CEPRS]?|SRL16E|SRLC32E|SRLC16E|RAMB\w+|URAM288\w*|FIFO\w+)$")
LUT = re.compile(r"^(LUT[1-6]|RAM(16|32|64|128|256)X\w+|RAM32M\w*|RAM64M\w*)$")
PASS = re.compile(r"^(CARRY[48]|MUXF[789]|INV)$")
# A DSP without its pipeline registers (M, P) is logic on the path: counted as this many
# LUT levels (a 27x18 multiply-add through the DSP48E2 takes about as long as four LUTs
# and their routing on UltraScale+).
DSP_LEVELS = 4
RESOURCES = [
    ("LUT", re.compile(r"^LUT[1-6]$")),
    ("LUTRAM", re.compile(r"^RAM(16|32|64|128|256)X\w+$|^RAM32M\w*$|^RAM64M\w*$")),
    ("SRL", re.compile(r"^SRL")),
    ("FF", re.compile(r"^FD")),
    ("CARRY8", re.compile(r"^CARRY[48]$")),
    ("BRAM36", re.compile(r"^RAMB36")),
    ("BRAM18", re.compile(r"^RAMB18")),
    ("URAM", re.compile(r"^URAM288")),
    ("DSP", re.compile(r"^DSP48")),
]


def num(v):
    """A parameter as Yosys writes it: an integer or a string of bits."""
    return v if isinstance(v, int) else int(v, 2)


def memories(path):
    """(module, cell, integer parameters) of each $mem_v2 cell in an RTLIL dump."""
    found, module, cell = [], None, None
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[0] == "module":
                module = words[1].lstrip("\\")
            elif words[0] == "cell" and words[1] == "$mem_v2":
                cell = (module, words[2].lstrip("\\"), {})
                found.append(cell)
            elif words[0] == "parameter" and cell is not None and len(words) >= 3:
                value = words[2]
                try:
                    # decimal, or sized binary (32'00000000000000000000000000001100)
                    cell[2][words[1].lstrip("\\")] = int(value.split("'")[1], 2) if "'" in value else int(value)
                except ValueError:
                    pass
            elif words[0] == "end":
                cell = None
    return found


def load(path):
    """The design's own modules (not the library's cells, which are black boxes)."""
    with open(path) as f:
        modules = json.load(f)["modules"]
    return {n: m for n, m in modules.items()
            if not {"blackbox", "whitebox"} & set(m.get("attributes", {}))}


def short(name):
    """$paramod$<hash>\\offload_ram or $paramod\\offload_x\\P=32'0..0100 -> offload_ram, offload_x"""
    m = re.match(r"^\$paramod(?:\$[0-9a-f]+)?\\([^\\]+)", name)
    return m.group(1) if m else name


def depth(module, modules, named=None):
    """(LUT levels, pass-through cells on that path, endpoints) of the longest path; with
    `named` (a list), the path's named signals are appended to it, start first."""
    driver = {}
    for cname, c in module["cells"].items():
        dirs = c.get("port_directions", {})
        for port, bits in c["connections"].items():
            if dirs.get(port) == "output":
                for b in bits:
                    if isinstance(b, int):
                        driver[b] = cname
    memo = {}
    pred = {}

    def kind(cell):
        t = cell["type"]
        if t in modules or SEQUENTIAL.match(t):
            return None
        if t.startswith("DSP48"):
            p = cell.get("parameters", {})
            registered = any(num(p.get(r, 0)) for r in ("MREG", "PREG"))
            return None if registered else DSP_LEVELS
        if LUT.match(t):
            return 1
        if PASS.match(t):
            return 0
        return None  # unknown cells are boundaries (listed by the caller)

    def arrival(net):
        """Longest (levels, pass, start) from a boundary to this net, iteratively."""
        if net in memo:
            return memo[net]
        stack = [(net, False)]
        onpath = set()
        while stack:
            n, expanded = stack.pop()
            if n in memo:
                continue
            cname = driver.get(n)
            cell = module["cells"][cname] if cname else None
            w = kind(cell) if cell else None
            if w is None:
                memo[n] = (0, 0, f"{cell['type']} {cname}" if cell else "input")
                continue
            ins = [b for p, bits in cell["connections"].items()
                   if cell.get("port_directions", {}).get(p) == "input" for b in bits if isinstance(b, int)]
            if not expanded:
                if n in onpath:
                    raise SystemExit(f"combinational loop through {cname} in {module_name}")
                onpath.add(n)
                stack.append((n, True))
                stack.extend((b, False) for b in ins if b not in memo)
            else:
                onpath.discard(n)
                best = max(((memo[b], b) for b in ins), default=((0, 0, "a constant"), None))
                (lv, ps, start), via = best
                memo[n] = (lv + w, ps + (1 if w == 0 else 0), start)
                pred[n] = via
        return memo[net]

    module_name = ""
    best = (0, 0, "", None)
    # endpoints: inputs of sequential cells and submodules, and the module's outputs
    for cname, c in module["cells"].items():
        if kind(c) is not None:
            continue
        dirs = c.get("port_directions", {})
        for port, bits in c["connections"].items():
            if dirs.get(port) == "input" or c["type"] in modules:
                for b in bits:
                    if isinstance(b, int) and driver.get(b) != cname:
                        lv, ps, start = arrival(b)
                        if (lv, ps) > best[:2]:
                            best = (lv, ps, f"from {start} to {c['type']} {cname}.{port}", b)
    for pname, p in module["ports"].items():
        if p["direction"] == "output":
            for b in p["bits"]:
                if isinstance(b, int):
                    lv, ps, start = arrival(b)
                    if (lv, ps) > best[:2]:
                        best = (lv, ps, f"from {start} to output {pname}", b)
    if named is not None and best[3] is not None:
        names = {}
        for name, nn in module.get("netnames", {}).items():
            for b in nn["bits"]:
                if isinstance(b, int) and (b not in names or names[b].startswith("$")):
                    names[b] = name
        path, n = [], best[3]
        while n is not None:
            path.append(n)
            n = pred.get(n)
        for n in reversed(path):
            name = names.get(n, "")
            if name and not name.startswith("$") and (not named or named[-1] != name):
                named.append(name)
    return best[:3]


def resources(module):
    counts = defaultdict(int)
    for c in module["cells"].values():
        for name, rx in RESOURCES:
            if rx.match(c["type"]):
                counts[name] += 1
    return counts


def instances(modules, top):
    """How many times each module is instantiated under top, and one instance's path."""
    n, path = defaultdict(int), {}

    def walk(m, k, at):
        n[m] += k
        path.setdefault(m, at)
        for cname, c in modules[m]["cells"].items():
            if c["type"] in modules:
                walk(c["type"], k, f"{at}.{cname}" if at else cname)
    walk(top, 1, "")
    return n, path


def main():
    census = memories(sys.argv[1])
    mapped, flat = (load(p) for p in sys.argv[2:4])
    top = next(n for n, m in mapped.items() if m.get("attributes", {}).get("top"))
    inst, where = instances(mapped, top)
    cols = [name for name, _ in RESOURCES]
    print(f"{'engine (module: an instance)':<58} {'inst':>4} " + " ".join(f"{c:>7}" for c in cols)
          + "  LUT levels (+carry/muxf)")
    totals = defaultdict(int)
    max_engine = 0
    for name in sorted(mapped, key=lambda n: (n != top, short(n))):
        if name not in inst:
            continue
        r = resources(mapped[name])
        for c in cols:
            totals[c] += r[c] * inst[name]
        lv, ps, end = depth(mapped[name], mapped)
        max_engine = max(max_engine, lv)
        label = f"{short(name)}: {where[name]}" if where[name] else short(name)
        print(f"{label[:58]:<58} {inst[name]:>4} " + " ".join(f"{r[c]:>7}" for c in cols)
              + f"  {lv} (+{ps}) {end}")
    flat_top = next(iter(flat.values()))
    signals = []
    lv, ps, end = depth(flat_top, flat, signals)
    print(f"{'whole design (all instances)':<58} {'':>4} " + " ".join(f"{totals[c]:>7}" for c in cols)
          + f"  {lv} (+{ps}) {end}")
    print("(per engine: cells of one instance, paths inside it; whole design: flattened, across engines)")
    print("the whole design's longest path through: " + " -> ".join(signals[:24]) + (" ..." if len(signals) > 24 else ""))

    print()
    print(f"{'memory (before mapping)':<70} {'bits':>10} {'rd':>3} {'wr':>3}")
    multi = 0
    for mname, cname, p in sorted(census):
        rd, wr = p["RD_PORTS"], p["WR_PORTS"]
        bits = p["SIZE"] * p["WIDTH"]
        bad = rd > 2 or wr > 1
        multi += bad
        label = f"{short(mname)} {cname}"
        print(f"{label[:70]:<70} {bits:>10} {rd:>3} {wr:>3}{'  MULTI-PORT' if bad else ''}")
    print()
    print(f"max LUT levels: {lv}, multi-port memories: {multi}")


if __name__ == "__main__":
    main()
