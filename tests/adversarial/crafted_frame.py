"""Does a forged reply whose tensor header claims 10^10 elements (with 4 bytes) get refused by the
parent's decoder without allocating, and cost only its item?"""

import os
import struct

AFFECTS = ["modules.NestMLP"]
KIND = "protocol violation"
FEEDBACK = "invalid reply"


def _forged_frame():
    # {"ok": <tensor float32 of shape (10**10,) carrying 4 bytes>}
    body = b"m" + struct.pack(">I", 1) + b"s" + struct.pack(">I", 2) + b"ok"
    body += (
        b"X"
        + bytes((1, 1))
        + struct.pack(">Q", 10**10)
        + struct.pack(">Q", 4 * 10**10)
        + b"\0\0\0\0"
    )
    return struct.pack(">Q", len(body)) + body


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        os.write(4, _forged_frame())
        return self.linear(self.net(X))
