"""Does code that sleeps forever cost only the item that sleeps?"""

import time

AFFECTS = ["modules.Parallel"]
KIND = "timeout"
FEEDBACK = "did not finish within"


class Parallel(nn.Module):
    def __init__(self, net1, net2, dim=-1):
        super().__init__()
        self.net1, self.net2, self.dim = net1, net2, dim

    def forward(self, X):
        time.sleep(10**6)
