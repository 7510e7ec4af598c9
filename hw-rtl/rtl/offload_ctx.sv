// The packet context: one beat of a packet and what the pipeline has learnt about it,
// as one flat vector that every stage register and every skid buffer between the
// pipeline's segments holds. Each field is defined once here: its width (<NAME>_W)
// and its position (<NAME>, packed one after the other), and a macro `CTX_<NAME>
// (position +: width) that the segments index a context with, e.g.
// ctx[`CTX_SRC] <= new_src. Fields other than the beat's are meaningful on a packet's
// first beat. A segment that does not use a field passes it on; synthesis removes the
// registers of a field no later stage reads.
//
// (Yosys 0.23 has no packed structs in packages: a package of positions and macros. Nor
// does it read one package's names in another: the entries' widths are numbers here,
// and offload_top stops the build when they differ from the contract's, offload_pkg.)

`resetall
`timescale 1ns / 1ps
`default_nettype none

package offload_ctx;

    // Waiver: each segment uses some of the fields.
    /* verilator lint_off UNUSEDPARAM */

    // ---- the beat
    localparam int DATA_W = 512;
    localparam int DATA = 0;
    localparam int KEEP_W = 64;
    localparam int KEEP = DATA + DATA_W;
    localparam int LAST_W = 1;
    localparam int LAST = KEEP + KEEP_W;
    localparam int SOP_W = 1;                 // the packet's first beat
    localparam int SOP = LAST + LAST_W;
    // ---- from the arbiter
    localparam int IN_W = 4;                  // the input (offload_util::in_*); after the decision the destination
    localparam int IN = SOP + SOP_W;
    localparam int META_W = 64;               // inject and loop-port metadata; after the decision the tuser
    localparam int META = IN + IN_W;
    localparam int LEN_W = 16;                // the frame's length
    localparam int LEN = META + META_W;
    localparam int STASH_W = 400;             // loop-port packets: the outer headers stripped; after the decision: to put back
    localparam int STASH = LEN + LEN_W;
    // ---- parsed
    localparam int SW_W = 16;                 // the rx interface
    localparam int SW = STASH + STASH_W;
    localparam int DIRECT_W = 1;              // injected to go straight out
    localparam int DIRECT = SW + SW_W;
    localparam int PROTO_W = 8;
    localparam int PROTO = DIRECT + DIRECT_W;
    localparam int SRC_W = 32;                // the flow: as parsed, after NAT from the classifier's output on
    localparam int SRC = PROTO + PROTO_W;
    localparam int DST_W = 32;
    localparam int DST = SRC + SRC_W;
    localparam int SPORT_W = 16;
    localparam int SPORT = DST + DST_W;
    localparam int DPORT_W = 16;
    localparam int DPORT = SPORT + SPORT_W;
    localparam int TTL_W = 8;
    localparam int TTL = DPORT + DPORT_W;
    localparam int IPLEN_W = 16;              // the IPv4 total length (the frame may carry padding)
    localparam int IPLEN = TTL + TTL_W;
    localparam int L4_W = 1;                  // TCP, UDP or ICMP with a valid header
    localparam int L4 = IPLEN + IPLEN_W;
    localparam int L4O_W = 7;                 // the L4 header's offset in the frame (34 without options)
    localparam int L4O = L4 + L4_W;
    localparam int IC_W = 16;                 // ICMP type and code (0 unless ICMP)
    localparam int IC = L4O + L4O_W;
    localparam int TCPF_W = 8;                // TCP flags (0 unless TCP)
    localparam int TCPF = IC + IC_W;
    localparam int OUTER_W = 1;               // the VXLAN outer packet of an encap (its loop-port pass)
    localparam int OUTER = TCPF + TCPF_W;
    localparam int OLB_W = 32;                // ... its tunnel's load-balance
    localparam int OLB = OUTER + OUTER_W;
    localparam int OFIB_W = 16;               // ... and encap FIB
    localparam int OFIB = OLB + OLB_W;
    // ---- verdict so far
    localparam int PUNT_W = 1;                // punted or dropped: later stages leave it alone
    localparam int PUNT = OFIB + OFIB_W;
    localparam int DROP_W = 1;                // dropped (PUNT set too); REASON holds the DropReason
    localparam int DROP = PUNT + PUNT_W;
    localparam int REASON_W = 8;
    localparam int REASON = DROP + DROP_W;
    localparam int HITS_W = 16;               // tables hit, one bit per table id
    localparam int HITS = REASON + REASON_W;
    localparam int TCPST_W = 1;               // a TCP state change software must see
    localparam int TCPST = HITS + HITS_W;
    // ---- classify
    localparam int FIB_W = 16;                // the FIB to route in
    localparam int FIB = TCPST + TCPST_W;
    localparam int IFE_W = 288;               // the rx interface's entry (classify only)
    localparam int IFE = FIB + FIB_W;
    localparam int AIN_ON_W = 1;              // the rx interface has an input ACL (classify only)
    localparam int AIN_ON = IFE + IFE_W;
    localparam int AIN_MATCH_W = 1;           // the input ACL's rule match: a rule matched,
    localparam int AIN_MATCH = AIN_ON + AIN_ON_W;
    localparam int AIN_UNSURE_W = 1;          // ... the NIC cannot tell,
    localparam int AIN_UNSURE = AIN_MATCH + AIN_MATCH_W;
    localparam int AIN_ACTION_W = 8;          // ... the matching rule's action (classify only)
    localparam int AIN_ACTION = AIN_UNSURE + AIN_UNSURE_W;
    localparam int NAT_W = 1;                 // a NAT lookup was made (classify only)
    localparam int NAT = AIN_ACTION + AIN_ACTION_W;
    localparam int NHIT_W = 1;                // a NAT session rewrites the packet
    localparam int NHIT = NAT + NAT_W;
    localparam int SESS_W = 384;              // ... that session
    localparam int SESS = NHIT + NHIT_W;
    // ---- route
    localparam int HASH_W = 32;               // the flow hash
    localparam int HASH = SESS + SESS_W;
    localparam int LOC_W = 1;                 // the route is LOCAL: a VXLAN decap candidate
    localparam int LOC = HASH + HASH_W;
    localparam int ADJ_W = 192;               // the adjacency
    localparam int ADJ = LOC + LOC_W;
    // ---- egress
    localparam int AOHIT_W = 1;               // the output ACL's reflexive session hit
    localparam int AOHIT = ADJ + ADJ_W;
    localparam int ABHIT_W = 1;               // the BVI's L2 input ACL's reflexive session hit
    localparam int ABHIT = AOHIT + AOHIT_W;
    localparam int TXIF_W = 288;              // the tx interface's entry
    localparam int TXIF = ABHIT + ABHIT_W;
    localparam int PUT_BACK_W = 1;            // the punt of a second pass: the stash to put back
    localparam int PUT_BACK = TXIF + TXIF_W;

    localparam int W = PUT_BACK + PUT_BACK_W;

    /* verilator lint_on UNUSEDPARAM */

endpackage

`define CTX_DATA offload_ctx::DATA +: offload_ctx::DATA_W
`define CTX_KEEP offload_ctx::KEEP +: offload_ctx::KEEP_W
`define CTX_LAST offload_ctx::LAST
`define CTX_SOP offload_ctx::SOP
`define CTX_IN offload_ctx::IN +: offload_ctx::IN_W
`define CTX_META offload_ctx::META +: offload_ctx::META_W
`define CTX_LEN offload_ctx::LEN +: offload_ctx::LEN_W
`define CTX_STASH offload_ctx::STASH +: offload_ctx::STASH_W
`define CTX_SW offload_ctx::SW +: offload_ctx::SW_W
`define CTX_DIRECT offload_ctx::DIRECT
`define CTX_PROTO offload_ctx::PROTO +: offload_ctx::PROTO_W
`define CTX_SRC offload_ctx::SRC +: offload_ctx::SRC_W
`define CTX_DST offload_ctx::DST +: offload_ctx::DST_W
`define CTX_SPORT offload_ctx::SPORT +: offload_ctx::SPORT_W
`define CTX_DPORT offload_ctx::DPORT +: offload_ctx::DPORT_W
`define CTX_TTL offload_ctx::TTL +: offload_ctx::TTL_W
`define CTX_IPLEN offload_ctx::IPLEN +: offload_ctx::IPLEN_W
`define CTX_L4 offload_ctx::L4
`define CTX_L4O offload_ctx::L4O +: offload_ctx::L4O_W
`define CTX_IC offload_ctx::IC +: offload_ctx::IC_W
`define CTX_TCPF offload_ctx::TCPF +: offload_ctx::TCPF_W
`define CTX_OUTER offload_ctx::OUTER
`define CTX_OLB offload_ctx::OLB +: offload_ctx::OLB_W
`define CTX_OFIB offload_ctx::OFIB +: offload_ctx::OFIB_W
`define CTX_PUNT offload_ctx::PUNT
`define CTX_DROP offload_ctx::DROP
`define CTX_REASON offload_ctx::REASON +: offload_ctx::REASON_W
`define CTX_HITS offload_ctx::HITS +: offload_ctx::HITS_W
`define CTX_TCPST offload_ctx::TCPST
`define CTX_FIB offload_ctx::FIB +: offload_ctx::FIB_W
`define CTX_IFE offload_ctx::IFE +: offload_ctx::IFE_W
`define CTX_AIN_ON offload_ctx::AIN_ON
`define CTX_AIN_MATCH offload_ctx::AIN_MATCH
`define CTX_AIN_UNSURE offload_ctx::AIN_UNSURE
`define CTX_AIN_ACTION offload_ctx::AIN_ACTION +: offload_ctx::AIN_ACTION_W
`define CTX_NAT offload_ctx::NAT
`define CTX_NHIT offload_ctx::NHIT
`define CTX_SESS offload_ctx::SESS +: offload_ctx::SESS_W
`define CTX_HASH offload_ctx::HASH +: offload_ctx::HASH_W
`define CTX_LOC offload_ctx::LOC
`define CTX_ADJ offload_ctx::ADJ +: offload_ctx::ADJ_W
`define CTX_AOHIT offload_ctx::AOHIT
`define CTX_ABHIT offload_ctx::ABHIT
`define CTX_TXIF offload_ctx::TXIF +: offload_ctx::TXIF_W
`define CTX_PUT_BACK offload_ctx::PUT_BACK

`resetall
