"""A seccomp filter for the child: a deny-list of system calls, built by hand as a classic BPF program.

A deny-list, not an allow-list: Python, torch and CUDA make hundreds of different calls, and an
allow-list that forgets one breaks honest code in ways nobody can read. What is denied is what no
submission of this chapter needs and what would let it leave the box or watch the grader:

- kernel keyrings (``add_key``, ``request_key``, ``keyctl``): the keyring of uid 0 is shared with
  the host and with later students' children;
- namespaces (``unshare``, ``setns``, ``clone`` with any ``CLONE_NEW*`` flag, ``clone3``, whose
  flags the filter cannot read, so that libc falls back to ``clone``);
- new processes (``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD``) and, unless CUDA needs
  them, new threads: code that runs beside the probe could change what it observes mid-way;
- signal handlers (``rt_sigaction``): a Python handler receives the interrupted frame, and with it
  the probe's;
- reading or writing other processes or kernel state: ``ptrace``, ``process_vm_readv``/``writev``,
  ``pidfd_getfd``, ``kcmp``, ``bpf``, ``perf_event_open``, ``userfaultfd``, ``io_uring_*`` (its
  operations would bypass this filter), ``mount`` and the new mount API, ``pivot_root``,
  ``chroot``, modules (``init_module``, ``finit_module``, ``delete_module``), ``kexec_*``,
  ``reboot``, ``swapon``/``swapoff``, clocks, host names, ``acct``, ``syslog``, ``personality``,
  file handles (``name_to_handle_at``, ``open_by_handle_at``).

Every denied call fails with EPERM (``clone3``: ENOSYS); the 32-bit and x32 system call tables
are denied whole on x86_64. The filter is inherited by anything the child could still start.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

from grader.sandbox import linux

# Linux audit architecture identifiers.
AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7

SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_MODE_FILTER = 2
PR_SET_SECCOMP = 22
PR_GET_SECCOMP = 21

# BPF opcodes.
BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
BPF_JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
BPF_RET_K = 0x06  # BPF_RET | BPF_K

CLONE_THREAD = 0x00010000
CLONE_NEW_ANY = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
    | 0x00000080  # CLONE_NEWTIME
)

# name -> (x86_64 number, aarch64 number); None where the call does not exist.
DENIED: dict[str, tuple[int | None, int | None]] = {
    "add_key": (248, 217),
    "request_key": (249, 218),
    "keyctl": (250, 219),
    "unshare": (272, 97),
    "setns": (308, 268),
    "fork": (57, None),
    "vfork": (58, None),
    "rt_sigaction": (13, 134),
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "pidfd_getfd": (438, 438),
    "process_madvise": (440, 440),
    "kcmp": (312, 272),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "open_tree": (428, 428),
    "move_mount": (429, 429),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "init_module": (175, 105),
    "finit_module": (313, 273),
    "delete_module": (176, 106),
    "kexec_load": (246, 104),
    "kexec_file_load": (320, 294),
    "reboot": (169, 142),
    "swapon": (167, 224),
    "swapoff": (168, 225),
    "acct": (163, 89),
    "syslog": (103, 116),
    "personality": (135, 92),
    "settimeofday": (164, 170),
    "clock_settime": (227, 112),
    "clock_adjtime": (305, 266),
    "adjtimex": (159, 171),
    "sethostname": (170, 161),
    "setdomainname": (171, 162),
    "quotactl": (179, 60),
    "name_to_handle_at": (303, 264),
    "open_by_handle_at": (304, 265),
    "iopl": (172, None),
    "ioperm": (173, None),
}
CLONE = (56, 220)
CLONE3 = (435, 435)
X32_SYSCALL_BIT = 0x40000000


def _instruction(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


def program(machine: str, *, threads: bool) -> bytes:
    """The filter for this machine ('x86_64' or 'aarch64'); ``threads``: allow new threads."""
    if machine in ("x86_64", "amd64"):
        arch, column = AUDIT_ARCH_X86_64, 0
    elif machine in ("aarch64", "arm64"):
        arch, column = AUDIT_ARCH_AARCH64, 1
    else:
        raise OSError(errno.ENOSYS, f"no seccomp filter for the {machine} architecture")
    eperm = SECCOMP_RET_ERRNO | errno.EPERM
    enosys = SECCOMP_RET_ERRNO | errno.ENOSYS
    denied = sorted({numbers[column] for numbers in DENIED.values() if numbers[column] is not None})
    # Layout: check the architecture, load the call number, (refuse x32), one jeq per denied
    # call, then clone and clone3; ALLOW; the clone flag block; the shared returns (thread
    # verdict, EPERM, ENOSYS). Jumps are relative and forward only, resolved below.
    out: list[bytes] = []
    head = [("ld", 4, 0), ("arch", arch, 0), ("ld", 0, 0)]
    if column == 0:
        head.append(("x32", X32_SYSCALL_BIT, 0))
    checks = [("deny", nr, 0) for nr in denied]
    checks.append(("clone", CLONE[column], 0))
    checks.append(("clone3", CLONE3[column], 0))
    body = head + checks
    # After the body: [allow], then the clone flag block, then [eperm], [enosys].
    clone_block = [
        ("ld", 16, 0),  # args[0], low 32 bits (little-endian)
        ("nsflags", CLONE_NEW_ANY, 0),
        ("thread", CLONE_THREAD, 0),
    ]
    n_body = len(body)
    allow_at = n_body
    clone_at = allow_at + 1
    after_clone = clone_at + len(clone_block)
    thread_allow_at = after_clone  # ALLOW (threads) or EPERM
    eperm_at = thread_allow_at + 1
    enosys_at = eperm_at + 1

    def rel(target: int, here: int) -> int:
        offset = target - here - 1
        if not 0 <= offset <= 255:
            raise ValueError("seccomp program too long for a short jump")
        return offset

    for index, (kind, value, _) in enumerate(body):
        if kind == "ld":
            out.append(_instruction(BPF_LD_W_ABS, 0, 0, value))
        elif kind == "arch":  # anything but our own table (i386, x32 via arch) is refused
            out.append(_instruction(BPF_JEQ_K, 0, rel(eperm_at, index), value))
        elif kind == "x32":
            out.append(_instruction(BPF_JGE_K, rel(eperm_at, index), 0, value))
        elif kind == "deny":
            out.append(_instruction(BPF_JEQ_K, rel(eperm_at, index), 0, value))
        elif kind == "clone":
            out.append(_instruction(BPF_JEQ_K, rel(clone_at, index), 0, value))
        elif kind == "clone3":
            out.append(_instruction(BPF_JEQ_K, rel(enosys_at, index), 0, value))
    out.append(_instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))  # allow_at
    for offset, (kind, value, _) in enumerate(clone_block):
        index = clone_at + offset
        if kind == "ld":
            out.append(_instruction(BPF_LD_W_ABS, 0, 0, value))
        elif kind == "nsflags":  # any namespace flag: refused
            out.append(_instruction(BPF_JSET_K, rel(eperm_at, index), 0, value))
        elif kind == "thread":  # a thread: allowed only when asked; a process: refused
            out.append(
                _instruction(BPF_JSET_K, rel(thread_allow_at, index), rel(eperm_at, index), value)
            )
    out.append(_instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW if threads else eperm))
    out.append(_instruction(BPF_RET_K, 0, 0, eperm))  # eperm_at
    out.append(_instruction(BPF_RET_K, 0, 0, enosys))  # enosys_at
    return b"".join(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(*, threads: bool) -> None:
    """Install the filter on the calling thread (and everything it starts). Needs no_new_privs."""
    code = program(platform.machine(), threads=threads)
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    linux.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog))


def active() -> bool:
    """Whether a seccomp filter is in force on this thread."""
    return linux.prctl(PR_GET_SECCOMP) == SECCOMP_MODE_FILTER
