"""Can code in the child reach the network: the grader's own loopback, another host, DNS?"""

import socket

AFFECTS = ["modules.MLP"]
KIND = "exception"
FEEDBACK = "report:"


def _try(action):
    try:
        action()
        return "OK"
    except OSError as exc:
        return type(exc).__name__


def _connect(host, port):
    with socket.create_connection((host, port), timeout=1):
        pass


def _udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", ("192.0.2.1", 9))


_REPORT = "; ".join(
    [
        "loopback=" + _try(lambda: _connect("127.0.0.1", int("@PORT@"))),
        "remote=" + _try(lambda: _connect("192.0.2.1", 80)),
        "dns=" + _try(lambda: socket.getaddrinfo("example.com", 80)),
        "udp=" + _try(_udp),
    ]
)


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        raise RuntimeError("report: " + _REPORT)
