"""Does a reply that announces a terabyte get refused before a byte of it is read?"""

import os
import struct

AFFECTS = ["modules.replicate"]
KIND = "protocol violation"
FEEDBACK = "exceeds the limit"


def replicate(factory, n):
    os.write(4, struct.pack(">Q", 2**40))
    return nn.Sequential(*(factory() for _ in range(n)))
