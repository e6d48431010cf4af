"""Does a quantized tensor in place of a float one get a clear message and cost only its item?"""

AFFECTS = ["modules.MySequential"]
KIND = "invalid result"
FEEDBACK = "quantized"


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        for module in self._modules.values():
            X = module(X)
        return torch.quantize_per_tensor(X.detach(), 0.1, 0, torch.qint8)
