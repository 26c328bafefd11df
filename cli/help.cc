#include "cli/help.h"

#include <linux/hbamgr.h>

#include "absl/strings/str_cat.h"

namespace hbamgr::cli {

const std::vector<HelpSection>& HelpSections() {
  static const std::vector<HelpSection> kSections = {
      {"NAME", {{"", "hbacli - manage and diagnose hbamgr SAS/RAID host bus adapters"}}},
      {"SYNOPSIS",
       {{"", "hbacli [OPTIONS] show [J]"},
        {"", "hbacli [OPTIONS] OBJECT VERB [ARGUMENTS...] [J]"}}},
      {"DESCRIPTION",
       {{"",
         "hbacli talks to hbamgrd, the hbamgr daemon, over gRPC: locally on its unix socket "
         "(the daemon checks the caller's uid) or remotely with --host over mutual TLS. "
         "Commands follow storcli: an object path, a verb and its arguments. Read "
         "commands are open to every user; commands that change an adapter, passthrough "
         "and fault injection need root or the daemon's admin group."}}},
      {"OBJECTS",
       {{"/cN", "controller (adapter) N, as listed by 'show'"},
        {"/cN/eall/sall", "every drive of controller N"},
        {"/cN/eE/sall", "every drive of enclosure E"},
        {"/cN/eE/sS", "the drive in slot S of enclosure E"},
        {"/cN/eE", "enclosure E (fault injection only)"},
        {"/cN/vall", "every virtual drive"},
        {"/cN/vV", "virtual drive V"}}},
      {"COMMANDS",
       {{"show", "one line per controller"},
        {"/cN show [all]",
         "controller properties, virtual drives and drives; all adds "
         "limits, counters, enclosures and background operations"},
        {"/cN/eall/sall show [all]", "drive table; all adds each drive's attributes"},
        {"/cN/eE/sS show [all|smart|errorcounters]", "one drive"},
        {"/cN/vall show [all]", "virtual drives; all adds their member drives"},
        {"/cN/vV show [all]", "one virtual drive and its members"},
        {"/cN show events [latest=N] [from=SEQ] [filter=F]",
         "stored events, oldest first. F is a comma-separated list of severity>=LEVEL "
         "(info, warning, critical, fatal; severity=LEVEL means the same), class=CLASS "
         "(ctrl, encl, pd, vd, bgop) and code=N (e.g. code=0x0203)"},
        {"/cN watch events [from=SEQ] [filter=F]",
         "print events as they arrive, one line each, until Ctrl-C; from=SEQ first replays "
         "stored events from that sequence number"},
        {"/cN show rebuild|init|cc", "background operations of that kind with a progress bar"},
        {"show health", "the hardware health of every controller: OK, WARNING, CRITICAL or FAILED"},
        {"/cN[/eE[/sS]|/vV] show health",
         "the health of the controller (rolled up over its objects) or of one object, with "
         "the reasons and, per drive, temperature, media errors, SMART status and last "
         "self-test"},
        {"/cN show alerts [all]",
         "open alerts (all: cleared ones too): one per condition of an object, with when it "
         "was first seen, how often it was sent and who acknowledged it"},
        {"/cN ack alert=N", "acknowledge an open alert: no more reminders for it"},
        {"/cN alert test",
         "send a test alert through the journal, the exec hook and alert streams (like smartd "
         "-M test); fails (exit 3) when the hook does"},
        {"/cN/eE/sS start|stop locate", "turn the drive's locate LED on or off"},
        {"/cN add vd rL drives=E:S[-S][,E:S...] [name=NAME] [strip=KB] [init]",
         absl::StrCat("create a RAID L (0, 1, 5, 6, 10) virtual drive, members in the order "
                      "given (at most ",
                      HBAMGR_VD_MAX_PDS,
                      "; RAID 1 takes 2, RAID 5 at least 3, RAID 6 and 10 "
                      "at least 4, RAID 10 an even number); NAME is up to ",
                      HBAMGR_VD_NAME_LEN - 1,
                      " printable ASCII characters; KB is the strip "
                      "size, a power of two from ",
                      HBAMGR_STRIP_KB_MIN, " to ", HBAMGR_STRIP_KB_MAX, " (default ",
                      HBAMGR_STRIP_KB_DEFAULT, "); init starts a background initialization")},
        {"/cN/vV del [force]",
         "delete a virtual drive; force is needed while an init or "
         "consistency check runs on it"},
        {"/cN/eE/sS start rebuild [wait]",
         "rebuild the drive; wait follows the progress "
         "until the rebuild ends"},
        {"/cN/eE/sS stop rebuild", "abort a rebuild"},
        {"/cN/vV start init|cc [wait]",
         "start a background initialization or consistency "
         "check"},
        {"/cN/vV stop init|cc", "abort it"},
        {"/cN/eE/sS set online|offline|good|hotspare", "change the drive's state"},
        {"/cN set [rebuildrate=PERCENT] [patrol=on|off]",
         "share of time given to background operations (1..100), patrol read on or off"},
        {"/cN restart [nowait]", "reset the adapter and wait until it is live again"},
        {"/cN passthru cdb=HEX [target=N] [phys] [datain=N] [dataout=HEX] [timeout=MS]",
         "send a SCSI command to virtual drive N, or with phys to drive (device id) N; prints "
         "the data as a hex dump and decodes the sense data"},
        {"/cN/eE/sS inject fail|mediaerror lba=N|temperature value=C",
         "simulated adapters only: fail the drive, plant a media error, set its temperature"},
        {"/cN/eE inject linkdown|linkup", "take an enclosure's link down or up"},
        {"/cN inject fwfault [code=N]|storm [count=N] [rate=N]|resetstorm [count=N]|"
         "lostcompletion [count=N]|latecompletion [count=N] [delay=MS]|"
         "dupcompletion [count=N]|clear",
         "firmware fault (the daemon resets the adapter), unsolicited event storm now (or "
         "rate= events per second) or at the next recovery, completion faults, or clear "
         "pending completion faults and storms"}}},
      {"OPTIONS",
       {{"--socket PATH",
         "the daemon's unix socket (default /run/hbamgr/hbamgrd.sock, or "
         "$HBAMGR_SOCKET)"},
        {"--host HOST:PORT", "connect over TCP with mutual TLS instead"},
        {"--tls-ca FILE", "CA certificate that signed the daemon's certificate (PEM)"},
        {"--tls-cert FILE", "client certificate (PEM)"},
        {"--tls-key FILE", "its private key (PEM)"},
        {"--timeout SECONDS",
         "deadline of each call to the daemon, more than 0 and at most 86400 (default 30)"},
        {"--json", "print JSON instead of tables; the same as a trailing J"},
        {"--help", "this text"},
        {"--version", "print the version"}}},
      {"JSON",
       {{"",
         "With --json or J every command prints one object: {\"hbacli_schema\": 1, "
         "\"command\": \"/c0 show\", \"status\": \"success\" or \"failure\", "
         "\"description\": text or null, \"error\": null or {\"code\": gRPC code name, "
         "\"exit_status\": N, \"message\": text}, \"data\": {...}}. Keys are never "
         "dropped: a value that is absent is null. watch events prints one such object "
         "per line with data {\"event\": {...}}. docs/cli.md lists every data member."}}},
      {"EXIT STATUS",
       {{"0", "success"},
        {"1",
         "usage error: bad command, option or argument (also INVALID_ARGUMENT from the "
         "daemon)"},
        {"2",
         "object not found (NOT_FOUND): every missing controller, enclosure, drive and "
         "virtual drive, whichever command names it"},
        {"3",
         "operation refused or failed: wrong state, busy, SCSI error "
         "(FAILED_PRECONDITION, ABORTED, RESOURCE_EXHAUSTED, UNIMPLEMENTED)"},
        {"4", "permission denied (PERMISSION_DENIED, UNAUTHENTICATED)"},
        {"5", "daemon unreachable (UNAVAILABLE)"},
        {"6", "timeout (DEADLINE_EXCEEDED)"},
        {"7", "internal error (any other status)"}}},
      {"ENVIRONMENT", {{"HBAMGR_SOCKET", "default for --socket"}}},
      {"SEE ALSO", {{"", "hbamgrd(8), hbamgrd.conf(5); docs/cli.md in the hbamgr sources"}}},
      {"EXAMPLES",
       {{"hbacli show", "list the controllers"},
        {"hbacli /c0 show all J", "everything about controller 0, as JSON"},
        {"hbacli /c0/eall/sall show", "every drive"},
        {"hbacli /c0 add vd r1 drives=0:1-2 name=mirror",
         "mirror slots 1 and 2 of "
         "enclosure 0"},
        {"hbacli /c0/e0/s2 inject fail", "fail a drive of a simulated adapter"},
        {"hbacli /c0/e0/s2 start rebuild wait", "rebuild it, following the progress"},
        {"hbacli /c0 show events latest=20 filter=severity>=warning,class=pd",
         "the last 20 drive warnings"},
        {"hbacli /c0 passthru cdb=120000006000 datain=96", "INQUIRY to virtual drive 0"},
        {"hbacli /c0 show health", "why controller 0 is not OK, object by object"},
        {"hbacli /c0 show alerts all J", "every alert of controller 0, as JSON"},
        {"hbacli --host hba1:50051 --tls-ca ca.pem --tls-cert me.pem --tls-key me.key show",
         "a remote daemon"}}},
  };
  return kSections;
}

std::string RenderHelp() { return manual::RenderText(HelpSections()); }

std::string RenderManPage() {
  return manual::RenderManPage(HelpSections(), "HBACLI", 1, "'hbacli --man' from cli/help.cc");
}

}  // namespace hbamgr::cli
