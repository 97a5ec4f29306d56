// The seccomp filter every sandboxed command runs under.
//
// Default allow; the system calls that reach past the sandbox (mount,
// namespaces, ptrace, kernel modules, kexec, bpf, perf, keyrings, clocks,
// swap, reboot, io_uring, ...) fail with EPERM. clone with any CLONE_NEW*
// flag fails with EPERM; clone3, whose flags a filter cannot read, fails
// with ENOSYS so that libc falls back to clone. Other architectures' system
// call tables (x32, i386 through int 0x80) kill the process.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "common/status.h"

namespace sextant::toolserver::sandbox::internal {

// Builds the filter as a classic BPF program. Errors: internal when
// libseccomp fails.
Result<std::vector<sock_filter>> BuildSeccompProgram();

}  // namespace sextant::toolserver::sandbox::internal
